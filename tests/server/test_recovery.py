"""A forgotten passphrase, on the server: reset-user replaces (never revokes) the user's laptops,
enrolling again brings new keys for the same user id, and recover-user (a real subprocess, the key
from LEERRECHT_RECOVERY_KEY) wraps every case key again for the new keys, with a tag the server
could not have made. Each refusal changes nothing; the key never reaches disk, log or output."""

from __future__ import annotations

import base64
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from leerrecht_core import protocol as p
from leerrecht_core.crypto.keys import UserSecrets, WrappedKey, unwrap_case_key
from leerrecht_core.crypto.recovery import public_bytes, recovery_grant_key, verify_recovery_grant_tag
from leerrecht_server import admin
from leerrecht_server.tables import audit_log, devices, users

from .conftest import SERVER_BIN, Actor, World
from .test_cli import _all_text


def run_admin(db_url: str, *args: str, key: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "LEERRECHT_RECOVERY_KEY"}
    if key is not None:
        env["LEERRECHT_RECOVERY_KEY"] = key
    return subprocess.run([str(SERVER_BIN), "admin", "--db", db_url, *args], capture_output=True, text=True,
                          timeout=120, env=env, stdin=subprocess.DEVNULL)


@pytest.fixture
def live(start_server: Any, engine: sa.Engine) -> Iterator[World]:
    """The scripted client against a real `leerrecht-server serve` process."""
    server = start_server()
    with httpx.Client(base_url=server.url, timeout=30) as http:
        world = World(http, engine)
        world.server_log = server.log_path  # type: ignore[attr-defined]
        yield world


def enrol_again(world: World, actor: Actor, code: str, *, fresh_profile: bool = True) -> Actor:
    """The worker enrols with the new code and a new passphrase: new keys, and (on a fresh folder)
    a new local profile id, which the server overrides with its own."""
    local_id = str(uuid.uuid4()) if fresh_profile else actor.user_id
    again = Actor(actor.username, local_id, UserSecrets.generate(local_id), os.urandom(32), actor.team, actor.role)
    r = world.http.post("/v1/enrol", json=world.enrol_body(again, code, device_name="Laptop 2"))
    assert r.status_code == 200, r.text
    session = r.json()
    assert session["user"]["user_id"] == actor.user_id  # the server's id, whatever the body said
    again.user_id = session["user"]["user_id"]
    again.secrets = UserSecrets(again.user_id, again.secrets.exchange, again.secrets.signing, again.secrets.local_key)
    again.token, again.device_id = session["device_token"], session["device_id"]
    return again


def status_of(engine: sa.Engine, username: str) -> str:
    with engine.connect() as conn:
        return str(conn.execute(sa.select(users.c.status).where(users.c.username == username)).scalar_one())


def test_reset_replaces_laptops_which_may_still_push_and_nothing_else(world: World, engine: sa.Engine) -> None:
    anna = world.user("anna")
    case = world.register(anna)
    unsent = world.sealed(anna, case, {"text": "huisbezoek, nog niet verstuurd"})
    admin.reset_user(engine, "anna")
    assert status_of(engine, "anna") == "reset"
    with engine.connect() as conn:
        state, revoked_at = conn.execute(sa.select(devices.c.state, devices.c.revoked_at)).one()
    assert state == "replaced" and revoked_at is None
    # The old laptop delivers what it had not sent ...
    assert world.push(anna, unsent)[0]["status"] == "accepted"
    # ... and is told, for everything else, that it was replaced (it never wipes on that code).
    for r in (world.http.get("/v1/pull", headers=anna.headers), world.http.get("/v1/directory", headers=anna.headers),
              world.http.get(f"/v1/cases/{case.case_id}", headers=anna.headers)):
        assert r.status_code == 401 and r.json()["code"] == "device_replaced", r.text
    # A replaced laptop that is then revoked (it was lost after all) is revoked for everything.
    admin.revoke_device(engine, anna.device_id)
    r = world.http.post("/v1/push", json={"revisions": [world.sealed(anna, case, {"text": "x"})]},
                        headers=anna.headers)
    assert r.status_code == 401 and r.json()["code"] == "device_revoked"


