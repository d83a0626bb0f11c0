"""A coordinator transfers a case to another team (real server process, real data folders): the
receiving team's coordinator reads it complete, the sending team's worker and coordinator no longer
do (their laptops erase it), the key is rotated, the server audits it; refusals change nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from leerrecht_core.protocol import CaseState
from leerrecht_core.protocol_transfer import TransferRequest, TransferResponse
from leerrecht_desktop.store.errors import CaseNotFound
from leerrecht_desktop.sync.handover import Handover, HandoverRefused
from leerrecht_desktop.sync.transport import Forbidden
from tests.kits.synckit import Laptop, ServerProcess, enrolled, running_server, snapshot

pytestmark = pytest.mark.slow


@pytest.fixture
def two_teams(tmp_path: Path) -> Iterator[tuple[ServerProcess, Laptop, Laptop, Laptop]]:
    with running_server(tmp_path / "server") as server:
        server.admin("create-team", "Noord")
        server.admin("create-team", "Zuid")
        server.admin("create-recovery-key")
        north = enrolled(server, tmp_path / "cn", "coordnoord", "Fictieve Coordinator Noord", "coordinator", "Noord")
        worker = enrolled(server, tmp_path / "w", "werker", "Fictieve Werker", "netsterk", "Noord", before=1)
        south = enrolled(server, tmp_path / "cz", "coordzuid", "Fictieve Coordinator Zuid", "coordinator", "Zuid")
        for laptop in (worker, north, south):
            assert laptop.sync().errors == []
        yield server, north, worker, south
        for laptop in (north, worker, south):
            laptop.close()


def test_a_case_moves_to_another_teams_coordinator(two_teams: tuple[ServerProcess, Laptop, Laptop, Laptop]) -> None:
    server, north, worker, south = two_teams
    case_id = worker.case_files.summaries()[0].case_id
    expected = snapshot(worker.case_files, case_id)
    assert south.case_files.summaries() == []
    owner = "SELECT owner_id FROM cases WHERE case_id = ?"
    assert server.query(owner, (case_id,)) == [(worker.user_id,)]

    s = Handover(north.case_files)
    try:
        answer = s.transfer(case_id, "zuid")
    finally:
        s.close()
    assert answer.key_version == 2 and answer.members == [south.user_id]
    team_zuid = server.query("SELECT team_id FROM teams WHERE name = 'Zuid'")[0][0]
    assert server.query("SELECT team_id, key_version FROM cases WHERE case_id = ?", (case_id,)) == [(team_zuid, 2)]
    # No owner in the receiving team until its coordinator gives the case to a worker there.
    assert server.query(owner, (case_id,)) == [(None,)]

    report = south.sync()
    assert report.errors == [] and report.refused == 0
    assert snapshot(south.case_files, case_id) == expected

    worker.sync()
    for laptop in (worker, north):
        with pytest.raises(CaseNotFound):
            laptop.case_files.load_case(case_id)
    assert server.query("SELECT COUNT(*) FROM key_grants WHERE case_id = ? AND key_version = 2 AND recipient_id IN "
                        "(?, ?)", (case_id, worker.user_id, north.user_id)) == [(0,)]
    audit = server.query("SELECT actor, detail FROM audit_log WHERE action = 'case_transfer'")
    assert len(audit) == 1 and audit[0][0] == "coordnoord" and team_zuid in audit[0][1]


def test_only_a_coordinator_holding_the_key_may_transfer(
        two_teams: tuple[ServerProcess, Laptop, Laptop, Laptop]) -> None:
    server, north, worker, _south = two_teams
    case_id = worker.case_files.summaries()[0].case_id
    s = Handover(worker.case_files)
    try:
        with pytest.raises(HandoverRefused, match="Alleen een coördinator kan"):
            s.transfer(case_id, "Zuid")
        # Past the app: the server refuses a worker's transfer too.
        grants = list(s.engine.transport.get(f"/cases/{case_id}", CaseState).grants)
        team_zuid = server.query("SELECT team_id FROM teams WHERE name = 'Zuid'")[0][0]
        with pytest.raises(Forbidden):
            s.engine.transport.post(f"/cases/{case_id}/transfer", TransferRequest(team_id=team_zuid, grants=grants),
                                    TransferResponse)
    finally:
        s.close()
    s = Handover(north.case_files)
    try:
        with pytest.raises(HandoverRefused, match="geen ander team 'Oost'"):
            s.transfer(case_id, "Oost")
    finally:
        s.close()
    assert server.query("SELECT key_version FROM cases WHERE case_id = ?", (case_id,)) == [(1,)]
    assert server.query("SELECT COUNT(*) FROM audit_log WHERE action = 'case_transfer'") == [(0,)]


def test_the_people_list_shows_other_teams_coordinators_only_to_a_coordinator(
        two_teams: tuple[ServerProcess, Laptop, Laptop, Laptop]) -> None:
    _server, north, worker, _south = two_teams
    for laptop, expected in ((north, {"coordnoord", "werker", "coordzuid"}), (worker, {"coordnoord", "werker"})):
        s = Handover(laptop.case_files)
        try:
            assert {p.username for p in s.people} == expected
            teams = {e.team_id for e in s.engine.colleagues()}
            assert len(teams) == (2 if laptop is north else 1)
        finally:
            s.close()
