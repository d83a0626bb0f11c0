"""Membership changes by role (issue 12, finding 5) from the laptop's side, with a real server process and
real data folders: a colleague a case was shared with can't take its worker off nor share it further
(the server refuses; the laptop undoes its own key rotation, says why in Dutch, and does not try again),
and nobody's laptop takes a coordinator off a case."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from leerrecht_desktop.models.entries import FollowUpNote
from leerrecht_desktop.store.syncstore import SyncStore
from leerrecht_desktop.sync.errors import SyncError
from leerrecht_desktop.sync.handover import Handover, resolve
from leerrecht_desktop.sync.sharing import change_members
from tests.kits.synckit import DAY, Laptop, ServerProcess, enrolled, make_case, snapshot

pytestmark = pytest.mark.slow


@pytest.fixture
def team(server: ServerProcess, tmp_path: Path) -> Iterator[tuple[Laptop, Laptop, Laptop, Laptop]]:
    """Team Noord: the coordinator, w1 with a case shared with w2, and w3."""
    server.admin("create-team", "Noord")
    coord = enrolled(server, tmp_path / "c", "coord", "Fictieve Coordinator", "coordinator", "Noord")
    w1 = enrolled(server, tmp_path / "w1", "werker1", "Fictieve Werker Een", "netsterk", "Noord")
    w2 = enrolled(server, tmp_path / "w2", "werker2", "Fictieve Werker Twee", "brugfiguur", "Noord")
    w3 = enrolled(server, tmp_path / "w3", "werker3", "Fictieve Werker Drie", "netsterk", "Noord")
    yield coord, w1, w2, w3
    for laptop in (coord, w1, w2, w3):
        laptop.close()


def members(server: ServerProcess, case_id: str) -> set[str]:
    return {r[0] for r in server.query("SELECT user_id FROM memberships WHERE case_id = ? AND removed_seq IS NULL",
                                       (case_id,))}


def test_a_colleague_the_case_was_shared_with_can_not_change_its_members(
        server: ServerProcess, team: tuple[Laptop, ...]) -> None:
    coord, w1, w2, w3 = team
    case_id = make_case(w1.case_files, notes=1)
    assert w1.sync().errors == []
    engine = w1.engine()
    try:
        engine.share_case(case_id, w2.user_id)
    finally:
        engine.transport.close()
    assert w1.sync().errors == [] and w2.sync().errors == [] and coord.sync().errors == []
    before = members(server, case_id)

    # w2 tries to take w1 off and to share the case with w3, and writes a note meanwhile.
    engine = w2.engine()
    try:
        engine.unshare_case(case_id, w1.user_id)
        engine.share_case(case_id, w3.user_id)
    finally:
        engine.transport.close()
    note = w2.case_files.save(case_id, FollowUpNote(occurred_on=DAY, text="Fictief na de poging"), today=DAY)
    report = w2.sync()
    refusals = [e for e in report.errors if "alleen een coördinator van het team of de begeleider" in e]
    assert len(refusals) == 2 and len(report.errors) == 2, report.errors
    assert "ongedaan gemaakt" in refusals[0] and report.quarantined == 0
    assert members(server, case_id) == before
    # The rotation w2 made is undone: the note went out under the key everyone holds, and nothing is retried.
    store = SyncStore(w2.case_files)
    assert store.pending_member_changes() == [] and store.pending_count() == 0
    assert w2.case_files.case_key(case_id)[0] == 1
    again = w2.sync()
    assert again.errors == [] and SyncStore(w2.case_files).pending_member_changes() == []
    assert w1.sync().errors == []
    assert note.record_id in snapshot(w1.case_files, case_id)["entries"]
    assert snapshot(w1.case_files, case_id) == snapshot(w2.case_files, case_id)
    assert w3.sync().errors == [] and w3.case_files.summaries() == []


def test_nobody_takes_a_coordinator_off_a_case(server: ServerProcess, team: tuple[Laptop, ...]) -> None:
    coord, w1, _w2, w3 = team
    case_id = make_case(w1.case_files, notes=1)
    assert w1.sync().errors == [] and coord.sync().errors == []
    for laptop in (w1, coord):
        engine = laptop.engine()
        try:
            with pytest.raises(SyncError, match="blijft op elk dossier van het team"):
                engine.unshare_case(case_id, coord.user_id)
        finally:
            engine.transport.close()
        assert SyncStore(laptop.case_files).pending_member_changes() == []
    # "Delen met collega…" with a colleague ticked and the coordinator unticked: nothing is queued.
    with pytest.raises(SyncError, match="Er is niets gewijzigd"):
        change_members(w1.case_files, case_id, add=[w3.user_id], remove=[coord.user_id])
    assert SyncStore(w1.case_files).pending_member_changes() == []
    assert coord.user_id in members(server, case_id)


def test_a_worker_the_server_does_not_know_as_the_cases_own_is_told_to_ask_the_coordinator(
        server: ServerProcess, team: tuple[Laptop, ...]) -> None:
    """The coordinator assigns w1's case to w2 but keeps w1 on it (--keep-previous): for the server it is
    still w1's case. w2 handing it on is refused by the server, said in Dutch, and nothing is raised."""
    coord, w1, w2, w3 = team
    case_id = make_case(w1.case_files, notes=1)
    assert w1.sync().errors == [] and coord.sync().errors == []
    s = Handover(coord.case_files)
    try:
        s.run([case_id], resolve(s.people, "werker2", s.state.team_id), keep_previous=True, previous=None)
    finally:
        s.close()
    assert w2.sync().errors == []
    before = members(server, case_id)
    assert before == {coord.user_id, w1.user_id, w2.user_id}
    s = Handover(w2.case_files)
    try:
        outcome = s.run([case_id], resolve(s.people, "werker3", s.state.team_id), keep_previous=False, previous=None)
    finally:
        s.close()
    assert any("vraag je coördinator om het over te dragen" in e for e in outcome.errors), outcome.errors
    assert any("alleen een coördinator van het team of de begeleider" in e for e in outcome.errors)
    assert members(server, case_id) == before and w3.user_id not in before
    assert w2.case_files.load_case(case_id) is not None  # w2 keeps the case
