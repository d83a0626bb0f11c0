"""Dates as people type them (models/dates.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from leerrecht_desktop.models.dates import date_text, parse_date

TODAY = dt.date(2026, 12, 3)


@pytest.mark.parametrize(("typed", "day"), [
    ("31122026", dt.date(2026, 12, 31)),
    ("31/12/2026", dt.date(2026, 12, 31)),
    ("31-12-26", dt.date(2026, 12, 31)),
    ("31.12.2026", dt.date(2026, 12, 31)),
    ("31/12", dt.date(2026, 12, 31)),
    ("3112", dt.date(2026, 12, 31)),
    ("311226", dt.date(2026, 12, 31)),
    ("9/1/2027", dt.date(2027, 1, 9)),
    ("09122026", dt.date(2026, 12, 9)),
    ("2026-12-31", dt.date(2026, 12, 31)),
    ("12/04/95", dt.date(1995, 4, 12)),  # a birth date
    ("12/04/10", dt.date(2010, 4, 12)),
    (" vandaag ", TODAY),
    ("Morgen", dt.date(2026, 12, 4)),
    ("gisteren", dt.date(2026, 12, 2)),
    ("today", TODAY),
    ("tomorrow", dt.date(2026, 12, 4)),
])
def test_a_typed_date_is_understood(typed: str, day: dt.date) -> None:
    assert parse_date(typed, TODAY) == day


@pytest.mark.parametrize("typed", ["", "00009122026", "31/02/2026", "32/12/2026", "12/13/2026", "volgende week",
                                   "31-12-2026-1", "1", "123", "2026/12/31x", "29/02/2027"])
def test_anything_else_is_no_date(typed: str) -> None:
    assert parse_date(typed, TODAY) is None


def test_a_date_shows_as_on_a_flemish_form() -> None:
    assert date_text(dt.date(2026, 1, 9)) == "09/01/2026"
