"""Issue 13, item 3 (erasure everywhere), the server's side: POST /v1/cases/{id}/erase by who may, signed;
what stays is the fact (case_erasures) and one audit entry; GET /v1/erasures serves it to those who held
the case and to its team's coordinators; an erased case can't be registered, pushed to or handed in again.
On SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import httpx
import sqlalchemy as sa

from leerrecht_core import protocol_held_apart as ph
from leerrecht_core import protocol_lifecycle as pl
from leerrecht_core.crypto.keys import public_signing_key, wrap_case_key
from leerrecht_server.tables import audit_log, case_erasures, cases, key_grants, memberships, record_heads, revisions

from .conftest import Actor, Case, World, _x_pub, grant

REASON = "Verzoek van de ouders (fictief), art. 17 AVG"


def _erase(world: World, by: Actor, case: Case, reason: str = REASON, *,
           signature: bytes | None = None) -> httpx.Response:
    sig = signature if signature is not None else by.secrets.signing.sign(pl.erasure_message(case.case_id, by.user_id))
    body = pl.CaseErase(reason="x", signature=sig).model_dump(mode="json") | {"reason": reason}
    return world.http.post(f"/v1/cases/{case.case_id}/erase", json=body, headers=by.headers)


def _feed(world: World, actor: Actor, after: int = 0, limit: int | None = None) -> pl.ErasureFeed:
    params: dict[str, Any] = {"after": after} | ({"limit": limit} if limit else {})
    r = world.http.get("/v1/erasures", params=params, headers=actor.headers)
    assert r.status_code == 200, r.text
    return pl.ErasureFeed.model_validate(r.json())


def _rows_of(world: World, case_id: str) -> dict[str, int]:
    with world.engine.connect() as conn:
        return {table.name: conn.execute(sa.select(sa.func.count()).select_from(table)
                                         .where(table.c.case_id == case_id)).scalar_one()
                for table in (revisions, record_heads, key_grants, memberships, cases)}


def _team_with_case(world: World) -> tuple[Actor, Actor, Actor, Case]:
    anna, bert = world.user("anna"), world.user("bert")
    coord = world.user("coco", role="coordinator")
    case = world.register(anna, bert, coord)
    world.push(anna, world.sealed(anna, case, {"text": "fictief"}))
    world.push(bert, world.sealed(bert, case, {"text": "fictief ook"}))
    return anna, bert, coord, case


def test_a_coordinator_erases_a_shared_case_and_only_the_fact_stays(world: World) -> None:
    anna, bert, coord, case = _team_with_case(world)
    assert _rows_of(world, case.case_id)["revisions"] == 2
    r = _erase(world, coord, case)
    assert r.status_code == 204, r.text
    assert _rows_of(world, case.case_id) == {"revisions": 0, "record_heads": 0, "key_grants": 0, "memberships": 0,
                                             "cases": 0}
    with world.engine.connect() as conn:
        entries = conn.execute(sa.select(audit_log).where(audit_log.c.action == "case_erased")).all()
        erasure = conn.execute(sa.select(case_erasures)).one()
    assert [(e.case_ids, e.user_id, e.detail) for e in entries] == [(case.case_id, coord.user_id, REASON)]
    assert set(erasure.member_ids.split()) == {anna.user_id, bert.user_id, coord.user_id}
    for holder in (anna, bert, coord):
        (event,) = _feed(world, holder).erasures
        assert (event.case_id, event.cause, event.erased_by, event.reason) == \
            (case.case_id, "request", coord.user_id, REASON)
        assert event.signature is not None
        public_signing_key(coord.secrets.signing_public).verify(event.signature,
                                                                pl.erasure_message(case.case_id, coord.user_id))


def test_the_audit_log_keeps_only_the_fact_of_an_erased_case(world: World) -> None:
    """Its pushes, registration and shares go; an entry of several cases keeps the others' ids."""
    anna, bert, coord, case = _team_with_case(world)
    other = world.register(anna, bert, coord)
    with world.engine.begin() as conn:
        conn.execute(audit_log.insert().values(at="2026-01-01T00:00:00", actor="anna", action="closings",
                                               case_ids=f"{case.case_id} {other.case_id}", detail="closed=0 open=2"))
    padded = sa.literal(" ") + audit_log.c.case_ids + sa.literal(" ")
    with world.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(audit_log)
                            .where(padded.like(f"% {case.case_id} %"))).scalar_one() >= 3
    assert _erase(world, coord, case).status_code == 204
    with world.engine.connect() as conn:
        left = conn.execute(sa.select(audit_log.c.action, audit_log.c.case_ids)
                            .where(padded.like(f"% {case.case_id} %"))).all()
        several = conn.execute(sa.select(audit_log.c.case_ids).where(audit_log.c.action == "closings")).scalar_one()
    assert [tuple(r) for r in left] == [("case_erased", case.case_id)]
    assert several == other.case_id


