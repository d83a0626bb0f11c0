"""Issue 13, item 3 (erasure everywhere), with a real server process on loopback and three laptops of one
team: a coordinator erases a case and every laptop that held it erases it at its next sync (its unsent
changes with it, said); the server keeps only the fact. Who may erase; a reason is required; offline
nothing is erased; a case made offline is erased here only. A feed event nobody may have signed, or a
retention erasure this laptop's own copy does not bear out, erases nothing and the report says so."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from leerrecht_core.protocol_lifecycle import RETENTION_MIN_CLOSED_DAYS, erasure_message
from leerrecht_desktop.models.case import CaseProfile
from leerrecht_desktop.models.entries import FollowUpNote
from leerrecht_desktop.store import tables as t
from leerrecht_desktop.sync.erasure import ErasureRefused, erase_everywhere
from leerrecht_desktop.sync.transport import Transport
from tests.kits.synckit import DAY, Laptop, ServerProcess, enrolled, make_case, snapshot

pytestmark = pytest.mark.slow

REASON = "Verzoek van de ouders (fictief)"
CASE_TABLES = (t.records, t.outbox, t.case_keys, t.case_index, t.drafts, t.conflicts, t.pending_members, t.sync_cases)
SERVER_TABLES = ("revisions", "record_heads", "key_grants", "memberships", "cases", "held_apart")


@pytest.fixture
def team(server: ServerProcess, tmp_path: Path) -> Iterator[dict[str, Laptop]]:
    server.admin("create-team", "Noord")
    server.admin("create-team", "Zuid")
    laptops = {
        "coord": enrolled(server, tmp_path / "coord", "coord", "Fictieve Coordinator", "coordinator", "Noord"),
        "w1": enrolled(server, tmp_path / "w1", "werker1", "Fictieve Werker Een", "netsterk", "Noord"),
        "w2": enrolled(server, tmp_path / "w2", "werker2", "Fictieve Werker Twee", "brugfiguur", "Noord"),
    }
    yield laptops
    for laptop in laptops.values():
        laptop.close()


def shared_case(w1: Laptop, w2: Laptop, coord: Laptop | None = None) -> str:
    """A case of w1's, shared with w2; every laptop synced since."""
    case_id = make_case(w1.case_files, notes=2)
    assert w1.sync().errors == []
    w1.engine().share_case(case_id, w2.user_id)
    assert w1.sync().errors == []
    assert w2.sync().errors == []
    if coord is not None:
        assert coord.sync().errors == []
    return case_id


def local_rows(laptop: Laptop, case_id: str) -> int:
    with laptop.case_files.engine.connect() as conn:
        return sum(len(conn.execute(table.select().where(table.c.case_id == case_id)).all())
                   for table in CASE_TABLES)


def server_rows(server: ServerProcess, case_id: str) -> dict[str, int]:
    return {name: server.query(f"SELECT count(*) FROM {name} WHERE case_id = ?", (case_id,))[0][0]
            for name in SERVER_TABLES}


def erase(laptop: Laptop, case_id: str, reason: str | None = REASON) -> Any:
    engine = laptop.engine()
    try:
        return erase_everywhere(engine, case_id, reason)
    finally:
        engine.transport.close()


def test_a_coordinators_erasure_reaches_every_laptop_and_leaves_the_server_only_the_fact(
        server: ServerProcess, team: dict[str, Laptop]) -> None:
    w1, w2, coord = team["w1"], team["w2"], team["coord"]
    case_id = shared_case(w1, w2, coord)
    name = w1.case_files.summary(case_id).full_name
    kept = make_case(w1.case_files, notes=1)  # another case: untouched
    assert w1.sync().errors == []
    assert server_rows(server, case_id)["revisions"] == 3
    w1.case_files.save(case_id, FollowUpNote(occurred_on=DAY, text="Fictief, nog niet verstuurd"), today=DAY)

    done = erase(coord, case_id)
    assert done.everywhere and local_rows(coord, case_id) == 0
    assert server_rows(server, case_id) == dict.fromkeys(SERVER_TABLES, 0)
    audit = server.query("SELECT case_ids, detail FROM audit_log WHERE action = 'case_erased'")
    assert audit == [(case_id, REASON)]

    report = w1.sync()
    (message,) = [e for e in report.errors if name in e]
    assert "Fictieve Coordinator" in message and REASON in message and "1 wijzigingen" in message
    assert local_rows(w1, case_id) == 0 and w1.case_files.pending_changes() == 0
    assert report.quarantined == 0  # the unsent change was never pushed: the feed is read first
    report = w2.sync()
    assert any(name in e and REASON in e for e in report.errors)
    assert local_rows(w2, case_id) == 0
    assert [s.case_id for s in w1.case_files.summaries()] == [kept]
    assert server_rows(server, kept)["revisions"] == 2
    # Told once: the next round is quiet.
    assert w1.sync().errors == [] and w2.sync().errors == []
    assert server_rows(server, case_id) == dict.fromkeys(SERVER_TABLES, 0)


