"""An access request (inzage, GDPR art. 15) for one young person: their case file as a PDF a family can
read, or as JSON for portability (art. 20).

The PDF is in plain Dutch (or English when the app is), holds no internal ids (no uuids, key versions or
author ids), shows every entry with its date and who wrote it, the profile in words (pick-list labels,
never keys), and starts with a page that says what the document is, for whom, made by whom, when and
from which team. The JSON is the whole-profile export's structure with one case, plus `scope` and
readable `labels` (docs/export-format.md).

Like `loading.py`, this package never imports the store: `make_access_request` takes the caller's
unlocked case files, which only need `user`, `load_case()` and `export(case_ids=...)`."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, PageBreak, Paragraph, Spacer, Table, TableStyle

from leerrecht_core.i18n import current_language, tr
from leerrecht_desktop.models.case import CaseProfile
from leerrecht_desktop.models.catalog import pick_lists, wellbeing_questionnaire
from leerrecht_desktop.models.entries import (
    Entry,
    FamilyContact,
    FollowUpNote,
    HomeVisit,
    SupportMeasure,
    WellbeingScale,
)
from leerrecht_desktop.models.enums import FILLED_IN_BY, GENDERS, SCALE_GENDERS, CaseStatus, Kind, Role
from leerrecht_desktop.models.records import Record, saved_text
from leerrecht_desktop.models.wellbeing import score
from leerrecht_desktop.paths import APP_AUTHOR
from leerrecht_desktop.reports.fonts import BODY, BOLD, rich
from leerrecht_desktop.reports.layout import CONTENT_WIDTH, RULE, build_pdf, format_date, next_step_text, styles
from leerrecht_desktop.reports.loading import CaseFileLike

SUFFIXES = (".pdf", ".json")
# The organisation whose teams keep the case files, named on the first page (there is no setting for it:
# the app is Stad Mechelen's, as its data folders say).
ORGANISATION = APP_AUTHOR


@dataclass(frozen=True)
class Maker:
    """Who makes the document, and for which team of which organisation."""

    name: str
    role: str  # a Role value
    team: str
    organisation: str


# -- words ---------------------------------------------------------------------------------------------


def gender_label(gender: str) -> str:
    return {"m": tr("jongen"), "v": tr("meisje"), "x": tr("x (anders of liever niet gezegd)"),
            "a": tr("anders")}.get(gender, gender)


def filled_in_by_label(key: str) -> str:
    return {"jongere": tr("de jongere zelf"), "samen": tr("de jongere samen met de begeleider"),
            "medewerker": tr("de begeleider, tijdens een gesprek")}.get(key, key)


def status_label(profile: CaseProfile) -> str:
    status = CaseStatus(profile.status).label if profile.status in CaseStatus._value2member_map_ else profile.status
    if profile.status == CaseStatus.AFGESLOTEN and profile.closed_reason:
        status += " (" + pick_lists().label("closed_reasons", profile.closed_reason) + ")"
    return status


def role_label(role: str) -> str:
    return Role(role).label if role in Role._value2member_map_ else role


def _labels(list_name: str, keys: Iterable[str]) -> str:
    return ", ".join(pick_lists().label(list_name, k) for k in keys)


# -- the PDF -------------------------------------------------------------------------------------------


class _Story:
    def __init__(self, profile: CaseProfile, entries: list[tuple[Entry, str, str]], maker: Maker, made_at: dt.datetime,
                 authors: list[str], refused: int) -> None:
        self.profile = profile
        self.entries = entries
        self.authors = authors
        self.maker = maker
        self.made_at = made_at
        self.refused = refused
        self.s = styles()

    def p(self, text: str, style: str = "body") -> Paragraph:
        return Paragraph(rich(text, bold=self.s[style].fontName == BOLD), self.s[style])

    def facts(self, rows: list[tuple[str, str]], label_width: float = 48 * mm) -> list[Flowable]:
        """Label and value (user text) pairs; empty values are left out."""
        data = [[self.p(label, "cell_head"), self.p(value, "cell")] for label, value in rows if value.strip()]
        if not data:
            return []
        table = Table(data, colWidths=[label_width, CONTENT_WIDTH - label_width], hAlign="LEFT", splitInRow=1)
        table.setStyle(TableStyle([
            ("FONT", (0, 0), (-1, -1), BODY, 8.5),  # no base-14 font in the file
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE),
        ]))
        return [table]

    def story(self) -> list[Flowable]:
        return [*self.cover(), PageBreak(), *self.profile_part(), *self.entries_part()]

    def cover(self) -> list[Flowable]:
        pr, m = self.profile, self.maker
        team = m.team.strip() or tr("het team")
        if m.organisation.strip():
            team = tr("{team} van {organisation}", team=team, organisation=m.organisation.strip())
        out: list[Flowable] = [
            self.p(tr("Inzage in een dossier"), "small"),
            self.p(tr("Wat er over {name} in Leerrecht staat", name=pr.full_name), "title"),
            Spacer(1, 3 * mm),
            self.p(tr("Dit document is een kopie van het dossier over {name} dat {team} bijhoudt in Leerrecht, "
                      "het programma waarin begeleiders noteren hoe ze een jongere en het gezin helpen.",
                      name=pr.full_name, team=team)),
            self.p(tr("Je krijgt het omdat er om inzage gevraagd werd. Iedereen heeft het recht om te weten "
                      "welke gegevens een organisatie over hem of haar bijhoudt: dat staat in de Algemene "
                      "Verordening Gegevensbescherming (AVG), artikel 15.")),
            Spacer(1, 2 * mm),
            *self.facts([
                (tr("Over wie"), pr.full_name + (tr(", geboren op {date}", date=format_date(pr.birth_date))
                                                 if pr.birth_date else "")),
                (tr("Gemaakt door"), f"{m.name} ({role_label(m.role)})" if m.role else m.name),
                (tr("Gemaakt op"), tr("{date} om {time}", date=format_date(self.made_at.date()),
                                      time=self.made_at.strftime("%H:%M"))),
                (tr("Team"), m.team),
                (tr("Organisatie"), m.organisation),
            ]),
            self.p(tr("Wat staat erin"), "h1"),
            self.p(tr("Eerst de gegevens over {first}: school, gezin, waarom de begeleiding begon en wie ze doet. "
                      "Daarna alles wat de begeleiders noteerden, van het oudste tot het nieuwste, telkens met de "
                      "datum en wie het schreef. Aantal: {n}.", first=pr.first_name or pr.full_name,
                      n=len(self.entries))),
            self.p(tr("Dit is het dossier zoals het nu is. Eerdere versies van een notitie en notities die "
                      "gewist werden, staan er niet in; die kan je apart opvragen.")),
        ]
        if self.authors:
            out.append(self.p(tr("Geschreven door: {names}.", names=", ".join(self.authors))))
        if self.refused:
            out.append(self.p(tr("Let op: {n} onderdelen van het dossier konden niet veilig geopend worden en staan "
                                 "hier niet in. Het team zoekt uit hoe dat komt.", n=self.refused)))
        out += [
            self.p(tr("Klopt er iets niet?"), "h1"),
            self.p(tr("Je mag vragen om iets te verbeteren (AVG, artikel 16) of te wissen (artikel 17). Vraag het "
                      "aan {name} of aan de coördinator van het team.", name=m.name)),
            self.p(tr("Dit document bevat persoonlijke gegevens. Bewaar het op een veilige plaats en geef het niet "
                      "door aan anderen."), "small"),
        ]
        return out

    def profile_part(self) -> list[Flowable]:
        pr = self.profile
        lists = pick_lists()
        ref = pr.referral
        consent = tr("nog niet gegeven")
        if pr.consent.given:
            consent = tr("ja, op {date}", date=format_date(pr.consent.on)) if pr.consent.on else tr("ja")
        out: list[Flowable] = [self.p(tr("Gegevens over {name}", name=pr.full_name), "h1")]
        out += self.facts([
            (tr("Voornaam"), pr.first_name),
            (tr("Familienaam"), pr.last_name),
            (tr("Geboortedatum"), format_date(pr.birth_date)),
            (tr("Geslacht"), gender_label(pr.gender) if pr.gender else ""),
            (tr("Thuistaal"), pr.home_language),
            (tr("Adres"), pr.address),
            (tr("School"), pr.school),
            (tr("Klas"), pr.class_name),
            (tr("Onderwijsniveau"), lists.label("levels", pr.level) if pr.level else ""),
            (tr("Stand van de begeleiding"), status_label(pr)),
            (tr("Waarom begeleiding (doelgroep)"), _labels("target_groups", pr.target_groups)),
            (tr("Waarover het gaat"), _labels("life_domains", pr.life_domains)),
            (tr("Begeleiders"), ", ".join(w.name for w in pr.assigned if w.name)),
            (tr("Toestemming voor de begeleiding"), consent),
        ])
        out.append(self.p(tr("Hoe de begeleiding begon"), "h2"))
        source = lists.label("referral_sources", ref.source) if ref.source else ""
        started = self.facts([
            (tr("Gemeld door"), " – ".join(x for x in (source, ref.referred_by) if x)),
            (tr("Gemeld op"), format_date(ref.referred_on)),
            (tr("De bezorgdheid"), ref.concern),
        ])
        out += started or [self.p(tr("Hierover is niets genoteerd."), "small")]
        if pr.contacts:
            out.append(self.p(tr("Ouders en andere contactpersonen"), "h2"))
            out += self.facts([(c.name, ", ".join(x for x in (c.relation, c.phone) if x) or "–")
                               for c in pr.contacts])
        if pr.network.strip():
            out += [self.p(tr("Mensen en diensten rond {first}", first=pr.first_name or pr.full_name), "h2"),
                    self.p(pr.network)]
        return out

    def entries_part(self) -> list[Flowable]:
        out: list[Flowable] = [self.p(tr("Wat de begeleiders noteerden"), "h1")]
        if not self.entries:
            return [*out, self.p(tr("Er is nog niets genoteerd."), "small")]
        for entry, author, saved in self.entries:
            # When it was last saved: its author's own time, or (marked) when it reached this laptop.
            head = [self.p(f"{format_date(entry.occurred_on)} · {entry.kind.label}", "h2"),
                    self.p(tr("Geschreven door {name}, laatst opgeslagen op {moment}", name=author, moment=saved),
                           "small")]
            body = self.entry_body(entry)
            # The heading stays with the start of what it heads; a long note may flow onto the next page.
            out.append(KeepTogether([*head, *body[:1]]))
            out += body[1:]
            out.append(Spacer(1, 2 * mm))
        return out

    def entry_body(self, e: Entry) -> list[Flowable]:
        lists = pick_lists()
        if isinstance(e, HomeVisit):
            step = next_step_text(e.next_step, e.next_step_on, e.next_step_done)
            return self.facts([
                (tr("Uur"), e.start_time),
                (tr("Hoe lang"), tr("{n} minuten", n=e.duration_minutes) if e.duration_minutes else ""),
                (tr("Waar"), e.location),
                (tr("Wie er was"), e.present),
                (tr("Waarom"), e.purpose),
                (tr("Wat we zagen en hoorden"), e.observations),
                (tr("Afspraken"), e.agreements),
                (tr("Volgende stap"), step.strip()),
                (tr("Doorverwezen naar"), ", ".join(e.referrals)),
            ]) or [self.p("–", "small")]
        if isinstance(e, FamilyContact):
            return self.facts([
                (tr("Hoe"), lists.label("channels", e.channel) if e.channel else ""),
                (tr("Met wie"), e.with_whom),
                (tr("Waarover"), _labels("life_domains", e.topics)),
                (tr("Wat er gezegd werd"), e.notes),
                (tr("Volgende stap"), next_step_text(e.next_step, e.next_step_on, e.next_step_done)),
                (tr("Doorverwezen naar"), ", ".join(e.referrals)),
            ]) or [self.p("–", "small")]
        if isinstance(e, WellbeingScale):
            return self.wellbeing(e)
        if isinstance(e, FollowUpNote):
            return self.facts([
                (tr("Notitie"), e.text),
                (tr("Wat er moet gebeuren"), e.action),
                (tr("Wie het doet"), e.action_owner),
                (tr("Tegen wanneer"), format_date(e.due_on)),
                (tr("Gebeurd"), (tr("ja") if e.done else tr("nog niet")) if e.action.strip() else ""),
            ]) or [self.p("–", "small")]
        if isinstance(e, SupportMeasure):
            return self.facts([
                (tr("Welke steun"), lists.label("support_measures", e.measure) if e.measure else ""),
                (tr("Onderwijsniveau"), lists.label("levels", e.level) if e.level else ""),
                (tr("Uitleg"), e.note),
            ]) or [self.p("–", "small")]
        return [self.p("–", "small")]

    def wellbeing(self, e: WellbeingScale) -> list[Flowable]:
        q = wellbeing_questionnaire()
        scored = score(e)
        rows = [(f"{n}. {item.text}", q.answer_label(e.answers[item.id]).lower() if item.id in e.answers else "–")
                for n, item in enumerate(q.items, start=1)]
        intro = self.facts([
            (tr("Waar ingevuld"), pick_lists().label("wellbeing_places", e.place) if e.place else ""),
            (tr("Ingevuld door"), filled_in_by_label(e.filled_in_by)),
            (tr("Leeftijd"), tr("{age} jaar", age=e.age) if e.age is not None else ""),
        ])
        explained = self.p(q.instruction, "small")  # what the young person read above the questions
        total = self.p(tr("Samen {total} punten, op een schaal van {min} tot {max} (hoe hoger, hoe beter).",
                          total=scored.total, min=scored.min_total, max=scored.max_total), "small")
        # One scale is short: kept on one page, so no question is read apart from its answer.
        return [KeepTogether([*intro, explained, *self.facts(rows, label_width=110 * mm), total])]


def _chronological(record: Record) -> tuple[dt.date, str, dt.datetime]:
    content = record.content
    assert isinstance(content, Entry)
    return content.occurred_on, content.start_time if isinstance(content, HomeVisit) else "", record.saved_at


def render_access_request(profile: CaseProfile, records: list[Record], *, maker: Maker, made_at: dt.datetime,
                          names: Mapping[str, str] | None = None, refused: int = 0) -> bytes:
    """The access request as PDF bytes: the cover page, the profile in words, then every entry oldest
    first with its date, author and when it was last saved. `records` are the case's current records
    (one holding the profile itself is ignored); `names` maps author ids to names for an entry that
    lacks `author_name`; `refused` counts the parts that could not be opened (said on the cover)."""
    chosen = sorted((r for r in records if isinstance(r.content, Entry)), key=_chronological)
    known = dict(names or {})
    unknown = tr("een begeleider")
    entries: list[tuple[Entry, str, str]] = []
    for record in chosen:
        entry = record.content
        assert isinstance(entry, Entry)
        # The entry's own author (its first writer); else whoever saved this revision, by name.
        author = entry.author_name or known.get(entry.author_id or record.author_id, "")
        entries.append((entry, author or unknown, saved_text(record)))
    authors = list(dict.fromkeys(a for _e, a, _s in entries if a != unknown))
    story = _Story(profile, entries, maker, made_at, authors, refused).story()
    return build_pdf(story, title=tr("Inzage in een dossier"), made_by=maker.name, made_at=made_at)


# -- the JSON ------------------------------------------------------------------------------------------

_KEYED_LISTS = ("levels", "target_groups", "life_domains", "channels", "referral_sources", "support_measures",
                "wellbeing_places", "closed_reasons")


def labels() -> dict[str, Any]:
    """The readable words for the keys a case file stores, in the app's language (docs/export-format.md)."""
    lists = pick_lists()
    q = wellbeing_questionnaire()
    out: dict[str, Any] = {
        "language": current_language(),
        "kind": {k.value: k.label for k in Kind},
        "status": {s.value: s.label for s in CaseStatus},
        "gender": {g: gender_label(g) for g in GENDERS},
        "scale_gender": {g: gender_label(g) for g in SCALE_GENDERS},
        "filled_in_by": {k: filled_in_by_label(k) for k in FILLED_IN_BY},
        "role": {r.value: r.label for r in Role},
        "saved_at_source": {"author": tr("tijd van de schrijver"), "received": tr("tijd van ontvangst")},
    }
    for name in _KEYED_LISTS:
        out[name] = {c.key: c.label for c in getattr(lists, name)}
    out["questions"] = {item.id: item.text for item in q.items}
    out["answers"] = {str(v): q.answer_label(v) for v, _ in q.answers}
    return out


