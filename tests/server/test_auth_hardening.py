"""Issue 12, findings 2 and 3: a device token alone never changes the passphrase; a passphrase change
retires every other token of the account; revoking a device revokes the tokens minted from it; the
KDF floor is the client's; the login and enrolment limits hold under concurrency, across server
processes, and wrong enrolment codes from one address never lock the real user out of another."""

from __future__ import annotations

import base64
import os
import threading
import uuid
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from leerrecht_core.crypto.kdf import KdfParams
from leerrecht_core.crypto.keys import UserSecrets
from leerrecht_server import admin
from leerrecht_server.app import create_app
from leerrecht_server.core.config import Settings
from leerrecht_server.tables import audit_log, auth_throttle, devices, users

from .conftest import Actor, World


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _kdf(**overrides: Any) -> dict[str, Any]:
    return {**KdfParams.minimum().to_json(), **overrides}


def _change_body(new_key: bytes, old_key: bytes | None, **kdf: Any) -> dict[str, Any]:
    body = {"kdf": _kdf(**kdf), "auth_key": _b64(new_key), "wrapped_secrets": _b64(os.urandom(60))}
    if old_key is not None:
        body["old_auth_key"] = _b64(old_key)
    return body


def _actor(username: str) -> Actor:
    user_id = str(uuid.uuid4())
    return Actor(username, user_id, UserSecrets.generate(user_id), os.urandom(32), "Team Noord", "netsterk")


def _login(http: Any, username: str, auth_key: bytes) -> Any:
    return http.post("/v1/login", json={"username": username, "auth_key": _b64(auth_key), "device_name": "Laptop 2"})


def _session(http: Any, username: str, auth_key: bytes) -> dict[str, str]:
    r = _login(http, username, auth_key)
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['device_token']}", "device_id": r.json()["device_id"]}


def _headers(session: dict[str, str]) -> dict[str, str]:
    return {"Authorization": session["Authorization"]}


def _code_of(client: TestClient, headers: dict[str, str]) -> str:
    r = client.get("/v1/directory", headers=headers)
    return "ok" if r.status_code == 200 else str(r.json()["code"])


# -- finding 2: the passphrase change ----------------------------------------------------------------


def test_a_stolen_token_alone_cannot_change_the_passphrase(world: World, client: TestClient) -> None:
    anna = world.user("anna")
    attacker_key = os.urandom(32)
    for proof in (None, os.urandom(32)):  # no proof, a guessed one
        r = client.post("/v1/account/passphrase", json=_change_body(attacker_key, proof), headers=anna.headers)
        assert r.status_code == 403 and r.json()["code"] == "passphrase_proof_invalid", r.text
        assert "old passphrase" in r.json()["detail"]
    # Nothing changed: the attacker's key logs in nowhere, the real one still does.
    assert _login(client, "anna", attacker_key).status_code == 401
    assert _login(client, "anna", anna.auth_key).status_code == 200
    with world.engine.connect() as conn:
        refused = conn.execute(sa.select(sa.func.count()).select_from(audit_log)
                               .where(audit_log.c.action == "passphrase_change_refused")).scalar_one()
    assert refused == 2


def test_wrong_proofs_are_limited_per_device_before_the_hash(world: World, client: TestClient) -> None:
    anna = world.user("anna")
    other = _session(client, "anna", anna.auth_key)
    for _ in range(5):
        r = client.post("/v1/account/passphrase", json=_change_body(os.urandom(32), os.urandom(32)),
                        headers=anna.headers)
        assert r.status_code == 403
    limited = client.post("/v1/account/passphrase", json=_change_body(os.urandom(32), anna.auth_key),
                          headers=anna.headers)
    assert limited.status_code == 429 and limited.json()["code"] == "rate_limited"
    # The user's other laptop is not locked out by what a stolen token tried.
    new_key = os.urandom(32)
    r = client.post("/v1/account/passphrase", json=_change_body(new_key, anna.auth_key), headers=_headers(other))
    assert r.status_code == 204, r.text


