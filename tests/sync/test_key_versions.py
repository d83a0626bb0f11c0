"""Issue 12, finding 6 (key versions), with a real server process: a colleague's change written offline
under the key a removed member still holds is never taken under that key. The laptop fetches the new
key, seals the change again and pushes it; when the server withholds the new key, the change waits on
the laptop (readable, not quarantined, with a notice) and goes out once the key is given."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from leerrecht_desktop.models.entries import FollowUpNote
from leerrecht_desktop.store.syncstore import SyncStore
from tests.kits.synckit import DAY, Laptop, ServerProcess, enrolled, make_case

pytestmark = pytest.mark.slow

HIDDEN = "00000000-0000-4000-8000-00000000beef"  # where the tests hide a grant from its recipient


@pytest.fixture
def trio(server: ServerProcess, tmp_path: Path) -> Iterator[tuple[Laptop, Laptop, Laptop, str]]:
    """w1's case shared with w2 and w3 (and the coordinator); everyone synced."""
    server.admin("create-team", "Noord")
    coord = enrolled(server, tmp_path / "coord", "coord", "Fictieve Coordinator", "coordinator", "Noord")
    w1 = enrolled(server, tmp_path / "w1", "werker1", "Fictieve Werker Een", "netsterk", "Noord")
    w2 = enrolled(server, tmp_path / "w2", "werker2", "Fictieve Werker Twee", "brugfiguur", "Noord")
    w3 = enrolled(server, tmp_path / "w3", "werker3", "Fictieve Werker Drie", "netsterk", "Noord")
    case_id = make_case(w1.case_files, notes=1)
    w1.sync()
    w1.engine().share_case(case_id, w2.user_id)
    w1.engine().share_case(case_id, w3.user_id)
    w1.sync()
    for laptop in (w2, w3, coord):
        assert laptop.sync().errors == []
    yield w1, w2, w3, case_id
    for laptop in (coord, w1, w2, w3):
        laptop.close()


def _server_key_version(server: ServerProcess, record_id: str) -> list[int]:
    return [int(v) for (v,) in server.query("SELECT key_version FROM revisions WHERE record_id = ?", (record_id,))]


def test_an_offline_change_under_the_old_key_is_sealed_again_and_taken_under_the_new_one(
        server: ServerProcess, trio: tuple[Laptop, Laptop, Laptop, str]) -> None:
    w1, w2, w3, case_id = trio
    note = w2.case_files.save(case_id, FollowUpNote(occurred_on=DAY, text="Fictief offline"), today=DAY)
    assert w2.case_files.case_key(case_id)[0] == 1
    w1.engine().unshare_case(case_id, w3.user_id)
    assert w1.sync().errors == []  # the case is at key version 2; w3 holds only version 1

    report = w2.sync()
    assert report.errors == [] and report.quarantined == 0 and report.waiting == 0
    assert _server_key_version(server, note.record_id) == [2]
    assert w2.case_files.case_key(case_id)[0] == 2
    w1.sync()
    assert any(e.record_id == note.record_id for e in w1.case_files.load_case(case_id).entries)


def test_a_withheld_new_key_keeps_the_change_waiting_never_sent_under_the_old_key(
        server: ServerProcess, trio: tuple[Laptop, Laptop, Laptop, str]) -> None:
    w1, w2, w3, case_id = trio
    note = w2.case_files.save(case_id, FollowUpNote(occurred_on=DAY, text="Fictief offline"), today=DAY)
    w1.engine().unshare_case(case_id, w3.user_id)
    assert w1.sync().errors == []
    # The server keeps version 2 from w2 (here: files w2's grant under another recipient).
    server.execute("UPDATE key_grants SET recipient_id = ? WHERE case_id = ? AND key_version = 2 "
                   "AND recipient_id = ?", (HIDDEN, case_id, w2.user_id))

    report = w2.sync()
    assert report.quarantined == 0 and report.waiting == 1
    assert len(report.errors) == 1 and "nieuwe sleutel" in report.errors[0]
    assert _server_key_version(server, note.record_id) == []
    assert SyncStore(w2.case_files).quarantined() == []
    assert any(e.record_id == note.record_id for e in w2.case_files.load_case(case_id).entries)

    # The key arrives: the change goes out, under it.
    server.execute("UPDATE key_grants SET recipient_id = ? WHERE case_id = ? AND key_version = 2 "
                   "AND recipient_id = ?", (w2.user_id, case_id, HIDDEN))
    report = w2.sync()
    assert report.errors == [] and report.waiting == 0 and report.quarantined == 0
    assert _server_key_version(server, note.record_id) == [2]


def test_a_server_that_withholds_the_key_and_would_take_the_old_one_gets_nothing_under_it(
        server: ServerProcess, trio: tuple[Laptop, Laptop, Laptop, str]) -> None:
    """The server lies about the case's key version (1 after a rotation to 2) and keeps version 2 from
    w2, so it would take w2's changes under the key w3 still holds: a colleague's revision under
    version 2 shows the laptop that a newer key exists, and its changes wait for it."""
    w1, w2, w3, case_id = trio
    w1.engine().unshare_case(case_id, w3.user_id)
    assert w1.sync().errors == []
    w1.case_files.save(case_id, FollowUpNote(occurred_on=DAY, text="Fictief na rotatie"), today=DAY)
    assert w1.sync().errors == []
    server.execute("UPDATE key_grants SET recipient_id = ? WHERE case_id = ? AND key_version = 2 "
                   "AND recipient_id = ?", (HIDDEN, case_id, w2.user_id))
    server.execute("UPDATE cases SET key_version = 1 WHERE case_id = ?", (case_id,))
    w2.sync()  # pulls w1's note under version 2, without the key for it
    assert w2.case_files.case_key(case_id)[0] == 1

    note = w2.case_files.save(case_id, FollowUpNote(occurred_on=DAY, text="Fictief onder oude sleutel"),
                              today=DAY)
    report = w2.sync()
    assert _server_key_version(server, note.record_id) == []
    assert report.waiting == 1 and report.quarantined == 0
    assert any("nieuwe sleutel" in e for e in report.errors)
    assert any(e.record_id == note.record_id for e in w2.case_files.load_case(case_id).entries)

    # The server gives the key after all: the change is sealed again and goes out under it.
    server.execute("UPDATE cases SET key_version = 2 WHERE case_id = ?", (case_id,))
    server.execute("UPDATE key_grants SET recipient_id = ? WHERE case_id = ? AND key_version = 2 "
                   "AND recipient_id = ?", (w2.user_id, case_id, HIDDEN))
    report = w2.sync()
    assert report.waiting == 0 and report.quarantined == 0
    assert _server_key_version(server, note.record_id) == [2]
