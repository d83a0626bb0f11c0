"""Server test fixtures: a fresh database per test, on SQLite and on PostgreSQL, and a small
scripted client (`World`) that enrols users, registers cases and seals fictitious records.

PostgreSQL: LEERRECHT_TEST_PG_URL, default postgresql+psycopg://leerrecht:leerrecht@127.0.0.1:5432/leerrecht_test
(scripts/start-test-postgres.sh creates it). Each test gets its own schema, dropped afterwards."""

from __future__ import annotations

import base64
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from leerrecht_core import protocol as p
from leerrecht_core.crypto.kdf import KdfParams
from leerrecht_core.crypto.keys import UserSecrets, new_case_key, wrap_case_key
from leerrecht_core.crypto.records import RecordHeader, seal
from leerrecht_server import admin
from leerrecht_server.app import create_app
from leerrecht_server.core.config import Settings
from leerrecht_server.db import migrate, open_engine

PG_DEFAULT = "postgresql+psycopg://leerrecht:leerrecht@127.0.0.1:5432/leerrecht_test"
PG_URL = os.environ.get("LEERRECHT_TEST_PG_URL", PG_DEFAULT)
SERVER_BIN = Path(sys.executable).parent / "leerrecht-server"


def _pg_admin_url() -> sa.URL:
    return make_url(PG_URL)


