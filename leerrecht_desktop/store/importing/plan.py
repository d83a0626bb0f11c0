"""The preview of an import and, once the person confirms it, the write.

`preview` reads the file, maps its columns, checks every row and sorts the good ones into new cases
and duplicates (the same young person as an existing case, or as an earlier row of the file: same
name, accents, case and spacing left out, and same birth date). It reads the case files but writes
nothing. `apply` then creates the new cases with `CaseFiles.create_case` (sealed, queued for sync, as
a typed case is) and, with merge, fills the empty fields of the existing ones as a new profile
revision, all in one batch: a failure half-way keeps none of it. Importing the same file again
therefore adds nothing: every row is then a duplicate, and a merge finds no empty field left."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from leerrecht_core.crypto.errors import CryptoError
from leerrecht_core.i18n import tr
from leerrecht_desktop.models.case import CaseProfile
from leerrecht_desktop.models.dates import date_text
from leerrecht_desktop.models.summary import CaseSummary
from leerrecht_desktop.models.validation import ValidationError
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.errors import CaseNotFound
from leerrecht_desktop.store.importing.mapping import Mapping, field_label, normal, remember, resolve
from leerrecht_desktop.store.importing.rows import ParsedRow, RowReader, problem
from leerrecht_desktop.store.importing.sheet import Sheet, read_sheet

Identity = tuple[str, str, dt.date | None]


class Duplicates(StrEnum):
    SKIP = "skip"
    MERGE = "merge"


def identity(first_name: str, last_name: str, birth_date: dt.date | None) -> Identity:
    return normal(first_name), normal(last_name), birth_date


def find_duplicate(case_files: CaseFiles, first_name: str, last_name: str,
                   birth_date: dt.date | None) -> CaseSummary | None:
    """An existing case of the same young person (for the import, and for the new-case form to warn)."""
    wanted = identity(first_name, last_name, birth_date)
    for summary in case_files.summaries():
        if identity(summary.first_name, summary.last_name, summary.birth_date) == wanted:
            return summary
    return None


def cases_named(case_files: CaseFiles, first_name: str, last_name: str) -> list[CaseSummary]:
    """The cases of a young person with this name (any birth date): the new-concern form, which asks
    no birth date, warns with them before a second case file is made for the same child."""
    wanted = identity(first_name, last_name, None)[:2]
    if not all(wanted):
        return []
    return [s for s in case_files.summaries() if identity(s.first_name, s.last_name, None)[:2] == wanted]


def duplicate_sentence(summary: CaseSummary) -> str:
    if summary.birth_date is None:
        return tr("Er bestaat al een dossier voor {name}.", name=summary.full_name)
    return tr("Er bestaat al een dossier voor {name} ({born}).", name=summary.full_name,
              born=date_text(summary.birth_date))


# The profile fields a merge may fill when the existing case has them empty (status and assignment
# are the case's own story and are never taken from a file).
_TEXT_FIELDS = ("gender", "school", "level", "class_name", "home_language", "address", "network")
_LIST_FIELDS = ("contacts", "target_groups", "life_domains")
_REFERRAL_FIELDS = {"source": "referral_source", "referred_on": "referral_on", "referred_by": "referred_by",
                    "concern": "concern"}


def fill_empty(existing: CaseProfile, incoming: CaseProfile) -> list[str]:
    """Fill `existing`'s empty fields from `incoming`, in place; the names of the fields filled."""
    filled: list[str] = []
    if existing.birth_date is None and incoming.birth_date is not None:
        existing.birth_date = incoming.birth_date
        filled.append("birth_date")
    for name in (*_TEXT_FIELDS, *_LIST_FIELDS):
        if not getattr(existing, name) and getattr(incoming, name):
            setattr(existing, name, copy.deepcopy(getattr(incoming, name)))
            filled.append(name)
    for attr, name in _REFERRAL_FIELDS.items():
        if not getattr(existing.referral, attr) and getattr(incoming.referral, attr):
            setattr(existing.referral, attr, getattr(incoming.referral, attr))
            filled.append(name)
    return filled


@dataclass
class Merge:
    """An existing case that a row fills: its profile record and the profile as it will be saved."""
    number: int
    case_id: str
    record_id: str
    profile: CaseProfile
    fields: list[str]


@dataclass
class Preview:
    mapping: Mapping
    rows: int
    new: list[ParsedRow] = field(default_factory=list)
    merges: list[Merge] = field(default_factory=list)
    # One sentence per duplicate row that is not written (skipped, or merged into nothing new)...
    skipped: list[str] = field(default_factory=list)
    # ... and per duplicate row that fills empty fields (of an existing case or of an earlier row).
    filled: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    bad_rows: list[int] = field(default_factory=list)

    @property
    def writes(self) -> int:
        return len(self.new) + len(self.merges)


