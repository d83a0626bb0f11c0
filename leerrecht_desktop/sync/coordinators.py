"""Coordinators see every case of their team: a case key is wrapped for the team's coordinators when the
case is registered. A coordinator who enrols later has no grant for cases registered before; the first
laptop of a member that learns of that coordinator from the directory shares its cases with them.

The directory is asked for at most once an hour for this (and whenever a sync needs it anyway), so a
sync with nothing new stays one round trip."""

from __future__ import annotations

import time

from leerrecht_desktop.sync.membership import MembershipSync
from leerrecht_desktop.sync.progress import SyncReport

DIRECTORY_CHECK_SECONDS = 3600
_SETTING = "sync.directory_checked_at"


def directory_check_due(engine: MembershipSync, now: float | None = None) -> bool:
    raw = engine.case_files.workspace.setting(_SETTING, "0")
    try:
        last = float(raw)
    except ValueError:
        last = 0.0
    now = time.time() if now is None else now
    # A clock set back must not postpone the check for longer than the interval itself.
    return now < last or now - last >= DIRECTORY_CHECK_SECONDS


def share_with_new_coordinators(engine: MembershipSync, report: SyncReport) -> int:
    """After a directory refresh: queue a share of every registered local case with each coordinator of
    this user's team who is not a member yet. Returns how many shares were queued."""
    store = engine.store
    team_id = store.state().team_id
    coordinators = [entry.user_id for entry in engine.directory_entries()
                    if entry.role == "coordinator" and entry.team_id == team_id and entry.user_id != engine.me]
    queued = {(p.case_id, p.user_id) for p in store.pending_member_changes() if p.action == "add"}
    shared = 0
    for case_id in store.local_case_ids():
        if not store.registered(case_id) or not store.key_versions(case_id):
            continue
        members = set(store.members(case_id))
        for coordinator in coordinators:
            if coordinator not in members and (case_id, coordinator) not in queued:
                engine.share_case(case_id, coordinator)
                shared += 1
    engine.case_files.workspace.set_setting(_SETTING, str(time.time()))
    return shared
