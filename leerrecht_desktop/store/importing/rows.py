"""One spreadsheet row to a case profile, checked as the app's own form checks it: the values through
the pick lists (a key or a label, in any case, with or without accents), dates as the date field
accepts them or as real Excel dates, and then `CaseProfile.validate`. Every problem is one plain Dutch
sentence that starts with the row's number as the spreadsheet shows it ("rij 14: ...")."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from leerrecht_core.i18n import tr
from leerrecht_desktop.models.case import CaseProfile, Contact, WorkerRef
from leerrecht_desktop.models.catalog import pick_lists
from leerrecht_desktop.models.dates import date_text, parse_date
from leerrecht_desktop.models.enums import GENDERS, CaseStatus
from leerrecht_desktop.models.validation import ValidationError
from leerrecht_desktop.store.importing.mapping import Mapping, field_label, normal
from leerrecht_desktop.store.importing.sheet import Cell, Row

# What people write for the closed lists beside the keys and labels (normalised, see mapping.normal).
_GENDER_WORDS = {
    "m": ("man", "jongen", "mannelijk", "male", "j"),
    "v": ("vrouw", "meisje", "vrouwelijk", "female", "f", "meid"),
    "x": ("ander", "andere", "anders", "a", "genderneutraal", "non binair"),
}
_STATUS_WORDS = {
    "aangemeld": ("nieuw", "aanmelding", "wachtlijst"),
    "actief": ("lopend", "open", "in begeleiding", "opgestart"),
    "afgesloten": ("gesloten", "afgerond", "beeindigd", "stopgezet"),
}
_LEVEL_WORDS: dict[str, tuple[str, ...]] = {
    "kleuter": ("kleuteronderwijs", "kleuterschool"),
    "lager": ("lager onderwijs", "lagere school"),
    "schoolverlater": ("school verlaten", "geen school"),
}
for _key, _n, _word in (("graad1", 1, "eerste"), ("graad2", 2, "tweede"), ("graad3", 3, "derde")):
    _LEVEL_WORDS[_key] = (f"{_n}e graad", f"{_n}de graad", f"{_n}ste graad", f"{_word} graad", f"graad {_n}",
                          f"{_n}e graad so", f"{_n}e graad secundair onderwijs", f"{_word} graad secundair")
_SPLIT = re.compile(r"[,;/|+\n]")
# A date written with numbers that parse_date refused: it has the right shape, so the day doesn't exist.
_DATE_SHAPE = re.compile(r"^\d{1,4}[/.\- ]\d{1,2}[/.\- ]\d{2,4}$|^\d{6}$|^\d{8}$")
_TIME = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")
_Say = Callable[[str], None]
_EXCEL_EPOCH = dt.date(1899, 12, 30)  # Excel's day 0 (after its 1900 leap-year slip)


@dataclass
class ParsedRow:
    number: int
    profile: CaseProfile
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def problem(row: int, text: str) -> str:
    return tr("rij {row}: {problem}", row=row, problem=text)


def _choices(list_name: str, extra: dict[str, tuple[str, ...]] | None = None) -> dict[str, str]:
    """normalised key, label (every language) and extra word -> key"""
    out: dict[str, str] = {}
    for choice in getattr(pick_lists(), list_name):
        out[normal(choice.key)] = choice.key
        for label in choice.labels.values():
            out.setdefault(normal(label), choice.key)
    for key, words in (extra or {}).items():
        for word in words:
            out.setdefault(normal(word), key)
    return out


def _shown(list_name: str) -> str:
    return ", ".join(c.label for c in getattr(pick_lists(), list_name))


def cell_text(cell: Cell) -> str:
    """A cell as text: a whole number without '.0', a date as the app writes it."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return tr("ja") if cell else tr("nee")
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, dt.datetime):
        return date_text(cell.date())
    if isinstance(cell, dt.date):
        return date_text(cell)
    return " ".join(str(cell).split()) if not isinstance(cell, str) else cell.strip()