def test_a_passphrase_change_retires_every_other_token_of_the_account(world: World, client: TestClient) -> None:
    anna = world.user("anna")
    bert = world.user("bert")
    second = _session(client, "anna", anna.auth_key)
    stolen = _session(client, "anna", anna.auth_key)
    new_key = os.urandom(32)
    r = client.post("/v1/account/passphrase", json=_change_body(new_key, anna.auth_key), headers=_headers(second))
    assert r.status_code == 204, r.text
    assert _code_of(client, _headers(second)) == "ok"  # the caller keeps working
    # Every other token stops: replaced (it may still push what it had not sent; it never wipes).
    assert _code_of(client, anna.headers) == "device_replaced"
    assert _code_of(client, _headers(stolen)) == "device_replaced"
    assert client.get("/v1/pull", headers=_headers(stolen)).json()["code"] == "device_replaced"
    assert _code_of(client, bert.headers) == "ok"  # another account is untouched
    # The replaced token can't change it back either: it would need the new key, and answers replaced.
    back = client.post("/v1/account/passphrase", json=_change_body(anna.auth_key, new_key), headers=anna.headers)
    assert back.status_code == 401 and back.json()["code"] == "device_replaced"
    assert _login(client, "anna", new_key).status_code == 200


def test_a_stale_laptops_change_after_anothers_changes_nothing(world: World, client: TestClient) -> None:
    anna = world.user("anna")
    second = _session(client, "anna", anna.auth_key)
    first_key, second_key = os.urandom(32), os.urandom(32)
    assert client.post("/v1/account/passphrase", json=_change_body(first_key, anna.auth_key),
                       headers=anna.headers).status_code == 204
    # The second laptop is replaced by the first change: its stale proof changes nothing.
    late = client.post("/v1/account/passphrase", json=_change_body(second_key, anna.auth_key),
                       headers=_headers(second))
    assert late.status_code == 401
    assert _login(client, "anna", second_key).status_code == 401
    assert _login(client, "anna", first_key).status_code == 200


def test_revoking_a_device_revokes_the_tokens_minted_from_it(world: World, client: TestClient) -> None:
    anna = world.user("anna")
    # A token minted from anna's laptop: its passphrase change set the key a later login used...
    key1 = os.urandom(32)
    assert client.post("/v1/account/passphrase", json=_change_body(key1, anna.auth_key),
                       headers=anna.headers).status_code == 204
    minted = _session(client, "anna", key1)
    # ...and one minted from that one in turn.
    key2 = os.urandom(32)
    assert client.post("/v1/account/passphrase", json=_change_body(key2, key1),
                       headers=_headers(minted)).status_code == 204
    grandchild = _session(client, "anna", key2)
    assert _code_of(client, _headers(grandchild)) == "ok"
    # The original laptop was replaced by the second change; revoking it still reaches down the line.
    also = admin.revoke_device(world.engine, anna.device_id)
    assert set(also) == {minted["device_id"], grandchild["device_id"]}
    for session in (minted, grandchild):
        assert _code_of(client, _headers(session)) == "device_revoked"
        assert client.get("/v1/pull", headers=_headers(session)).json()["code"] == "device_revoked"
    # The key a revoked device's line set no longer mints anything: the admin resets the user.
    assert _login(client, "anna", key2).status_code == 401
    with world.engine.connect() as conn:
        detail = conn.execute(sa.select(audit_log.c.detail).where(audit_log.c.action == "revoke_device")).scalar_one()
    assert minted["device_id"] in detail and grandchild["device_id"] in detail


def test_revoking_a_device_leaves_logins_with_the_enrolled_key_alone(world: World, client: TestClient) -> None:
    bert = world.user("bert")
    # A login with the key the enrolment set is vouched for by the admin's code, not by a device.
    other = _session(client, "bert", bert.auth_key)
    assert admin.revoke_device(world.engine, bert.device_id) == []
    assert _code_of(client, bert.headers) == "device_revoked"
    assert _code_of(client, _headers(other)) == "ok"
    assert _login(client, "bert", bert.auth_key).status_code == 200
    with world.engine.connect() as conn:
        minted = conn.execute(sa.select(devices.c.minted_by).where(devices.c.device_id == other["device_id"]))
        assert minted.scalar_one() is None