def test_a_worker_in_a_team_with_a_coordinator_is_refused(server: ServerProcess, team: dict[str, Laptop]) -> None:
    w1, w2 = team["w1"], team["w2"]
    case_id = shared_case(w1, w2)
    before = snapshot(w1.case_files, case_id)
    with pytest.raises(ErasureRefused, match="Alleen een coördinator"):
        erase(w1, case_id)
    assert snapshot(w1.case_files, case_id) == before
    assert server_rows(server, case_id)["revisions"] == 3


def test_in_a_team_without_a_coordinator_the_cases_worker_erases_it(server: ServerProcess, tmp_path: Path) -> None:
    server.admin("create-team", "Oost")
    w1 = enrolled(server, tmp_path / "o1", "oost1", "Fictieve Werker Oost", "netsterk", "Oost")
    w2 = enrolled(server, tmp_path / "o2", "oost2", "Fictieve Collega Oost", "netsterk", "Oost")
    try:
        case_id = shared_case(w1, w2)
        with pytest.raises(ErasureRefused, match="eigen begeleider"):
            erase(w2, case_id)  # on the case, but not its worker
        assert erase(w1, case_id).everywhere
        assert any("Fictieve Werker Oost" in e for e in w2.sync().errors)
        assert local_rows(w2, case_id) == 0 and local_rows(w1, case_id) == 0
    finally:
        w1.close()
        w2.close()


@pytest.mark.parametrize("reason", [None, "", "   ", "eerste regel\ntweede regel", "x" * 501])
def test_an_erasure_without_a_good_reason_erases_nothing(server: ServerProcess, team: dict[str, Laptop],
                                                         reason: str | None) -> None:
    w1, w2, coord = team["w1"], team["w2"], team["coord"]
    case_id = shared_case(w1, w2, coord)
    with pytest.raises(ErasureRefused, match="niets gewist"):
        erase(coord, case_id, reason)
    assert snapshot(coord.case_files, case_id)["entries"]
    assert server_rows(server, case_id)["revisions"] == 3


def test_a_case_not_on_this_laptop_is_refused(server: ServerProcess, team: dict[str, Laptop]) -> None:
    w1, w2, coord = team["w1"], team["w2"], team["coord"]
    case_id = make_case(w1.case_files, notes=1)
    w1.sync()
    with pytest.raises(ErasureRefused, match="staat niet op deze laptop"):
        erase(w2, case_id)
    assert server_rows(server, case_id)["revisions"] == 2
    with pytest.raises(ErasureRefused, match="staat niet op deze laptop"):
        erase(coord, case_id)


def test_offline_nothing_is_erased(server: ServerProcess, team: dict[str, Laptop]) -> None:
    w1, w2, coord = team["w1"], team["w2"], team["coord"]
    case_id = shared_case(w1, w2, coord)
    engine = coord.engine()
    engine.transport = Transport("http://127.0.0.1:9", token="x")  # nobody listens there
    with pytest.raises(ErasureRefused, match="kan pas als de server bereikbaar is"):
        erase_everywhere(engine, case_id, REASON)
    assert snapshot(coord.case_files, case_id)["entries"]
    assert server_rows(server, case_id)["revisions"] == 3


def test_a_case_the_server_never_knew_is_erased_here_only(server: ServerProcess, team: dict[str, Laptop]) -> None:
    w1 = team["w1"]
    case_id = make_case(w1.case_files, notes=1)  # made after enrolment, never synced
    done = erase(w1, case_id)
    assert (done.everywhere, done.unsent) == (False, 2)
    assert local_rows(w1, case_id) == 0
    assert server.query("SELECT count(*) FROM case_erasures")[0][0] == 0


# -- what the feed serves, and what a laptop makes of it ------------------------------------------------


