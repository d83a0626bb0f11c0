"""Resolving a field in conflict: the user keeps one of the two values ("mine" or "theirs").

The conflict itself was recorded by the engine when two laptops changed the same field (sync/merge.py
found it); this writes the choice as a new revision, which the next round sends. No Qt."""

from __future__ import annotations

from typing import Any

from leerrecht_desktop.models.enums import Kind
from leerrecht_desktop.models.records import decode, encode
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.errors import CaseNotFound
from leerrecht_desktop.store.syncstore import SyncStore
from leerrecht_desktop.sync.merge import MISSING, apply_path


def keep_value(case_files: CaseFiles, conflict_id: int, path: str, side: str) -> None:
    """Store work (the UI runs it as a StoreOp): write a new revision of the record with the chosen value at
    `path` ("mine" or "theirs"), then drop that field from the conflict (the whole conflict when it was
    the last field)."""
    store = SyncStore(case_files)
    found = next((c for c in store.conflicts() if c.conflict_id == conflict_id), None)
    if found is None:
        return  # resolved already (another click, another window)
    entries: list[dict[str, Any]] = list(found.details.get("conflicts", []))
    entry = next((e for e in entries if e.get("path") == path), None)
    if entry is None:
        return
    value = entry.get(side, MISSING)
    kind = Kind(found.details["kind"])
    current: dict[str, Any] | None = None
    try:
        case = case_files.load_case(found.case_id)
    except CaseNotFound:
        store.resolve_conflict(conflict_id)  # the case is gone: nothing left to choose
        return
    for record in [case.profile, *case.entries]:
        if record.record_id == found.record_id:
            current = encode(record.content)
    if path == "" and value is MISSING:
        if current is not None and kind != Kind.CASE:
            case_files.delete_entry(found.case_id, found.record_id)
    else:
        chosen = apply_path(current or {}, path, value)
        case_files.save(found.case_id, decode(kind, chosen), record_id=found.record_id)
    rest = [e for e in entries if e is not entry]
    if rest:
        store.update_conflict(conflict_id, {**found.details, "conflicts": rest})
    else:
        store.resolve_conflict(conflict_id)