def test_enrolling_again_keeps_the_user_id_and_retires_the_old_keys(world: World, engine: sa.Engine) -> None:
    anna = world.user("anna")
    bert = world.user("bert")
    case = world.register(anna, bert)
    old_signing = anna.secrets.signing_public
    code = admin.reset_user(engine, "anna")
    # Pushed after the reset by the *new* profile: the old outbox, signed by the old key.
    outbox = world.sealed(anna, case, {"text": "uit de oude outbox"})
    new = enrol_again(world, anna, code)
    assert status_of(engine, "anna") == "awaiting_recovery"
    entry = next(u for u in world.http.get("/v1/directory", headers=bert.headers).json()["users"]
                 if u["user_id"] == anna.user_id)
    assert base64.b64decode(entry["signing_public"]) == new.secrets.signing_public
    assert [base64.b64decode(k) for k in entry["former_signing_public"]] == [old_signing]
    assert world.push(new, outbox)[0]["status"] == "accepted"
    assert world.push(new, world.sealed(new, case, {"text": "met de nieuwe sleutel"}))[0]["status"] == "accepted"
    # A key that was never anna's is still refused.
    stranger = Actor("anna", anna.user_id, UserSecrets.generate(anna.user_id), b"", anna.team, anna.role,
                     token=new.token)
    assert world.push(new, world.sealed(stranger, case, {"text": "vals"}))[0]["status"] == "rejected"
    # Logging in with the new auth key works; the code is used up.
    r = world.http.post("/v1/login", json={"username": "anna", "auth_key": base64.b64encode(new.auth_key).decode(),
                                           "device_name": "Laptop 3"})
    assert r.status_code == 200 and r.json()["user"]["user_id"] == anna.user_id
    again = world.http.post("/v1/enrol", json=world.enrol_body(new, code))
    assert again.status_code == 403 and again.json()["code"] == "enrolment_invalid"


def test_recover_user_brings_back_every_case_key_for_the_new_keys(live: World, engine: sa.Engine, db_url: str,
                                                                 tmp_path: Path) -> None:
    world = live
    created = run_admin(db_url, "create-recovery-key")
    assert created.returncode == 0, created.stderr
    marker = created.stdout.strip().splitlines()[-1]
    world.recovery = X25519PrivateKey.from_private_bytes(bytes.fromhex(marker))
    anna = world.user("anna")
    bert = world.user("bert")
    first = world.register(anna)
    shared = world.register(bert, anna)
    world.push(anna, world.sealed(anna, shared, {"text": "voor de rotatie"}))
    carl = world.user("carl")
    assert world.add(bert, shared, carl).status_code == 200
    assert world.remove(bert, shared, carl, [bert, anna]).status_code == 200  # key version 2
    code = admin.reset_user(engine, "anna")
    new = enrol_again(world, anna, code)
    cursor = world.pull(new)["next_cursor"]

    r = run_admin(db_url, "recover-user", "anna", key=marker)
    assert r.returncode == 0, r.stderr
    assert "2 case(s) recovered" in r.stdout
    assert status_of(engine, "anna") == "active"
    recovery_public = public_bytes(world.recovery)
    tag_key = recovery_grant_key(new.secrets.exchange, recovery_public, new.user_id)
    for case in (first, shared):
        state = world.http.get(f"/v1/cases/{case.case_id}", headers=new.headers).json()
        assert {g["key_version"] for g in state["grants"]} == set(case.keys)
        for g in map(p.KeyGrant.model_validate, state["grants"]):
            assert g.granted_by == p.RECOVERY_GRANTER
            assert verify_recovery_grant_tag(tag_key, case.case_id, new.user_id, g.key_version, g.ephemeral_public,
                                             g.ciphertext, g.signature)
            opened = unwrap_case_key(WrappedKey(g.ephemeral_public, g.ciphertext), case.case_id, g.key_version,
                                     new.user_id, new.secrets.exchange)
            assert opened == case.keys[g.key_version]
    # The next sync hears of each case again, so the client fetches its state and whole history.
    page = world.pull(new, cursor)
    assert sorted((e["case_id"], e["action"]) for e in page["memberships"]) == \
        sorted([(first.case_id, "added"), (shared.case_id, "added")])
    history = world.http.get(f"/v1/cases/{shared.case_id}/history", headers=new.headers).json()["revisions"]
    assert len(history) == 1
    assert world.http.get(f"/v1/cases/{shared.case_id}", headers=bert.headers).json()["members"] == \
        sorted([anna.user_id, bert.user_id])
    with engine.connect() as conn:
        detail = conn.execute(sa.select(audit_log.c.detail).where(audit_log.c.action == "recover_user")).scalar_one()
    assert detail == "user anna cases 2 incomplete 0"
    # The private half is nowhere: not in the database (file, WAL), the server's log, or the output
    # (beyond create-recovery-key's own one line).
    _assert_nowhere(marker, engine, db_url, [world.server_log], [r.stdout, r.stderr])  # type: ignore[attr-defined]


