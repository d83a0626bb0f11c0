"""The held-apart queue with real server processes and real data folders (issues 11 and 12): a member
removed from a case while writing offline, and a revoked laptop, hand their unsent changes in before
anything is erased; a coordinator opens, accepts or discards each; nothing goes into a case by itself.
Also the mutant check (without the hand-in the note is gone) and the server's refusals."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from leerrecht_desktop.models.entries import FollowUpNote
from leerrecht_desktop.store.syncstore import NotEnrolled, SyncStore
from leerrecht_desktop.sync import engine as engine_module
from leerrecht_desktop.sync.held_apart import HandedIn
from leerrecht_desktop.sync.held_apart_review import HeldApartError, HeldApartReview
from leerrecht_desktop.sync.transport import DeviceRevoked, Unreachable
from tests.kits.synckit import DAY, PASSPHRASE, Laptop, ServerProcess, enrolled, make_case

pytestmark = pytest.mark.slow


@pytest.fixture
def team(server: ServerProcess, tmp_path: Path) -> Iterator[dict[str, Laptop]]:
    server.admin("create-team", "Noord")
    server.admin("create-team", "Zuid")
    server.admin("create-recovery-key")
    laptops = {
        "coord": enrolled(server, tmp_path / "coord", "coord", "Fictieve Coordinator", "coordinator", "Noord"),
        "a": enrolled(server, tmp_path / "a", "werkera", "Fictieve Werker A", "netsterk", "Noord"),
        "b": enrolled(server, tmp_path / "b", "werkerb", "Fictieve Werker B", "brugfiguur", "Noord"),
        "zuid": enrolled(server, tmp_path / "z", "zuidco", "Fictieve Coordinator Zuid", "coordinator", "Zuid"),
    }
    yield laptops
    for laptop in laptops.values():
        laptop.close()


def shared_case(team: dict[str, Laptop]) -> str:
    """A's case, shared with B; the coordinator has it too."""
    a, b, coord = team["a"], team["b"], team["coord"]
    case_id = make_case(a.case_files, notes=1)
    assert a.sync().errors == []
    a.engine().share_case(case_id, b.user_id)
    assert a.sync().errors == []
    assert b.sync().errors == [] and coord.sync().errors == []
    return case_id


def texts(laptop: Laptop, case_id: str) -> list[str]:
    return [getattr(r.content, "text", "") for r in laptop.case_files.load_case(case_id).entries]


def review(laptop: Laptop) -> HeldApartReview:
    return HeldApartReview(laptop.engine())


def token(laptop: Laptop) -> dict[str, str]:
    return {"Authorization": f"Bearer {SyncStore(laptop.case_files).state().device_token}"}


def test_a_removed_members_offline_note_is_held_apart_then_accepted_by_the_coordinator(
        server: ServerProcess, team: dict[str, Laptop]) -> None:
    a, b, coord = team["a"], team["b"], team["coord"]
    case_id = shared_case(team)
    b.case_files.save(case_id, FollowUpNote(occurred_on=DAY, text="Fictief, offline geschreven"), today=DAY)
    a.engine().unshare_case(case_id, b.user_id)
    assert a.sync().errors == []

    report = b.sync()
    # Handed in, not "in quarantine": the case is gone from B's laptop and the message says where it went.
    assert report.quarantined == 0 and report.held_apart == 1
    assert any("apart gezet" in e for e in report.errors)
    assert case_id not in {s.case_id for s in b.case_files.summaries()}
    assert SyncStore(b.case_files).quarantined() == []

    items = review(coord).items()
    assert [(i.case_id, i.author_name, i.reason, i.openable) for i in items] == [
        (case_id, "Fictieve Werker B", "removed", True)]
    opened = review(coord).open(items[0].item_id)
    assert opened.payload is not None and opened.payload["text"] == "Fictief, offline geschreven"
    assert "Fictief, offline geschreven" not in texts(coord, case_id)  # nothing went in by itself

    done = review(coord).accept(items[0].item_id)
    assert done.status == "accepted" and done.decided_by == "coord" and done.accepted_as is not None
    assert "Fictief, offline geschreven" in texts(coord, case_id)
    assert a.sync().errors == []
    assert "Fictief, offline geschreven" in texts(a, case_id)
    # Taken in as the coordinator's revision under the case's current key (rotated when B left).
    rows = server.query("SELECT author_id, key_version FROM revisions WHERE revision_id = ?", (done.accepted_as,))
    current = server.query("SELECT key_version FROM cases WHERE case_id = ?", (case_id,))[0][0]
    assert rows == [(coord.user_id, current)] and current == 2
    assert review(coord).items() == []
    with pytest.raises(Exception, match="al"):
        review(coord).accept(items[0].item_id)


