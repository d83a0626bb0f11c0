"""Push (accepted, duplicate, conflict, rejected), pull paging, sharing and unsharing, visibility."""

from __future__ import annotations

import base64
import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from leerrecht_core import protocol as p
from leerrecht_core.crypto.keys import new_case_key
from leerrecht_core.crypto.records import RecordHeader, seal
from leerrecht_server.crud.revisions import ID_TAKEN
from leerrecht_server.tables import key_grants, revisions

from .conftest import Actor, Case, World, grant


def _count_revisions(world: World) -> int:
    with world.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(revisions)).scalar_one())


def test_push_accepts_and_pull_returns_in_seq_order(world: World) -> None:
    anna = world.user("anna")
    case = world.register(anna)  # seq 1: anna's "added" event
    revs = [world.sealed(anna, case, {"n": i}) for i in range(3)]
    results = world.push(anna, *revs)
    assert [r["status"] for r in results] == ["accepted"] * 3
    assert [r["seq"] for r in results] == [2, 3, 4]
    page = world.pull(anna)
    assert [r["revision_id"] for r in page["revisions"]] == [r["revision_id"] for r in revs]
    assert [r["seq"] for r in page["revisions"]] == [2, 3, 4]
    assert page["memberships"] == [{"seq": 1, "case_id": case.case_id, "user_id": anna.user_id, "action": "added",
                                  "proof": None}]
    assert page["next_cursor"] == 4 and page["more"] is False
    assert page["revisions"][0]["ciphertext"] == revs[0]["ciphertext"]
    empty = world.pull(anna, after=4)
    assert empty == {"revisions": [], "memberships": [], "next_cursor": 4, "more": False, "high_water": 4,
                     "erasure_mark": 0, "attachment_mark": 0}


def test_a_retried_push_is_a_duplicate_never_stored_twice(world: World) -> None:
    anna = world.user("anna")
    case = world.register(anna)
    rev = world.sealed(anna, case, {"n": 1})
    first = world.push(anna, rev)[0]
    # The answer was lost; the client pushes the same revision again, also twice in one batch.
    again = world.push(anna, rev, rev)
    assert [r["status"] for r in again] == ["duplicate", "duplicate"]
    assert again[0]["seq"] == first["seq"]
    assert _count_revisions(world) == 1


def test_duplicate_within_one_batch(world: World) -> None:
    anna = world.user("anna")
    case = world.register(anna)
    rev = world.sealed(anna, case, {"n": 1})
    results = world.push(anna, rev, rev)
    assert [r["status"] for r in results] == ["accepted", "duplicate"]
    assert results[0]["seq"] == results[1]["seq"]


def test_optimistic_concurrency_conflict_returns_the_head(world: World) -> None:
    anna, bert = world.user("anna"), world.user("bert")
    case = world.register(anna, bert)
    record_id = str(uuid.uuid4())
    v1 = world.sealed(anna, case, {"n": 1}, record_id=record_id)
    assert world.push(anna, v1)[0]["status"] == "accepted"
    anna_v2 = world.sealed(anna, case, {"n": 2}, record_id=record_id, revision=2, base=1)
    bert_v2 = world.sealed(bert, case, {"n": 3}, record_id=record_id, revision=2, base=1)
    assert world.push(anna, anna_v2)[0]["status"] == "accepted"
    conflict = world.push(bert, bert_v2)[0]
    assert conflict["status"] == "conflict"
    assert conflict["head"]["revision_id"] == anna_v2["revision_id"] and conflict["head"]["revision"] == 2
    # After merging, bert pushes on top of the head.
    merged = world.sealed(bert, case, {"n": 4}, record_id=record_id, revision=3, base=2)
    assert world.push(bert, merged)[0]["status"] == "accepted"
    # A second "new" record with an id that already exists is a conflict too.
    again_new = world.sealed(bert, case, {"n": 5}, record_id=record_id)
    assert world.push(bert, again_new)[0]["status"] == "conflict"
    assert _count_revisions(world) == 3


