"""Push (accepted, duplicate, conflict, rejected), pull paging, sharing and unsharing, visibility."""

from __future__ import annotations

import base64
import uuid

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from leerrecht_server.tables import revisions

from .conftest import World, grant


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
    assert page["memberships"] == [{"seq": 1, "case_id": case.case_id, "user_id": anna.user_id, "action": "added"}]
    assert page["next_cursor"] == 4 and page["more"] is False
    assert page["revisions"][0]["ciphertext"] == revs[0]["ciphertext"]
    empty = world.pull(anna, after=4)
    assert empty == {"revisions": [], "memberships": [], "next_cursor": 4, "more": False, "high_water": 4}


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