def _assert_nowhere(marker: str, engine: sa.Engine, db_url: str, files: list[Path], texts: list[str]) -> None:
    raw = bytes.fromhex(marker)
    assert marker not in _all_text(engine) and raw.hex() not in _all_text(engine)
    if db_url.startswith("sqlite:///"):
        db = Path(db_url.removeprefix("sqlite:///"))
        files = [*files, *db.parent.glob(db.name + "*")]
    for path in files:
        data = path.read_bytes()
        assert raw not in data and marker.encode() not in data and marker.upper().encode() not in data, path
    for text in texts:
        assert marker not in text.lower()


def test_each_refusal_says_why_and_changes_nothing(world: World, engine: sa.Engine, db_url: str) -> None:
    old_key = admin.create_recovery_key(engine)
    current_key = admin.create_recovery_key(engine, replace=True)
    world.recovery = X25519PrivateKey.from_private_bytes(bytes.fromhex(current_key))
    anna = world.user("anna")
    world.register(anna)
    wrong = X25519PrivateKey.generate()
    from cryptography.hazmat.primitives import serialization

    wrong_hex = wrong.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                    serialization.NoEncryption()).hex()

    def refused(username: str, key: str, says: str) -> None:
        before = _all_text(engine)
        r = run_admin(db_url, "recover-user", username, key=key)
        lines = r.stderr.strip().splitlines()
        assert r.returncode == 1 and len(lines) == 1 and says in lines[0], r.stderr
        assert key not in r.stderr + r.stdout
        assert _all_text(engine) == before

    refused("anna", current_key, "nothing to recover")  # active: never reset
    refused("nobody", current_key, "no user 'nobody'")
    code = admin.reset_user(engine, "anna")
    refused("anna", current_key, "has not enrolled again yet")
    enrol_again(world, anna, code)
    refused("anna", wrong_hex, "wrong recovery key")
    refused("anna", old_key, "was replaced since")
    refused("anna", "not a key at all", "not a recovery key")
    refused("anna", current_key[:-2], "not a recovery key")
    # And with the right key it works (the refusals left it possible).
    ok = run_admin(db_url, "recover-user", "anna", key=current_key)
    assert ok.returncode == 0 and "1 case(s) recovered" in ok.stdout, ok.stderr


def test_a_case_older_than_the_recovery_key_is_named_not_silently_skipped(world: World, engine: sa.Engine,
                                                                          db_url: str) -> None:
    anna = world.user("anna")
    old_case = world.register(anna)  # no recovery key yet: no grant for it
    key = admin.create_recovery_key(engine)
    world.recovery = X25519PrivateKey.from_private_bytes(bytes.fromhex(key))
    world.register(anna)
    enrol_again(world, anna, admin.reset_user(engine, "anna"))
    r = run_admin(db_url, "recover-user", "anna", key=key)
    assert r.returncode == 0, r.stderr
    assert "1 case(s) recovered" in r.stdout and "1 case(s) only partly" in r.stdout
    assert old_case.case_id in r.stdout