def test_rejections_store_nothing_and_do_not_block_the_batch(world: World) -> None:
    anna, bert = world.user("anna"), world.user("bert")
    case = world.register(anna)
    bert_case = world.register(bert)
    record_id = str(uuid.uuid4())
    ok = world.sealed(anna, case, {"n": 1}, record_id=record_id)

    not_member = world.sealed(anna, bert_case, {"n": 1})
    wrong_author = world.sealed(bert, case, {"n": 1})  # signed by bert, pushed by anna
    bad_sig = world.sealed(anna, case, {"n": 1})
    bad_sig["ciphertext"] = base64.b64encode(b"\x00" * 40).decode()
    bad_version = world.sealed(anna, case, {"n": 1}, key_version=7)
    future_new = world.sealed(anna, case, {"n": 1}, revision=5, base=4)
    future_new_rev = world.sealed(anna, case, {"n": 1}, revision=3)
    future = world.sealed(anna, case, {"n": 2}, record_id=record_id, revision=9, base=8)
    skipping = world.sealed(anna, case, {"n": 2}, record_id=record_id, revision=5, base=1)
    moved = world.sealed(anna, case, {"n": 2}, record_id=record_id, revision=2, base=1, kind="wellbeing")
    results = world.push(anna, ok, not_member, wrong_author, bad_sig, bad_version, future_new, future_new_rev,
                         future, skipping, moved)
    statuses = [r["status"] for r in results]
    assert statuses == ["accepted"] + ["rejected"] * 9, results
    reasons = [r["reason"] for r in results[1:]]
    assert reasons[0] == "not a member of this case"
    assert reasons[1] == "author is not the pushing user"
    assert reasons[2] == "signature does not verify"
    assert reasons[3] == "unknown key version for this case"
    assert "future" in reasons[5] and "future" in reasons[6]
    assert _count_revisions(world) == 1
    # The refused ones didn't take sequence numbers: the next accepted one follows at once.
    nxt = world.push(anna, world.sealed(anna, case, {"n": 3}))[0]
    assert nxt["seq"] == results[0]["seq"] + 1


def test_a_reused_revision_id_with_other_content_is_rejected(world: World) -> None:
    anna = world.user("anna")
    case = world.register(anna)
    rev = world.sealed(anna, case, {"n": 1})
    world.push(anna, rev)
    other = world.sealed(anna, case, {"n": 2})
    other["revision_id"] = rev["revision_id"]
    # Re-signed under the same revision id so the signature is valid.
    from leerrecht_core.crypto.records import RecordHeader, seal

    header = RecordHeader(record_id=other["record_id"], revision_id=rev["revision_id"], case_id=case.case_id,
                          kind="note", revision=1, base_revision=None, author_id=anna.user_id, key_version=1)
    sealed = seal(header, {"n": 2}, case.keys[1], anna.secrets.signing)
    other.update(nonce=base64.b64encode(sealed.nonce).decode(), ciphertext=base64.b64encode(sealed.ciphertext).decode(),
                 signature=base64.b64encode(sealed.signature).decode())
    assert world.push(anna, other)[0]["status"] == "rejected"


def test_pull_pages_with_cursor(world: World) -> None:
    anna = world.user("anna")
    case = world.register(anna)
    world.push(anna, *[world.sealed(anna, case, {"n": i}) for i in range(10)])
    seen: list[int] = []
    events = 0
    after, pages = 0, 0
    while True:
        page = world.pull(anna, after=after, limit=3)
        pages += 1
        seen += [r["seq"] for r in page["revisions"]]
        events += len(page["memberships"])
        assert len(page["revisions"]) + len(page["memberships"]) <= 3
        assert page["next_cursor"] >= after
        after = page["next_cursor"]
        if not page["more"]:
            break
    assert seen == list(range(2, 12)) and events == 1 and pages == 4 and after == 11


def test_another_team_gets_nothing(world: World, client: TestClient) -> None:
    anna = world.user("anna")
    zoe = world.user("zoe", team="Team Zuid")
    case = world.register(anna)
    world.push(anna, world.sealed(anna, case, {"n": 1}))
    assert world.pull(zoe)["revisions"] == []
    for path in (f"/v1/cases/{case.case_id}", f"/v1/cases/{case.case_id}/history"):
        r = client.get(path, headers=zoe.headers)
        assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert world.add(zoe, case, zoe).status_code == 404
    unknown = client.get(f"/v1/cases/{uuid.uuid4()}", headers=anna.headers)
    assert unknown.status_code == 404
    # Nor can zoe share a case of hers with anna (another team), nor grant anna a key.
    zoe_case = world.register(zoe)
    assert world.add(zoe, zoe_case, anna).status_code == 404


