"""The merge rule for a profile's history (issue 13, docs/merge.md "A profile's history"): two laptops
that each appended steps end with the same union, in the same order, and no conflict."""

from __future__ import annotations

import copy
import datetime as dt

from leerrecht_desktop.models.case import CaseProfile, WorkerRef, history_key
from leerrecht_desktop.models.enums import CaseStatus, Kind
from leerrecht_desktop.models.records import decode, encode
from leerrecht_desktop.sync.merge import merge

DAY = dt.date(2025, 1, 6)
AN, BO = WorkerRef("u-an", "An Fictief"), WorkerRef("u-bo", "Bo Fictief")


def _base() -> CaseProfile:
    profile = CaseProfile(first_name="Fictief", last_name="Kind", school="Den Anker", assigned=[AN])
    profile.record_changes(None, DAY, AN.user_id, AN.name)
    return profile


def _changed(base: CaseProfile, on: dt.date, by: WorkerRef, reason: str = "", **fields: object) -> CaseProfile:
    after = copy.deepcopy(base)
    for name, value in fields.items():
        setattr(after, name, value)
    after.record_changes(base, on, by.user_id, by.name, reason)
    return after


def test_two_appended_histories_merge_to_the_same_union_on_both_sides_without_a_conflict() -> None:
    base = _base()
    # Laptop A activates the case; laptop B, offline, hands it to Bo and changes school.
    a = _changed(base, DAY + dt.timedelta(days=20), AN, "intake", status=CaseStatus.ACTIEF)
    b = _changed(base, DAY + dt.timedelta(days=10), BO, assigned=[BO], school="Ba Stassart")
    on_a = merge(encode(base), encode(a), encode(b))
    on_b = merge(encode(base), encode(b), encode(a))
    assert not on_a.has_conflicts and not on_b.has_conflicts
    assert on_a.merged == on_b.merged
    merged = decode(Kind.CASE, on_a.merged)
    assert isinstance(merged, CaseProfile)
    steps = [*base.history, *a.history[len(base.history):], *b.history[len(base.history):]]
    assert merged.history == sorted(steps, key=history_key)
    assert [(c.field, c.value) for c in merged.history[-3:]] == [
        ("assigned", "u-bo"), ("school", "Ba Stassart"), ("status", "actief")]
    assert (merged.status, merged.school, merged.assigned) == (CaseStatus.ACTIEF, "Ba Stassart", [BO])


def test_a_status_changed_on_both_sides_is_a_conflict_but_both_steps_stay_in_the_history() -> None:
    base = _base()
    a = _changed(base, DAY + dt.timedelta(days=3), AN, status=CaseStatus.ACTIEF)
    b = _changed(base, DAY + dt.timedelta(days=4), BO, status=CaseStatus.AFGESLOTEN, closed_reason="verhuisd")
    result = merge(encode(base), encode(a), encode(b))
    assert "history" not in result.conflict_paths and "status" in result.conflict_paths
    assert result.merged == merge(encode(base), encode(b), encode(a)).merged
    values = [step["value"] for step in result.merged["history"] if step["field"] == "status"]
    assert values == ["aangemeld", "actief", "afgesloten"]


def test_a_side_written_without_a_history_loses_no_step() -> None:
    # An older version of the app decodes the profile without knowing `history` and saves it without.
    base = _base()
    mine = _changed(base, DAY + dt.timedelta(days=3), AN, status=CaseStatus.ACTIEF)
    theirs = encode(base)
    del theirs["history"]
    theirs["first_name"] = "Ander"
    result = merge(encode(base), encode(mine), theirs)
    assert not result.has_conflicts
    assert result.merged["history"] == encode(mine)["history"]
    assert result.merged["first_name"] == "Ander"


def test_a_history_that_is_not_a_list_of_steps_merges_by_the_ordinary_rules() -> None:
    result = merge({"history": []}, {"history": "kapot"}, {"history": [{"on": "2025-01-06"}]})
    assert result.conflict_paths == ("history",)
