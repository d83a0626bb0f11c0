"""A pulled page is stored in bulk (sync/incoming.py apply_page): whatever order and repetition a server
sends, each record ends with exactly one head (its newest revision), its whole history, and a case list
that shows the newest content."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest

from leerrecht_core.protocol import PullPage
from leerrecht_desktop.models.entries import FollowUpNote
from leerrecht_desktop.store.database import database_path
from leerrecht_desktop.sync.engine import SyncReport
from tests.kits.synckit import DAY, Laptop, make_case, snapshot

pytestmark = pytest.mark.slow


def heads_per_record(laptop: Laptop) -> dict[str, int]:
    with closing(sqlite3.connect(database_path(laptop.data_dir))) as db:
        return dict(db.execute("SELECT record_id, sum(is_head) FROM records GROUP BY record_id").fetchall())


def edited_case(w1: Laptop) -> tuple[str, str]:
    """A case with one note saved four times (revisions 1 to 4)."""
    case_id = make_case(w1.case_files, notes=1)
    note = w1.case_files.save(case_id, FollowUpNote(occurred_on=DAY, text="Fictieve versie 1"), today=DAY)
    for i in range(2, 5):
        w1.case_files.save(case_id, FollowUpNote(occurred_on=DAY, text=f"Fictieve versie {i}"),
                           record_id=note.record_id, today=DAY)
    return case_id, note.record_id


def test_several_revisions_of_one_record_in_one_page_leave_one_head(pair: tuple[Laptop, Laptop]) -> None:
    w1, coord = pair
    case_id, note_id = edited_case(w1)
    w1.sync()
    got = coord.sync()
    assert got.errors == [] and got.pulled == 6
    assert set(heads_per_record(coord).values()) == {1}
    assert snapshot(coord.case_files, case_id) == snapshot(w1.case_files, case_id)
    assert sorted(r.revision for r in coord.case_files.history(note_id)) == [1, 2, 3, 4]
    assert coord.case_files.summary(case_id).entry_count == w1.case_files.summary(case_id).entry_count


def test_a_page_in_reverse_order_with_repeats_stores_each_revision_once(pair: tuple[Laptop, Laptop]) -> None:
    w1, coord = pair
    case_id, note_id = edited_case(w1)
    w1.sync()
    engine = coord.engine()
    try:
        report = SyncReport()
        page = engine.transport.get("/pull", PullPage, params={"after": 0, "limit": 1000})
        engine.fetch_cases([case_id], report)
        engine._fetch_missing_keys(page.revisions, report)
        scrambled = list(reversed(page.revisions)) + page.revisions
        with coord.case_files.sync_transaction() as conn:
            engine.apply_page(conn, scrambled, report)
    finally:
        engine.transport.close()
    assert report.errors == [] and report.refused == 0 and report.pulled == len(page.revisions) == 6
    assert set(heads_per_record(coord).values()) == {1}
    assert snapshot(coord.case_files, case_id) == snapshot(w1.case_files, case_id)
    assert sorted(r.revision for r in coord.case_files.history(note_id)) == [1, 2, 3, 4]
    # The case list shows the newest content, not the last one that arrived.
    assert coord.case_files.summary(case_id) == w1.case_files.summary(case_id)
