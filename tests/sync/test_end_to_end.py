"""End to end with a real server process on loopback: two workers and the coordinator of one team, a
worker of another team. Shared cases arrive complete and decrypt; the other team gets nothing; sharing,
unsharing (key rotation), a second laptop of the same user, a revoked device."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from leerrecht_core.protocol import CaseState, CaseStatesRequest, CaseStatesResponse
from leerrecht_desktop.models.entries import FollowUpNote
from leerrecht_desktop.store.errors import CaseNotFound
from leerrecht_desktop.store.syncstore import NotEnrolled, SyncStore
from leerrecht_desktop.sync.account import login_new_laptop
from leerrecht_desktop.sync.transport import DeviceRevoked, NotFound
from tests.kits.synckit import (
    DAY,
    PASSPHRASE,
    Laptop,
    ServerProcess,
    enrolled,
    make_case,
    snapshot,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def team(server: ServerProcess, tmp_path: Path) -> Iterator[dict[str, Laptop]]:
    server.admin("create-team", "Noord")
    server.admin("create-team", "Zuid")
    server.admin("create-recovery-key")
    laptops = {
        "coord": enrolled(server, tmp_path / "coord", "coord", "Fictieve Coordinator", "coordinator", "Noord"),
        "w1": enrolled(server, tmp_path / "w1", "werker1", "Fictieve Werker Een", "netsterk", "Noord", before=2),
        "w2": enrolled(server, tmp_path / "w2", "werker2", "Fictieve Werker Twee", "brugfiguur", "Noord"),
        "other": enrolled(server, tmp_path / "other", "zuid1", "Fictieve Werker Zuid", "netsterk", "Zuid"),
    }
    yield laptops
    for laptop in laptops.values():
        laptop.close()


def case_shared_with_w2(team: dict[str, Laptop]) -> str:
    """A case of w1's, shared with w2; every laptop of the team synced since."""
    w1, w2, coord = team["w1"], team["w2"], team["coord"]
    case_id = make_case(w1.case_files, notes=1)
    w1.sync()
    w1.engine().share_case(case_id, w2.user_id)
    w1.sync()
    w2.sync()
    coord.sync()
    return case_id


def test_shared_cases_arrive_complete_and_decrypt_and_other_team_gets_nothing(
        server: ServerProcess, team: dict[str, Laptop]) -> None:
    w1, w2, coord, other = team["w1"], team["w2"], team["coord"], team["other"]
    made_later = make_case(w1.case_files, notes=3)
    report = w1.sync()
    assert report.errors == [] and report.waiting == 0
    assert report.pushed == 2 * 3 + 4  # two cases made before enrolment (1 + 2 notes), one after (1 + 3)
    case_ids = {s.case_id for s in w1.case_files.summaries()}
    assert made_later in case_ids and len(case_ids) == 3

    pulled = coord.sync()
    assert pulled.errors == [] and pulled.refused == 0 and pulled.pulled == 10
    assert {s.case_id for s in coord.case_files.summaries()} == case_ids
    for case_id in case_ids:
        assert snapshot(coord.case_files, case_id) == snapshot(w1.case_files, case_id)
        theirs, mine = coord.case_files.summary(case_id), w1.case_files.summary(case_id)
        assert (theirs.full_name, theirs.entry_count, theirs.last_contact) == \
            (mine.full_name, mine.entry_count, mine.last_contact)

    # The server's database holds none of the names in plain text (the server's own tests check more encodings).
    raw = server.db_path.read_bytes()
    for wal in server.db_path.parent.glob("server.sqlite3-wal"):
        raw += wal.read_bytes()
    for summary in w1.case_files.summaries():
        for secret in (summary.first_name, summary.last_name):
            assert secret.encode() not in raw

    # Not shared with the second worker, nor with the other team, even when asked for by id.
    assert w2.sync().pulled == 0 and w2.case_files.summaries() == []
    assert other.sync().pulled == 0 and other.case_files.summaries() == []
    engine = other.engine()
    with pytest.raises(NotFound):
        engine.transport.get(f"/cases/{made_later}", CaseState)
    asked = engine.transport.post("/case-states", CaseStatesRequest(case_ids=sorted(case_ids)), CaseStatesResponse)
    assert asked.cases == []

    # Shared with the second worker: the whole history arrives at the next sync, also what was written
    # before the second worker's cursor.
    own = make_case(w2.case_files, notes=0)
    w2.sync()
    ((highest,),) = server.query("SELECT max(seq) FROM revisions WHERE case_id = ?", (made_later,))
    assert SyncStore(w2.case_files).state().cursor > highest
    w1.engine().share_case(made_later, w2.user_id)
    assert w1.sync().errors == []
    got = w2.sync()
    assert got.errors == [] and got.pulled == 4
    assert {s.case_id for s in w2.case_files.summaries()} == {own, made_later}
    assert snapshot(w2.case_files, made_later) == snapshot(w1.case_files, made_later)


