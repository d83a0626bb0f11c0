"""Flemish number format (issue 14): a decimal comma and a dot between thousands in Dutch, the other way
round in English; the wellbeing means in the app and in the case summary PDF use it."""

from __future__ import annotations

import datetime as dt

from leerrecht_core.i18n import set_language
from leerrecht_desktop.models.entries import WellbeingScale
from leerrecht_desktop.models.numbers import decimal_text, whole_text


def test_numbers_are_written_as_in_flanders() -> None:
    assert decimal_text(3.375, 2) == "3,38" and decimal_text(2.4) == "2,4" and decimal_text(0.5, signed=True) == "+0,5"
    assert whole_text(20_000) == "20.000"
    set_language("en")
    assert decimal_text(3.375, 2) == "3.38" and whole_text(20_000) == "20,000"


def test_the_case_summary_prints_its_means_with_a_comma() -> None:
    from tests.reports.test_case_summary import profile, record, render, squash, text_of

    answers = {f"q{i}": v for i, v in enumerate([3, 3, 2, 2, 3, 2, 3, 2], 1)}  # 20 / 8 = 2,5
    scale = WellbeingScale(occurred_on=dt.date(2025, 3, 11), place="school", answers=answers)
    text = squash(text_of(render(profile(), [record(scale, 1)])))
    assert "Gemiddelde 2,5" in text and "2.5" not in text