def test_register_requires_grants_for_caller_coordinators_and_recovery(world: World, client: TestClient) -> None:
    from leerrecht_core.crypto.keys import new_case_key

    anna = world.user("anna")
    coord = world.user("carla", role="coordinator")
    world.recovery_key()
    key = new_case_key()
    case_id = str(uuid.uuid4())
    only_me = [grant(anna, case_id, 1, anna.user_id, anna.secrets.exchange_public, key)]
    r = client.post("/v1/cases", json={"case_id": case_id, "grants": only_me}, headers=anna.headers)
    assert r.status_code == 400 and "Grants missing" in r.json()["detail"]
    case = world.register(anna, coord)  # with coordinator and recovery
    state = client.get(f"/v1/cases/{case.case_id}", headers=anna.headers).json()
    assert sorted(state["members"]) == sorted([anna.user_id, coord.user_id])
    assert [g["recipient_id"] for g in state["grants"]] == [anna.user_id]
    # A retried registration returns the state; someone else's reuse of the id is a conflict.
    forged = [grant(anna, case_id, 1, anna.user_id, anna.secrets.exchange_public, key)]
    forged[0]["signature"] = base64.b64encode(b"\x01" * 64).decode()
    r = client.post("/v1/cases", json={"case_id": case_id, "grants": forged}, headers=anna.headers)
    assert r.status_code == 400 and "signature" in r.json()["detail"]


def test_register_is_idempotent_for_a_member(world: World, client: TestClient) -> None:
    anna, bert = world.user("anna"), world.user("bert")
    case = world.register(anna)
    grants = [grant(anna, case.case_id, 1, anna.user_id, anna.secrets.exchange_public, case.keys[1])]
    again = client.post("/v1/cases", json={"case_id": case.case_id, "grants": grants}, headers=anna.headers)
    assert again.status_code == 200 and again.json()["members"] == [anna.user_id]
    other = [grant(bert, case.case_id, 1, bert.user_id, bert.secrets.exchange_public, case.keys[1])]
    clash = client.post("/v1/cases", json={"case_id": case.case_id, "grants": other}, headers=bert.headers)
    # Taken by a case bert can't see: the answer for any case id he may not see (no oracle).
    assert clash.status_code == 404
    assert clash.json() == client.get(f"/v1/cases/{uuid.uuid4()}", headers=bert.headers).json()


def test_member_add_brings_history(world: World, client: TestClient) -> None:
    anna, bert = world.user("anna"), world.user("bert")
    case = world.register(anna)
    world.push(anna, *[world.sealed(anna, case, {"n": i}) for i in range(4)])
    _, bert_cursor = world.pull_all(bert)
    r = world.add(anna, case, bert)
    assert r.status_code == 200, r.text
    assert sorted(r.json()["members"]) == sorted([anna.user_id, bert.user_id])
    page = world.pull(bert, after=bert_cursor)
    assert [(e["action"], e["case_id"]) for e in page["memberships"]] == [("added", case.case_id)]
    history = client.get(f"/v1/cases/{case.case_id}/history", params={"after": 0, "limit": 2}, headers=bert.headers)
    assert history.status_code == 200
    h = history.json()
    assert len(h["revisions"]) == 2 and h["more"] is True
    rest = client.get(f"/v1/cases/{case.case_id}/history", params={"after": h["next_cursor"]},
                      headers=bert.headers).json()
    assert len(h["revisions"]) + len(rest["revisions"]) == 4 and rest["more"] is False
    state = client.get(f"/v1/cases/{case.case_id}", headers=bert.headers).json()
    assert [g["recipient_id"] for g in state["grants"]] == [bert.user_id]
    # Adding again (a retry) adds no second event.
    assert world.add(anna, case, bert).status_code == 200
    assert world.pull(bert, after=page["next_cursor"])["memberships"] == []


