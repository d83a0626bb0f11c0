"""Enrolment, prelogin, login with its rate limit, device tokens and their revocation."""

from __future__ import annotations

import json
import os
import time
import uuid
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from leerrecht_core.crypto.keys import UserSecrets
from leerrecht_server import admin
from leerrecht_server.tables import devices, users

from .conftest import Actor, World


def _new_actor(username: str) -> Actor:
    user_id = str(uuid.uuid4())
    return Actor(username, user_id, UserSecrets.generate(user_id), os.urandom(32), "Team Noord", "netsterk")


def _login(client: TestClient, username: str, auth_key: bytes) -> Any:
    import base64

    return client.post("/v1/login", json={"username": username, "auth_key": base64.b64encode(auth_key).decode(),
                                          "device_name": "Laptop 2"})


def test_enrol_returns_a_session_and_stores_only_hashes(world: World, client: TestClient) -> None:
    code = world.code("anna")
    actor = _new_actor("anna")
    r = client.post("/v1/enrol", json=world.enrol_body(actor, code))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["user"]["user_id"] == actor.user_id
    assert body["user"]["team_name"] == "Team Noord"
    token = body["device_token"]
    with world.engine.connect() as conn:
        u = conn.execute(sa.select(users).where(users.c.username == "anna")).one()
        d = conn.execute(sa.select(devices)).one()
    assert u.enrolment_code_hash is None  # single use
    assert actor.auth_key not in bytes(u.auth_hash)
    assert token not in d.token_hash and code not in str(u)
    assert client.get("/v1/directory", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_enrol_refuses_bad_expired_and_reused_codes(world: World, client: TestClient) -> None:
    code = world.code("anna")
    actor = _new_actor("anna")
    bad = client.post("/v1/enrol", json=world.enrol_body(actor, "AAAAA-BBBBB-CCCCC-DDDDD"))
    assert bad.status_code == 403 and bad.json()["code"] == "enrolment_invalid"
    unknown_user = client.post("/v1/enrol", json=world.enrol_body(_new_actor("nobody"), code))
    assert unknown_user.json()["code"] == "enrolment_invalid"
    assert client.post("/v1/enrol", json=world.enrol_body(actor, code.lower())).status_code == 200  # case-blind
    reused = client.post("/v1/enrol", json=world.enrol_body(_new_actor("anna"), code))
    assert reused.status_code == 403 and reused.json()["code"] == "enrolment_invalid"

    expired_code = world.code("bert")
    with world.engine.begin() as conn:
        conn.execute(users.update().where(users.c.username == "bert").values(enrolment_expires=time.time() - 1))
    expired = client.post("/v1/enrol", json=world.enrol_body(_new_actor("bert"), expired_code))
    assert expired.status_code == 403 and expired.json()["code"] == "enrolment_invalid"


def test_enrol_refuses_a_profile_id_already_in_use(world: World, client: TestClient) -> None:
    anna = world.user("anna")
    code = world.code("bert")
    clash = _new_actor("bert")
    clash.user_id = anna.user_id
    r = client.post("/v1/enrol", json=world.enrol_body(clash, code))
    assert r.status_code == 409 and r.json()["code"] == "conflict"


def test_prelogin_does_not_reveal_which_users_exist(world: World, client: TestClient) -> None:
    anna = world.user("anna")
    world.code("pending-user")  # created, not enrolled yet
    real = client.post("/v1/prelogin", json={"username": "anna"}).json()["kdf"]
    with world.engine.connect() as conn:
        stored = conn.execute(sa.select(users.c.kdf).where(users.c.username == anna.username)).scalar_one()
    assert real == json.loads(stored)  # an enrolled user gets the real parameters
    ghost1 = client.post("/v1/prelogin", json={"username": "ghost"}).json()["kdf"]
    ghost2 = client.post("/v1/prelogin", json={"username": "ghost"}).json()["kdf"]
    pending = client.post("/v1/prelogin", json={"username": "pending-user"}).json()["kdf"]
    other = client.post("/v1/prelogin", json={"username": "ghost2"}).json()["kdf"]
    assert ghost1 == ghost2  # stable: asking twice doesn't expose a decoy
    assert ghost1["salt"] != other["salt"] and ghost1["salt"] != pending["salt"]
    # Same shape and the same cost parameters as a real (test-profile) user.
    assert set(ghost1) == set(real)
    assert {k: ghost1[k] for k in ("memory_kib", "iterations", "lanes")} == \
        {k: real[k] for k in ("memory_kib", "iterations", "lanes")}


def test_login_gives_a_new_device(world: World, client: TestClient) -> None:
    anna = world.user("anna")
    r = _login(client, "anna", anna.auth_key)
    assert r.status_code == 200, r.text
    assert r.json()["device_id"] != anna.device_id
    assert r.json()["wrapped_secrets"]
    wrong = _login(client, "anna", os.urandom(32))
    assert wrong.status_code == 401 and wrong.json()["code"] == "unauthorized"
    unknown = _login(client, "ghost", os.urandom(32))
    assert unknown.status_code == 401 and unknown.json() == wrong.json()


def test_login_is_rate_limited_per_user_name(world: World, client: TestClient) -> None:
    anna = world.user("anna")
    for _ in range(5):
        assert _login(client, "anna", os.urandom(32)).status_code == 401
    limited = _login(client, "anna", anna.auth_key)  # even the right key waits now
    assert limited.status_code == 429 and limited.json()["code"] == "rate_limited"
    bert = world.user("bert")
    assert _login(client, "bert", bert.auth_key).status_code == 200  # another user is not affected


def test_login_is_rate_limited_per_client_address(world: World, client: TestClient) -> None:
    anna = world.user("anna")
    for i in range(20):  # many names from one address
        assert _login(client, f"guess{i}", os.urandom(32)).status_code == 401
    assert _login(client, "anna", anna.auth_key).json()["code"] == "rate_limited"


def test_tokens_are_checked_and_revocation_says_so(world: World, client: TestClient) -> None:
    anna = world.user("anna")
    assert client.get("/v1/directory").json()["code"] == "unauthorized"
    assert client.get("/v1/directory", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.get("/v1/directory", headers={"Authorization": "Basic abc"}).status_code == 401
    admin.revoke_device(world.engine, anna.device_id)
    for r in (client.get("/v1/directory", headers=anna.headers),
              client.get("/v1/pull", headers=anna.headers),
              client.post("/v1/push", json={"revisions": []}, headers=anna.headers)):
        assert r.status_code == 401 and r.json()["code"] == "device_revoked"


def test_reset_user_replaces_devices_and_allows_re_enrolment(world: World, client: TestClient) -> None:
    anna = world.user("anna")
    code = admin.reset_user(world.engine, "anna")
    # Replaced, not revoked: the laptop is told so and never wipes (tests/server/test_recovery.py).
    assert client.get("/v1/directory", headers=anna.headers).json()["code"] == "device_replaced"
    assert _login(client, "anna", anna.auth_key).status_code == 401
    anna.auth_key = os.urandom(32)
    r = client.post("/v1/enrol", json=world.enrol_body(anna, code))
    assert r.status_code == 200, r.text
    assert _login(client, "anna", anna.auth_key).status_code == 200


def test_passphrase_change_replaces_the_auth_key(world: World, client: TestClient) -> None:
    import base64

    anna = world.user("anna")
    new_key = os.urandom(32)
    body = {"kdf": world.enrol_body(anna, "x")["kdf"], "auth_key": base64.b64encode(new_key).decode(),
            "wrapped_secrets": base64.b64encode(os.urandom(60)).decode(),
            "old_auth_key": base64.b64encode(anna.auth_key).decode()}
    assert client.post("/v1/account/passphrase", json=body, headers=anna.headers).status_code == 204
    assert _login(client, "anna", anna.auth_key).status_code == 401
    assert _login(client, "anna", new_key).status_code == 200
    assert client.get("/v1/directory", headers=anna.headers).status_code == 200  # the caller keeps working


def test_directory_lists_only_the_callers_team(world: World, client: TestClient) -> None:
    anna = world.user("anna")
    world.user("bert")
    world.user("zoe", team="Team Zuid")
    world.recovery_key()
    d = client.get("/v1/directory", headers=anna.headers).json()
    assert sorted(u["display_name"] for u in d["users"]) == ["Fictief anna", "Fictief bert"]
    assert d["recovery_public"]
