"""The reports say when each entry was last saved (issue 13, item 1): the access request prints the
author's own save time, or the time it arrived marked "(tijd van ontvangst)" where that is all the laptop
knows; its JSON names both sources in words. Read back with pypdf; every name and note is invented."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from dataclasses import replace

import pytest

from leerrecht_core.i18n import set_language
from leerrecht_desktop.models.entries import FollowUpNote
from leerrecht_desktop.models.enums import Kind
from leerrecht_desktop.models.records import Record, saved_text
from leerrecht_desktop.reports.access_request import Maker, access_request_json, render_access_request

from .test_access_request import flat, pdf_text
from .test_case_summary import profile

MADE_AT = dt.datetime(2025, 6, 20, 14, 5)
MAKER = Maker("Fictieve Coördinator", "coordinator", "Team Noord", "Stad Mechelen")


@pytest.fixture(autouse=True)
def brussels(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Times are shown in the computer's time zone: Brussels here, so 12:30 UTC in January reads 13:30."""
    monkeypatch.setenv("TZ", "Europe/Brussels")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _note(n: int, saved: dt.datetime, *, received: bool = False) -> Record:
    note = FollowUpNote(occurred_on=dt.date(2025, 1, 6), author_name="Fictieve Werker",
                        text=f"Fictieve notitie nummer {n}")
    return Record(f"r{n}", "c", Kind.NOTE, 1, "u1", saved, note, time_received=received)


def test_saved_text_is_local_time_marked_when_only_received() -> None:
    written = _note(1, dt.datetime(2025, 1, 6, 12, 30, tzinfo=dt.UTC))
    assert saved_text(written) == "06/01/2025 om 13:30"
    assert saved_text(replace(written, time_received=True)) == "06/01/2025 om 13:30 (tijd van ontvangst)"
    set_language("en")
    assert saved_text(replace(written, time_received=True)) == "06/01/2025 at 13:30 (time received)"


def test_the_access_request_prints_the_authors_time_and_marks_a_time_received() -> None:
    records = [_note(1, dt.datetime(2025, 1, 6, 12, 30, tzinfo=dt.UTC)),
               _note(2, dt.datetime(2025, 1, 7, 8, 5, tzinfo=dt.UTC), received=True)]
    text = flat(pdf_text(render_access_request(profile(), records, maker=MAKER, made_at=MADE_AT)))
    assert ("Geschreven door Fictieve Werker, laatst opgeslagen op 06/01/2025 om 13:30 "
            "Notitie Fictieve notitie nummer 1") in text
    assert ("Geschreven door Fictieve Werker, laatst opgeslagen op 07/01/2025 om 09:05 (tijd van ontvangst) "
            "Notitie Fictieve notitie nummer 2") in text
    assert text.count("tijd van ontvangst") == 1

    set_language("en")
    text = flat(pdf_text(render_access_request(profile(), records, maker=MAKER, made_at=MADE_AT)))
    assert "Written by Fictieve Werker, last saved on 06/01/2025 at 13:30" in text
    assert "last saved on 07/01/2025 at 09:05 (time received)" in text


def test_the_access_request_json_names_the_sources_of_saved_at() -> None:
    data = access_request_json({"format": "leerrecht-export", "format_version": 1, "cases": [], "refused": []})
    assert data["labels"]["saved_at_source"] == {"author": "tijd van de schrijver", "received": "tijd van ontvangst"}
    set_language("en")
    data = access_request_json({"format": "leerrecht-export", "format_version": 1, "cases": [], "refused": []})
    assert data["labels"]["saved_at_source"] == {"author": "the author's time", "received": "time received"}


def test_the_case_summary_says_when_its_newest_entry_was_saved_marked_when_only_received() -> None:
    from leerrecht_desktop.reports.case_summary import SummaryOptions, render_case_summary

    written = _note(1, dt.datetime(2025, 1, 6, 12, 30, tzinfo=dt.UTC))
    received = _note(2, dt.datetime(2025, 1, 7, 8, 5, tzinfo=dt.UTC), received=True)

    def summary(records: list[Record]) -> str:
        return flat(pdf_text(render_case_summary(profile(), records, SummaryOptions(), made_by="Fictieve Werker",
                                                 made_at=MADE_AT, today=dt.date(2025, 6, 20))))

    assert "Laatst bijgewerkt 06/01/2025 om 13:30" in summary([written])
    assert "Laatst bijgewerkt 07/01/2025 om 09:05 (tijd van ontvangst)" in summary([written, received])
    assert "Laatst bijgewerkt" not in summary([])