def preview(case_files: CaseFiles, path: Path | Sheet, *, overrides: Sequence[str] = (),
            duplicates: Duplicates = Duplicates.SKIP, today: dt.date | None = None) -> Preview:
    """What importing `path` (or a sheet already read from it) would do. Writes nothing (not even the
    mapping: that is `apply`'s)."""
    day = today or dt.date.today()
    sheet = path if isinstance(path, Sheet) else read_sheet(path)
    mapping = resolve(case_files.workspace, sheet.header, overrides)
    mapping.check_complete()
    reader = RowReader(mapping, case_files.me, day)
    result = Preview(mapping, len(sheet.rows))
    existing = {identity(s.first_name, s.last_name, s.birth_date): s for s in case_files.summaries()}
    earlier: dict[Identity, ParsedRow | Merge] = {}
    for row in sheet.rows:
        parsed = reader.read(row)
        if not parsed.ok:
            result.problems += parsed.problems
            result.bad_rows.append(row.number)
            continue
        p = parsed.profile
        key = identity(p.first_name, p.last_name, p.birth_date)
        if key in earlier:
            _same_as_earlier(result, parsed, earlier[key], duplicates, day)
        elif key in existing:
            merge = _existing(result, case_files, parsed, existing[key], duplicates, day)
            if merge is not None:
                earlier[key] = merge
        else:
            result.new.append(parsed)
            earlier[key] = parsed
    return result


def _same_as_earlier(result: Preview, parsed: ParsedRow, first: ParsedRow | Merge, duplicates: Duplicates,
                     day: dt.date) -> None:
    if duplicates == Duplicates.MERGE:
        target = first.profile
        trial = copy.deepcopy(target)
        filled = fill_empty(trial, parsed.profile)
        if filled:
            if not _valid(result, parsed.number, trial, day):
                return  # a problem row now, not a skipped one
            fill_empty(target, parsed.profile)
            if isinstance(first, Merge):
                first.fields += filled
            result.filled.append(problem(parsed.number, tr("zelfde jongere als rij {first}: aangevuld met {fields}",
                                                           first=first.number, fields=_fields(filled))))
            return
    result.skipped.append(problem(parsed.number, tr("zelfde jongere als rij {first}, overgeslagen",
                                                    first=first.number)))


def _existing(result: Preview, case_files: CaseFiles, parsed: ParsedRow, summary: CaseSummary,
              duplicates: Duplicates, day: dt.date) -> Merge | None:
    sentence = duplicate_sentence(summary).rstrip(".")
    if duplicates == Duplicates.MERGE:
        try:
            case = case_files.load_case(summary.case_id)
        except (CaseNotFound, CryptoError) as exc:
            # A damaged case is that row's problem, not the whole file's: its sentence names no content.
            result.problems.append(problem(parsed.number, tr("het bestaande dossier kan niet geopend worden: "
                                                             "{reason}", reason=str(exc))))
            result.bad_rows.append(parsed.number)
            return None
        profile = copy.deepcopy(case.content)
        filled = fill_empty(profile, parsed.profile)
        if filled and _valid(result, parsed.number, profile, day):
            merge = Merge(parsed.number, summary.case_id, case.profile.record_id, profile, filled)
            result.merges.append(merge)
            result.filled.append(problem(parsed.number, tr("{sentence}: aangevuld met {fields}", sentence=sentence,
                                                           fields=_fields(filled))))
            return merge
        if not filled:
            result.skipped.append(problem(parsed.number, tr("{sentence}: niets nieuws om aan te vullen",
                                                            sentence=sentence)))
        return None
    result.skipped.append(problem(parsed.number, tr("{sentence}: overgeslagen", sentence=sentence)))
    return None


def _valid(result: Preview, number: int, profile: CaseProfile, day: dt.date) -> bool:
    """Whether a merged profile still passes the form's checks; if not, the row is a problem."""
    try:
        profile.validate(day)
    except ValidationError as exc:
        result.problems += [problem(number, tr("het bestaande dossier kan niet aangevuld worden: {reason}",
                                               reason=e.message)) for e in exc.errors]
        result.bad_rows.append(number)
        return False
    return True


def _fields(names: list[str]) -> str:
    return ", ".join(field_label(n) for n in names)


@dataclass
class Written:
    created: list[str]  # case ids
    merged: list[str]


def apply(case_files: CaseFiles, plan: Preview, *, today: dt.date | None = None) -> Written:
    """Write what the preview showed (never its problem rows), in one transaction; then remember the
    mapping for the next file with the same header."""
    day = today or dt.date.today()
    created: list[str] = []
    merged: list[str] = []
    with case_files.batch():
        for parsed in plan.new:
            created.append(case_files.create_case(parsed.profile, today=day).case_id)
        for merge in plan.merges:
            case_files.save(merge.case_id, merge.profile, record_id=merge.record_id, today=day,
                            change_reason=tr("Aangevuld uit een import"))
            merged.append(merge.case_id)
    remember(case_files.workspace, plan.mapping)
    return Written(created, merged)
