"""The HTTP API (FastAPI), exactly as leerrecht_core.protocol describes it.

Handlers are plain `def`s: FastAPI runs them in its thread pool, and SQLAlchemy Core is synchronous.
Every write is one transaction: a request either happens completely or not at all. The server
checks headers, membership and signatures; it never holds a key that opens a record."""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path as FsPath
from typing import Annotated, Any

import sqlalchemy as sa
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi import Depends, FastAPI, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import Connection, Engine
from starlette.exceptions import HTTPException as StarletteHTTPException

from leerrecht_core import protocol as p
from leerrecht_core.crypto.errors import CryptoError
from leerrecht_core.crypto.kdf import KdfParams
from leerrecht_core.crypto.records import RecordHeader, SealedRecord, verify
from leerrecht_server import config, security
from leerrecht_server.db import (
    SeqAllocator,
    committed_high_water,
    migrate,
    now_iso,
    open_engine,
    read_transaction,
    write_transaction,
)
from leerrecht_server.observe import Metrics, RequestLog, note_device, prometheus_text, status_report
from leerrecht_server.tables import (
    audit_log,
    cases,
    devices,
    key_grants,
    login_attempts,
    memberships,
    org_settings,
    record_heads,
    revisions,
    teams,
    users,
)

log = logging.getLogger("leerrecht_server")

# Sequence numbers are BIGINT: a larger cursor is a bad request, not a database error.
MAX_SEQ = 2**63 - 1
UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
# Test-only: a process started with this variable pauses every push that took sequence numbers,
# after taking them and before committing, until the named file is deleted (tests/server show
# that another process's push then waits, and that no pull skips a number).
PAUSE_FILE_ENV = "LEERRECHT_SERVER_TEST_PAUSE_FILE"


@dataclass(frozen=True)
class Settings:
    login_limit_per_user: int = 5
    login_limit_per_ip: int = 20
    login_window_seconds: float = 15 * 60
    auth_hash: security.AuthHashParams = field(default_factory=security.AuthHashParams)
    # Seconds between updates of a device's last_seen (each update is a write).
    last_seen_interval: float = 60.0
    pause_file: str | None = None
    # Plain HTTP behind a TLS-terminating proxy: X-Forwarded-For/-Proto are honoured, but only from
    # these addresses or networks (comma-separated), so the login rate limit and the audit log see
    # the real client, and no client can pick the address it is counted under.
    behind_proxy: bool = False
    trusted_proxies: str = config.DEFAULT_TRUSTED_PROXIES
    # Who may read /v1/status and /metrics: with a token, whoever presents it; without, loopback only.
    status_token: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """The settings `leerrecht-server serve` passes on through the environment (worker processes)."""
        env = os.environ if env is None else env
        return cls(
            pause_file=env.get(PAUSE_FILE_ENV) or None,
            behind_proxy=config.parse_bool(config.BEHIND_PROXY_ENV, env.get(config.BEHIND_PROXY_ENV, "")),
            trusted_proxies=config.parse_trusted_proxies(
                config.TRUSTED_PROXIES_ENV, env.get(config.TRUSTED_PROXIES_ENV) or config.DEFAULT_TRUSTED_PROXIES),
            status_token=config.parse_status_token(config.STATUS_TOKEN_ENV, env.get(config.STATUS_TOKEN_ENV, "")))


class ApiError(Exception):
    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail


_STATUS_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "bad_request",
                 409: "conflict", 413: "too_large", 415: "bad_request", 422: "bad_request", 429: "rate_limited"}


def _error(status: int, code: str, detail: str) -> JSONResponse:
    return JSONResponse(p.ErrorBody(code=code, detail=detail).model_dump(), status_code=status)


