"""Sharing, un-sharing, handing over and transferring a case are in the laptop's access log, whichever
path does it (the window's and the CLI's both pass sync/sharing.py and sync/handover.py), and reach the
server's audit log at the next sync as metadata only; with real server processes (issue 13, item 6)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from leerrecht_core.protocol_access import CaseAccessLog
from leerrecht_desktop.store.access_log import AccessLog
from leerrecht_desktop.store.database import database_path
from leerrecht_desktop.sync.errors import SyncError
from leerrecht_desktop.sync.handover import Handover, hand_over_cases
from leerrecht_desktop.sync.sharing import change_members
from tests.kits.synckit import Laptop, ServerProcess, enrolled, make_case

pytestmark = pytest.mark.slow

LAPTOP_ACTIONS = ("case_shared", "case_unshared", "case_handed_over")


@pytest.fixture
def team(server: ServerProcess, tmp_path: Path) -> Iterator[tuple[Laptop, Laptop, Laptop]]:
    """Team Noord: its coordinator, a worker, a colleague; all enrolled and synced."""
    server.admin("create-team", "Noord")
    coord = enrolled(server, tmp_path / "c", "coord", "Fictieve Coordinator", "coordinator", "Noord")
    worker = enrolled(server, tmp_path / "w", "werker", "Fictieve Werker", "netsterk", "Noord")
    other = enrolled(server, tmp_path / "o", "collega", "Fictieve Collega", "netsterk", "Noord")
    for laptop in (coord, worker, other):
        assert laptop.sync().errors == []
    yield coord, worker, other
    for laptop in (coord, worker, other):
        laptop.close()


def _bytes(db: Path) -> bytes:
    """The database file with its write-ahead log, as a thief would read them."""
    return b"".join(f.read_bytes() for f in db.parent.glob(db.name + "*"))


def _laptop_rows(server: ServerProcess, case_id: str) -> list[tuple[str, str]]:
    marks = ", ".join("?" * len(LAPTOP_ACTIONS))
    return server.query(f"SELECT action, user_id FROM audit_log WHERE case_ids = ? AND action IN ({marks}) "
                        "ORDER BY id", (case_id, *LAPTOP_ACTIONS))


def _access_log(laptop: Laptop, case_id: str) -> CaseAccessLog:
    engine = laptop.engine()
    try:
        return engine.transport.get(f"/cases/{case_id}/access-log", CaseAccessLog)
    finally:
        engine.transport.close()


def test_sharing_unsharing_and_a_hand_over_reach_the_servers_audit_log(
        server: ServerProcess, team: tuple[Laptop, Laptop, Laptop]) -> None:
    coord, worker, other = team
    case_id = make_case(worker.case_files, notes=1)
    assert worker.sync().errors == []
    name = worker.case_files.summary(case_id).full_name
    access = AccessLog.of(worker.case_files)
    assert access.pending_count() == 0

    change_members(worker.case_files, case_id, [other.user_id], [])  # "Delen met collega…"
    assert [e.action for e in access.unsent(10)] == ["case_shared"]
    assert b"case_shared" not in _bytes(database_path(worker.data_dir))  # sealed on the laptop
    assert worker.sync().errors == []
    change_members(worker.case_files, case_id, [], [other.user_id])  # taken off again
    assert worker.sync().errors == []
    assert access.pending_count() == 0
    # Handed to the colleague, the worker staying on it; the hand-over's own round sends the entry.
    outcome = hand_over_cases(worker.case_files, other.user_id, case_id=case_id, keep_previous=True)
    assert outcome.errors == [] and not outcome.queued
    assert access.pending_count() == 0

    assert _laptop_rows(server, case_id) == [("case_shared", worker.user_id), ("case_unshared", worker.user_id),
                                             ("case_handed_over", worker.user_id)]
    # Metadata only: the young person's name is nowhere in the server's database.
    assert name.encode() not in _bytes(server.db_path)
    # The coordinator reads them among the server's own events of the case.
    assert coord.sync().errors == []
    log = _access_log(coord, case_id)
    laptop = [(e.action, e.display_name, e.source) for e in log.entries if e.source == "laptop"]
    assert laptop == [("case_handed_over", "Fictieve Werker", "laptop"), ("case_unshared", "Fictieve Werker", "laptop"),
                      ("case_shared", "Fictieve Werker", "laptop")]  # newest first
    assert {"member_add", "member_remove"} <= {e.action for e in log.entries if e.source == "server"}


def test_what_is_queued_is_logged_once_per_colleague_and_a_refusal_logs_nothing(
        server: ServerProcess, team: tuple[Laptop, Laptop, Laptop]) -> None:
    coord, worker, other = team
    case_id = make_case(worker.case_files, notes=1)
    assert worker.sync().errors == []
    access = AccessLog.of(worker.case_files)
    with pytest.raises(SyncError, match="coördinator"):  # a coordinator can't be taken off: nothing queued
        change_members(worker.case_files, case_id, [other.user_id], [coord.user_id])
    assert access.pending_count() == 0
    # The colleague is queued, then an unknown one refused: the one queued is in the log, once.
    with pytest.raises(SyncError, match="niet bekend"):
        change_members(worker.case_files, case_id, [other.user_id, str(uuid.uuid4())], [])
    assert [e.action for e in access.unsent(10)] == ["case_shared"]
    assert worker.sync().errors == []
    assert _laptop_rows(server, case_id) == [("case_shared", worker.user_id)]


def test_a_transfer_to_another_team_is_in_the_access_log(server: ServerProcess, team: tuple[Laptop, Laptop, Laptop],
                                                         tmp_path: Path) -> None:
    coord, worker, _ = team
    server.admin("create-team", "Zuid")
    south = enrolled(server, tmp_path / "z", "coordzuid", "Fictieve Coordinator Zuid", "coordinator", "Zuid")
    try:
        case_id = make_case(worker.case_files, notes=1)
        assert worker.sync().errors == [] and coord.sync().errors == []
        session = Handover(coord.case_files)
        try:
            session.transfer(case_id, "Zuid")
        finally:
            session.close()
        assert AccessLog.of(coord.case_files).pending_count() == 0  # sent by the transfer's own round
        assert _laptop_rows(server, case_id) == [("case_handed_over", coord.user_id)]
    finally:
        south.close()