def test_the_server_refuses_kdf_parameters_below_the_clients_floor(world: World, client: TestClient) -> None:
    weak = {"memory_kib": 19 * 1024, "iterations": 1}  # in the wire format's range, below the client's floor
    assert not KdfParams(salt=os.urandom(16), lanes=1, **weak).meets_minimum()
    code = world.code("anna")
    actor = _actor("anna")
    r = client.post("/v1/enrol", json=world.enrol_body(actor, code, kdf=_kdf(**weak)))
    assert r.status_code == 422 and r.json()["code"] == "bad_request", r.text
    assert "minimum" in r.json()["detail"]
    with world.engine.connect() as conn:
        assert conn.execute(sa.select(users.c.status).where(users.c.username == "anna")).scalar_one() == "pending"
    # The code was not spent on it: the same code enrols with sound parameters.
    ok = client.post("/v1/enrol", json=world.enrol_body(actor, code, kdf=_kdf(memory_kib=46 * 1024, iterations=1)))
    assert ok.status_code == 200, ok.text
    actor.token = ok.json()["device_token"]
    r = client.post("/v1/account/passphrase", json=_change_body(os.urandom(32), actor.auth_key, **weak),
                    headers=actor.headers)
    assert r.status_code == 422 and r.json()["code"] == "bad_request"
    assert _login(client, "anna", actor.auth_key).status_code == 200  # unchanged


# -- finding 3: limits that hold ---------------------------------------------------------------------


def test_wrong_codes_from_one_address_do_not_lock_out_the_real_user(db_url: str, engine: sa.Engine) -> None:
    app = create_app(db_url, settings=Settings(), engine=engine)
    with TestClient(app, client=("198.51.100.7", 5000)) as guesser, \
            TestClient(app, client=("192.0.2.44", 5000)) as real:
        world = World(guesser, engine)
        code = world.code("anna")
        actor = _actor("anna")
        for _ in range(5):
            r = guesser.post("/v1/enrol", json=world.enrol_body(actor, "AAAAA-BBBBB-CCCCC-DDDDD"))
            assert r.status_code == 403 and r.json()["code"] == "enrolment_invalid"
        # The guessing address is stopped, even with the right code...
        limited = guesser.post("/v1/enrol", json=world.enrol_body(actor, code))
        assert limited.status_code == 429 and limited.json()["code"] == "rate_limited"
        # ...and the real user, from their own address, enrols.
        r = real.post("/v1/enrol", json=world.enrol_body(actor, code))
        assert r.status_code == 200, r.text
        with engine.connect() as conn:
            keys = conn.execute(sa.select(auth_throttle.c.key_hash)).scalars().all()
    # The counters name neither user nor address.
    assert keys and all("anna" not in k and "198.51" not in k for k in keys)


def test_a_counter_starts_again_after_its_window_and_stale_ones_are_pruned(engine: sa.Engine) -> None:
    from leerrecht_server.crud import auth as crud
    from leerrecht_server.db import write_transaction

    def take(key: str, limit: int = 2) -> bool:
        with write_transaction(engine) as conn:
            return crud.take_attempt(conn, [crud.Limit(key, limit)], 900)

    assert [take("a"), take("a"), take("a")] == [True, True, False]
    assert take("b")
    with engine.begin() as conn:  # a's window is over; b's is long over
        conn.execute(auth_throttle.update().where(auth_throttle.c.key_hash == "a").values(window_start=0.5e9))
        conn.execute(auth_throttle.update().where(auth_throttle.c.key_hash == "b").values(window_start=0.0))
    assert take("a")  # counted from 1 again, in a new window
    with engine.connect() as conn:
        rows = dict(conn.execute(sa.select(auth_throttle.c.key_hash, auth_throttle.c.hits)).all())
    assert rows == {"a": 1}  # b was pruned
    # Both limits of one attempt, or neither: a used-up second key takes nothing from the first.
    with write_transaction(engine) as conn:
        assert not crud.take_attempt(conn, [crud.Limit("c", 5), crud.Limit("a", 1)], 900)
        conn.rollback()
    with engine.connect() as conn:
        assert conn.execute(sa.select(auth_throttle.c.hits).where(auth_throttle.c.key_hash == "c")).first() is None