class BodyLimit:
    """Refuses request bodies above protocol.MAX_BODY_BYTES before they are read into memory, by
    Content-Length when there is one and by counting otherwise (chunked uploads)."""

    def __init__(self, app: Callable[..., Awaitable[None]], limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: MutableMapping[str, Any], receive: Callable[[], Awaitable[Any]],
                       send: Callable[[Any], Awaitable[None]]) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    too_big = int(value) > self.limit
                except ValueError:
                    too_big = False
                if too_big:
                    await _error(413, "too_large", f"Request body above {self.limit} bytes.")(scope, receive, send)
                    return
        # Read the body here, counting (uploads without Content-Length too), and hand it on whole:
        # the JSON endpoints read all of it anyway, and a refusal is a clean 413 before any parsing.
        chunks: list[bytes] = []
        seen = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.limit:
                await _error(413, "too_large", f"Request body above {self.limit} bytes.")(scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        replayed = False

        async def replay() -> Any:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


@dataclass(frozen=True)
class Caller:
    device_id: str
    user_id: str
    username: str
    role: str
    team_id: str
    signing_public: bytes
    ip: str


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _caller(request: Request) -> Caller:
    """The device behind the bearer token, and its user; 401 otherwise."""
    engine: Engine = request.app.state.engine
    settings: Settings = request.app.state.settings
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthorized", "A device token is required (Authorization: Bearer ...).")
    with read_transaction(engine) as conn:
        row = conn.execute(
            sa.select(devices, users.c.username, users.c.role, users.c.team_id, users.c.signing_public,
                      users.c.status)
            .join(users, users.c.user_id == devices.c.user_id)
            .where(devices.c.token_hash == security.hash_token(token.strip()))
        ).first()
    if row is None:
        raise ApiError(401, "unauthorized", "Unknown device token.")
    note_device(request.scope, row.device_id)
    if row.revoked_at is not None or row.status != "active":
        # The client erases its case data when it sees this code.
        raise ApiError(401, "device_revoked", "This device has been revoked.")
    stale = row.last_seen is None or row.last_seen < _iso_ago(settings.last_seen_interval)
    if stale:
        with write_transaction(engine) as conn:
            conn.execute(devices.update().where(devices.c.device_id == row.device_id).values(last_seen=now_iso()))
    return Caller(row.device_id, row.user_id, row.username, row.role, row.team_id, row.signing_public,
                  _client_ip(request))


CallerDep = Annotated[Caller, Depends(_caller)]
CaseIdPath = Annotated[str, Path(pattern=UUID_PATTERN)]


def create_app(database_url: str, *, settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """Build the application over `database_url`, migrating the schema first (idempotent)."""
    settings = settings or Settings.from_env()
    engine = engine or open_engine(database_url)
    migrate(engine)
    metrics = Metrics()

    app = FastAPI(title="Leerrecht sync server", version=str(p.PROTOCOL_VERSION),
                  description="Stores sealed case records for Leerrecht Desktop; never reads them.")
    app.state.engine = engine
    app.state.settings = settings
    app.state.metrics = metrics
    # Added last = outermost. Order, outside in: proxy headers (so everything after sees the real
    # client), the request log (so a 413 from the body limit is logged and counted), the body limit.
    app.add_middleware(BodyLimit, limit=p.MAX_BODY_BYTES)
    app.add_middleware(RequestLog, metrics=metrics, router_app=app.router)
    if settings.behind_proxy:
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)

    # -- errors: every 4xx is an ErrorBody, never a stack trace ------------------------------------

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return _error(exc.status, exc.code, exc.detail)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        parts = []
        for err in exc.errors()[:5]:
            loc = ".".join(str(x) for x in err.get("loc", ()) if x != "body")
            parts.append(f"{loc or 'body'}: {err.get('msg', 'invalid')}")
        return _error(400, "bad_request", "Invalid request: " + "; ".join(parts))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(exc.status_code, "bad_request")
        status = exc.status_code if 400 <= exc.status_code < 500 else 400
        return _error(status, code, str(exc.detail))

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        # A bug, not the client's fault: say so in the same shape. The log names the error type
        # only; request bodies (sealed or not) are never logged.
        log.error("unexpected %s in request handler", type(exc).__name__)
        return _error(500, "internal", "Unexpected server error; nothing was stored.")

    # -- helpers -------------------------------------------------------------------------------------

    def audit(conn: Connection, action: str, *, actor: str | None = None, user_id: str | None = None,
              device_id: str | None = None, ip: str | None = None, case_ids: list[str] | None = None,
              detail: str | None = None) -> None:
        conn.execute(audit_log.insert().values(
            at=now_iso(), actor=actor, user_id=user_id, device_id=device_id, ip=ip, action=action,
            case_ids=" ".join(sorted(set(case_ids))) if case_ids else None, detail=detail))

    def audit_caller(conn: Connection, c: Caller, action: str, case_ids: list[str] | None = None,
                     detail: str | None = None) -> None:
        audit(conn, action, actor=c.username, user_id=c.user_id, device_id=c.device_id, ip=c.ip,
              case_ids=case_ids, detail=detail)

    def setting(conn: Connection, key: str) -> str | None:
        row = conn.execute(sa.select(org_settings.c.value).where(org_settings.c.key == key)).first()
        return row[0] if row else None

    def recovery_public(conn: Connection) -> bytes | None:
        value = setting(conn, "recovery_public")
        return bytes.fromhex(value) if value else None


    def session(conn: Connection, username: str, device_name: str) -> p.SessionResponse:
        user = conn.execute(sa.select(users, teams.c.name.label("team_name"))
                            .join(teams, teams.c.team_id == users.c.team_id)
                            .where(users.c.username == username)).one()
        token = security.new_device_token()
        device_id = str(uuid.uuid4())
        conn.execute(devices.insert().values(device_id=device_id, user_id=user.user_id,
                                             token_hash=security.hash_token(token), name=device_name,
                                             created_at=now_iso(), last_seen=now_iso(), revoked_at=None))
        return p.SessionResponse(
            user=p.UserInfo(user_id=user.user_id, username=user.username, display_name=user.display_name,
                            role=user.role, team_id=user.team_id, team_name=user.team_name),
            device_id=device_id, device_token=token, kdf=p.KdfJson.model_validate_json(user.kdf),
            wrapped_secrets=user.wrapped_secrets, exchange_public=user.exchange_public,
            signing_public=user.signing_public, recovery_public=recovery_public(conn))

    def check_rate_limit(username: str, ip: str) -> None:
        since = time.time() - settings.login_window_seconds
        with read_transaction(engine) as conn:
            per_user = conn.execute(sa.select(sa.func.count()).select_from(login_attempts).where(
                login_attempts.c.username == username, login_attempts.c.at > since)).scalar_one()
            per_ip = conn.execute(sa.select(sa.func.count()).select_from(login_attempts).where(
                login_attempts.c.ip == ip, login_attempts.c.at > since)).scalar_one()
        if per_user >= settings.login_limit_per_user or per_ip >= settings.login_limit_per_ip:
            raise ApiError(429, "rate_limited", "Too many failed attempts; try again later.")

    def record_failure(username: str, ip: str, action: str) -> None:
        with write_transaction(engine) as conn:
            now = time.time()
            conn.execute(login_attempts.insert().values(username=username, ip=ip, at=now))
            # Keep the table small: what is older than the window no longer counts.
            conn.execute(login_attempts.delete().where(login_attempts.c.at < now - 2 * settings.login_window_seconds))
            audit(conn, action, actor=username, ip=ip)

    def is_member(conn: Connection, case_id: str, user_id: str) -> bool:
        return conn.execute(sa.select(memberships.c.id).where(
            memberships.c.case_id == case_id, memberships.c.user_id == user_id,
            memberships.c.removed_seq.is_(None))).first() is not None

    def current_members(conn: Connection, case_id: str) -> list[str]:
        return sorted(r[0] for r in conn.execute(sa.select(memberships.c.user_id).where(
            memberships.c.case_id == case_id, memberships.c.removed_seq.is_(None))))

    def case_state(conn: Connection, case_id: str, user_id: str) -> p.CaseState:
        case = conn.execute(sa.select(cases).where(cases.c.case_id == case_id)).one()
        grants = conn.execute(sa.select(key_grants).where(
            key_grants.c.case_id == case_id, key_grants.c.recipient_id == user_id)
            .order_by(key_grants.c.key_version)).all()
        registered = conn.execute(sa.select(sa.func.min(memberships.c.added_seq))
                                  .where(memberships.c.case_id == case_id)).scalar()
        return p.CaseState(case_id=case_id, team_id=case.team_id, members=current_members(conn, case_id),
                           key_version=case.key_version, registered_seq=registered,
                           grants=[p.KeyGrant(recipient_id=g.recipient_id, key_version=g.key_version,
                                              ephemeral_public=g.ephemeral_public, ciphertext=g.ciphertext,
                                              granted_by=g.granted_by, signature=g.signature) for g in grants])

    def visible_case(conn: Connection, case_id: str, c: Caller, *, manage: bool = False) -> Any:
        """The case row if the caller may see it (a current member) or, with `manage`, change its
        members (a member, or a coordinator of its team). Otherwise 404, whether or not it exists,
        so nobody learns which case ids exist elsewhere."""
        case = conn.execute(sa.select(cases).where(cases.c.case_id == case_id)).first()
        if case is not None:
            if is_member(conn, case_id, c.user_id):
                return case
            if manage and c.role == "coordinator" and c.team_id == case.team_id:
                return case
        raise ApiError(404, "not_found", "No such case, or not shared with you.")

    def check_grants(conn: Connection, case_id: str, grants: list[p.KeyGrant], c: Caller) -> None:
        key = Ed25519PublicKey.from_public_bytes(c.signing_public)
        seen: set[tuple[str, int]] = set()
        for g in grants:
            if g.granted_by != c.user_id:
                raise ApiError(400, "bad_request", "A key grant must be granted by the caller.")
            if (g.recipient_id, g.key_version) in seen:
                raise ApiError(400, "bad_request", "A key grant appears twice.")
            seen.add((g.recipient_id, g.key_version))
            try:
                key.verify(g.signature, p.grant_message(case_id, g.recipient_id, g.key_version,
                                                        g.ephemeral_public, g.ciphertext))
            except InvalidSignature:
                raise ApiError(400, "bad_request", "A key grant's signature does not verify.") from None

    def team_user_ids(conn: Connection, team_id: str, *, role: str | None = None) -> set[str]:
        q = sa.select(users.c.user_id).where(users.c.team_id == team_id, users.c.status == "active",
                                             users.c.user_id.is_not(None))
        if role:
            q = q.where(users.c.role == role)
        return {r[0] for r in conn.execute(q)}

    def store_grants(conn: Connection, case_id: str, grants: list[p.KeyGrant]) -> None:
        for g in grants:
            conn.execute(key_grants.delete().where(
                key_grants.c.case_id == case_id, key_grants.c.key_version == g.key_version,
                key_grants.c.recipient_id == g.recipient_id))
            conn.execute(key_grants.insert().values(
                case_id=case_id, key_version=g.key_version, recipient_id=g.recipient_id,
                ephemeral_public=g.ephemeral_public, ciphertext=g.ciphertext, granted_by=g.granted_by,
                signature=g.signature))

    def pause_for_tests() -> None:
        if not settings.pause_file:
            return
        pause = FsPath(settings.pause_file)
        if pause.exists():
            FsPath(str(pause) + ".reached").touch()
            while pause.exists():
                time.sleep(0.02)

    # -- endpoints -----------------------------------------------------------------------------------

    api = p.API_PREFIX

    @app.get(f"{api}/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    def check_status_access(request: Request) -> None:
        if settings.status_token:
            scheme, _, token = request.headers.get("authorization", "").partition(" ")
            if scheme.lower() == "bearer" and security.constant_time_equal(token.strip(), settings.status_token):
                return
            raise ApiError(403, "forbidden", "The status needs the status token (Authorization: Bearer ...).")
        # No token configured: only from this machine (after proxy headers: the real client).
        if not config.is_loopback(_client_ip(request)):
            raise ApiError(403, "forbidden", "The status is readable from loopback only, or with a status token.")

    @app.get(f"{api}/status")
    def status(request: Request) -> JSONResponse:
        check_status_access(request)
        healthy, report = status_report(engine, metrics)
        # 503 when unhealthy, so a plain HTTP check (load balancer, monitoring) notices.
        return JSONResponse(report, status_code=200 if healthy else 503)

    @app.get("/metrics")
    def prometheus(request: Request) -> Response:
        check_status_access(request)
        healthy, report = status_report(engine, metrics)
        return Response(prometheus_text(healthy, report, metrics), media_type="text/plain; version=0.0.4")

    @app.post(f"{api}/prelogin")
    def prelogin(body: p.PreloginRequest) -> p.PreloginResponse:
        with read_transaction(engine) as conn:
            row = conn.execute(sa.select(users.c.kdf, users.c.status)
                               .where(users.c.username == body.username)).first()
            secret = setting(conn, "server_secret") or ""
        if row is not None and row.status == "active" and row.kdf:
            return p.PreloginResponse(kdf=p.KdfJson.model_validate_json(row.kdf))
        # Unknown or not yet enrolled: stable, plausible parameters (the profile new laptops use,
        # a salt derived from the name under a server secret), so the answer doesn't tell.
        decoy = KdfParams.from_env()
        return p.PreloginResponse(kdf=p.KdfJson(algorithm="argon2id", memory_kib=decoy.memory_kib,
                                                iterations=decoy.iterations, lanes=decoy.lanes,
                                                salt=security.decoy_salt(secret, body.username)))

    @app.post(f"{api}/enrol")
    def enrol(body: p.EnrolRequest, request: Request) -> p.SessionResponse:
        ip = _client_ip(request)
        check_rate_limit(body.username, ip)
        auth_hash, auth_params = security.hash_auth_key(body.auth_key, settings.auth_hash)
        with write_transaction(engine) as conn:
            row = conn.execute(sa.select(users).where(users.c.username == body.username)).first()
            valid = (row is not None and row.enrolment_code_hash is not None
                     and security.constant_time_equal(row.enrolment_code_hash,
                                                      security.hash_code(body.enrolment_code))
                     and (row.enrolment_expires or 0) > time.time())
            if row is not None and valid:
                if row.user_id is not None and row.user_id != body.user_id:
                    raise ApiError(409, "conflict", "This account already belongs to another profile id.")
                taken = conn.execute(sa.select(users.c.username).where(
                    users.c.user_id == body.user_id, users.c.username != body.username)).first()
                if taken:
                    raise ApiError(409, "conflict", "This profile id is already in use.")
                conn.execute(users.update().where(users.c.username == body.username).values(
                    user_id=body.user_id, display_name=body.display_name, kdf=body.kdf.model_dump_json(),
                    auth_hash=auth_hash, auth_params=auth_params, wrapped_secrets=body.wrapped_secrets,
                    exchange_public=body.exchange_public, signing_public=body.signing_public,
                    status="active", enrolment_code_hash=None, enrolment_expires=None))
                result = session(conn, body.username, body.device_name)
                note_device(request.scope, result.device_id)
                audit(conn, "enrol", actor=body.username, user_id=body.user_id, device_id=result.device_id, ip=ip)
                return result
        record_failure(body.username, ip, "enrol_failed")
        raise ApiError(403, "enrolment_invalid", "The enrolment code is wrong, expired or already used.")

    @app.post(f"{api}/login")
    def login(body: p.LoginRequest, request: Request) -> p.SessionResponse:
        ip = _client_ip(request)
        check_rate_limit(body.username, ip)
        with read_transaction(engine) as conn:
            row = conn.execute(sa.select(users.c.auth_hash, users.c.auth_params, users.c.status)
                               .where(users.c.username == body.username)).first()
        if row is not None and row.status == "active" and row.auth_hash and row.auth_params:
            ok = security.verify_auth_key(body.auth_key, row.auth_hash, row.auth_params)
        else:
            security.burn_auth_time(body.auth_key, settings.auth_hash)
            ok = False
        if not ok:
            record_failure(body.username, ip, "login_failed")
            raise ApiError(401, "unauthorized", "User name or passphrase is wrong.")
        with write_transaction(engine) as conn:
            result = session(conn, body.username, body.device_name)
            note_device(request.scope, result.device_id)
            conn.execute(login_attempts.delete().where(login_attempts.c.username == body.username))
            audit(conn, "login", actor=body.username, user_id=result.user.user_id, device_id=result.device_id, ip=ip)
        return result

    @app.post(f"{api}/account/passphrase", status_code=204)
    def change_passphrase(body: p.PassphraseChange, c: CallerDep) -> Response:
        auth_hash, auth_params = security.hash_auth_key(body.auth_key, settings.auth_hash)
        with write_transaction(engine) as conn:
            conn.execute(users.update().where(users.c.user_id == c.user_id).values(
                kdf=body.kdf.model_dump_json(), auth_hash=auth_hash, auth_params=auth_params,
                wrapped_secrets=body.wrapped_secrets))
            audit_caller(conn, c, "passphrase_change")
        return Response(status_code=204)

    @app.get(f"{api}/directory")
    def directory(c: CallerDep) -> p.DirectoryResponse:
        with read_transaction(engine) as conn:
            rows = conn.execute(sa.select(users).where(
                users.c.team_id == c.team_id, users.c.status == "active", users.c.user_id.is_not(None))
                .order_by(users.c.username)).all()
            rec = recovery_public(conn)
        return p.DirectoryResponse(
            users=[p.DirectoryEntry(user_id=r.user_id, display_name=r.display_name, role=r.role, team_id=r.team_id,
                                    exchange_public=r.exchange_public, signing_public=r.signing_public)
                   for r in rows],
            recovery_public=rec)

    @app.post(f"{api}/cases")
    def register_case(body: p.CaseRegistration, c: CallerDep) -> p.CaseState:
        with write_transaction(engine) as conn:
            seqs = SeqAllocator(conn)  # taken first: serialises registrations of one id, too
            existing = conn.execute(sa.select(cases).where(cases.c.case_id == body.case_id)).first()
            if existing is not None:
                if is_member(conn, body.case_id, c.user_id):
                    return case_state(conn, body.case_id, c.user_id)  # a retry after a lost answer
                raise ApiError(409, "conflict", "A case with this id already exists.")
            check_grants(conn, body.case_id, body.grants, c)
            if any(g.key_version != 1 for g in body.grants):
                raise ApiError(400, "bad_request", "A new case starts at key version 1.")
            team = team_user_ids(conn, c.team_id)
            recipients = {g.recipient_id for g in body.grants}
            recipients_users = recipients - {p.RECOVERY_RECIPIENT}
            if not recipients_users <= team:
                raise ApiError(400, "bad_request", "Every grant must be for an enrolled user of your team.")
            required = {c.user_id} | team_user_ids(conn, c.team_id, role="coordinator")
            if recovery_public(conn) is not None:
                required.add(p.RECOVERY_RECIPIENT)
            missing = required - recipients
            if missing:
                raise ApiError(400, "bad_request", "Grants missing for: " + ", ".join(sorted(missing)))
            conn.execute(cases.insert().values(case_id=body.case_id, team_id=c.team_id, key_version=1,
                                               created_at=now_iso()))
            # Everyone the key is wrapped for (the caller, the team's coordinators, any colleague
            # assigned at once) is a member: membership is what pull and history serve by.
            for member in sorted(recipients_users):
                conn.execute(memberships.insert().values(case_id=body.case_id, user_id=member,
                                                         added_seq=seqs.take(), removed_seq=None))
            store_grants(conn, body.case_id, body.grants)
            seqs.flush()
            audit_caller(conn, c, "case_register", [body.case_id])
            return case_state(conn, body.case_id, c.user_id)

    @app.get(f"{api}/cases/{{case_id}}")
    def get_case(case_id: CaseIdPath, c: CallerDep) -> p.CaseState:
        with read_transaction(engine) as conn:
            visible_case(conn, case_id, c)
            return case_state(conn, case_id, c.user_id)

    @app.post(f"{api}/case-states")
    def get_case_states(body: p.CaseStatesRequest, c: CallerDep) -> p.CaseStatesResponse:
        with read_transaction(engine) as conn:
            ids = sorted(set(body.case_ids))
            visible = set(conn.execute(sa.select(memberships.c.case_id).where(
                memberships.c.case_id.in_(ids), memberships.c.user_id == c.user_id,
                memberships.c.removed_seq.is_(None))).scalars())
            return p.CaseStatesResponse(cases=[case_state(conn, case_id, c.user_id)
                                               for case_id in ids if case_id in visible])

    @app.post(f"{api}/cases/{{case_id}}/members")
    def add_member(case_id: CaseIdPath, body: p.MemberAdd, c: CallerDep) -> p.CaseState:
        with write_transaction(engine) as conn:
            seqs = SeqAllocator(conn)
            case = visible_case(conn, case_id, c, manage=True)
            if body.user_id not in team_user_ids(conn, case.team_id):
                raise ApiError(404, "not_found", "No such enrolled user in this case's team.")
            if is_member(conn, case_id, body.user_id):
                return case_state(conn, case_id, c.user_id)  # already added (a retry)
            check_grants(conn, case_id, body.grants, c)
            if any(g.recipient_id != body.user_id for g in body.grants):
                raise ApiError(400, "bad_request", "Every grant must be for the user being added.")
            versions = {g.key_version for g in body.grants}
            if versions != set(range(1, case.key_version + 1)):
                raise ApiError(400, "bad_request", f"Grants needed for key versions 1 to {case.key_version}.")
            store_grants(conn, case_id, body.grants)
            conn.execute(memberships.insert().values(case_id=case_id, user_id=body.user_id,
                                                     added_seq=seqs.take(), removed_seq=None))
            seqs.flush()
            audit_caller(conn, c, "member_add", [case_id], detail=f"user {body.user_id}")
            return case_state(conn, case_id, c.user_id)

    @app.post(f"{api}/cases/{{case_id}}/members/remove")
    def remove_member(case_id: CaseIdPath, body: p.MemberRemove, c: CallerDep) -> p.CaseState:
        with write_transaction(engine) as conn:
            seqs = SeqAllocator(conn)
            case = visible_case(conn, case_id, c, manage=True)
            if not is_member(conn, case_id, body.user_id):
                was = conn.execute(sa.select(memberships.c.id).where(
                    memberships.c.case_id == case_id, memberships.c.user_id == body.user_id)).first()
                if was is None:
                    raise ApiError(404, "not_found", "That user is not a member of this case.")
                return case_state(conn, case_id, c.user_id)  # already removed (a retry)
            check_grants(conn, case_id, body.grants, c)
            new_version = case.key_version + 1
            if any(g.key_version != new_version for g in body.grants):
                raise ApiError(400, "bad_request", f"Removing a member needs grants of key version {new_version}.")
            expected = set(current_members(conn, case_id)) - {body.user_id}
            if recovery_public(conn) is not None:
                expected.add(p.RECOVERY_RECIPIENT)
            granted = {g.recipient_id for g in body.grants}
            if not expected <= granted:
                raise ApiError(400, "bad_request",
                               "The rotated key must be granted to every remaining member (and the recovery key).")
            # Beyond those, only the team's users (e.g. a coordinator doing the removal) may get it;
            # never the removed user.
            if body.user_id in granted or not granted - expected <= team_user_ids(conn, case.team_id):
                raise ApiError(400, "bad_request", "The rotated key may not go to the removed user or outsiders.")
            conn.execute(memberships.update().where(
                memberships.c.case_id == case_id, memberships.c.user_id == body.user_id,
                memberships.c.removed_seq.is_(None)).values(removed_seq=seqs.take()))
            conn.execute(cases.update().where(cases.c.case_id == case_id).values(key_version=new_version))
            store_grants(conn, case_id, body.grants)
            seqs.flush()
            audit_caller(conn, c, "member_remove", [case_id], detail=f"user {body.user_id}")
            return case_state(conn, case_id, c.user_id)

    @app.post(f"{api}/push")
    def push(body: p.PushRequest, c: CallerDep) -> p.PushResponse:
        signer = Ed25519PublicKey.from_public_bytes(c.signing_public)
        results: list[p.PushResult] = []
        accepted_cases: list[str] = []
        with write_transaction(engine) as conn:
            # The counter lock is taken before anything is read, so heads and duplicates are
            # checked and written with no other push in between, in any process.
            seqs = SeqAllocator(conn)
            mine = {r[0]: r[1] for r in conn.execute(
                sa.select(cases.c.case_id, cases.c.key_version)
                .join(memberships, memberships.c.case_id == cases.c.case_id)
                .where(memberships.c.user_id == c.user_id, memberships.c.removed_seq.is_(None)))}
            for rev in body.revisions:
                result = _push_one(conn, rev, c, signer, mine, seqs)
                results.append(result)
                if result.status == "accepted":
                    accepted_cases.append(rev.case_id)
            seqs.flush()
            audit_caller(conn, c, "push", accepted_cases or sorted({r.case_id for r in body.revisions}),
                         detail=" ".join(f"{s}={sum(r.status == s for r in results)}"
                                         for s in ("accepted", "duplicate", "conflict", "rejected")))
            if seqs.taken:
                pause_for_tests()
        return p.PushResponse(results=results)

    @app.get(f"{api}/pull")
    def pull(c: CallerDep, after: Annotated[int, Query(ge=0, le=MAX_SEQ)] = 0,
             limit: Annotated[int, Query(ge=1, le=p.MAX_PULL_LIMIT)] = p.MAX_PULL_LIMIT) -> p.PullPage:
        with read_transaction(engine) as conn:
            # Read the committed high-water mark first and never serve beyond it: every number up
            # to it is committed (SeqAllocator), so revisions and membership events, read by two
            # statements, describe the same prefix of history.
            high = committed_high_water(conn)
            if after >= high:
                # Nothing new (the common case: a laptop's background sync). Answered before the
                # per-case query, whose cost grows with the caller's cases.
                return p.PullPage(revisions=[], memberships=[], next_cursor=after, more=False, high_water=high)
            my_cases = sa.select(memberships.c.case_id).where(
                memberships.c.user_id == c.user_id, memberships.c.removed_seq.is_(None))
            revs = conn.execute(sa.select(revisions).where(
                revisions.c.case_id.in_(my_cases), revisions.c.seq > after, revisions.c.seq <= high)
                .order_by(revisions.c.seq).limit(limit + 1)).all()
            events: list[p.MembershipEvent] = []
            for m in conn.execute(sa.select(memberships).where(memberships.c.user_id == c.user_id, sa.or_(
                    sa.and_(memberships.c.added_seq > after, memberships.c.added_seq <= high),
                    sa.and_(memberships.c.removed_seq > after, memberships.c.removed_seq <= high)))):
                if after < m.added_seq <= high:
                    events.append(p.MembershipEvent(seq=m.added_seq, case_id=m.case_id, user_id=m.user_id,
                                                    action="added"))
                if m.removed_seq is not None and after < m.removed_seq <= high:
                    events.append(p.MembershipEvent(seq=m.removed_seq, case_id=m.case_id, user_id=m.user_id,
                                                    action="removed"))
        items: list[tuple[int, Any]] = sorted([(int(r.seq), r) for r in revs] + [(e.seq, e) for e in events],
                                              key=lambda t: t[0])
        page, more = items[:limit], len(items) > limit
        page_revs = [_wire(r) for _, r in page if not isinstance(r, p.MembershipEvent)]
        page_events = [r for _, r in page if isinstance(r, p.MembershipEvent)]
        if page:
            with write_transaction(engine) as conn:
                audit_caller(conn, c, "pull", [r.case_id for r in page_revs] + [e.case_id for e in page_events],
                             detail=f"after={after} revisions={len(page_revs)} events={len(page_events)}")
        return p.PullPage(revisions=page_revs, memberships=page_events,
                          next_cursor=page[-1][0] if page else after, more=more, high_water=high)

    @app.get(f"{api}/cases/{{case_id}}/history")
    def history(case_id: CaseIdPath, c: CallerDep, after: Annotated[int, Query(ge=0, le=MAX_SEQ)] = 0,
                limit: Annotated[int, Query(ge=1, le=p.MAX_PULL_LIMIT)] = p.MAX_PULL_LIMIT) -> p.PullPage:
        with read_transaction(engine) as conn:
            visible_case(conn, case_id, c)
            high = committed_high_water(conn)
            rows = conn.execute(sa.select(revisions).where(
                revisions.c.case_id == case_id, revisions.c.seq > after, revisions.c.seq <= high)
                .order_by(revisions.c.seq).limit(limit + 1)).all()
        page, more = rows[:limit], len(rows) > limit
        if page:
            with write_transaction(engine) as conn:
                audit_caller(conn, c, "history", [case_id], detail=f"after={after} revisions={len(page)}")
        return p.PullPage(revisions=[_wire(r) for r in page], memberships=[],
                          next_cursor=int(page[-1].seq) if page else after, more=more)

    return app


def create_app_from_env() -> FastAPI:
    """The application as each process of `leerrecht-server serve --workers N` builds it (uvicorn
    imports this by name in every worker; the parent passed its checked configuration on in the
    environment and has migrated the database already)."""
    from leerrecht_server.db import default_database_url

    return create_app(os.environ.get(config.DB_ENV) or default_database_url())


def _iso_ago(seconds: float) -> str:
    return (datetime.now(UTC) - timedelta(seconds=seconds)).isoformat(timespec="milliseconds")


def _wire(r: Any) -> p.WireRevision:
    return p.WireRevision(
        revision_id=r.revision_id, record_id=r.record_id, case_id=r.case_id, kind=r.kind, revision=r.revision,
        base_revision=r.base_revision, author_id=r.author_id, key_version=r.key_version, deleted=bool(r.deleted),
        nonce=r.nonce, ciphertext=r.ciphertext, signature=r.signature, seq=int(r.seq))


def _push_one(conn: Connection, rev: p.WireRevision, c: Caller, signer: Ed25519PublicKey,
              mine: dict[str, int], seqs: SeqAllocator) -> p.PushResult:
    """Decide one revision and, if accepted, store it with its head: all of it or none of it."""

    def rejected(reason: str) -> p.PushResult:
        return p.PushResult(revision_id=rev.revision_id, status="rejected", reason=reason)

    if rev.case_id not in mine:
        return rejected("not a member of this case")
    if rev.author_id != c.user_id:
        return rejected("author is not the pushing user")
    if rev.key_version > mine[rev.case_id]:
        return rejected("unknown key version for this case")
    header = RecordHeader(record_id=rev.record_id, revision_id=rev.revision_id, case_id=rev.case_id, kind=rev.kind,
                          revision=rev.revision, base_revision=rev.base_revision, author_id=rev.author_id,
                          key_version=rev.key_version, deleted=rev.deleted)
    try:
        verify(SealedRecord(header, rev.nonce, rev.ciphertext, rev.signature), signer)
    except CryptoError:
        return rejected("signature does not verify")
    stored = conn.execute(sa.select(revisions.c.seq, revisions.c.signature)
                          .where(revisions.c.revision_id == rev.revision_id)).first()
    if stored is not None:
        if bytes(stored.signature) != rev.signature:
            return rejected("revision id already used for different content")
        return p.PushResult(revision_id=rev.revision_id, status="duplicate", seq=int(stored.seq))
    head = conn.execute(sa.select(record_heads).where(record_heads.c.record_id == rev.record_id)).first()
    if head is None:
        if rev.base_revision is not None:
            return rejected("base revision unknown to the server")
        if rev.revision != 1:
            return rejected("revision number from the future")
    else:
        if head.case_id != rev.case_id or head.kind != rev.kind:
            return rejected("record belongs to another case or kind")
        if rev.base_revision is not None and rev.base_revision > head.revision:
            return rejected("revision number from the future")
        if rev.base_revision != head.revision:
            head_row = conn.execute(sa.select(revisions).where(revisions.c.revision_id == head.revision_id)).one()
            return p.PushResult(revision_id=rev.revision_id, status="conflict", head=_wire(head_row))
        if rev.revision != head.revision + 1:
            return rejected("revision number must follow its base")
    seq = seqs.take()
    conn.execute(revisions.insert().values(
        seq=seq, revision_id=rev.revision_id, record_id=rev.record_id, case_id=rev.case_id, kind=rev.kind,
        revision=rev.revision, base_revision=rev.base_revision, author_id=rev.author_id,
        key_version=rev.key_version, deleted=rev.deleted, nonce=rev.nonce, ciphertext=rev.ciphertext,
        signature=rev.signature, received_at=now_iso(), device_id=c.device_id))
    if head is None:
        conn.execute(record_heads.insert().values(record_id=rev.record_id, case_id=rev.case_id, kind=rev.kind,
                                                  revision=rev.revision, revision_id=rev.revision_id))
    else:
        conn.execute(record_heads.update().where(record_heads.c.record_id == rev.record_id)
                     .values(revision=rev.revision, revision_id=rev.revision_id))
    return p.PushResult(revision_id=rev.revision_id, status="accepted", seq=seq)