def test_member_add_needs_every_key_version_and_rights(world: World) -> None:
    anna, bert, cleo = world.user("anna"), world.user("bert"), world.user("cleo")
    case = world.register(anna, bert)
    assert world.remove(anna, case, bert, [anna]).status_code == 200  # now key version 2
    partial = dict(case.keys)
    del case.keys[1]
    r = world.add(anna, case, cleo)  # only version 2
    assert r.status_code == 400 and "key versions" in r.json()["detail"]
    case.keys = partial
    assert world.add(cleo, case, cleo).status_code == 404  # cleo is neither member nor coordinator
    assert world.add(bert, case, cleo).status_code == 404  # bert was removed
    coord = world.user("carla", role="coordinator")
    # A coordinator of the team sees the case, but holds none of its keys: wrapping one is not theirs to do.
    assert world.add(coord, case, cleo).status_code == 403
    assert world.add(anna, case, coord).status_code == 200  # the late coordinator gets the keys
    assert world.add(coord, case, cleo).status_code == 200  # and may then, unasked


def test_member_remove_emits_event_requires_rotation_and_hides_the_case(world: World, client: TestClient) -> None:
    anna, bert, cleo = world.user("anna"), world.user("bert"), world.user("cleo")
    world.recovery_key()
    case = world.register(anna, bert, cleo)
    world.push(anna, world.sealed(anna, case, {"n": 1}))
    _, bert_cursor = world.pull_all(bert)

    # Without a grant of the next version for every remaining member (and recovery): refused.
    version = case.key_version + 1
    from leerrecht_core.crypto.keys import new_case_key

    key = new_case_key()
    short = [grant(anna, case.case_id, version, anna.user_id, anna.secrets.exchange_public, key)]
    r = client.post(f"/v1/cases/{case.case_id}/members/remove", json={"user_id": bert.user_id, "grants": short},
                    headers=anna.headers)
    assert r.status_code == 400 and r.json()["code"] == "bad_request"
    stale = [grant(anna, case.case_id, 1, a.user_id, a.secrets.exchange_public, key) for a in (anna, cleo)]
    r = client.post(f"/v1/cases/{case.case_id}/members/remove", json={"user_id": bert.user_id, "grants": stale},
                    headers=anna.headers)
    assert r.status_code == 400

    r = world.remove(anna, case, bert, [anna, cleo])
    assert r.status_code == 200, r.text
    assert r.json()["key_version"] == 2 and bert.user_id not in r.json()["members"]
    page = world.pull(bert, after=bert_cursor)
    assert [(e["action"], e["case_id"]) for e in page["memberships"]] == [("removed", case.case_id)]
    # Bert no longer sees the case or anything new in it; cleo sees the new revision with the new key.
    new = world.sealed(anna, case, {"n": 2})
    assert new["key_version"] == 2
    assert world.push(anna, new)[0]["status"] == "accepted"
    assert world.pull(bert, after=page["next_cursor"])["revisions"] == []
    assert client.get(f"/v1/cases/{case.case_id}", headers=bert.headers).status_code == 404
    assert client.get(f"/v1/cases/{case.case_id}/history", headers=bert.headers).status_code == 404
    assert world.push(bert, world.sealed(bert, case, {"n": 3}, key_version=1))[0]["reason"] == \
        "not a member of this case"
    assert new["revision_id"] in [x["revision_id"] for x in world.pull_all(cleo)[0]]
    # Removing again (a retry) is harmless; removing a stranger is not found.
    assert world.remove(anna, case, bert, [anna, cleo]).status_code == 200
    assert world.remove(anna, case, world.user("dirk"), [anna, cleo]).status_code == 404


@pytest.mark.parametrize("limit", [1, 2, 1000])
def test_pull_pages_are_complete_whatever_the_limit(world: World, limit: int) -> None:
    anna, bert = world.user("anna"), world.user("bert")
    c1 = world.register(anna, bert)
    c2 = world.register(bert)
    world.push(anna, *[world.sealed(anna, c1, {"n": i}) for i in range(3)])
    world.push(bert, *[world.sealed(bert, c2, {"n": i}) for i in range(3)])
    revs, _cursor = world.pull_all(bert, limit=limit)
    assert len(revs) == 6 and [r["seq"] for r in revs] == sorted(r["seq"] for r in revs)
    anna_revs, _ = world.pull_all(anna, limit=limit)
    assert {r["case_id"] for r in anna_revs} == {c1.case_id}


