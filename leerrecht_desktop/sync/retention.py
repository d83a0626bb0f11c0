"""The laptop's side of retention (issue 13, item 4; the server's is leerrecht_server/retention.py).

The server can't read a case's status, so a laptop tells it, for each registered case whose profile
it pushed, only the day the case was closed, or that it is open (`POST /v1/closings`,
docs/threat-model.md §13). Once per data folder it also reports every registered case it holds, so
cases closed before this version count too. The report comes after the round's pull: a profile
edited on a stale copy is merged with the colleagues' newer revisions first, so the laptop never
reports "open" for a case a colleague closed meanwhile. The cases to report are noted before the push
and kept until the server took the report, so a round cut off in between reports them the next time.

The server erases a case `closed_days` after that day, unless a coordinator postponed it with a hold;
each laptop then erases its copy only when its own copy bears the closing out (sync/erasure.py
`retention_due`).

A coordinator learns what is erased soon in two ways: once a day the sync round asks the server how
many of the team's cases are erased within RETENTION_NOTICE_DAYS (the status bar says so), and the
list "Binnenkort te wissen" (ui/retention_dialog.py, sync/retention_review.py) shows them, to postpone
one with a reason or lift the postponement. Both are logged by the server."""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select

from leerrecht_core.i18n import tr
from leerrecht_core.protocol import MAX_CASE_STATES
from leerrecht_core.protocol_retention import Closing, ClosingsRequest, ClosingsResponse, DueCase, RetentionList
from leerrecht_desktop.models.enums import Kind, Role
from leerrecht_desktop.store import tables as t
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.locked_outbox import PENDING
from leerrecht_desktop.sync.membership import MembershipSync
from leerrecht_desktop.sync.progress import SyncReport

log = logging.getLogger("leerrecht_desktop.sync.engine")

# Set once this data folder reported the closing state of every registered case it holds.
CLOSINGS_REPORTED_KEY = "sync.closings_reported"
# The case ids (not personal: the server knows them) whose profile was pushed and whose closing state
# is still to be reported, space-separated.
CLOSINGS_DUE_KEY = "sync.closings_due"
# The day (YYYY-MM-DD, this computer's) the round last asked for the erasures due soon.
NOTICE_CHECKED_KEY = "sync.retention_checked_on"


# -- at every sync round -----------------------------------------------------------------------------


def _profiles_to_push(case_files: CaseFiles) -> set[str]:
    """The cases with a profile revision waiting in the outbox."""
    with case_files.engine.connect() as conn:
        return set(conn.execute(
            select(t.outbox.c.case_id).distinct()
            .join(t.records, t.records.c.revision_id == t.outbox.c.revision_id)
            .where(t.records.c.kind == Kind.CASE.value, t.outbox.c.state == PENDING)).scalars())


def _due(sync: MembershipSync) -> set[str]:
    return set(sync.case_files.workspace.setting(CLOSINGS_DUE_KEY, "").split())


def note_closings(sync: MembershipSync) -> None:
    """Before the push: note the cases whose profile is about to be pushed (written only when new)."""
    due = _due(sync)
    wanted = due | _profiles_to_push(sync.case_files)
    if wanted != due:
        sync.case_files.workspace.set_setting(CLOSINGS_DUE_KEY, " ".join(sorted(wanted)))


def report_closings(sync: MembershipSync) -> int:
    """After the pull: tell the server the closing day (or "open") of each noted case, and once per
    data folder of every registered case. No request when there is nothing to say. Returns how many
    cases were reported. Unreachable propagates with the cases still noted."""
    case_files = sync.case_files
    first = case_files.workspace.setting(CLOSINGS_REPORTED_KEY, "") == ""
    due = _due(sync)
    if not first and not due:
        return 0
    registered = set(sync.store.registered_case_ids())
    wanted = registered if first else due & registered
    held = set(sync.store.local_case_ids())
    closings = [Closing(case_id=case_id, closed_on=case_files.closed_on(case_id))
                for case_id in sorted(wanted & held)]
    for start in range(0, len(closings), MAX_CASE_STATES):
        sync.transport.post("/closings", ClosingsRequest(cases=closings[start:start + MAX_CASE_STATES]),
                            ClosingsResponse)
    if first:
        case_files.workspace.set_setting(CLOSINGS_REPORTED_KEY, "1")
    # A case held here but not registered yet (its registration refused this round) waits; an erased one
    # is dropped.
    left = (due - registered) & held
    if left != due:
        case_files.workspace.set_setting(CLOSINGS_DUE_KEY, " ".join(sorted(left)))
    if closings:
        log.info("retention: closing state of %d cases reported", len(closings))
    return len(closings)


def _manages_erasures(sync: MembershipSync) -> bool:
    return sync.case_files.user.role == Role.COORDINATOR


def check_notice(sync: MembershipSync, report: SyncReport, today: dt.date | None = None) -> None:
    """A coordinator's first round of the day: how many of the team's cases are erased within the
    notice period and not postponed (`report.retention_due`; None on every other round)."""
    if not _manages_erasures(sync):
        return
    today = today or dt.date.today()
    if sync.case_files.workspace.setting(NOTICE_CHECKED_KEY, "") == today.isoformat():
        return
    listed = sync.transport.get("/retention", RetentionList)
    report.retention_due = sum(1 for due in listed.cases if not postponed(due))
    sync.case_files.workspace.set_setting(NOTICE_CHECKED_KEY, today.isoformat())


def postponed(due: DueCase) -> bool:
    return due.hold is not None and due.hold.until >= due.erase_on


def notice_text(n: int) -> str:
    if n == 1:
        return tr("1 dossier wordt binnenkort gewist (bewaartermijn)")
    return tr("{n} dossiers worden binnenkort gewist (bewaartermijn)", n=n)