def test_devices_report_app_version_and_unsent_changes(world: World, engine: sa.Engine, db_url: str) -> None:
    anna = world.user("anna")
    headers = {**anna.headers, p.CLIENT_VERSION_HEADER: "1.4.0", p.CLIENT_UNSENT_HEADER: "3"}
    assert world.http.get("/v1/pull", headers=headers).status_code == 200
    row = run_admin(db_url, "list-devices", "anna").stdout
    assert "app 1.4.0" in row and "unsent 3" in row and row.strip().endswith("active")
    # Implausible values are ignored, the request still served; the earlier values stay.
    for version, unsent in (("x" * 33, "-1"), ("1.4\x01", "10000001"), ("", "3.5"), ("ok", "１２")):
        bad = {**anna.headers, p.CLIENT_VERSION_HEADER: version, p.CLIENT_UNSENT_HEADER: unsent}
        if version == "ok":
            bad.pop(p.CLIENT_VERSION_HEADER)
        r = world.http.get("/v1/pull", headers={k: v.encode("utf-8") for k, v in bad.items()})
        assert r.status_code == 200
    with engine.connect() as conn:
        assert conn.execute(sa.select(devices.c.app_version, devices.c.unsent_reported)).one() == ("1.4.0", 3)
    # A replaced laptop's report at its last contact is kept too: what it still had unsent.
    admin.reset_user(engine, "anna")
    world.http.get("/v1/pull", headers={**anna.headers, p.CLIENT_UNSENT_HEADER: "2"})
    row = run_admin(db_url, "list-devices", "anna").stdout
    assert "unsent 2" in row and row.strip().endswith("replaced")


def test_recovery_kit_files_are_private_and_never_overwritten(engine: sa.Engine, db_url: str,
                                                             tmp_path: Path) -> None:
    from pypdf import PdfReader

    out = tmp_path / "herstelsleutel.txt"
    r = run_admin(db_url, "create-recovery-key", "--out", str(out))
    assert r.returncode == 0, r.stderr
    private = r.stdout.strip().splitlines()[-1]
    assert out.read_text().strip() == private
    pdf = Path(f"{out}.pdf")
    assert out.stat().st_mode & 0o777 == 0o600 and pdf.stat().st_mode & 0o777 == 0o600
    reader = PdfReader(str(pdf))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "herstelsleutel" in text and "recover-user" in text and "kluis" in text
    assert private[:8] in text.replace(" ", "")
    # The kit's key works: it is exactly the key the server has the public half of.
    from leerrecht_server.recovery import parse_recovery_key

    with engine.connect() as conn:
        from leerrecht_server.crud.org import recovery_public

        assert public_bytes(parse_recovery_key(out.read_text())) == recovery_public(conn)
    # Never over an existing file, and then no new key either.
    before = _all_text(engine)
    again = run_admin(db_url, "create-recovery-key", "--replace", "--out", str(out))
    assert again.returncode == 1 and "already exists" in again.stderr
    assert _all_text(engine) == before and out.read_text().strip() == private