def test_the_feed_is_for_those_who_held_the_case_and_its_teams_coordinators(world: World) -> None:
    _, _, coord, case = _team_with_case(world)
    other = world.user("dirk")  # same team, never on the case
    late_coord = world.user("cora", role="coordinator")  # enrolled after: not a member, but of the team
    stranger = world.user("erik", team="Team Zuid")
    assert _erase(world, coord, case).status_code == 204
    assert _feed(world, other).erasures == []
    assert _feed(world, stranger).erasures == []
    assert [e.case_id for e in _feed(world, late_coord).erasures] == [case.case_id]


def test_the_feed_pages_by_seq(world: World) -> None:
    anna = world.user("anna")
    coord = world.user("coco", role="coordinator")
    made = [world.register(anna, coord) for _ in range(3)]
    for case in made:
        assert _erase(world, coord, case).status_code == 204
    first = _feed(world, anna, limit=2)
    assert [e.case_id for e in first.erasures] == [c.case_id for c in made[:2]] and first.more
    rest = _feed(world, anna, after=first.next_cursor, limit=2)
    assert [e.case_id for e in rest.erasures] == [made[2].case_id] and not rest.more
    assert _feed(world, anna, after=rest.next_cursor).erasures == []


def test_a_worker_in_a_team_with_a_coordinator_is_refused_and_a_stranger_gets_404(world: World) -> None:
    anna, bert, _, case = _team_with_case(world)
    stranger = world.user("erik", team="Team Zuid")
    colleague = world.user("dirk")  # same team, not on the case
    assert _erase(world, anna, case).status_code == 403
    assert _erase(world, bert, case).status_code == 403
    assert _erase(world, stranger, case).status_code == 404
    assert _erase(world, colleague, case).status_code == 404
    assert _rows_of(world, case.case_id)["revisions"] == 2


def test_in_a_team_without_a_coordinator_the_cases_worker_erases_it(world: World) -> None:
    anna, bert = world.user("anna", team="Team Oost"), world.user("bert", team="Team Oost")
    case = world.register(anna, bert)  # anna registered it: its owner
    assert _erase(world, bert, case).status_code == 403  # a member, but not its worker
    assert _erase(world, anna, case).status_code == 204
    assert _rows_of(world, case.case_id)["cases"] == 0


def test_an_erasure_needs_a_reason_and_a_valid_signature(world: World) -> None:
    _, _, coord, case = _team_with_case(world)
    assert _erase(world, coord, case, reason="").status_code == 400
    assert _erase(world, coord, case, reason="   ").status_code == 400
    assert _erase(world, coord, case, reason="a\nb").status_code == 400
    assert _erase(world, coord, case, reason="x" * (pl.MAX_ERASURE_REASON_LEN + 1)).status_code == 400
    other = coord.secrets.signing.sign(pl.erasure_message(case.case_id, "someone-else"))
    assert _erase(world, coord, case, signature=other).status_code == 400
    assert _rows_of(world, case.case_id)["revisions"] == 2


def test_an_erased_case_is_gone_for_good(world: World) -> None:
    anna, bert, coord, case = _team_with_case(world)
    stranger = world.user("erik", team="Team Zuid")
    assert _erase(world, coord, case).status_code == 204
    again = _erase(world, coord, case)
    assert again.status_code == 410 and again.json()["code"] == "case_erased"
    assert _erase(world, stranger, case).status_code == 404  # no oracle
    # A laptop that has not heard yet can't bring it back: not by registering it again, not by a push,
    # not by handing its changes in for review.
    grants = [grant(anna, case.case_id, 1, a.user_id, a.secrets.exchange_public, case.keys[1]) for a in (anna, coord)]
    r = world.http.post("/v1/cases", json={"case_id": case.case_id, "grants": grants}, headers=anna.headers)
    assert r.status_code == 410 and r.json()["code"] == "case_erased"
    (result,) = world.push(anna, world.sealed(anna, case, {"text": "te laat"}))
    assert (result["status"], result["reason"]) == ("rejected", "case erased")
    # With a recovery wrap, as for a case the server never knew: without the erasure it would be kept.
    world.recovery_key()
    assert world.recovery is not None
    wrapped = wrap_case_key(case.keys[1], case.case_id, 1, "recovery", _x_pub(world.recovery))
    wrap = {"case_id": case.case_id, "key_version": 1, "ephemeral_public": wrapped.ephemeral_public,
            "ciphertext": wrapped.ciphertext}
    delivery = {"reason": "removed", "revisions": [world.sealed(bert, case, {"text": "te laat"})],
                "recovery_wraps": [ph.RecoveryWrap.model_validate(wrap).model_dump(mode="json")]}
    r = world.http.post("/v1/held-apart", json=delivery, headers=bert.headers)
    assert r.status_code == 200, r.text
    (held,) = r.json()["results"]
    assert (held["status"], held["reason"]) == ("rejected", "case erased")
    assert _rows_of(world, case.case_id) == {"revisions": 0, "record_heads": 0, "key_grants": 0, "memberships": 0,
                                             "cases": 0}