def test_rotated_key_never_goes_to_the_removed_user(world: World, client: TestClient) -> None:
    from leerrecht_core.crypto.keys import new_case_key

    anna, bert = world.user("anna"), world.user("bert")
    zoe = world.user("zoe", team="Team Zuid")
    case = world.register(anna, bert)
    key = new_case_key()
    for extra in (bert, zoe):
        grants = [grant(anna, case.case_id, 2, a.user_id, a.secrets.exchange_public, key) for a in (anna, extra)]
        r = client.post(f"/v1/cases/{case.case_id}/members/remove", json={"user_id": bert.user_id, "grants": grants},
                        headers=anna.headers)
        assert r.status_code == 400 and r.json()["code"] == "bad_request"
    # A coordinator who holds the key may remove someone (and wraps the new key for themself too).
    coord = world.user("carla", role="coordinator")
    grants = [grant(coord, case.case_id, 2, a.user_id, a.secrets.exchange_public, key) for a in (anna, coord)]
    r = client.post(f"/v1/cases/{case.case_id}/members/remove", json={"user_id": bert.user_id, "grants": grants},
                    headers=coord.headers)
    assert r.status_code == 403  # not yet: no key of this case was ever wrapped for them
    assert world.add(anna, case, coord).status_code == 200
    r = client.post(f"/v1/cases/{case.case_id}/members/remove", json={"user_id": bert.user_id, "grants": grants},
                    headers=coord.headers)
    assert r.status_code == 200, r.text


# -- ids of another case answer like free ones (issue 12, finding 7) ---------------------------------


def _resealed(author: Actor, case: Case, *, revision_id: str, record_id: str, revision: int = 1,
              base: int | None = None) -> dict[str, Any]:
    """A revision of `author` in `case` with the ids given (World.sealed picks its own revision id)."""
    header = RecordHeader(record_id=record_id, revision_id=revision_id, case_id=case.case_id, kind="note",
                          revision=revision, base_revision=base, author_id=author.user_id,
                          key_version=case.key_version)
    rec = seal(header, {"n": 1}, case.keys[case.key_version], author.secrets.signing)
    return p.WireRevision(revision_id=revision_id, record_id=record_id, case_id=case.case_id, kind="note",
                          revision=revision, base_revision=base, author_id=author.user_id,
                          key_version=case.key_version, nonce=rec.nonce, ciphertext=rec.ciphertext,
                          signature=rec.signature).model_dump(mode="json", exclude={"seq"})


def test_another_teams_case_id_is_answered_like_an_unknown_one(world: World, client: TestClient) -> None:
    anna, bert = world.user("anna"), world.user("bert")
    zoe = world.user("zoe", team="Team Zuid")
    case = world.register(anna)
    for intruder in (zoe, bert):  # another team, and a colleague it is not shared with
        grants = [grant(intruder, case.case_id, 1, intruder.user_id, intruder.secrets.exchange_public,
                        new_case_key())]
        r = client.post("/v1/cases", json={"case_id": case.case_id, "grants": grants}, headers=intruder.headers)
        unknown = client.get(f"/v1/cases/{uuid.uuid4()}", headers=intruder.headers)
        assert r.status_code == unknown.status_code == 404
        assert r.json() == unknown.json()
    state = client.get(f"/v1/cases/{case.case_id}", headers=anna.headers).json()
    assert state["members"] == [anna.user_id] and [g["recipient_id"] for g in state["grants"]] == [anna.user_id]


def test_another_cases_ids_in_a_push_are_answered_like_free_ones(world: World) -> None:
    anna = world.user("anna")
    zoe = world.user("zoe", team="Team Zuid")
    theirs = world.register(anna)
    pushed = world.sealed(anna, theirs, {"n": 1})
    assert world.push(anna, pushed)[0]["status"] == "accepted"
    mine = world.register(zoe)

    def answer(record_id: str, revision_id: str, revision: int, base: int | None) -> dict[str, Any]:
        result = world.push(zoe, _resealed(zoe, mine, revision_id=revision_id, record_id=record_id,
                                           revision=revision, base=base))[0]
        return {k: v for k, v in result.items() if k != "revision_id"}

    fresh = lambda: str(uuid.uuid4())  # noqa: E731
    for revision, base in ((2, 1), (3, None)):
        # Anna's record id, then anna's revision id, each beside a free id: the same answer.
        assert answer(pushed["record_id"], fresh(), revision, base) == answer(fresh(), fresh(), revision, base)
        assert answer(fresh(), pushed["revision_id"], revision, base) == answer(fresh(), fresh(), revision, base)
    # Where a free id would be let in, it is refused with a reason that names nothing.
    for record_id, revision_id in ((pushed["record_id"], fresh()), (fresh(), pushed["revision_id"])):
        assert answer(record_id, revision_id, 1, None) == {"status": "rejected", "reason": ID_TAKEN,
                                                           "seq": None, "head": None}
    with world.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(revisions)
                            .where(revisions.c.case_id == mine.case_id)).scalar_one() == 0
    assert [r["revision_id"] for r in world.pull_all(anna)[0]] == [pushed["revision_id"]]


