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
from leerrecht_server.db import read_transaction, write_transaction
from leerrecht_server.observe import Metrics, note_device

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


def current_device(request: Request, engine: EngineDep, settings: SettingsDep, ip: ClientIp) -> Caller:
    """The device behind the bearer token, and its user; 401 otherwise."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthorized", "A device token is required (Authorization: Bearer ...).")
    with read_transaction(engine) as conn:
        row = crud.device_by_token(conn, token.strip())
    if row is None:
        raise ApiError(401, "unauthorized", "Unknown device token.")
    note_device(request.scope, row.device_id)
    if row.revoked_at is not None or row.status != "active":
        # The client erases its case data when it sees this code.
        raise ApiError(401, "device_revoked", "This device has been revoked.")
    if row.last_seen is None or row.last_seen < _iso_ago(settings.last_seen_interval):
        with write_transaction(engine) as conn:
            crud.touch_last_seen(conn, row.device_id)
    return Caller(row.device_id, row.user_id, row.username, row.role, row.team_id, row.signing_public, ip)


CurrentDevice = Annotated[Caller, Depends(current_device)]
CaseIdPath = Annotated[str, Path(pattern=UUID_PATTERN)]
Cursor = Annotated[int, Query(ge=0, le=MAX_SEQ)]
PageLimit = Annotated[int, Query(ge=1, le=p.MAX_PULL_LIMIT)]


def _iso_ago(seconds: float) -> str:
    return (datetime.now(UTC) - timedelta(seconds=seconds)).isoformat(timespec="milliseconds")
