"""Named reads and small writes the windows ask of the store, so widgets never reach into the store in a
lambda. Each runs on the store thread (the UI wraps it in a StoreOp). No Qt."""

from __future__ import annotations

from leerrecht_desktop.models.summary import CaseSummary
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.syncstore import Quarantined, StoredConflict, SyncStore


def case_list(case_files: CaseFiles) -> tuple[list[CaseSummary], int]:
    """The case list and how many changes wait to be sent (the status bar counts them)."""
    return case_files.summaries(), case_files.pending_changes()


def is_enrolled(case_files: CaseFiles) -> bool:
    return SyncStore(case_files).is_enrolled()


def last_sync_if_enrolled(case_files: CaseFiles) -> str | None:
    """None when this laptop is not linked to a server; else when the last round succeeded ("" if never)."""
    store = SyncStore(case_files)
    if not store.is_enrolled():
        return None
    return store.state().last_success_at or ""


def case_conflicts(case_files: CaseFiles, case_id: str) -> list[StoredConflict]:
    return SyncStore(case_files).conflicts(case_id)


def load_quarantined(case_files: CaseFiles) -> list[tuple[Quarantined, str]]:
    """The revisions the server refused, each with the name of its case (if still here)."""
    names = {s.case_id: f"{s.first_name} {s.last_name}".strip() for s in case_files.summaries()}
    return [(q, names.get(q.case_id, q.case_id)) for q in SyncStore(case_files).quarantined()]


def retry_quarantined(case_files: CaseFiles, revision_id: str) -> None:
    """Put a refused revision back in the queue; the next round sends it again."""
    SyncStore(case_files).retry_quarantined(revision_id)


def discard_quarantined(case_files: CaseFiles, revision_id: str) -> None:
    """Leave a refused revision out: the record's previous version is current again."""
    SyncStore(case_files).discard_quarantined(revision_id)


def stored_server_url(case_files: CaseFiles) -> str | None:
    """The sync server's address, or None when this laptop is not linked to one."""
    store = SyncStore(case_files)
    return store.state().server_url if store.is_enrolled() else None