def test_unsharing_erases_the_case_and_rotates_the_key(server: ServerProcess, team: dict[str, Laptop]) -> None:
    w1, w2, coord = team["w1"], team["w2"], team["coord"]
    case_id = make_case(w1.case_files, notes=1)
    w1.sync()
    w1.engine().share_case(case_id, w2.user_id)
    w1.sync()
    w2.sync()
    assert [s.case_id for s in w2.case_files.summaries()] == [case_id]
    coord.sync()

    w1.engine().unshare_case(case_id, w2.user_id)  # offline: queued
    note = w1.case_files.save(case_id, FollowUpNote(occurred_on=DAY, text="Fictief na rotatie"), today=DAY)
    report = w1.sync()
    assert report.errors == [] and report.quarantined == 0
    assert w1.case_files.case_key(case_id)[0] == 2

    w2.sync()
    assert w2.case_files.summaries() == []
    with pytest.raises(CaseNotFound):
        w2.case_files.load_case(case_id)

    coord.sync()
    assert any(r.record_id == note.record_id for r in coord.case_files.load_case(case_id).entries)
    assert snapshot(coord.case_files, case_id) == snapshot(w1.case_files, case_id)


def test_a_second_laptop_of_the_same_user_gets_everything(server: ServerProcess, team: dict[str, Laptop],
                                                          tmp_path: Path) -> None:
    w1 = team["w1"]
    w1.sync()
    ws, cf = login_new_laptop(tmp_path / "w1-second", server.url, "werker1", PASSPHRASE)
    try:
        assert cf.user.user_id == w1.user_id
        second = Laptop("w1b", tmp_path / "w1-second", ws, cf)
        second.sync()
        assert {s.case_id for s in cf.summaries()} == {s.case_id for s in w1.case_files.summaries()}
        for summary in cf.summaries():
            assert snapshot(cf, summary.case_id) == snapshot(w1.case_files, summary.case_id)
        # And the unlock with the same passphrase works on the new laptop.
        cf.lock()
        assert ws.unlock(PASSPHRASE).user.user_id == w1.user_id
    finally:
        ws.close()


def test_a_revoked_device_erases_its_cases(server: ServerProcess, team: dict[str, Laptop]) -> None:
    w1 = team["w1"]
    w1.sync()
    device_id = SyncStore(w1.case_files).state().device_id
    server.admin("revoke-device", device_id)
    with pytest.raises(DeviceRevoked):
        w1.sync()
    unlocked = w1.workspace.unlock(PASSPHRASE)
    assert unlocked.summaries() == []
    with pytest.raises(NotEnrolled):
        SyncStore(unlocked).state()


def test_a_refused_revision_is_quarantined_and_the_rest_keeps_flowing(
        server: ServerProcess, team: dict[str, Laptop]) -> None:
    w1, w2 = team["w1"], team["w2"]
    shared = make_case(w1.case_files, notes=0)
    w1.sync()
    w1.engine().share_case(shared, w2.user_id)
    w1.sync()
    w2.sync()
    own = make_case(w2.case_files, notes=0)
    w2.sync()

    # w2 writes in both cases while w1 takes w2 off the shared one.
    w2.case_files.save(shared, FollowUpNote(occurred_on=DAY, text="Fictief, te laat"), today=DAY)
    w2.case_files.save(own, FollowUpNote(occurred_on=DAY, text="Fictief, eigen dossier"), today=DAY)
    w1.engine().unshare_case(shared, w2.user_id)
    w1.sync()

    report = w2.sync()
    # The refused note is handed to the held-apart queue before the removed case is erased (issue 12):
    # not "in quarantine", and not lost.
    assert report.quarantined == 0 and report.held_apart == 1 and report.pushed == 1
    assert [s.case_id for s in w2.case_files.summaries()] == [own]  # and the removed case is erased
    assert SyncStore(w2.case_files).quarantined() == []
    assert server.query("SELECT case_id FROM held_apart") == [(shared,)]


