"""Scoring of the wellbeing scale: what a worker reads as the trend of a young person over time."""

from __future__ import annotations

import datetime as dt

from leerrecht_desktop.models.catalog import wellbeing_questionnaire
from leerrecht_desktop.models.entries import WellbeingScale
from leerrecht_desktop.models.wellbeing import score, series


def scale(day: dt.date, *values: int) -> WellbeingScale:
    return WellbeingScale(occurred_on=day, answers={f"q{i}": v for i, v in enumerate(values, start=1)})


def test_the_questionnaire_is_the_eight_item_scale_with_answers_1_to_5() -> None:
    q = wellbeing_questionnaire()
    assert q.item_ids == tuple(f"q{i}" for i in range(1, 9))
    assert (q.min_value, q.max_value) == (1, 5)
    assert q.items[4].text == "Ik kon helder denken."
    assert q.answer_label(1) == "Nooit" and q.answer_label(5) == "Altijd"


def test_total_and_mean() -> None:
    scored = score(scale(dt.date(2025, 1, 6), 1, 2, 3, 4, 5, 5, 4, 3))
    assert scored.total == 27
    assert scored.mean == 3.38  # 27 / 8, rounded to two decimals
    assert (scored.min_total, scored.max_total) == (8, 40)


def test_extremes_of_the_scale() -> None:
    assert score(scale(dt.date(2025, 1, 6), *[1] * 8)).total == 8
    best = score(scale(dt.date(2025, 1, 6), *[5] * 8))
    assert (best.total, best.mean) == (40, 5.0)


def test_change_per_item_and_in_total_against_the_previous_time() -> None:
    first = scale(dt.date(2025, 1, 6), 2, 2, 2, 2, 2, 2, 2, 2)
    second = scale(dt.date(2025, 2, 3), 3, 2, 1, 5, 2, 2, 2, 4)
    earlier, later = series([first, second])
    assert earlier.previous_on is None and earlier.total_change is None and earlier.item_changes is None
    assert later.previous_on == dt.date(2025, 1, 6)
    assert later.total_change == 21 - 16
    assert later.item_changes == {"q1": 1, "q2": 0, "q3": -1, "q4": 3, "q5": 0, "q6": 0, "q7": 0, "q8": 2}


def test_series_is_in_date_order_whatever_the_input_order() -> None:
    jan = scale(dt.date(2025, 1, 6), *[2] * 8)
    feb = scale(dt.date(2025, 2, 3), *[3] * 8)
    mar = scale(dt.date(2025, 3, 3), *[5] * 8)
    scored = series([mar, jan, feb])
    assert [s.occurred_on for s in scored] == [jan.occurred_on, feb.occurred_on, mar.occurred_on]
    assert [s.total_change for s in scored] == [None, 8, 16]
    assert [s.previous_on for s in scored] == [None, jan.occurred_on, feb.occurred_on]


def test_change_is_only_computed_for_questions_answered_both_times() -> None:
    older = WellbeingScale(occurred_on=dt.date(2025, 1, 6), answers={"q1": 2, "q2": 4})
    newer = WellbeingScale(occurred_on=dt.date(2025, 2, 3), answers={"q1": 5, "q3": 1})
    _, later = series([newer, older])
    assert later.item_changes == {"q1": 3}


def test_an_empty_series_and_a_single_scale() -> None:
    assert series([]) == []
    (only,) = series([scale(dt.date(2025, 1, 6), *[4] * 8)])
    assert only.total == 32 and only.total_change is None