class RowReader:
    """Reads the rows of one file under one mapping; `me` is who the import assigns cases to."""

    def __init__(self, mapping: Mapping, me: WorkerRef, today: dt.date):
        self.mapping = mapping
        self.me = me
        self.today = today
        self._lists = {
            "school": ("schools", _choices("schools")),
            "level": ("levels", _choices("levels", _LEVEL_WORDS)),
            "referral_source": ("referral_sources", _choices("referral_sources", {"jongere": ("jongere",)})),
            "closed_reason": ("closed_reasons", _choices("closed_reasons")),
        }
        self._multi = {
            "target_groups": ("target_groups", _choices("target_groups", {"vsv": ("vroegtijdig schoolverlater",),
                                                                         "spijbelaar": ("spijbelen",)})),
            "life_domains": ("life_domains", _choices("life_domains")),
        }
        self._genders = {normal(g): g for g in GENDERS}
        self._genders.update({normal(w): g for g, words in _GENDER_WORDS.items() for w in words})
        # The statuses are an enum, not a pick list.
        self._statuses = {normal(s.value): s.value for s in CaseStatus}
        self._statuses.update({normal(s.label): s.value for s in CaseStatus})
        self._statuses.update({normal(w): s for s, words in _STATUS_WORDS.items() for w in words})

    def read(self, row: Row) -> ParsedRow:
        p = CaseProfile()
        problems: list[str] = []
        contact = Contact()

        def say(text: str) -> None:
            problems.append(problem(row.number, text))

        for column, name in sorted(self.mapping.columns.items()):
            cell = row.cell(column)
            text = cell_text(cell)
            if not text:
                continue
            label = field_label(name)
            if name in ("first_name", "last_name", "class_name", "home_language", "address", "network"):
                setattr(p, name, text)
            elif name == "birth_date":
                p.birth_date = self._date(cell, text, label, say)
            elif name == "referral_on":
                p.referral.referred_on = self._date(cell, text, label, say)
            elif name == "referred_by":
                p.referral.referred_by = text
            elif name == "concern":
                p.referral.concern = text
            elif name == "gender":
                p.gender = self._pick(self._genders, text, label, say, "m, v, x") or ""
            elif name == "status":
                p.status = self._pick(self._statuses, text, label, say,
                                      ", ".join(s.label for s in CaseStatus)) or p.status
            elif name in self._lists:
                list_name, known = self._lists[name]
                value = self._pick(known, text, label, say, _shown(list_name)) or ""
                if name == "school":
                    p.school = value
                elif name == "level":
                    p.level = value
                elif name == "referral_source":
                    p.referral.source = value
                else:
                    p.closed_reason = value
            elif name in self._multi:
                list_name, known = self._multi[name]
                keys = [self._pick(known, part, label, say, _shown(list_name)) for part in _SPLIT.split(text)
                        if part.strip()]
                setattr(p, name, list(dict.fromkeys(k for k in keys if k)))
            elif name == "contact_name":
                contact.name = text
            elif name == "contact_relation":
                contact.relation = text
            elif name == "contact_phone":
                contact.phone = _phone(cell, text)
            elif name == "assigned":
                if normal(text) != normal(self.me.name):
                    say(tr("medewerker '{name}' is niet gekend op deze laptop: laat de kolom leeg, dan krijg jij "
                           "het dossier (overdragen kan daarna)", name=text))
                else:
                    p.assigned = [self.me]
        if contact.name or contact.relation or contact.phone:
            p.contacts = [contact]
        # Always, also after a problem above: a value that could not be read was left empty, so the
        # form's checks report the rest of the row, not that value a second time.
        try:
            p.validate(self.today)
        except ValidationError as exc:
            problems += [problem(row.number, _named(e.field, e.message)) for e in exc.errors]
        return ParsedRow(row.number, p, problems)

    def _pick(self, known: dict[str, str], text: str, label: str, say: _Say, shown: str) -> str | None:
        key = known.get(normal(text))
        if key is None:
            say(tr("{field} '{value}' staat niet in de lijst (kies uit: {choices})", field=label, value=text.strip(),
                   choices=shown))
        return key

    def _date(self, cell: Cell, text: str, label: str, say: _Say) -> dt.date | None:
        if isinstance(cell, dt.datetime):
            return cell.date()
        if isinstance(cell, dt.date):
            return cell
        if isinstance(cell, (int, float)) and not isinstance(cell, bool) and 1 <= cell < 200_000:
            # A date cell Excel didn't format as a date: its serial day number.
            return _EXCEL_EPOCH + dt.timedelta(days=int(cell))
        # A date exported with its midnight ("14/08/2011 00:00:00"): the day is what counts.
        text = _TIME.sub("", text)
        day = parse_date(text, self.today)
        if day is None:
            if _DATE_SHAPE.match(text.strip()):
                say(tr("{field} {value} bestaat niet", field=label, value=text.strip()))
            else:
                say(tr("{field} '{value}' is geen datum: schrijf ze als 14/08/2011", field=label, value=text.strip()))
        return day


# The form's field names (FieldError.field) as the import's fields, to name them in a problem.
_FORM_FIELDS = {"referral.concern": "concern", "referral.source": "referral_source",
                "referral.referred_on": "referral_on"}


def _named(form_field: str, message: str) -> str:
    """A form's message, with the field named in front when it doesn't say which ("Deze tekst is te
    lang" says it in the form, beside the field; a row has many)."""
    if form_field.startswith("contacts."):
        name = "contact_" + form_field.rsplit(".", 1)[-1]
    else:
        name = _FORM_FIELDS.get(form_field, form_field)
    label = field_label(name)
    return message if label.casefold() in message.casefold() else f"{label}: {message}"


def _phone(cell: Cell, text: str) -> str:
    """A phone number. Excel keeps a number typed as 0470123456 as 470123456: its leading zero is put
    back (Belgian numbers without the country code have 9 or 10 digits with it)."""
    if isinstance(cell, (int, float)) and not isinstance(cell, bool) and 8 <= len(text) <= 9 and text[0] != "0":
        return "0" + text
    return text