def test_a_removal_queued_with_an_old_member_list_is_redone_for_todays_members(
        server: ServerProcess, team: dict[str, Laptop], tmp_path: Path) -> None:
    w1, w2, coord = team["w1"], team["w2"], team["coord"]
    w3 = enrolled(server, tmp_path / "w3", "werker3", "Fictieve Werker Drie", "onderwijsassistent", "Noord")
    try:
        case_id = make_case(w1.case_files, notes=1)
        w1.sync()
        w1.engine().share_case(case_id, w2.user_id)
        w1.sync()
        coord.sync()
        coord.engine().share_case(case_id, w3.user_id)  # w1 does not know yet
        coord.sync()

        w1.engine().unshare_case(case_id, w2.user_id)
        note = w1.case_files.save(case_id, FollowUpNote(occurred_on=DAY, text="Fictief na rotatie"), today=DAY)
        report = w1.sync()
        assert report.errors == [] and report.quarantined == 0 and report.waiting == 0
        w3.sync()
        assert any(r.record_id == note.record_id for r in w3.case_files.load_case(case_id).entries)
    finally:
        w3.close()


def test_a_removal_that_lost_to_the_coordinators_is_undone_and_what_was_written_stays_readable(
        server: ServerProcess, team: dict[str, Laptop]) -> None:
    """w1 takes w2 off a case while offline and writes a note; meanwhile the coordinator removes w2
    too, with a key of its own under the same version number. w1's key never reaches the server: w1
    must drop it, take the coordinator's, and seal its note again so everyone who stays can read it."""
    w1, w2, coord = team["w1"], team["w2"], team["coord"]
    case_id = case_shared_with_w2(team)

    w1.engine().unshare_case(case_id, w2.user_id)  # offline: queued, w1's own key version 2
    note = w1.case_files.save(case_id, FollowUpNote(occurred_on=DAY, text="Fictief offline geschreven"), today=DAY)
    coord.engine().unshare_case(case_id, w2.user_id)
    assert coord.sync().errors == []  # the server's key version 2 is the coordinator's

    report = w1.sync()
    assert report.errors == [] and report.quarantined == 0 and report.waiting == 0
    coord_note = coord.case_files.save(case_id, FollowUpNote(occurred_on=DAY, text="Fictief van coordinator"),
                                       today=DAY)
    assert coord.sync().errors == []
    got = w1.sync()
    assert got.errors == [] and got.refused == 0
    assert coord.sync().refused == 0
    w1_sees, coord_sees = snapshot(w1.case_files, case_id), snapshot(coord.case_files, case_id)
    assert w1_sees == coord_sees
    assert {note.record_id, coord_note.record_id} <= set(w1_sees["entries"])
    w2.sync()
    assert w2.case_files.summaries() == []


def test_a_removal_refused_because_of_a_newer_rotation_is_redone_on_top_of_it(
        server: ServerProcess, team: dict[str, Laptop], tmp_path: Path) -> None:
    """w1 takes w2 off while offline; meanwhile the coordinator added and removed w3 (the server's key
    moved to version 2). w1's removal must be redone as version 3, and the note w1 wrote meanwhile
    must not be readable by w2, who is gone by the time it is sent."""
    w1, w2, coord = team["w1"], team["w2"], team["coord"]
    w3 = enrolled(server, tmp_path / "w3", "werker3", "Fictieve Werker Drie", "onderwijsassistent", "Noord")
    try:
        case_id = case_shared_with_w2(team)
        coord.engine().share_case(case_id, w3.user_id)
        coord.sync()
        coord.engine().unshare_case(case_id, w3.user_id)
        assert coord.sync().errors == []

        w1.engine().unshare_case(case_id, w2.user_id)
        note = w1.case_files.save(case_id, FollowUpNote(occurred_on=DAY, text="Fictief na rotatie"), today=DAY)
        report = w1.sync()
        assert report.errors == [] and report.quarantined == 0 and report.waiting == 0
        assert w1.case_files.case_key(case_id)[0] == 3
        ((version,),) = server.query("SELECT key_version FROM revisions WHERE record_id = ?", (note.record_id,))
        assert version == 3
        w2.sync()
        assert w2.case_files.summaries() == []
        coord.sync()
        assert snapshot(coord.case_files, case_id) == snapshot(w1.case_files, case_id)
    finally:
        w3.close()
