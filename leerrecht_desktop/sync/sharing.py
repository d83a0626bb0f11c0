"""Sharing a case with colleagues of the team ("Delen met collega…"): who can be chosen, and queueing the
change. The queue goes out with the next sync round. No Qt (the share dialog runs these as NetworkOps:
the engine may ask the server for the directory and colleagues' keys)."""

from __future__ import annotations

from leerrecht_core.protocol import DirectoryEntry
from leerrecht_desktop.store.access_log import AccessLog
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.sync.engine import SyncEngine


def fetch_colleagues(case_files: CaseFiles, case_id: str) -> tuple[list[DirectoryEntry], list[str]]:
    """The team's colleagues from the server's directory (not me), and who shares this case now."""
    engine = SyncEngine.for_case_files(case_files)
    try:
        team = engine.store.state().team_id
        colleagues = [e for e in engine.colleagues() if e.team_id == team and e.user_id != engine.me]
        return colleagues, engine.store.members(case_id)
    finally:
        engine.transport.close()


def change_members(case_files: CaseFiles, case_id: str, add: list[str], remove: list[str]) -> None:
    """Queue sharing with `add` and un-sharing with `remove`; both go out with the next sync."""
    engine = SyncEngine.for_case_files(case_files)
    try:
        for uid in remove:  # before anything is queued: a refusal changes nothing
            engine.check_may_unshare(uid)
        access = AccessLog.of(case_files)  # one entry per colleague queued (recording never raises)
        for uid in add:
            engine.share_case(case_id, uid)
            access.record(case_id, "case_shared")
        for uid in remove:
            engine.unshare_case(case_id, uid)
            access.record(case_id, "case_unshared")
    finally:
        engine.transport.close()
