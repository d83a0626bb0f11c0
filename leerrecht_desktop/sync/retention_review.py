"""The list "Binnenkort te wissen" (ui/retention_dialog.py): the team's closed cases whose erasure by
retention is near or overdue, and a coordinator's hold (postpone with a reason, until a day) or its
lifting. The server checks who may (a coordinator of the team; in a team without one, the case's own
worker) and logs both (leerrecht_server/api/routes/retention.py); the round's side is sync/retention.py."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from leerrecht_core.i18n import tr
from leerrecht_core.protocol import has_control_character
from leerrecht_core.protocol_retention import MAX_HOLD_DAYS, MAX_HOLD_REASON_LEN, DueCase, HoldRequest, RetentionList
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.sync.engine import SyncEngine
from leerrecht_desktop.sync.transport import ConflictError, Forbidden, NotFound, SyncError, Transport


class RetentionError(SyncError):
    """A hold that can't be set or lifted; the sentence says why and what to do."""


@dataclass(frozen=True)
class DueListed:
    """A case whose erasure is near, as the window lists it: its name when this laptop holds it."""
    due: DueCase
    case_name: str | None


@contextmanager
def _worded() -> Iterator[None]:
    try:
        yield
    except Forbidden:
        raise RetentionError(tr("Alleen een coördinator van het team (in een team zonder coördinator: de eigen "
                                "begeleider) beslist over het wissen van afgesloten dossiers.")) from None
    except NotFound:
        raise RetentionError(tr("De server kent dit dossier niet (meer). Bekijk de lijst opnieuw.")) from None
    except ConflictError:
        raise RetentionError(tr("Dit dossier is niet (meer) afgesloten: er is geen wissen om uit te stellen. "
                                "Bekijk de lijst opnieuw.")) from None


def _transport(case_files: CaseFiles) -> Transport:
    return SyncEngine.for_case_files(case_files).transport


def list_due(case_files: CaseFiles) -> tuple[RetentionList, list[DueListed]]:
    """The team's cases erased within the notice period or overdue (held ones too), soonest first."""
    with _transport(case_files) as transport, _worded():
        listed = transport.get("/retention", RetentionList)
    names = {s.case_id: s.full_name for s in case_files.summaries()}
    return listed, [DueListed(due, names.get(due.case_id)) for due in listed.cases]


def check_hold(until: dt.date, reason: str, today: dt.date | None = None) -> str:
    """The hold as typed, or RetentionError saying in plain words what to change."""
    today = today or dt.date.today()
    reason = reason.strip()
    if not reason:
        raise RetentionError(tr("Geef een reden om het wissen uit te stellen, bv. een lopende gerechtelijke "
                                "procedure. Ze komt in het logboek van de server; schrijf er geen namen in."))
    if len(reason) > MAX_HOLD_REASON_LEN:
        raise RetentionError(tr("De reden is te lang: hoogstens {n} tekens.", n=MAX_HOLD_REASON_LEN))
    if has_control_character(reason):
        raise RetentionError(tr("Schrijf de reden op één regel."))
    if until <= today:
        raise RetentionError(tr("Kies een datum na vandaag tot wanneer het wissen uitgesteld wordt."))
    if until > today + dt.timedelta(days=MAX_HOLD_DAYS):
        raise RetentionError(tr("Het wissen kan hoogstens vijf jaar uitgesteld worden. Kies een vroegere datum; "
                                "je kunt het later opnieuw uitstellen."))
    return reason


def hold_erasure(case_files: CaseFiles, case_id: str, until: dt.date, reason: str) -> DueCase:
    """Postpone one case's erasure until `until`, with a reason (the server logs both)."""
    reason = check_hold(until, reason)
    with _transport(case_files) as transport, _worded():
        return transport.post(f"/cases/{case_id}/retention-hold", HoldRequest(until=until, reason=reason), DueCase)


def lift_hold(case_files: CaseFiles, case_id: str) -> None:
    """Lift a postponement: the case is erased at its normal day (or at the next sweep when overdue)."""
    with _transport(case_files) as transport, _worded():
        transport.delete(f"/cases/{case_id}/retention-hold")