# -- membership changes by role (issue 12, finding 5) ------------------------------------------------


def _members(client: TestClient, case: Case, by: Actor) -> list[str]:
    state = client.get(f"/v1/cases/{case.case_id}", headers=by.headers)
    assert state.status_code == 200, state.text
    members: list[str] = state.json()["members"]
    return sorted(members)


def test_nobody_takes_the_teams_coordinator_off_a_case(world: World, client: TestClient) -> None:
    world.recovery_key()
    anna, bert = world.user("anna"), world.user("bert")
    coord = world.user("carla", role="coordinator")
    case = world.register(anna, coord, bert)  # anna's case, shared with bert
    before = _members(client, case, anna)
    for by in (bert, anna, coord):  # a colleague, the case's own worker, the coordinator themself
        r = world.remove(by, case, coord, [a for a in (anna, bert) if a is not coord])
        assert r.status_code == 403 and r.json()["code"] == "forbidden", r.text
    assert _members(client, case, anna) == before
    assert client.get(f"/v1/cases/{case.case_id}", headers=coord.headers).json()["key_version"] == 1


def test_a_grant_is_taken_only_from_a_member_holding_that_key(world: World, client: TestClient) -> None:
    anna, bert = world.user("anna"), world.user("bert")
    case = world.register(anna, bert)
    late = world.user("dora", role="coordinator")  # of the team, but no key of the case was wrapped for her
    forged = Case(case.case_id, {1: new_case_key()})  # a key of her own making
    assert world.add(late, forged, late).status_code == 403
    assert world.remove(late, forged, bert, [anna, late]).status_code == 403
    with world.engine.connect() as conn:
        held = conn.execute(sa.select(key_grants.c.recipient_id, key_grants.c.granted_by)
                            .where(key_grants.c.case_id == case.case_id)).all()
    assert all(late.user_id not in row for row in held)
    assert _members(client, case, anna) == sorted([anna.user_id, bert.user_id])


def test_only_a_coordinator_or_the_cases_worker_changes_its_members(world: World, client: TestClient) -> None:
    anna, bert, cleo = world.user("anna"), world.user("bert"), world.user("cleo")
    coord = world.user("carla", role="coordinator")
    case = world.register(anna, coord)  # registered by anna: her case
    assert world.add(anna, case, bert).status_code == 200  # the case's worker shares it
    for r in (world.add(bert, case, cleo), world.remove(bert, case, anna, [bert, coord]),
              world.remove(bert, case, bert, [anna, coord])):
        assert r.status_code == 403 and r.json()["code"] == "forbidden"  # a colleague it was shared with may not
    assert _members(client, case, anna) == sorted([anna.user_id, bert.user_id, coord.user_id])
    late = world.user("dora", role="coordinator")
    assert world.add(bert, case, late).status_code == 200  # any key holder gives a team coordinator the key
    assert world.add(coord, case, cleo).status_code == 200
    assert world.remove(coord, case, bert, [anna, coord, late, cleo]).status_code == 200
    assert world.remove(anna, case, cleo, [anna, coord, late]).status_code == 200
    assert _members(client, case, anna) == sorted([anna.user_id, coord.user_id, late.user_id])


