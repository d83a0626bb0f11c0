"""Keeping one value of a field in conflict (sync/conflicts.py), without Qt and without a server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from leerrecht_desktop.models.case import CaseProfile
from leerrecht_desktop.models.enums import Kind
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.syncstore import SyncStore
from leerrecht_desktop.sync.conflicts import keep_value
from tests.kits.synckit import Laptop, make_case, new_profile


@pytest.fixture
def laptop(tmp_path: Path) -> Iterator[Laptop]:
    made = new_profile(tmp_path / "a", "Fictieve Werker", "onderwijsassistent", "Fictief Team")
    yield made
    made.close()


def _conflict(cf: CaseFiles, case_id: str, entries: list[dict[str, str]]) -> int:
    record_id = cf.load_case(case_id).profile.record_id
    store = SyncStore(cf)
    with cf.sync_transaction() as conn:
        store.add_conflict(conn, case_id, record_id, {"kind": Kind.CASE.value, "conflicts": entries})
    return store.conflicts(case_id)[0].conflict_id


def test_the_kept_value_is_written_and_the_conflict_goes_once_its_last_field_is_chosen(laptop: Laptop) -> None:
    cf = laptop.case_files
    case_id = make_case(cf, notes=0)
    conflict_id = _conflict(cf, case_id, [
        {"path": "school", "mine": "Fictieve School A", "theirs": "Fictieve School B"},
        {"path": "class_name", "mine": "5A", "theirs": "6B"},
    ])
    keep_value(cf, conflict_id, "school", "theirs")
    profile = cf.load_case(case_id).profile.content
    assert isinstance(profile, CaseProfile) and profile.school == "Fictieve School B"
    left = SyncStore(cf).conflicts(case_id)
    assert [e["path"] for e in left[0].details["conflicts"]] == ["class_name"]

    keep_value(cf, conflict_id, "class_name", "mine")
    profile = cf.load_case(case_id).profile.content
    assert isinstance(profile, CaseProfile) and profile.class_name == "5A"
    assert SyncStore(cf).conflicts(case_id) == []
    keep_value(cf, conflict_id, "class_name", "mine")  # a second click: resolved already, nothing happens


def test_a_conflict_of_an_erased_case_is_dropped(laptop: Laptop) -> None:
    cf = laptop.case_files
    case_id = make_case(cf, notes=0)
    conflict_id = _conflict(cf, case_id, [{"path": "school", "mine": "A", "theirs": "B"}])
    cf.erase_case(case_id)
    keep_value(cf, conflict_id, "school", "mine")
    assert SyncStore(cf).conflicts() == []
