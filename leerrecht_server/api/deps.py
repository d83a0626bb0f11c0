"""Typed dependencies of the routes (the FastAPI template's habit: `Annotated[..., Depends(...)]`
aliases, one per thing a route needs).

There is no per-request session: each route opens its transactions itself (`read_transaction`,
`write_transaction` over `EngineDep`), because some need two (a pull reads, then audits) and a
write must be committed before the answer goes out, not when a dependency is torn down."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from sqlalchemy import Engine

from leerrecht_core import protocol as p
from leerrecht_server.api.errors import ApiError
from leerrecht_server.core.config import Settings
from leerrecht_server.crud import devices as crud
from leerrecht_server.crud.devices import Caller
from leerrecht_server.crud.org import revoked_proof
from leerrecht_server.db import read_transaction, write_transaction
from leerrecht_server.observe import Metrics, note_device
from leerrecht_server.tables import LISTED_STATUSES

# Sequence numbers are BIGINT: a larger cursor is a bad request, not a database error.
MAX_SEQ = 2**63 - 1
UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


def client_ip(request: Request) -> str:
    """The client's address (after proxy headers, when behind a trusted proxy: the real client)."""
    return request.client.host if request.client else "unknown"


EngineDep = Annotated[Engine, Depends(get_engine)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
ClientIp = Annotated[str, Depends(client_ip)]


def reported_metadata(request: Request) -> tuple[str | None, int | None]:
    """The app version and the number of unsent changes a laptop reports in its headers, each
    None when absent or not plausible (then ignored: it is information, never a refusal)."""
    version = request.headers.get(p.CLIENT_VERSION_HEADER)
    if version is not None:
        version = version.strip()
        if not (0 < len(version) <= p.MAX_CLIENT_VERSION_LEN and version.isascii() and version.isprintable()):
            version = None
    raw = request.headers.get(p.CLIENT_UNSENT_HEADER, "").strip()
    unsent = int(raw) if raw.isdigit() and raw.isascii() and len(raw) <= 8 else None
    if unsent is not None and unsent > p.MAX_CLIENT_UNSENT:
        unsent = None
    return version, unsent


def _authenticate(request: Request, engine: Engine, settings: Settings, ip: str, *, may_push_only: bool,
                  may_deliver: bool = False) -> Caller:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthorized", "A device token is required (Authorization: Bearer ...).")
    with read_transaction(engine) as conn:
        row = crud.device_by_token(conn, token.strip())
    if row is None:
        raise ApiError(401, "unauthorized", "Unknown device token.")
    note_device(request.scope, row.device_id)
    version, unsent = reported_metadata(request)
    # Written before any refusal: what a revoked or replaced laptop still had unsent is exactly
    # what the operator wants to see in list-devices. A write only when something changed.
    if (row.last_seen is None or row.last_seen < _iso_ago(settings.last_seen_interval)
            or (version is not None and version != row.app_version)
            or (unsent is not None and unsent != row.unsent_reported)):
        with write_transaction(engine) as conn:
            crud.touch_last_seen(conn, row.device_id, app_version=version, unsent=unsent)
    if may_deliver:
        # Revoked, replaced or of a disabled user: it may still hand in what it could not push, for a
        # coordinator to review (protocol_held_apart); nothing it delivers goes into a case by itself.
        return Caller(row.device_id, row.user_id, row.username, row.role, row.team_id, row.signing_public, ip)
    if row.revoked_at is not None or row.state not in ("active", "replaced") or row.status not in LISTED_STATUSES:
        # The client erases its case data when it sees this code with the proof signed by the server's
        # identity key (pinned at enrolment); without a valid one it only stops syncing.
        with read_transaction(engine) as conn:
            proof = revoked_proof(conn, row.device_id, row.revoked_at or "account-disabled")
        raise ApiError(401, "device_revoked", "This device has been revoked.", revoked=proof)
    if row.state == "replaced" and not may_push_only:
        # Never erases: the laptop pushes what it had not sent (push still works), then stops.
        raise ApiError(401, "device_replaced", "This device was replaced by a new enrolment of its user; "
                                               "only its unsent changes may still be pushed.")
    return Caller(row.device_id, row.user_id, row.username, row.role, row.team_id, row.signing_public, ip)


def current_device(request: Request, engine: EngineDep, settings: SettingsDep, ip: ClientIp) -> Caller:
    """The device behind the bearer token, and its user; 401 otherwise (a replaced device too)."""
    return _authenticate(request, engine, settings, ip, may_push_only=False)


def pushing_device(request: Request, engine: EngineDep, settings: SettingsDep, ip: ClientIp) -> Caller:
    """As current_device, but a replaced device passes: it may still deliver what it had not sent."""
    return _authenticate(request, engine, settings, ip, may_push_only=True)


def delivering_device(request: Request, engine: EngineDep, settings: SettingsDep, ip: ClientIp) -> Caller:
    """Any device whose token the server issued, revoked ones included: for the held-apart delivery."""
    return _authenticate(request, engine, settings, ip, may_push_only=True, may_deliver=True)


CurrentDevice = Annotated[Caller, Depends(current_device)]
DeliveringDevice = Annotated[Caller, Depends(delivering_device)]
PushingDevice = Annotated[Caller, Depends(pushing_device)]
CaseIdPath = Annotated[str, Path(pattern=UUID_PATTERN)]
Cursor = Annotated[int, Query(ge=0, le=MAX_SEQ)]
PageLimit = Annotated[int, Query(ge=1, le=p.MAX_PULL_LIMIT)]


def _iso_ago(seconds: float) -> str:
    return (datetime.now(UTC) - timedelta(seconds=seconds)).isoformat(timespec="milliseconds")
