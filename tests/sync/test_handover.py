"""Handing cases over with real server processes and real data folders: a leaver's whole caseload to a
colleague in one action (the new worker has every case complete, the leaver's laptop erases them, a
revision sealed after the rotation does not open with the old key), the refusals (nothing changed),
--keep-previous, a worker handing on their own case, and a hand-over queued offline."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from leerrecht_core.crypto.errors import CryptoError
from leerrecht_core.crypto.keys import public_signing_key
from leerrecht_core.crypto.records import RecordHeader, SealedRecord, open_sealed
from leerrecht_desktop.store.errors import CaseNotFound
from leerrecht_desktop.store.syncstore import SyncStore
from leerrecht_desktop.sync.account import login_new_laptop
from leerrecht_desktop.sync.handover import Handover, HandoverRefused, resolve
from tests.kits.synckit import PASSPHRASE, Laptop, ServerProcess, enrolled, snapshot

pytestmark = pytest.mark.slow


@pytest.fixture
def team(server: ServerProcess, tmp_path: Path) -> Iterator[tuple[Laptop, Laptop, Laptop]]:
    """Team Noord: coordinator, a leaver with two cases (both synced, the coordinator has them), a colleague."""
    server.admin("create-team", "Noord")
    server.admin("create-recovery-key")
    coord = enrolled(server, tmp_path / "c", "coord", "Fictieve Coordinator", "coordinator", "Noord")
    leaver = enrolled(server, tmp_path / "x", "vertrekker", "Fictieve Vertrekker", "netsterk", "Noord", before=2)
    other = enrolled(server, tmp_path / "y", "opvolger", "Fictieve Opvolger", "netsterk", "Noord")
    assert leaver.sync().errors == []
    assert coord.sync().errors == []
    assert other.sync().errors == []
    yield coord, leaver, other
    for laptop in (coord, leaver, other):
        laptop.close()


def members(server: ServerProcess, case_id: str) -> set[str]:
    return {r[0] for r in server.query("SELECT user_id FROM memberships WHERE case_id = ? AND removed_seq IS NULL",
                                       (case_id,))}


def session(laptop: Laptop) -> Handover:
    return Handover(laptop.case_files)


def test_a_leavers_caseload_changes_hands_in_one_action(server: ServerProcess, team: tuple[Laptop, ...],
                                                        tmp_path: Path) -> None:
    coord, leaver, other = team
    cases = sorted(s.case_id for s in leaver.case_files.summaries())
    assert len(cases) == 2
    # The leaver's second laptop holds the cases too.
    ws2, cf2 = login_new_laptop(tmp_path / "x2", server.url, "vertrekker", PASSPHRASE)
    second = Laptop("vertrekker-2", tmp_path / "x2", ws2, cf2)
    assert second.sync().errors == []
    assert sorted(s.case_id for s in second.case_files.summaries()) == cases
    old_keys = {c: leaver.case_files.case_key(c, 1)[1] for c in cases}

    s = session(coord)
    try:
        assert s.cases_of(leaver.user_id) == cases
        to = resolve(s.people, "opvolger", s.state.team_id)
        outcome = s.run(s.cases_of(leaver.user_id), to, keep_previous=False, previous={leaver.user_id})
    finally:
        s.close()
    assert outcome.case_ids == cases and not outcome.queued and outcome.errors == []
    for case_id in cases:
        assert members(server, case_id) == {coord.user_id, other.user_id}

    # The new worker has them complete, and is the one assigned.
    report = other.sync()
    assert report.errors == [] and report.refused == 0
    for case_id in cases:
        assert snapshot(other.case_files, case_id) == snapshot(coord.case_files, case_id)
        assigned = other.case_files.load_case(case_id).content.assigned
        assert [w.user_id for w in assigned] == [other.user_id]

    # The leaver's laptops erase them at their next sync.
    for laptop in (leaver, second):
        laptop.sync()
        assert laptop.case_files.summaries() == []
        for case_id in cases:
            with pytest.raises(CaseNotFound):
                laptop.case_files.load_case(case_id)
    second.close()

    # The profile revision written with the hand-over is sealed under key version 2: the old key can't open it.
    signer = public_signing_key(coord.case_files.secrets.signing_public)
    for case_id in cases:
        row = server.query("SELECT revision_id, record_id, kind, revision, base_revision, author_id, key_version, "
                           "deleted, nonce, ciphertext, signature FROM revisions WHERE case_id = ? AND kind = 'case' "
                           "ORDER BY seq DESC LIMIT 1", (case_id,))[0]
        header = RecordHeader(revision_id=row[0], record_id=row[1], case_id=case_id, kind=row[2], revision=row[3],
                              base_revision=row[4], author_id=row[5], key_version=row[6], deleted=bool(row[7]))
        sealed = SealedRecord(header, bytes(row[8]), bytes(row[9]), bytes(row[10]))
        assert header.key_version == 2
        with pytest.raises(CryptoError):
            open_sealed(sealed, old_keys[case_id], signer)
        assert open_sealed(sealed, coord.case_files.case_key(case_id, 2)[1], signer)["assigned"][0]["user_id"] \
            == other.user_id
    entries = server.query("SELECT action, detail FROM audit_log WHERE action = 'member_remove'")
    assert len(entries) == 2 and all(leaver.user_id in d for _, d in entries)


def _unchanged(server: ServerProcess, laptop: Laptop, case_id: str) -> tuple[object, ...]:
    store = SyncStore(laptop.case_files)
    return (snapshot(laptop.case_files, case_id), store.pending_count(), store.pending_member_changes(),
            sorted(members(server, case_id)))


def test_refusals_say_why_and_change_nothing(server: ServerProcess, team: tuple[Laptop, ...]) -> None:
    coord, leaver, other = team
    case_id = sorted(s.case_id for s in leaver.case_files.summaries())[0]
    # Shared with the colleague, but assigned to the leaver: not the colleague's to hand on.
    engine = leaver.engine()
    try:
        engine.share_case(case_id, other.user_id)
    finally:
        engine.transport.close()
    assert leaver.sync().errors == []
    other.sync()
    before = _unchanged(server, other, case_id)
    s = session(other)
    try:
        to = resolve(s.people, "coord", s.state.team_id)
        with pytest.raises(HandoverRefused, match="Alleen een coördinator van het team of de begeleider"):
            s.run([case_id], to, keep_previous=False, previous=None)
        with pytest.raises(HandoverRefused, match="geen collega 'niemand'"):
            resolve(s.people, "niemand", s.state.team_id)
    finally:
        s.close()
    assert _unchanged(server, other, case_id) == before

    # A case that is not on this laptop at all.
    s = session(coord)
    try:
        with pytest.raises(CaseNotFound, match="bestaat niet"):
            s.run(["00000000-0000-4000-8000-000000000000"], resolve(s.people, "opvolger", s.state.team_id),
                  keep_previous=False, previous=None)
    finally:
        s.close()
    assert SyncStore(coord.case_files).pending_member_changes() == []


def test_keep_previous_keeps_the_previous_worker_on_the_case(server: ServerProcess, team: tuple[Laptop, ...]) -> None:
    coord, leaver, other = team
    case_id = sorted(s.case_id for s in leaver.case_files.summaries())[0]
    s = session(coord)
    try:
        s.run([case_id], resolve(s.people, "Fictieve Opvolger", s.state.team_id), keep_previous=True, previous=None)
    finally:
        s.close()
    assert members(server, case_id) == {coord.user_id, leaver.user_id, other.user_id}
    assert leaver.sync().errors == [] and other.sync().errors == []
    for laptop in (leaver, other):
        assert [w.user_id for w in laptop.case_files.load_case(case_id).content.assigned] == [other.user_id]
    assert server.query("SELECT key_version FROM cases WHERE case_id = ?", (case_id,))[0][0] == 1


def test_a_worker_hands_their_own_case_on(server: ServerProcess, team: tuple[Laptop, ...]) -> None:
    coord, leaver, other = team
    case_id = sorted(s.case_id for s in leaver.case_files.summaries())[0]
    s = session(leaver)
    try:
        outcome = s.run([case_id], resolve(s.people, "opvolger", s.state.team_id), keep_previous=False,
                        previous=None)
    finally:
        s.close()
    assert outcome.errors == []
    assert members(server, case_id) == {coord.user_id, other.user_id}
    with pytest.raises(CaseNotFound):
        leaver.case_files.load_case(case_id)
    assert other.sync().errors == []
    assert [w.user_id for w in other.case_files.load_case(case_id).content.assigned] == [other.user_id]
    # The hand-over is a step of the case's history (issue 13), by the one who handed it on.
    step = [c for c in other.case_files.load_case(case_id).content.history if c.field == "assigned"][-1]
    assert (step.value, step.by_id, step.by_name) == (other.user_id, leaver.user_id, "Fictieve Vertrekker")


def test_offline_the_hand_over_is_queued_and_sent_by_the_next_sync(server: ServerProcess,
                                                                  team: tuple[Laptop, ...]) -> None:
    coord, leaver, other = team
    case_id = sorted(s.case_id for s in leaver.case_files.summaries())[0]
    s = session(coord)  # online once: the people list is kept (sealed) for offline use
    s.close()
    server.stop()
    s = session(coord)
    try:
        assert not s.online
        outcome = s.run([case_id], resolve(s.people, "opvolger", s.state.team_id), keep_previous=False,
                        previous=None)
        with pytest.raises(HandoverRefused, match="alleen met verbinding"):
            Handover(leaver.case_files).check(case_id, resolve(s.people, "opvolger", s.state.team_id))
    finally:
        s.close()
    assert outcome.queued
    server.start()
    assert coord.sync().errors == []
    assert members(server, case_id) == {coord.user_id, other.user_id}
    assert other.sync().errors == []
    assert [w.user_id for w in other.case_files.load_case(case_id).content.assigned] == [other.user_id]