def test_accounts_list_disable_and_move(world: World, engine: sa.Engine, db_url: str) -> None:
    anna = world.user("anna")
    bert = world.user("bert", role="coordinator")
    case = world.register(anna, bert)
    world.push(anna, world.sealed(anna, case, {"text": "blijft bewaard"}))
    world.pull(anna)
    listing = run_admin(db_url, "list-users").stdout.splitlines()
    assert listing[0].startswith("anna  netsterk  team 'Team Noord'  active  devices 1/1  last sync 20")
    r = run_admin(db_url, "disable-user", "anna")
    assert r.returncode == 0 and "1 laptop(s) revoked" in r.stdout, r.stderr
    assert world.http.get("/v1/pull", headers=anna.headers).json()["code"] == "device_revoked"
    login = world.http.post("/v1/login", json={"username": "anna", "device_name": "x",
                                               "auth_key": base64.b64encode(anna.auth_key).decode()})
    assert login.status_code == 401
    assert "anna  netsterk  team 'Team Noord'  disabled  devices 0/1" in run_admin(db_url, "list-users").stdout
    # History kept: her revision is still served to the case's other member; she is out of the directory,
    # and removing her from the case needs no key for her (nor for anyone she can no longer use it).
    assert len(world.http.get(f"/v1/cases/{case.case_id}/history", headers=bert.headers).json()["revisions"]) == 1
    assert [u["user_id"] for u in world.http.get("/v1/directory", headers=bert.headers).json()["users"]] == \
        [bert.user_id]
    assert world.remove(bert, case, anna, [bert]).status_code == 200
    # Moving a user to another team.
    admin.create_team(engine, "Team Zuid")
    r = run_admin(db_url, "move-user", "bert", "--team", "Team Zuid")
    assert r.returncode == 0, r.stderr
    assert "bert  coordinator  team 'Team Zuid'" in run_admin(db_url, "list-users").stdout
    for args, says in ((("move-user", "bert", "--team", "Team Zuid"), "already in team"),
                       (("move-user", "bert", "--team", "Nergens"), "no team"),
                       (("move-user", "nobody", "--team", "Team Zuid"), "no user"),
                       (("disable-user", "nobody"), "no user"), (("reset-user", "anna"), "is disabled")):
        bad = run_admin(db_url, *args)
        assert bad.returncode == 1 and says in bad.stderr, (args, bad.stderr)


def test_migration_0002_keeps_an_existing_database_meaningful(db_url: str) -> None:
    """A database of the first schema: a revoked laptop stays revoked, a user reset the old way (pending,
    profile id kept) becomes "reset", and every enrolled user's keys start the key history."""
    from leerrecht_server.db import migrate, open_engine
    from leerrecht_server.tables import user_keys

    engine = open_engine(db_url)
    try:
        migrate(engine, "0001")
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO teams VALUES ('t1', 'Team Noord', '2025-01-01')"))
            for name, uid, status in (("anna", "a" * 8 + "-0000-4000-8000-000000000001", "active"),
                                      ("bert", "b" * 8 + "-0000-4000-8000-000000000001", "pending"),
                                      ("carl", None, "pending")):
                conn.execute(sa.text(
                    "INSERT INTO users (username, display_name, role, team_id, user_id, exchange_public, "
                    "signing_public, status, created_at) VALUES (:n, :n, 'netsterk', 't1', :u, :x, :s, :st, "
                    "'2025-01-01')"), {"n": name, "u": uid, "x": b"x" * 32 if uid else None,
                                       "s": b"s" * 32 if uid else None, "st": status})
            conn.execute(sa.text("INSERT INTO devices (device_id, user_id, token_hash, name, created_at, revoked_at) "
                                 "VALUES ('d1', :u, 'h1', 'L1', '2025-01-01', '2025-02-01'), "
                                 "('d2', :u, 'h2', 'L2', '2025-01-01', NULL)"),
                         {"u": "a" * 8 + "-0000-4000-8000-000000000001"})
        migrate(engine)
        with engine.connect() as conn:
            assert dict(conn.execute(sa.select(devices.c.device_id, devices.c.state)).all()) == \
                {"d1": "revoked", "d2": "active"}
            assert dict(conn.execute(sa.select(users.c.username, users.c.status)).all()) == \
                {"anna": "active", "bert": "reset", "carl": "pending"}
            keys = conn.execute(sa.select(user_keys.c.signing_public, user_keys.c.retired_at)).all()
            assert sorted((bytes(k), r) for k, r in keys) == [(b"s" * 32, None), (b"s" * 32, None)]
    finally:
        engine.dispose()
