"""A case profile's history (issue 13, item 2): which saves make a step, with what date, reason and
author, and what the case was on a given day."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from leerrecht_desktop.models.case import (
    CaseProfile,
    ProfileChange,
    WorkerRef,
    check_change,
    closed_during,
    started_on,
    statuses_during,
    value_on,
)
from leerrecht_desktop.models.enums import CaseStatus
from leerrecht_desktop.models.validation import ValidationError

DAY = dt.date(2025, 3, 10)
AN = WorkerRef("u-an", "An Fictief")
BO = WorkerRef("u-bo", "Bo Fictief")


def new_case() -> CaseProfile:
    profile = CaseProfile(first_name="Fictief", last_name="Kind", school="", assigned=[AN])
    profile.record_changes(None, DAY, "u-an", "An Fictief")
    return profile


def test_a_new_case_starts_with_its_status_and_assignment_and_its_school_when_set() -> None:
    profile = new_case()
    assert [(c.field, c.value, c.on, c.by_name) for c in profile.history] == [
        ("assigned", "u-an", DAY, "An Fictief"), ("status", "aangemeld", DAY, "An Fictief")]
    with_school = CaseProfile(first_name="F", last_name="K", school="bs_den_anker", assigned=[AN])
    with_school.record_changes(None, DAY, "u-an", "An Fictief")
    assert {c.field for c in with_school.history} == {"status", "school", "assigned"}


def test_a_change_of_status_school_or_assignment_is_a_step_with_date_reason_and_who() -> None:
    before = new_case()
    after = copy.deepcopy(before)
    after.status, after.school, after.assigned = CaseStatus.ACTIEF, "bs_den_anker", [AN, BO]
    later = DAY + dt.timedelta(days=5)
    steps = after.record_changes(before, later, "u-bo", "Bo Fictief", " gestart na overleg ")
    assert [(c.field, c.value, c.reason, c.by_id, c.on) for c in steps] == [
        ("status", "actief", "gestart na overleg", "u-bo", later),
        ("assigned", "u-an u-bo", "gestart na overleg", "u-bo", later),
        ("school", "bs_den_anker", "gestart na overleg", "u-bo", later),
    ]
    assert after.history[:2] == before.history and len(after.history) == 5


def test_a_close_carries_its_closing_reason() -> None:
    before = new_case()
    after = copy.deepcopy(before)
    after.status, after.closed_reason = CaseStatus.AFGESLOTEN, "doel_bereikt"
    [step] = after.record_changes(before, DAY + dt.timedelta(days=30), "u-an", "An Fictief", "")
    assert (step.field, step.value, step.reason) == ("status", "afgesloten", "doel_bereikt")
    assert after.closed_on() == DAY + dt.timedelta(days=30)


def test_no_change_no_step_and_the_history_is_the_previous_one_whatever_the_caller_held() -> None:
    before = new_case()
    after = copy.deepcopy(before)
    after.first_name = "Anders"
    after.history = [ProfileChange(on=DAY, field="status", value="bogus")]
    assert after.record_changes(before, DAY, "u-an", "An Fictief", "zomaar") == []
    assert after.history == before.history


def test_a_change_date_in_the_future_is_refused_in_plain_words() -> None:
    check_change(DAY, "", DAY)
    with pytest.raises(ValidationError) as raised:
        check_change(DAY + dt.timedelta(days=1), "", DAY)
    assert "toekomst" in str(raised.value)
    with pytest.raises(ValidationError):
        check_change(DAY, "x" * 201, DAY)


def test_what_the_case_was_on_a_day_follows_its_history() -> None:
    profile = new_case()
    steps = [(DAY + dt.timedelta(days=10), CaseStatus.ACTIEF), (DAY + dt.timedelta(days=100), CaseStatus.AFGESLOTEN)]
    for on, status in steps:
        before = copy.deepcopy(profile)
        profile.status, profile.closed_reason = status, "doel_bereikt" if status == CaseStatus.AFGESLOTEN else ""
        profile.record_changes(before, on, "u-an", "An Fictief")
    assert value_on(profile, "status", DAY - dt.timedelta(days=1)) is None
    assert value_on(profile, "status", DAY) == "aangemeld"
    assert value_on(profile, "status", DAY + dt.timedelta(days=50)) == "actief"
    assert value_on(profile, "status", DAY + dt.timedelta(days=500)) == "afgesloten"
    assert started_on(profile) == DAY
    assert statuses_during(profile, DAY + dt.timedelta(days=20), DAY + dt.timedelta(days=30)) == {"actief"}
    assert statuses_during(profile, DAY + dt.timedelta(days=20), DAY + dt.timedelta(days=200)) == {"actief",
                                                                                                    "afgesloten"}
    assert closed_during(profile, DAY, DAY + dt.timedelta(days=100))
    assert not closed_during(profile, DAY, DAY + dt.timedelta(days=99))


def test_steps_of_one_day_end_that_day_furthest_along_whatever_their_order() -> None:
    # As a merge may order them (by canonical JSON): the activation before the registration of that day.
    profile = CaseProfile(first_name="F", last_name="K", status=CaseStatus.AFGESLOTEN, closed_reason="verhuisd",
                          history=[ProfileChange(on=DAY, field="status", value="actief", by_id="u-a"),
                                   ProfileChange(on=DAY, field="status", value="aangemeld", by_id="u-an"),
                                   ProfileChange(on=DAY + dt.timedelta(days=9), field="status",
                                                 value="afgesloten", by_id="u-an")])
    assert value_on(profile, "status", DAY + dt.timedelta(days=1)) == "actief"
    assert value_on(profile, "status", DAY + dt.timedelta(days=9)) == "afgesloten"
