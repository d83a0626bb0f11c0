"""Two laptops that each change a case's status or school while offline (issue 13, item 2), through a real
server process: both end with the same history, the union of both steps, and no conflict."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from leerrecht_desktop.models.enums import CaseStatus
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.syncstore import SyncStore
from tests.kits.synckit import Laptop, make_case, snapshot

pytestmark = pytest.mark.slow


def _edit(cf: CaseFiles, case_id: str, on: dt.date, **fields: object) -> None:
    case = cf.load_case(case_id)
    profile = copy.deepcopy(case.content)
    for name, value in fields.items():
        setattr(profile, name, value)
    cf.save(case_id, profile, record_id=case.profile.record_id, changed_on=on)


def test_two_laptops_appending_to_the_history_offline_end_with_the_same_union(pair: tuple[Laptop, Laptop]) -> None:
    w1, coord = pair
    case_id = make_case(w1.case_files, notes=0)
    assert w1.sync().errors == []
    assert coord.sync().errors == []
    base = len(w1.case_files.load_case(case_id).content.history)

    _edit(w1.case_files, case_id, dt.date(2025, 2, 3), status=CaseStatus.ACTIEF)
    _edit(coord.case_files, case_id, dt.date(2025, 2, 10), school="Ba Stassart")
    assert w1.sync().errors == []
    assert coord.sync().errors == []  # refused, merged, pushed
    assert w1.sync().errors == []

    mine, theirs = snapshot(w1.case_files, case_id), snapshot(coord.case_files, case_id)
    assert mine == theirs
    history = w1.case_files.load_case(case_id).content.history
    added = [(c.field, c.value, c.on, c.by_name) for c in history[base:]]
    assert added == [("status", "actief", dt.date(2025, 2, 3), "Fictieve Werker Een"),
                     ("school", "Ba Stassart", dt.date(2025, 2, 10), "Fictieve Coordinator")]
    assert SyncStore(w1.case_files).conflicts(case_id) == []
    assert SyncStore(coord.case_files).conflicts(case_id) == []
