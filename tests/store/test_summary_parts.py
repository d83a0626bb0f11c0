"""The case list in parts after unlock (SealedStore.read_summaries): a growing prefix that ends as the
whole list, and writes meanwhile that are never made on (or lost from) a partial list. Fictitious data."""

from __future__ import annotations

import datetime as dt

from leerrecht_desktop.models.case import CaseProfile
from leerrecht_desktop.models.entries import FollowUpNote
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.workspace import Workspace
from tests.conftest import PASSPHRASE

NAMES = ["Amira", "Bram", "Chloë", "Daan", "Emre", "Fien", "Gust"]


def _cases(case_files: CaseFiles) -> dict[str, str]:
    ids = {}
    for name in NAMES:
        case = case_files.create_case(CaseProfile(first_name=name, last_name="Fictief", school="De Linde"))
        ids[name] = case.case_id
        case_files.save(case.case_id, FollowUpNote(text="Gesprek", action="Bellen", action_owner="Werker",
                                                   due_on=dt.date(2025, 3, 1)))
    return ids


def _by_id(summaries: list) -> dict:  # type: ignore[type-arg]
    return {s.case_id: s for s in summaries}


def test_parts_grow_as_a_prefix_and_end_as_the_whole_list(workspace: Workspace, case_files: CaseFiles) -> None:
    _cases(case_files)
    whole = _by_id(case_files.summaries())
    fresh = workspace.unlock(PASSPHRASE)
    assert not fresh.summaries_complete
    seen: list[list[str]] = []
    while True:
        part, complete = fresh.read_summaries(3)
        ids = [s.case_id for s in part]
        if seen:
            assert ids[:len(seen[-1])] == seen[-1]  # what was shown stays, in its place
        seen.append(ids)
        if complete:
            break
        assert len(ids) < len(NAMES)
    assert [len(ids) for ids in seen] == [3, 6, 7]
    assert fresh.summaries_complete
    assert _by_id(fresh.summaries()) == whole
    assert fresh.read_summaries(3) == (fresh.summaries(), True)


def test_a_save_meanwhile_completes_the_list_and_is_in_it(workspace: Workspace, case_files: CaseFiles) -> None:
    ids = _cases(case_files)
    fresh = workspace.unlock(PASSPHRASE)
    part, complete = fresh.read_summaries(2)
    assert not complete
    later = next(name for name in NAMES if ids[name] not in _by_id(part))
    fresh.save(ids[later], FollowUpNote(text="Nog een gesprek", action="Mailen", action_owner="Werker",
                                        due_on=dt.date(2025, 1, 15)))
    assert fresh.summaries_complete
    summaries = _by_id(fresh.summaries())
    assert set(summaries) == set(ids.values())
    assert summaries[ids[later]].next_action == dt.date(2025, 1, 15)
    assert summaries[ids[later]].entry_count == 2
    # What the save wrote is the whole summary, not one built on a partial list: a new session reads it.
    again = _by_id(workspace.unlock(PASSPHRASE).summaries())
    assert again == summaries


def test_an_erase_meanwhile_does_not_come_back_with_a_later_part(workspace: Workspace,
                                                                 case_files: CaseFiles) -> None:
    ids = _cases(case_files)
    fresh = workspace.unlock(PASSPHRASE)
    part, _complete = fresh.read_summaries(1)
    gone = next(name for name in NAMES if ids[name] not in _by_id(part))
    fresh.erase_case(ids[gone])
    rest, complete = fresh.read_summaries(100)
    assert complete
    assert set(_by_id(rest)) == set(ids.values()) - {ids[gone]}


def test_lock_drops_a_partial_list(workspace: Workspace, case_files: CaseFiles) -> None:
    _cases(case_files)
    fresh = workspace.unlock(PASSPHRASE)
    fresh.read_summaries(2)
    fresh.lock()
    assert fresh._unread is None and fresh._opened == {}
    assert not fresh.summaries_complete