def test_the_cases_worker_follows_a_hand_over(world: World, client: TestClient) -> None:
    anna, bert, cleo, dirk = (world.user(n) for n in ("anna", "bert", "cleo", "dirk"))
    coord = world.user("carla", role="coordinator")
    case = world.register(anna, coord)
    # Anna hands her case to bert: she shares it, then leaves.
    assert world.add(anna, case, bert).status_code == 200
    assert world.remove(anna, case, anna, [bert, coord]).status_code == 200
    assert world.add(bert, case, cleo).status_code == 200  # bert's case now
    # The coordinator hands it on to dirk and takes bert off: dirk's case, not cleo's.
    assert world.add(coord, case, dirk).status_code == 200
    assert world.remove(coord, case, bert, [coord, cleo, dirk]).status_code == 200
    assert world.add(cleo, case, anna).status_code == 403
    assert world.remove(dirk, case, cleo, [coord, dirk]).status_code == 200
    # A coordinator's own case becomes the case of the worker they give it to.
    own = world.register(coord)
    assert world.add(coord, own, bert).status_code == 200
    assert world.add(bert, own, cleo).status_code == 200


def test_migration_0005_takes_each_cases_owner_from_its_registration(db_url: str) -> None:
    """A database of schema 0002: a worker's case gets them as owner, a coordinator's case none, and a case
    with no registration in the audit log none (only the coordinators manage it)."""
    from leerrecht_server.db import migrate, open_engine
    from leerrecht_server.tables import cases, memberships

    worker, coord = "a" * 8 + "-0000-4000-8000-000000000001", "c" * 8 + "-0000-4000-8000-000000000001"
    ids = {name: str(uuid.uuid4()) for name in ("worker", "coord", "unknown")}
    engine = open_engine(db_url)
    try:
        migrate(engine, "0002")
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO teams VALUES ('t1', 'Team Noord', '2025-01-01')"))
            for name, uid, role in (("anna", worker, "netsterk"), ("carla", coord, "coordinator")):
                conn.execute(sa.text("INSERT INTO users (username, display_name, role, team_id, user_id, status, "
                                     "created_at) VALUES (:n, :n, :r, 't1', :u, 'active', '2025-01-01')"),
                             {"n": name, "u": uid, "r": role})
            for seq, case_id in enumerate(ids.values(), start=1):
                conn.execute(sa.text("INSERT INTO cases VALUES (:c, 't1', 1, '2025-01-01')"), {"c": case_id})
                conn.execute(sa.text("INSERT INTO memberships (case_id, user_id, added_seq) VALUES (:c, :u, :s)"),
                             {"c": case_id, "u": worker, "s": seq})
            for by, case_id in ((worker, ids["worker"]), (coord, ids["coord"])):
                conn.execute(sa.text("INSERT INTO audit_log (at, actor, user_id, action, case_ids) "
                                     "VALUES ('2025-01-01', 'x', :u, 'case_register', :c)"), {"u": by, "c": case_id})
        migrate(engine)
        with engine.connect() as conn:
            owners = dict(conn.execute(sa.select(cases.c.case_id, cases.c.owner_id)).all())
            assert owners == {ids["worker"]: worker, ids["coord"]: None, ids["unknown"]: None}
            assert set(conn.execute(sa.select(memberships.c.added_by)).scalars()) == {None}
    finally:
        engine.dispose()


def test_case_states_of_many_cases_are_each_as_one_case_answers(world: World) -> None:
    """POST /v1/case-states reads all asked cases at once (crud.case_states): each answer must be the
    one GET /v1/cases/{id} gives, also for a case re-keyed after a removal, and leave out the rest."""
    anna, bert, carl = world.user("anna"), world.user("bert"), world.user("carl")
    shared = world.register(anna, bert, carl)
    assert world.remove(anna, shared, carl, [anna, bert]).status_code == 200
    own = world.register(anna)
    with_bert = world.register(bert, anna)
    not_annas = world.register(carl)
    asked = [c.case_id for c in (shared, own, with_bert, not_annas)] + [str(uuid.uuid4())]
    r = world.http.post("/v1/case-states", json={"case_ids": asked}, headers=anna.headers)
    assert r.status_code == 200, r.text
    states = {s["case_id"]: s for s in r.json()["cases"]}
    assert set(states) == {shared.case_id, own.case_id, with_bert.case_id}
    for case_id, state in states.items():
        one = world.http.get(f"/v1/cases/{case_id}", headers=anna.headers).json()
        assert state == one
    assert states[shared.case_id]["members"] == sorted([anna.user_id, bert.user_id])
    assert [g["key_version"] for g in states[shared.case_id]["grants"]] == [1, 2]