def pg_schema() -> Iterator[str]:
    """A PostgreSQL URL whose connections (also a server subprocess's) work in a schema of their own,
    dropped afterwards; skips the test when PostgreSQL is not reachable. A generator for a fixture."""
    url = _pg_admin_url()
    try:
        engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception:
        pytest.skip(f"PostgreSQL not reachable at {url.render_as_string(hide_password=True)}: "
                    "start it with pg_ctlcluster 15 main start (scripts/start-test-postgres.sh)")
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    yield url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'server.sqlite3'}"
        return
    yield from pg_schema()


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    eng = open_engine(db_url)
    migrate(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def client(db_url: str, engine: sa.Engine) -> Iterator[TestClient]:
    with TestClient(create_app(db_url, settings=Settings(), engine=engine)) as tc:
        yield tc


@dataclass
class Actor:
    username: str
    user_id: str
    secrets: UserSecrets
    auth_key: bytes
    team: str
    role: str
    token: str = ""
    device_id: str = ""

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Case:
    case_id: str
    keys: dict[int, bytes] = field(default_factory=dict)

    @property
    def key_version(self) -> int:
        return max(self.keys)


def grant(granter: Actor, case_id: str, key_version: int, recipient_id: str, recipient_public: bytes,
          case_key: bytes) -> dict[str, Any]:
    wrapped = wrap_case_key(case_key, case_id, key_version, recipient_id, recipient_public)
    sig = granter.secrets.signing.sign(p.grant_message(case_id, recipient_id, key_version,
                                                       wrapped.ephemeral_public, wrapped.ciphertext))
    return p.KeyGrant(recipient_id=recipient_id, key_version=key_version, ephemeral_public=wrapped.ephemeral_public,
                      ciphertext=wrapped.ciphertext, granted_by=granter.user_id,
                      signature=sig).model_dump(mode="json")


class World:
    """Drives the API like a client would; `http` is a TestClient or an httpx.Client on a real server."""

    def __init__(self, http: Any, engine: sa.Engine) -> None:
        self.http = http
        self.engine = engine
        self.teams: set[str] = set()
        self.recovery: X25519PrivateKey | None = None

    def recovery_key(self) -> None:
        self.recovery = X25519PrivateKey.from_private_bytes(bytes.fromhex(admin.create_recovery_key(self.engine)))

    def code(self, username: str, role: str = "netsterk", team: str = "Team Noord") -> str:
        if team not in self.teams:
            admin.create_team(self.engine, team)
            self.teams.add(team)
        return admin.create_user(self.engine, username, role, team)

    def enrol_body(self, actor: Actor, code: str, **overrides: Any) -> dict[str, Any]:
        body = p.EnrolRequest(
            username=actor.username, enrolment_code=code, user_id=actor.user_id,
            display_name=f"Fictief {actor.username}",
            kdf=p.KdfJson.model_validate(KdfParams.minimum().to_json()), auth_key=actor.auth_key,
            exchange_public=actor.secrets.exchange_public, signing_public=actor.secrets.signing_public,
            wrapped_secrets=actor.secrets.wrap(os.urandom(32)), device_name="Laptop 1").model_dump(mode="json")
        body.update(overrides)
        return body

    def user(self, username: str, role: str = "netsterk", team: str = "Team Noord") -> Actor:
        code = self.code(username, role, team)
        user_id = str(uuid.uuid4())
        actor = Actor(username, user_id, UserSecrets.generate(user_id), os.urandom(32), team, role)
        r = self.http.post("/v1/enrol", json=self.enrol_body(actor, code))
        assert r.status_code == 200, r.text
        actor.token, actor.device_id = r.json()["device_token"], r.json()["device_id"]
        return actor

    def register(self, owner: Actor, *others: Actor) -> Case:
        case = Case(str(uuid.uuid4()), {1: new_case_key()})
        grants = [grant(owner, case.case_id, 1, a.user_id, a.secrets.exchange_public, case.keys[1])
                  for a in (owner, *others)]
        if self.recovery is not None:
            grants.append(grant(owner, case.case_id, 1, p.RECOVERY_RECIPIENT, _x_pub(self.recovery), case.keys[1]))
        r = self.http.post("/v1/cases", json={"case_id": case.case_id, "grants": grants}, headers=owner.headers)
        assert r.status_code == 200, r.text
        return case

    def add(self, by: Actor, case: Case, who: Actor) -> httpx.Response:
        grants = [grant(by, case.case_id, v, who.user_id, who.secrets.exchange_public, k) for v, k in case.keys.items()]
        return self.http.post(f"/v1/cases/{case.case_id}/members", json={"user_id": who.user_id, "grants": grants},
                              headers=by.headers)

    def remove(self, by: Actor, case: Case, who: Actor, remaining: list[Actor]) -> httpx.Response:
        version = case.key_version + 1
        key = new_case_key()
        grants = [grant(by, case.case_id, version, a.user_id, a.secrets.exchange_public, key) for a in remaining]
        if self.recovery is not None:
            grants.append(grant(by, case.case_id, version, p.RECOVERY_RECIPIENT, _x_pub(self.recovery), key))
        r = self.http.post(f"/v1/cases/{case.case_id}/members/remove", json={"user_id": who.user_id, "grants": grants},
                           headers=by.headers)
        if r.status_code == 200:
            case.keys[version] = key
        return r

    def attachment(self, author: Actor, case: Case, data: bytes, *, complete: bool = True) -> str:
        """Seal `data` as an attachment of `case` by `author` and upload it (its manifest too, unless not
        `complete`); returns its id."""
        import io

        from leerrecht_core.crypto.attachments import AttachmentHeader, AttachmentMeta, SealedChunk, seal_attachment

        header = AttachmentHeader(str(uuid.uuid4()), case.case_id, case.key_version, author.user_id)
        chunks: list[SealedChunk] = []
        sealed = seal_attachment(header, AttachmentMeta("scan.png", "Fictief", "image/png", "2025-02-03T10:00:00"),
                                 io.BytesIO(data), len(data), case.keys[case.key_version], author.secrets.signing,
                                 chunks.append)
        begin = {"attachment_id": header.attachment_id, "case_id": case.case_id, "key_version": case.key_version,
                 "author_id": author.user_id, "chunk_count": len(chunks),
                 "sealed_size": sum(len(c.nonce) + len(c.ciphertext) for c in chunks)}
        r = self.http.post("/v1/attachments", json=begin, headers=author.headers)
        assert r.status_code == 200, r.text
        for chunk in chunks:
            r = self.http.put(f"/v1/attachments/{header.attachment_id}/chunks/{chunk.index}",
                              content=chunk.nonce + chunk.ciphertext, headers=author.headers)
            assert r.status_code == 204, r.text
        if complete:
            body = {"nonce": _b64(sealed.nonce), "sealed_manifest": _b64(sealed.ciphertext),
                    "signature": _b64(sealed.signature)}
            r = self.http.post(f"/v1/attachments/{header.attachment_id}/manifest", json=body, headers=author.headers)
            assert r.status_code == 200 and r.json()["complete"], r.text
        return header.attachment_id

    def sealed(self, author: Actor, case: Case, payload: dict[str, Any], *, record_id: str | None = None,
               revision: int = 1, base: int | None = None, key_version: int | None = None,
               kind: p.Kind = "note") -> dict[str, Any]:
        kv = key_version or case.key_version
        header = RecordHeader(record_id=record_id or str(uuid.uuid4()), revision_id=str(uuid.uuid4()),
                              case_id=case.case_id, kind=kind, revision=revision, base_revision=base,
                              author_id=author.user_id, key_version=kv)
        rec = seal(header, payload, case.keys.get(kv, case.keys[case.key_version]), author.secrets.signing)
        return p.WireRevision(revision_id=header.revision_id, record_id=header.record_id, case_id=header.case_id,
                              kind=kind, revision=revision, base_revision=base, author_id=author.user_id,
                              key_version=kv, nonce=rec.nonce, ciphertext=rec.ciphertext,
                              signature=rec.signature).model_dump(mode="json", exclude={"seq"})

    def push(self, actor: Actor, *revs: dict[str, Any]) -> list[dict[str, Any]]:
        r = self.http.post("/v1/push", json={"revisions": list(revs)}, headers=actor.headers)
        assert r.status_code == 200, r.text
        results: list[dict[str, Any]] = r.json()["results"]
        return results

    def pull(self, actor: Actor, after: int = 0, limit: int = 1000) -> dict[str, Any]:
        r = self.http.get("/v1/pull", params={"after": after, "limit": limit}, headers=actor.headers)
        assert r.status_code == 200, r.text
        page: dict[str, Any] = r.json()
        return page

    def pull_all(self, actor: Actor, after: int = 0, limit: int = 1000) -> tuple[list[dict[str, Any]], int]:
        revs: list[dict[str, Any]] = []
        while True:
            page = self.pull(actor, after, limit)
            revs += page["revisions"]
            after = page["next_cursor"]
            if not page["more"]:
                return revs, after


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _x_pub(key: X25519PrivateKey) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


@pytest.fixture
def world(client: TestClient, engine: sa.Engine) -> World:
    return World(client, engine)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerProcess:
    """A real `leerrecht-server serve` on a free loopback port."""

    def __init__(self, db_url: str, log: Path, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log
        self._log = log.open("wb")
        self.proc = subprocess.Popen(
            [str(SERVER_BIN), "serve", "--db", db_url, "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=self._log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {log.read_text(errors='replace')[-2000:]}")
            try:
                if httpx.get(f"{self.url}/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("server did not start")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


@pytest.fixture
def start_server(db_url: str, engine: sa.Engine, tmp_path: Path) -> Iterator[Any]:
    started: list[ServerProcess] = []

    def start(env: dict[str, str] | None = None) -> ServerProcess:
        server = ServerProcess(db_url, tmp_path / f"server{len(started)}.log", env)
        started.append(server)
        return server

    yield start
    for s in started:
        s.stop()