def test_without_the_hand_in_the_removed_members_note_would_be_lost(
        server: ServerProcess, team: dict[str, Laptop], monkeypatch: pytest.MonkeyPatch) -> None:
    """The mutant check: the same story with the hand-in step taken out erases the note for good."""
    a, b, coord = team["a"], team["b"], team["coord"]
    case_id = shared_case(team)
    b.case_files.save(case_id, FollowUpNote(occurred_on=DAY, text="Fictief, zou verloren gaan"), today=DAY)
    a.engine().unshare_case(case_id, b.user_id)
    a.sync()
    monkeypatch.setattr(engine_module, "hand_in", lambda *args, **kw: HandedIn())
    b.sync()
    assert case_id not in {s.case_id for s in b.case_files.summaries()}
    assert review(coord).items() == []
    assert server.query("SELECT COUNT(*) FROM held_apart") == [(0,)]


def test_a_revoked_laptop_hands_in_its_unsent_changes_before_it_wipes(
        server: ServerProcess, team: dict[str, Laptop], monkeypatch: pytest.MonkeyPatch) -> None:
    a, coord, zuid = team["a"], team["coord"], team["zuid"]
    registered = make_case(a.case_files, notes=0)
    assert a.sync().errors == [] and coord.sync().errors == []
    a.case_files.save(registered, FollowUpNote(occurred_on=DAY, text="Fictief, niet verstuurd"), today=DAY)
    offline_case = make_case(a.case_files, notes=1)  # never registered: no coordinator holds its key
    server.admin("revoke-device", SyncStore(a.case_files).state().device_id)

    # The server can't be reached for the hand-in: nothing is wiped, the next round tries again.
    real_post = a.engine().transport.__class__.post

    def cut(self: Any, path: str, *args: Any, **kw: Any) -> Any:
        if path == "/held-apart":
            raise Unreachable("fictief: geen verbinding")
        return real_post(self, path, *args, **kw)

    monkeypatch.setattr(a.engine().transport.__class__, "post", cut)
    with pytest.raises(Unreachable):
        a.sync()
    assert {registered, offline_case} <= {s.case_id for s in a.case_files.summaries()}
    monkeypatch.undo()

    with pytest.raises(DeviceRevoked, match="apart gezet"):
        a.sync()
    unlocked = a.workspace.unlock(PASSPHRASE)
    assert unlocked.summaries() == []
    with pytest.raises(NotEnrolled):
        SyncStore(unlocked).state()

    items = review(coord).items()
    by_case = {i.case_id: i for i in items}
    assert set(by_case) == {registered, offline_case} and {i.reason for i in items} == {"revoked"}
    assert by_case[registered].openable and not by_case[offline_case].openable
    # The offline case's profile and note wait sealed to the recovery key, for the beheerder.
    assert server.query("SELECT COUNT(*) FROM held_apart WHERE case_id = ? AND recovery_ciphertext IS NOT NULL",
                        (offline_case,)) == [(2,)]
    with pytest.raises(HeldApartError, match="herstelsleutel"):
        review(coord).open(by_case[offline_case].item_id)
    review(coord).accept(by_case[registered].item_id)
    assert "Fictief, niet verstuurd" in texts(coord, registered)
    discarded = [review(coord).discard(i.item_id) for i in items if i.case_id == offline_case]
    assert {d.status for d in discarded} == {"discarded"}
    assert review(coord).items() == []
    # Another team's coordinator sees none of it.
    assert review(zuid).items() == []


def test_the_server_refuses_what_is_not_a_coordinators_or_not_the_deliverers(
        server: ServerProcess, team: dict[str, Laptop]) -> None:
    a, b, coord, zuid = team["a"], team["b"], team["coord"], team["zuid"]
    case_id = shared_case(team)
    b.case_files.save(case_id, FollowUpNote(occurred_on=DAY, text="Fictief, apart"), today=DAY)
    a.engine().unshare_case(case_id, b.user_id)
    a.sync()
    b.sync()
    item = review(coord).items()[0]
    with httpx.Client(base_url=server.url + "/v1") as http:
        # A worker can't list or decide; another team's coordinator gets 404 as for an unknown item.
        assert http.get("/held-apart", headers=token(a)).status_code == 403
        assert http.get(f"/held-apart/{item.item_id}", headers=token(zuid)).status_code == 404
        assert http.get("/held-apart/999999", headers=token(zuid)).status_code == 404
        assert http.post(f"/held-apart/{item.item_id}/discard", json={"revision_id": item.revision_id},
                         headers=token(zuid)).status_code == 404
        # Accepting as a revision that is not the coordinator's own in that record is refused.
        answer = http.post(f"/held-apart/{item.item_id}/accept", json={"revision_id": item.revision_id},
                           headers=token(coord))
        assert answer.status_code == 409
        # A stale list: the id now holds another change than the one seen.
        assert http.post(f"/held-apart/{item.item_id}/discard", json={"revision_id": case_id},
                         headers=token(coord)).status_code == 409
        # Nobody hands in a revision someone else wrote, or one of a case they never were on.
        shown = http.get(f"/held-apart/{item.item_id}", headers=token(coord)).json()["revision"]
        shown.pop("seq", None)
        answer = http.post("/held-apart", json={"reason": "removed", "revisions": [shown]}, headers=token(a))
        assert answer.json()["results"][0]["status"] == "rejected"
    assert review(coord).items()[0].status == "pending"
