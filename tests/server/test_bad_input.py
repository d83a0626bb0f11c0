"""Bad input of every kind gets a clear 4xx ErrorBody: never a 500, never a partial write."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from leerrecht_core import protocol as p
from leerrecht_server.tables import counters, revisions

from .conftest import World


def _error(r: Any, status: int | None = None, code: str | None = None) -> dict[str, Any]:
    assert 400 <= r.status_code < 500, (r.status_code, r.text)
    if status is not None:
        assert r.status_code == status, r.text
    body: dict[str, Any] = r.json()
    p.ErrorBody.model_validate(body)
    if code is not None:
        assert body["code"] == code, body
    return body


@pytest.fixture
def anna(world: World) -> Any:
    return world.user("anna")


def test_malformed_json(client: TestClient, anna: Any) -> None:
    for raw in (b"{", b"not json", b"\xff\xfe\x00", b"", b"null", b"[]", b'"x"', b"{\"revisions\": [}"):
        r = client.post("/v1/push", content=raw, headers={**anna.headers, "Content-Type": "application/json"})
        _error(r, 400, "bad_request")
    _error(client.post("/v1/prelogin", content=b"{", headers={"Content-Type": "application/json"}), 400,
           "bad_request")


def test_wrong_types_and_shapes(world: World, client: TestClient, anna: Any) -> None:
    case = world.register(anna)
    good = world.sealed(anna, case, {"n": 1})
    variants: list[dict[str, Any]] = [
        {**good, "revision": "one"}, {**good, "revision": 0}, {**good, "nonce": "!!notbase64"},
        {**good, "nonce": "AAAA"}, {**good, "kind": "diary"}, {**good, "case_id": "not-a-uuid"},
        {**good, "deleted": {"x": 1}}, {**good, "extra": 1}, {k: v for k, v in good.items() if k != "signature"},
        {**good, "base_revision": -3},
    ]
    for v in variants:
        _error(client.post("/v1/push", json={"revisions": [good, v]}, headers=anna.headers), 400, "bad_request")
    _error(client.post("/v1/push", json={"revisions": []}, headers=anna.headers), 400, "bad_request")
    # Absurd numbers parse, and are refused per revision without touching the database.
    assert world.push(anna, {**good, "revision": 10**30, "base_revision": 10**30 - 1})[0]["status"] == "rejected"
    _error(client.post("/v1/push", json={"revisions": [good] * (p.MAX_PUSH_BATCH + 1)}, headers=anna.headers), 400)
    _error(client.post("/v1/push", json={"revisions": "x"}, headers=anna.headers), 400)
    _error(client.post("/v1/login", json={"username": "anna", "auth_key": "AAAA", "device_name": "x"}), 400)
    _error(client.post("/v1/enrol", json={"username": "anna"}), 400)
    _error(client.post("/v1/prelogin", json={"username": ""}), 400)
    _error(client.post("/v1/prelogin", json={"username": 5}), 400)
    _error(client.post("/v1/cases", json={"case_id": str(uuid.uuid4()), "grants": []}, headers=anna.headers), 400)
    # Nothing of the refused batches was written: the good revision in them was not stored either.
    with world.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(revisions)).scalar_one() == 0
        assert conn.execute(sa.select(counters.c.value)).scalar_one() == 1  # only the registration's event


def test_bad_query_and_path_parameters(client: TestClient, anna: Any) -> None:
    for params in ({"after": 10**30}, {"after": "x"}, {"after": -1}, {"limit": 0},
                   {"limit": p.MAX_PULL_LIMIT + 1}, {"limit": "many"}):
        _error(client.get("/v1/pull", params=params, headers=anna.headers), 400, "bad_request")
    _error(client.get("/v1/cases/not-a-uuid", headers=anna.headers), 400, "bad_request")
    _error(client.get("/v1/cases/../../etc", headers=anna.headers))
    _error(client.get("/v1/cases/" + "A" * 36 + "/history", headers=anna.headers), 400)


def test_unknown_ids(world: World, client: TestClient, anna: Any) -> None:
    case = world.register(anna)
    ghost_case = str(uuid.uuid4())
    ghost_user = str(uuid.uuid4())
    _error(client.get(f"/v1/cases/{ghost_case}", headers=anna.headers), 404, "not_found")
    _error(client.get(f"/v1/cases/{ghost_case}/history", headers=anna.headers), 404, "not_found")
    _error(client.post(f"/v1/cases/{ghost_case}/members", json={"user_id": ghost_user, "grants": []},
                       headers=anna.headers), 400)
    from .conftest import grant

    g = grant(anna, case.case_id, 1, ghost_user, anna.secrets.exchange_public, case.keys[1])
    _error(client.post(f"/v1/cases/{ghost_case}/members", json={"user_id": ghost_user, "grants": [g]},
                       headers=anna.headers), 404, "not_found")
    _error(client.post(f"/v1/cases/{case.case_id}/members", json={"user_id": ghost_user, "grants": [g]},
                       headers=anna.headers), 404, "not_found")
    _error(client.post(f"/v1/cases/{case.case_id}/members/remove", json={"user_id": ghost_user, "grants": [g]},
                       headers=anna.headers), 404, "not_found")
    # Many states at once: only the caller's own cases come back; the others are left out, not named.
    r = client.post("/v1/case-states", json={"case_ids": [ghost_case, case.case_id]}, headers=anna.headers)
    assert r.status_code == 200 and [c["case_id"] for c in r.json()["cases"]] == [case.case_id]
    bert = world.user("bert")
    r = client.post("/v1/case-states", json={"case_ids": [case.case_id]}, headers=bert.headers)
    assert r.status_code == 200 and r.json()["cases"] == []
    for bad in ([], ["not-a-uuid"], [str(uuid.uuid4())] * (p.MAX_CASE_STATES + 1)):
        _error(client.post("/v1/case-states", json={"case_ids": bad}, headers=anna.headers), 400, "bad_request")
    # A push to an unknown case is a per-revision refusal, not an error for the batch.
    other = world.sealed(anna, case, {"n": 1})
    other["case_id"] = ghost_case
    assert world.push(anna, other)[0]["status"] == "rejected"


def test_oversized_bodies(client: TestClient, anna: Any) -> None:
    big = b"x" * (p.MAX_BODY_BYTES + 1)
    r = client.post("/v1/push", content=big, headers={**anna.headers, "Content-Type": "application/json"})
    _error(r, 413, "too_large")

    def chunks() -> Any:  # no Content-Length: counted while read
        for _ in range(p.MAX_BODY_BYTES // (1024 * 1024) + 1):
            yield b" " * (1024 * 1024)

    r = client.post("/v1/push", content=chunks(), headers={**anna.headers, "Content-Type": "application/json"})
    _error(r, 413, "too_large")
    _error(client.post("/v1/prelogin", content=big), 413, "too_large")


def test_unknown_routes_and_methods(client: TestClient, anna: Any) -> None:
    _error(client.get("/v1/nothing-here", headers=anna.headers), 404, "not_found")
    _error(client.get("/v1/push", headers=anna.headers))
    _error(client.delete("/v1/pull", headers=anna.headers))


def test_health_and_openapi(client: TestClient) -> None:
    assert client.get("/v1/health").json() == {"status": "ok"}
    spec = client.get("/openapi.json").json()
    assert "/v1/push" in spec["paths"] and "/v1/cases/{case_id}/members/remove" in spec["paths"]