def _hammer(urls: list[str], n: int, request: Any) -> list[int]:
    """`n` requests at once (threads released together), spread over the servers in `urls`."""
    barrier = threading.Barrier(n)
    statuses: list[int] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        with httpx.Client(base_url=urls[i % len(urls)], timeout=120) as http:
            barrier.wait()
            status = request(http, i).status_code
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses


def _audited(engine: sa.Engine, action: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(audit_log)
                                .where(audit_log.c.action == action)).scalar_one())


@pytest.mark.slow
def test_concurrent_wrong_logins_never_get_more_hashes_than_the_limit(db_url: str, engine: sa.Engine,
                                                                       start_server: Any) -> None:
    servers = [start_server(), start_server()]  # two processes over one database
    with httpx.Client(base_url=servers[0].url, timeout=30) as http:
        world = World(http, engine)
        anna = world.user("anna")
        pending_code = world.code("bert")
    bert = _actor("bert")
    urls = [s.url for s in servers]

    statuses = _hammer(urls, 40, lambda http, _i: _login(http, "anna", os.urandom(32)))
    evaluated = statuses.count(401)  # each 401 is one Argon2id evaluation; a 429 comes before any
    assert set(statuses) <= {401, 429} and statuses.count(429) == 40 - evaluated
    assert 1 <= evaluated <= 5, statuses
    assert _audited(engine, "login_failed") == evaluated
    with httpx.Client(base_url=urls[1], timeout=30) as http:
        assert _login(http, "anna", anna.auth_key).status_code == 429  # still limited, even the right key

    wrong = world.enrol_body(bert, "AAAAA-BBBBB-CCCCC-DDDDD")
    statuses = _hammer(urls, 40, lambda http, _i: http.post("/v1/enrol", json=wrong))
    assert set(statuses) <= {403, 429} and 1 <= statuses.count(403) <= 5, statuses
    assert _audited(engine, "enrol_failed") == statuses.count(403)
    with httpx.Client(base_url=urls[0], timeout=30) as http:
        assert http.post("/v1/enrol", json=world.enrol_body(bert, pending_code)).status_code == 429


def test_migration_0003_over_a_0002_database(db_url: str) -> None:
    """Existing users and devices keep working: no lineage yet, the old attempt rows are gone."""
    from leerrecht_server.db import migrate, open_engine

    engine = open_engine(db_url)
    try:
        migrate(engine, "0002")
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO login_attempts (username, ip, at) VALUES ('anna', '192.0.2.1', 1.0)"))
            conn.execute(sa.text("INSERT INTO devices (device_id, user_id, token_hash, name, created_at, state) "
                                 "VALUES ('d1', 'u1', 'h1', 'L1', '2025-01-01', 'active')"))
        migrate(engine)
        with engine.connect() as conn:
            assert conn.execute(sa.select(devices.c.device_id, devices.c.minted_by)).all() == [("d1", None)]
            assert not sa.inspect(conn).has_table("login_attempts")
            assert conn.execute(sa.select(sa.func.count()).select_from(auth_throttle)).scalar_one() == 0
        from alembic import command
        from alembic.config import Config

        from leerrecht_server.db import MIGRATIONS_DIR, write_transaction

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        with write_transaction(engine) as conn:  # and back
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0002")
        with engine.connect() as conn:
            assert sa.inspect(conn).has_table("login_attempts") and not sa.inspect(conn).has_table("auth_throttle")
    finally:
        engine.dispose()
