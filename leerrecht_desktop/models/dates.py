"""Dates as people type them (issue 14): `31122026`, `31/12/2026`, `31-12-26`, `31.12.2026`, `31/12` (this
year), `2026-12-31`, and the words vandaag, morgen and gisteren (today, tomorrow and yesterday in
English). No Qt: the date field (ui/forms/date_field.py) and the command line share it."""

from __future__ import annotations

import datetime as dt
import re

_WORDS = {"vandaag": 0, "today": 0, "morgen": 1, "tomorrow": 1, "gisteren": -1, "yesterday": -1}
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_PARTS = re.compile(r"^(\d{1,2})[/.\- ](\d{1,2})(?:[/.\- ](\d{2}|\d{4}))?$")
_DIGITS = re.compile(r"^\d{4}(\d{2}){0,2}$")


def _year(text: str | None, today: dt.date) -> int:
    if text is None:
        return today.year
    if len(text) == 4:
        return int(text)
    # Two digits: the nearest century that puts it at most twenty years ahead (a next step in "28", a
    # birth date in "95").
    year = 2000 + int(text)
    return year if year <= today.year + 20 else year - 100


def parse_date(text: str, today: dt.date) -> dt.date | None:
    """The day `text` means, or None when it is no date (a 31st of a month without one included)."""
    cleaned = text.strip().lower()
    if cleaned in _WORDS:
        return today + dt.timedelta(days=_WORDS[cleaned])
    try:
        if match := _ISO.match(cleaned):
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
        if match := _PARTS.match(cleaned):
            return dt.date(_year(match[3], today), int(match[2]), int(match[1]))
        if _DIGITS.match(cleaned):  # 3112, 311226, 31122026
            return dt.date(_year(cleaned[4:] or None, today), int(cleaned[2:4]), int(cleaned[:2]))
    except ValueError:
        return None
    return None


def date_text(day: dt.date) -> str:
    """A day as the fields show it: 31/12/2026."""
    return day.strftime("%d/%m/%Y")