def _forge(server: ServerProcess, case_id: str, holders: list[str], **values: Any) -> None:
    """A case_erasures row the server serves from now on, as a malicious server (or a bug) could."""
    # A number of its own past every laptop's cursor, as the server's SeqAllocator would give it.
    server.execute("UPDATE counters SET value = value + 1 WHERE name = 'seq'", ())
    ((seq,),) = server.query("SELECT value FROM counters WHERE name = 'seq'")
    row = {"case_id": case_id, "team_id": "t", "seq": seq, "erased_at": "2026-01-01T00:00:00", "cause": "request",
           "erased_by": None, "signature": None, "reason": "fictief", "closed_days": None, "closed_on": None,
           "member_ids": " ".join(holders)} | values
    server.execute(f"INSERT INTO case_erasures ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
                   tuple(row.values()))


@pytest.mark.parametrize("forged", ["unsigned", "random", "another-case", "not-allowed"])
def test_an_erasure_nobody_who_may_signed_erases_nothing(server: ServerProcess, team: dict[str, Laptop],
                                                          tmp_path: Path, forged: str) -> None:
    w1, w2, coord = team["w1"], team["w2"], team["coord"]
    case_id = shared_case(w1, w2)
    outsider = enrolled(server, tmp_path / "w3", "werker3", "Fictieve Werker Drie", "netsterk", "Noord")
    try:
        signer, signature = {
            "unsigned": (coord.user_id, None),
            "random": (coord.user_id, os.urandom(64)),
            "another-case": (coord.user_id, coord.case_files.secrets.signing.sign(
                erasure_message(make_case(coord.case_files), coord.user_id))),
            # A genuine signature over this very erasure, by a colleague neither on the case nor coordinator.
            "not-allowed": (outsider.user_id, outsider.case_files.secrets.signing.sign(
                erasure_message(case_id, outsider.user_id))),
        }[forged]
        before = snapshot(w2.case_files, case_id)
        _forge(server, case_id, [w1.user_id, w2.user_id], erased_by=signer, signature=signature)
        report = w2.sync()
        assert any("niets gewist" in e and before["profile"]["first_name"] in e for e in report.errors)
        assert snapshot(w2.case_files, case_id) == before
    finally:
        outsider.close()


def _close(laptop: Laptop, case_id: str, closed_on: dt.date) -> None:
    """Close the case as the worker does, the change dated `closed_on` (the store records it in the
    profile's history)."""
    case = laptop.case_files.load_case(case_id)
    profile: CaseProfile = dataclasses.replace(case.content, status="afgesloten", closed_reason="doel_bereikt")
    laptop.case_files.save(case_id, profile, record_id=case.profile.record_id, changed_on=closed_on)


@pytest.mark.parametrize(("closed_ago", "policy", "erased"), [
    (800, RETENTION_MIN_CLOSED_DAYS, True),  # closed long enough ago
    (800, 30, False),  # a policy below the floor
    (100, RETENTION_MIN_CLOSED_DAYS, False),  # closed, but not long enough
    (None, RETENTION_MIN_CLOSED_DAYS, False),  # open here
    (0, RETENTION_MIN_CLOSED_DAYS, False),  # closed today
])
def test_a_retention_erasure_acts_only_on_what_this_laptops_copy_bears_out(
        server: ServerProcess, team: dict[str, Laptop], closed_ago: Any, policy: int, erased: bool) -> None:
    w1, w2 = team["w1"], team["w2"]
    case_id = shared_case(w1, w2)
    if closed_ago is not None:
        _close(w2, case_id, dt.date.today() - dt.timedelta(days=closed_ago))
    name = w2.case_files.summary(case_id).full_name
    _forge(server, case_id, [w1.user_id, w2.user_id], cause="retention", reason=None, closed_days=policy,
           closed_on="2020-01-01")
    report = w2.sync()
    if erased:
        assert any(name in e and "bewaartermijn" in e and "niet verstuurd" in e for e in report.errors)
        assert local_rows(w2, case_id) == 0
    else:
        assert any(name in e and "niets gewist" in e for e in report.errors)
        assert snapshot(w2.case_files, case_id)["entries"]


def test_the_feed_cursor_is_kept_in_settings(server: ServerProcess, team: dict[str, Laptop]) -> None:
    w1, w2, coord = team["w1"], team["w2"], team["coord"]
    case_id = shared_case(w1, w2, coord)
    erase(coord, case_id)
    w2.sync()
    with w2.case_files.engine.connect() as conn:
        cursor = conn.execute(text("SELECT value FROM settings WHERE key = 'sync.erasure_cursor'")).scalar()
    ((seq,),) = server.query("SELECT seq FROM case_erasures WHERE case_id = ?", (case_id,))
    assert int(cursor) == seq
