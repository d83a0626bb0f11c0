"""Sync stores what it receives authenticated too: the case keys a colleague shares, their public keys,
the heads of incoming revisions. Real server process on loopback, real data folders; every name and note
is fictitious."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from leerrecht_desktop.models.entries import FollowUpNote
from leerrecht_desktop.store import tables as t
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.errors import CaseNotFound
from tests.kits.storekit import raw_execute
from tests.kits.synckit import DAY, PASSPHRASE, Laptop, enrolled, make_case, running_server, snapshot

pytestmark = pytest.mark.slow


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Laptop, Laptop]]:
    with running_server(tmp_path / "server", team="Noord") as server:
        w1 = enrolled(server, tmp_path / "w1", "werker1", "Fictieve Werker Een", "netsterk", "Noord")
        coord = enrolled(server, tmp_path / "coord", "coord", "Fictieve Coordinator", "coordinator", "Noord")
        yield w1, coord
        w1.close()
        coord.close()


def assert_all_bookkeeping_authentic(cf: CaseFiles) -> int:
    """Every case key, known key and head row of the folder checks; returns how many were checked."""
    books = cf.bookkeeping
    with cf.engine.connect() as conn:
        keys = conn.execute(select(t.case_keys)).all()
        known = conn.execute(select(t.known_keys)).all()
        heads = conn.execute(select(t.records).where(t.records.c.is_head.is_(True))).all()
    for row in keys:
        books.check_case_key(row)
    for row in known:
        books.check_known_keys(row)
    for row in heads:
        books.check_head(row)
    return len(keys) + len(known) + len(heads)


def test_received_keys_and_heads_are_stored_authenticated(pair: tuple[Laptop, Laptop]) -> None:
    w1, coord = pair
    case_id = make_case(w1.case_files, notes=2)
    w1.sync()
    coord.sync()
    seen = snapshot(coord.case_files, case_id)
    # A new revision from the worker replaces the coordinator's head of that record.
    record_id = next(iter(seen["entries"]))
    w1.case_files.save(case_id, FollowUpNote(occurred_on=DAY, text="Fictieve notitie, bijgewerkt"),
                       record_id=record_id, today=DAY)
    w1.sync()
    coord.sync()
    assert snapshot(coord.case_files, case_id)["entries"][record_id]["text"] == "Fictieve notitie, bijgewerkt"
    # The coordinator's laptop holds a grant, the worker's public keys and heads it did not write itself.
    assert assert_all_bookkeeping_authentic(coord.case_files) >= 1 + 2 + 3
    assert assert_all_bookkeeping_authentic(w1.case_files) >= 1 + 1 + 3

    # And a received key changed outside the app is refused at the next unlock, the rest still open.
    other = make_case(coord.case_files, notes=0)
    raw_execute(coord.data_dir, "UPDATE known_keys SET signing_public = ? WHERE user_id = ?",
                (bytes(32), w1.user_id))
    session = coord.workspace.unlock(PASSPHRASE)
    with pytest.raises(CaseNotFound) as refused:  # every record of it is the worker's
        session.load_case(case_id)
    assert "gewijzigd buiten de app" in str(refused.value)
    assert session.load_case(other).refused == []
    assert {s.case_id for s in session.summaries()} == {case_id, other}
