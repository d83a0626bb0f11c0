"""The authorization matrix: every route of the app (enumerated from the app itself, so a new route
without a row fails) against every kind of caller who must be refused, on SQLite and PostgreSQL:

- no token: 401 `unauthorized` (the operator's routes: 403 `forbidden`);
- a non-member of the team, someone of another team, a removed member: 404 for a case, with the very
  body an unknown case id gets (no existence oracle); nothing of the case in what they may call;
- a revoked device (of a member): 401 `device_revoked`;
- a plain worker the case is shared with, against what only a coordinator of its team or the case's
  own worker may do (adding, removing, transferring): 403 `forbidden`.

A cell that is not a refusal (a public route, a worker reading a case shared with them) says so as
ALLOWED, so every route x caller pair is decided here, and the public routes are exactly the four
docs/server.md names."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import sqlalchemy as sa
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from leerrecht_core import protocol as p
from leerrecht_core import protocol_lifecycle as pl
from leerrecht_core.crypto.kdf import KdfParams
from leerrecht_server import admin
from leerrecht_server.tables import teams

from .conftest import Actor, Case, World, grant

COLUMNS = ("no_token", "non_member", "other_team", "revoked_device", "removed_member", "plain_worker")
CASE_COLUMNS = ("non_member", "other_team", "removed_member")


@dataclass
class Ctx:
    world: World
    client: TestClient
    case: Case
    owner: Actor  # anna: registered the case
    actors: dict[str, Actor]  # column -> the caller (no_token: anna's material, sent without a token)
    target: Actor  # nina: a colleague of the team a change would be about
    other_team_id: str
    high: int  # the sequence number before the case's newest revision
    unknown_body: dict[str, Any]  # what a case id nobody has answers
    held_item: int  # a held-apart item of the case (rita's note, handed in after her removal)
    held_revision: str
    coordinator: Actor  # carla, who may review the queue
    attachment_id: str  # anna's complete attachment of the case


# -- the calls -------------------------------------------------------------------------------------

Call = tuple[str, str, dict[str, Any] | None, dict[str, Any] | None]  # method, url, json, params


def _revision(ctx: Ctx, actor: Actor) -> dict[str, Any]:
    return ctx.world.sealed(actor, ctx.case, {"n": "fictief"})


def _grants_for(ctx: Ctx, by: Actor, who: Actor) -> list[dict[str, Any]]:
    return [grant(by, ctx.case.case_id, v, who.user_id, who.secrets.exchange_public, k)
            for v, k in ctx.case.keys.items()]


def _kdf() -> dict[str, Any]:
    return p.KdfJson.model_validate(KdfParams.minimum().to_json()).model_dump(mode="json")


def _signed_erasure(ctx: Ctx, a: Actor) -> str:
    import base64

    return base64.b64encode(a.secrets.signing.sign(pl.erasure_message(ctx.case.case_id, a.user_id))).decode()


def _in_days(n: int) -> str:
    return (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=n)).isoformat()


def _b64(n: int) -> str:
    import base64

    return base64.b64encode(b"\x01" * n).decode()


CALLS: dict[tuple[str, str], Callable[[Ctx, Actor], Call]] = {
    ("GET", "/v1/health"): lambda ctx, a: ("GET", "/v1/health", None, None),
    ("GET", "/v1/status"): lambda ctx, a: ("GET", "/v1/status", None, None),
    ("GET", "/metrics"): lambda ctx, a: ("GET", "/metrics", None, None),
    ("POST", "/v1/prelogin"): lambda ctx, a: ("POST", "/v1/prelogin", {"username": a.username}, None),
    ("POST", "/v1/enrol"): lambda ctx, a: ("POST", "/v1/enrol", ctx.world.enrol_body(a, "X" * 12), None),
    ("POST", "/v1/login"): lambda ctx, a: ("POST", "/v1/login", {"username": a.username, "auth_key": _b64(32),
                                                                  "device_name": "Laptop 2"}, None),
    ("POST", "/v1/account/passphrase"): lambda ctx, a: (
        "POST", "/v1/account/passphrase", {"kdf": _kdf(), "auth_key": _b64(32), "wrapped_secrets": _b64(60)}, None),
    ("GET", "/v1/directory"): lambda ctx, a: ("GET", "/v1/directory", None, None),
    ("GET", "/v1/people"): lambda ctx, a: ("GET", "/v1/people", None, None),
    ("POST", "/v1/cases"): lambda ctx, a: (
        "POST", "/v1/cases", {"case_id": ctx.case.case_id,
                              "grants": [grant(a, ctx.case.case_id, 1, a.user_id, a.secrets.exchange_public,
                                               ctx.case.keys[1])]}, None),
    ("GET", "/v1/cases/{case_id}"): lambda ctx, a: ("GET", f"/v1/cases/{ctx.case.case_id}", None, None),
    ("POST", "/v1/case-states"): lambda ctx, a: ("POST", "/v1/case-states", {"case_ids": [ctx.case.case_id]}, None),
    ("POST", "/v1/case-registrations"): lambda ctx, a: (
        "POST", "/v1/case-registrations", {"cases": [{
            "case_id": ctx.case.case_id,
            "grants": [grant(a, ctx.case.case_id, 1, a.user_id, a.secrets.exchange_public, ctx.case.keys[1])]}]},
        None),
    ("POST", "/v1/cases/{case_id}/members"): lambda ctx, a: (
        "POST", f"/v1/cases/{ctx.case.case_id}/members",
        {"user_id": ctx.target.user_id, "grants": _grants_for(ctx, a, ctx.target)}, None),
    ("POST", "/v1/cases/{case_id}/members/remove"): lambda ctx, a: (
        "POST", f"/v1/cases/{ctx.case.case_id}/members/remove",
        {"user_id": ctx.owner.user_id,
         "grants": [grant(a, ctx.case.case_id, ctx.case.key_version + 1, a.user_id, a.secrets.exchange_public,
                          ctx.case.keys[ctx.case.key_version])]}, None),
    ("POST", "/v1/cases/{case_id}/transfer"): lambda ctx, a: (
        "POST", f"/v1/cases/{ctx.case.case_id}/transfer",
        {"team_id": ctx.other_team_id, "grants": _grants_for(ctx, a, a)}, None),
    ("POST", "/v1/push"): lambda ctx, a: ("POST", "/v1/push", {"revisions": [_revision(ctx, a)]}, None),
    ("GET", "/v1/pull"): lambda ctx, a: ("GET", "/v1/pull", None, {"after": ctx.high}),
    ("GET", "/v1/cases/{case_id}/history"): lambda ctx, a: (
        "GET", f"/v1/cases/{ctx.case.case_id}/history", None, None),
    ("POST", "/v1/held-apart"): lambda ctx, a: (
        "POST", "/v1/held-apart", {"reason": "removed", "revisions": [_revision(ctx, a)]}, None),
    ("GET", "/v1/held-apart"): lambda ctx, a: ("GET", "/v1/held-apart", None, None),
    ("GET", "/v1/held-apart/{item_id}"): lambda ctx, a: ("GET", f"/v1/held-apart/{ctx.held_item}", None, None),
    ("POST", "/v1/held-apart/{item_id}/accept"): lambda ctx, a: (
        "POST", f"/v1/held-apart/{ctx.held_item}/accept", {"revision_id": ctx.held_revision}, None),
    ("POST", "/v1/held-apart/{item_id}/discard"): lambda ctx, a: (
        "POST", f"/v1/held-apart/{ctx.held_item}/discard", {"revision_id": ctx.held_revision}, None),
    ("POST", "/v1/cases/{case_id}/erase"): lambda ctx, a: (
        "POST", f"/v1/cases/{ctx.case.case_id}/erase",
        {"reason": "fictief", "signature": _signed_erasure(ctx, a)}, None),
    ("GET", "/v1/erasures"): lambda ctx, a: ("GET", "/v1/erasures", None, {"after": 0}),
    ("POST", "/v1/access-log"): lambda ctx, a: (
        "POST", "/v1/access-log",
        {"entries": [{"at": dt.datetime.now(dt.UTC).isoformat(), "action": "case_opened",
                      "case_id": ctx.case.case_id}]}, None),
    ("GET", "/v1/cases/{case_id}/access-log"): lambda ctx, a: (
        "GET", f"/v1/cases/{ctx.case.case_id}/access-log", None, None),
    ("POST", "/v1/closings"): lambda ctx, a: (
        "POST", "/v1/closings", {"cases": [{"case_id": ctx.case.case_id, "closed_on": "2015-01-05"}]}, None),
    ("GET", "/v1/retention"): lambda ctx, a: ("GET", "/v1/retention", None, None),
    ("POST", "/v1/attachments"): lambda ctx, a: (
        "POST", "/v1/attachments", {"attachment_id": str(uuid.uuid4()), "case_id": ctx.case.case_id,
                                    "key_version": 1, "author_id": a.user_id, "chunk_count": 1,
                                    "sealed_size": 100}, None),
    ("PUT", "/v1/attachments/{attachment_id}/chunks/{index}"): lambda ctx, a: (
        "PUT", f"/v1/attachments/{ctx.attachment_id}/chunks/0", None, None),
    ("POST", "/v1/attachments/{attachment_id}/manifest"): lambda ctx, a: (
        "POST", f"/v1/attachments/{ctx.attachment_id}/manifest",
        {"nonce": _b64(12), "sealed_manifest": _b64(64), "signature": _b64(64)}, None),
    ("GET", "/v1/attachments/feed"): lambda ctx, a: ("GET", "/v1/attachments/feed", None, None),
    ("GET", "/v1/attachments/{attachment_id}/chunks/{index}"): lambda ctx, a: (
        "GET", f"/v1/attachments/{ctx.attachment_id}/chunks/0", None, None),
    ("POST", "/v1/cases/{case_id}/retention-hold"): lambda ctx, a: (
        "POST", f"/v1/cases/{ctx.case.case_id}/retention-hold", {"until": _in_days(30), "reason": "fictief"}, None),
    ("DELETE", "/v1/cases/{case_id}/retention-hold"): lambda ctx, a: (
        "DELETE", f"/v1/cases/{ctx.case.case_id}/retention-hold", None, None),
}


# -- what must come back ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Refused:
    status: int
    code: str


@dataclass(frozen=True)
class NotFound:
    """404 with exactly the body an unknown case id gets."""


@dataclass(frozen=True)
class Hidden:
    """Answered (the route is the caller's to use), but nothing of the case in it."""

    check: Callable[[Ctx, httpx.Response], bool]
    what: str


ALLOWED = None  # not a refusal: this caller may do this
Expect = Refused | NotFound | Hidden | None

UNAUTHORIZED = Refused(401, "unauthorized")
REVOKED = Refused(401, "device_revoked")
FORBIDDEN = Refused(403, "forbidden")


def _no_case_in_pull(ctx: Ctx, r: httpx.Response) -> bool:
    page = r.json()
    return r.status_code == 200 and not any(x["case_id"] == ctx.case.case_id
                                            for x in page["revisions"] + page["memberships"])


def _no_case_state(ctx: Ctx, r: httpx.Response) -> bool:
    return r.status_code == 200 and r.json()["cases"] == []


def _push_rejected(ctx: Ctx, r: httpx.Response) -> bool:
    return r.status_code == 200 and r.json()["results"][0] == {
        "revision_id": r.json()["results"][0]["revision_id"], "status": "rejected",
        "reason": "not a member of this case", "seq": None, "head": None}


def _not_held(ctx: Ctx, r: httpx.Response) -> bool:
    # The same reason as for a case id nobody has: no existence oracle.
    return r.status_code == 200 and [(x["status"], x["reason"]) for x in r.json()["results"]] == [
        ("rejected", "no such case, or never shared with you")]


def _registration_unknown(ctx: Ctx, r: httpx.Response) -> bool:
    # Per case, exactly the answer POST /cases gives a taken id: the unknown-id one.
    return r.status_code == 200 and r.json()["results"] == [
        {"case_id": ctx.case.case_id, "state": None, "code": "not_found", "status": 404}]


def _owner_unlisted(ctx: Ctx, r: httpx.Response) -> bool:
    listed = {u["user_id"] for u in r.json().get("users", r.json().get("people", []))}
    return r.status_code == 200 and ctx.owner.user_id not in listed


def _not_recorded(ctx: Ctx, r: httpx.Response) -> bool:
    return r.status_code == 200 and r.json()["recorded"] == []


def _no_attachment_listed(ctx: Ctx, r: httpx.Response) -> bool:
    return r.status_code == 200 and not any(m["case_id"] == ctx.case.case_id for m in r.json()["manifests"])


def row(*, no_token: Expect = UNAUTHORIZED, non_member: Expect = NotFound(), other_team: Expect = NotFound(),
        revoked_device: Expect = REVOKED, removed_member: Expect = NotFound(),
        plain_worker: Expect = ALLOWED) -> dict[str, Expect]:
    return {"no_token": no_token, "non_member": non_member, "other_team": other_team,
            "revoked_device": revoked_device, "removed_member": removed_member, "plain_worker": plain_worker}


PUBLIC = row(no_token=ALLOWED, non_member=ALLOWED, other_team=ALLOWED, revoked_device=ALLOWED,
             removed_member=ALLOWED)
OPERATOR = row(no_token=FORBIDDEN, non_member=FORBIDDEN, other_team=FORBIDDEN, revoked_device=FORBIDDEN,
               removed_member=FORBIDDEN, plain_worker=FORBIDDEN)  # the status token, or loopback only
DEVICE = row(non_member=ALLOWED, other_team=ALLOWED, removed_member=ALLOWED)  # nothing of a case in it
HIDDEN_PULL = Hidden(_no_case_in_pull, "no revision or event of the case")
HIDDEN_STATE = Hidden(_no_case_state, "the case left out")
REJECTED = Hidden(_push_rejected, "the revision rejected as not a member's")
UNKNOWN_ID = Hidden(_registration_unknown, "the taken id answered as unknown")
NOT_HELD = Hidden(_not_held, "the revision refused as for an unknown case")
NOT_RECORDED = Hidden(_not_recorded, "the closing date left out")
# The held-apart queue is a coordinator's: every worker is refused by role, a revoked device as such.
COORDINATORS = row(non_member=FORBIDDEN, other_team=FORBIDDEN, removed_member=FORBIDDEN, plain_worker=FORBIDDEN)

MATRIX: dict[tuple[str, str], dict[str, Expect]] = {
    ("GET", "/v1/health"): PUBLIC,
    ("POST", "/v1/prelogin"): PUBLIC,
    ("POST", "/v1/enrol"): PUBLIC,
    ("POST", "/v1/login"): PUBLIC,
    ("GET", "/v1/status"): OPERATOR,
    ("GET", "/metrics"): OPERATOR,
    ("POST", "/v1/account/passphrase"): DEVICE,
    ("GET", "/v1/directory"): row(non_member=ALLOWED, other_team=Hidden(_owner_unlisted, "not the case's owner"),
                                  removed_member=ALLOWED),
    ("GET", "/v1/people"): row(non_member=ALLOWED, other_team=Hidden(_owner_unlisted, "not the case's owner"),
                               removed_member=ALLOWED),
    ("POST", "/v1/cases"): row(),  # registering a taken id: the unknown-id answer
    ("POST", "/v1/case-registrations"): row(non_member=UNKNOWN_ID, other_team=UNKNOWN_ID, removed_member=UNKNOWN_ID),
    ("POST", "/v1/case-states"): row(non_member=HIDDEN_STATE, other_team=HIDDEN_STATE, removed_member=HIDDEN_STATE),
    ("POST", "/v1/push"): row(non_member=REJECTED, other_team=REJECTED, removed_member=REJECTED),
    ("GET", "/v1/pull"): row(non_member=HIDDEN_PULL, other_team=HIDDEN_PULL, removed_member=HIDDEN_PULL),
    ("GET", "/v1/cases/{case_id}"): row(),
    ("GET", "/v1/cases/{case_id}/history"): row(),
    ("POST", "/v1/cases/{case_id}/members"): row(plain_worker=FORBIDDEN),
    ("POST", "/v1/cases/{case_id}/members/remove"): row(plain_worker=FORBIDDEN),
    ("POST", "/v1/cases/{case_id}/transfer"): row(plain_worker=FORBIDDEN),
    # Handing in: a revoked laptop and a removed member are exactly who may (nothing reaches the case
    # without a coordinator); someone never on the case is refused as for an unknown one.
    ("POST", "/v1/held-apart"): row(non_member=NOT_HELD, other_team=NOT_HELD, revoked_device=ALLOWED,
                                    removed_member=ALLOWED),
    ("GET", "/v1/held-apart"): COORDINATORS,
    ("GET", "/v1/held-apart/{item_id}"): COORDINATORS,
    ("POST", "/v1/held-apart/{item_id}/accept"): COORDINATORS,
    ("POST", "/v1/held-apart/{item_id}/discard"): COORDINATORS,
    # Erasing: a coordinator of the case's team (the team has one, so a plain worker on it is refused).
    ("POST", "/v1/cases/{case_id}/erase"): row(plain_worker=FORBIDDEN),
    ("GET", "/v1/erasures"): DEVICE,  # only erasures of cases the caller held, or their team's
    # Access entries: the same 204 for everyone, an entry of a case never held dropped unsaid
    # (tests/server/test_access_log.py checks what is kept); a case's log is its team coordinators'.
    ("POST", "/v1/access-log"): DEVICE,
    ("GET", "/v1/cases/{case_id}/access-log"): row(plain_worker=FORBIDDEN),
    # Retention: a closing date only from members; the due list and holds are the team coordinators'.
    ("POST", "/v1/closings"): row(non_member=NOT_RECORDED, other_team=NOT_RECORDED, removed_member=NOT_RECORDED),
    ("GET", "/v1/retention"): COORDINATORS,
    ("POST", "/v1/cases/{case_id}/retention-hold"): row(plain_worker=FORBIDDEN),
    ("DELETE", "/v1/cases/{case_id}/retention-hold"): row(plain_worker=FORBIDDEN),
    # Attachments: the case's members, as for its revisions; the chunks of a colleague's upload are
    # theirs to send (a plain worker on the case gets the unknown-id answer for anna's).
    ("POST", "/v1/attachments"): row(),
    ("PUT", "/v1/attachments/{attachment_id}/chunks/{index}"): row(plain_worker=NotFound()),
    ("POST", "/v1/attachments/{attachment_id}/manifest"): row(plain_worker=NotFound()),
    ("GET", "/v1/attachments/feed"): row(non_member=Hidden(_no_attachment_listed, "no attachment of the case"),
                                         other_team=Hidden(_no_attachment_listed, "no attachment of the case"),
                                         removed_member=Hidden(_no_attachment_listed, "no attachment of the case")),
    ("GET", "/v1/attachments/{attachment_id}/chunks/{index}"): row(),
}


def _routes(routes: list[Any]) -> Iterator[tuple[str, str]]:
    for route in routes:
        if isinstance(route, APIRoute):
            for method in sorted(route.methods - {"HEAD"}):
                yield method, route.path
        for inner in ("original_router", "router"):
            if hasattr(route, inner) and hasattr(getattr(route, inner), "routes"):
                yield from _routes(getattr(route, inner).routes)
        if not isinstance(route, APIRoute) and hasattr(route, "routes"):
            yield from _routes(route.routes)


def app_routes(client: TestClient) -> set[tuple[str, str]]:
    """Every API route of the app: its routes and its OpenAPI schema (whichever way FastAPI nests them).
    Not the beheerder's console under /admin: it takes no device token at all (a session cookie instead),
    and tests/server/test_console.py has its own table of every console route."""
    app: Any = client.app
    found = set(_routes(app.routes))
    found |= {(m.upper(), path) for path, ops in app.openapi()["paths"].items() for m in ops}
    return {(method, path) for method, path in found if not (path == "/admin" or path.startswith("/admin/"))}


def test_every_route_has_a_row(client: TestClient) -> None:
    routes = app_routes(client)
    assert len(routes) >= len(MATRIX) - 1
    assert routes == set(MATRIX), f"routes without a row: {routes - set(MATRIX)}; rows without a route: " \
                                  f"{set(MATRIX) - routes}"
    assert set(CALLS) == set(MATRIX)
    assert {k for k, v in MATRIX.items() if v["no_token"] is ALLOWED} == {
        ("GET", "/v1/health"), ("POST", "/v1/prelogin"), ("POST", "/v1/enrol"), ("POST", "/v1/login")}
    for cells in MATRIX.values():
        assert tuple(cells) == COLUMNS


def _setup(world: World, client: TestClient) -> Ctx:
    anna = world.user("anna")  # registers the case: its worker
    bert = world.user("bert")  # the case is shared with him: a plain worker on it
    carla = world.user("carla", role="coordinator")
    nina = world.user("nina")  # of the team, the case not shared with her
    rita = world.user("rita")  # was on the case, removed
    vera = world.user("vera")  # on the case, her laptop revoked
    zoe = world.user("zoe", team="Team Zuid")
    world.user("zack", role="coordinator", team="Team Zuid")
    case = world.register(anna, carla, bert, vera)
    assert world.add(anna, case, rita).status_code == 200
    world.push(anna, world.sealed(anna, case, {"n": "fictief"}))
    assert world.remove(anna, case, rita, [anna, carla, bert, vera]).status_code == 200
    admin.revoke_device(world.engine, vera.device_id)
    high = world.pull(anna)["high_water"]
    assert world.push(anna, world.sealed(anna, case, {"n": "fictief, later"}))[0]["status"] == "accepted"
    with world.engine.connect() as conn:
        other_team_id = conn.execute(sa.select(teams.c.team_id).where(teams.c.name == "Team Zuid")).scalar_one()
    unknown = client.get(f"/v1/cases/{uuid.uuid4()}", headers=anna.headers)
    assert unknown.status_code == 404
    # Rita wrote offline before her removal: her note is handed in, and waits for a coordinator.
    held = world.sealed(rita, case, {"n": "fictief, apart"}, key_version=1)
    answer = client.post("/v1/held-apart", json={"reason": "removed", "revisions": [held]}, headers=rita.headers)
    assert answer.json()["results"][0]["status"] == "held", answer.text
    item = client.get("/v1/held-apart", headers=carla.headers).json()["items"][0]
    actors = {"no_token": anna, "non_member": nina, "other_team": zoe, "revoked_device": vera,
              "removed_member": rita, "plain_worker": bert}
    attachment_id = world.attachment(anna, case, b"\x89PNG\r\n\x1a\n" + b"fictief" * 100)
    return Ctx(world, client, case, anna, actors, nina, other_team_id, high, unknown.json(), item["item_id"],
               item["revision_id"], carla, attachment_id)


def _members(ctx: Ctx) -> tuple[list[str], int]:
    state = ctx.client.get(f"/v1/cases/{ctx.case.case_id}", headers=ctx.owner.headers).json()
    return sorted(state["members"]), state["key_version"]


def test_the_authorization_matrix(world: World, client: TestClient) -> None:
    ctx = _setup(world, client)
    before = _members(ctx)
    failures: list[str] = []
    tried = 0
    for key, cells in MATRIX.items():
        for column, expect in cells.items():
            if expect is ALLOWED:
                continue
            actor = ctx.actors[column]
            method, url, body, params = CALLS[key](ctx, actor)
            headers = {} if column == "no_token" else actor.headers
            r = client.request(method, url, json=body, params=params, headers=headers)
            tried += 1
            where = f"{method} {key[1]} as {column}"
            if isinstance(expect, Refused):
                if r.status_code != expect.status or r.json().get("code") != expect.code:
                    failures.append(f"{where}: {r.status_code} {r.text[:160]}, expected {expect}")
            elif isinstance(expect, NotFound):
                if r.status_code != 404 or r.json() != ctx.unknown_body:
                    failures.append(f"{where}: {r.status_code} {r.text[:160]}, expected the unknown-id 404")
            elif not expect.check(ctx, r):
                failures.append(f"{where}: {r.status_code} {r.text[:160]}, expected {expect.what}")
    assert failures == [], "\n".join(failures)
    assert tried >= 60
    assert _members(ctx) == before  # no refused call changed the case
    items = client.get("/v1/held-apart", headers=ctx.coordinator.headers).json()["items"]
    assert [(i["item_id"], i["status"]) for i in items] == [(ctx.held_item, "pending")]  # nor the queue