def access_request_json(export: dict[str, Any]) -> dict[str, Any]:
    """A one-case export (`CaseFiles.export(case_ids=[...])`) as the access request's JSON: the same
    structure, with `scope` and `labels` added."""
    out: dict[str, Any] = {}
    for key, value in export.items():
        out[key] = value
        if key == "format_version":
            out["scope"] = "case"
    out.setdefault("scope", "case")
    out["labels"] = labels()
    return out


# -- for the CLI and the window ------------------------------------------------------------------------


class _User(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def role(self) -> str: ...

    @property
    def team(self) -> str: ...


class AccessSource(Protocol):
    @property
    def user(self) -> _User: ...

    def load_case(self, case_id: str) -> CaseFileLike: ...

    def export(self, case_ids: Collection[str] | None = None) -> dict[str, Any]: ...


@dataclass(frozen=True)
class AccessRequest:
    data: bytes
    refused: int  # parts of the case that could not be opened and are not in it


def make_access_request(source: AccessSource, case_id: str, suffix: str, *, made_at: dt.datetime,
                        organisation: str = ORGANISATION) -> AccessRequest:
    """The access request for one case as the bytes of a `.pdf` or `.json` file."""
    user = source.user
    if suffix.lower() == ".json":
        data = access_request_json(source.export(case_ids=[case_id]))
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
        return AccessRequest(text.encode("utf-8"), len(data["refused"]))
    case_file = source.load_case(case_id)
    names = {w.user_id: w.name for w in case_file.content.assigned if w.user_id and w.name}
    maker = Maker(user.name, user.role, user.team, organisation)
    pdf = render_access_request(case_file.content, case_file.entries, maker=maker, made_at=made_at, names=names,
                                refused=len(case_file.refused))
    return AccessRequest(pdf, len(case_file.refused))
