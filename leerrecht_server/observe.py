"""Request logging, in-process counters and the status numbers (`GET /v1/status`, `GET /metrics`).

Counters kept in memory are per process: with `--workers N` or several units, each process counts
only what it served, and a scrape reaches one of them. Numbers that must agree across processes
(revisions stored, devices seen, schema version) are read from the database at every request for
the status."""

from __future__ import annotations

import json
import logging
import os
import re
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine
from starlette.routing import Match

from leerrecht_core import protocol as p
from leerrecht_server.db import committed_high_water, current_revision, read_transaction
from leerrecht_server.logs import FIELDS_ATTR
from leerrecht_server.tables import SCHEMA_HEAD, cases, devices, revisions, users

log = logging.getLogger("leerrecht_server.request")
# Where a request's log context lives in the ASGI scope (handlers add the device prefix to it).
SCOPE_KEY = "leerrecht.log"
DEVICE_PREFIX_LEN = 8
# A request id from the proxy (nginx's $request_id is 32 hex characters) is kept so the two logs
# can be joined; anything else is replaced, so a client can't write arbitrary text into the log.
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_ERROR_CODE = re.compile(r"^[a-z_]{1,40}$")
_MAX_ERROR_BODY = 4096

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Any]]
Send = Callable[[Any], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass
class LogContext:
    request_id: str
    device: str | None = None


def note_device(scope: Scope, device_id: str) -> None:
    """Called by handlers once they know the caller's device: the log line gets its prefix, which
    `leerrecht-server admin list-devices` resolves when an operator needs to."""
    ctx = scope.get(SCOPE_KEY)
    if isinstance(ctx, LogContext):
        ctx.device = device_id[:DEVICE_PREFIX_LEN]


@dataclass
class Metrics:
    """This process's counters. Only the event loop thread touches them (the middleware runs there),
    so plain integers are safe."""

    started_monotonic: float = field(default_factory=time.monotonic)
    started_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    requests: Counter[tuple[str, str, str]] = field(default_factory=Counter)  # (method, route, class)
    pushes: int = 0
    pulls: int = 0

    def record(self, method: str, route: str, status: int) -> None:
        self.requests[(method, route, f"{status // 100}xx")] += 1
        if status == 200 and method == "POST" and route == f"{p.API_PREFIX}/push":
            self.pushes += 1
        elif status == 200 and method == "GET" and route == f"{p.API_PREFIX}/pull":
            self.pulls += 1

    def by_class(self) -> dict[str, int]:
        out = {"2xx": 0, "3xx": 0, "4xx": 0, "5xx": 0}
        for (_m, _r, cls), n in self.requests.items():
            out[cls] = out.get(cls, 0) + n
        return out

    @property
    def uptime(self) -> float:
        return time.monotonic() - self.started_monotonic


def _route_template(app: Any, scope: Scope) -> str:
    """The matched route's template (`/v1/cases/{case_id}`), never the raw path with its ids."""
    route = scope.get("route")
    if route is not None and getattr(route, "path", None):
        return str(route.path)
    # Refused before routing (a 413 from the body limit, a 401): match it ourselves.
    for candidate in getattr(app, "routes", ()):
        try:
            match, _ = candidate.matches(scope)
        except Exception:  # a route type that can't judge this scope: not a match
            continue
        if match is not Match.NONE and getattr(candidate, "path", None):
            return str(candidate.path)
    return "unmatched"


def _error_body(status: int, code: str, detail: str) -> bytes:
    return json.dumps(p.ErrorBody(code=code, detail=detail).model_dump()).encode()


class RequestLog:
    """Outer ASGI middleware: one log line per request, counting, a request id in `X-Request-ID`,
    and the last word on unexpected exceptions.

    It catches any exception from the application itself, answers 500 with an ErrorBody if nothing
    was sent yet, and logs the exception's type and frames only. Letting it propagate would make
    Starlette and uvicorn log the full traceback with the message, and a database error's message
    quotes the statement's parameters (user names, token hashes, ciphertext)."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics, router_app: Any) -> None:
        self.app = app
        self.metrics = metrics
        self.router_app = router_app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        incoming = dict(scope.get("headers", [])).get(b"x-request-id", b"").decode("latin-1")
        ctx = LogContext(request_id=incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex)
        scope[SCOPE_KEY] = ctx
        status = 0
        started = False
        error_chunks: list[bytes] = []
        error_seen = 0

        async def send_wrapper(message: Any) -> None:
            nonlocal status, started, error_seen
            if message["type"] == "http.response.start":
                started = True
                status = int(message["status"])
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", ctx.request_id.encode("latin-1")))
                message = {**message, "headers": headers}
            elif message["type"] == "http.response.body" and status >= 400 and error_seen < _MAX_ERROR_BODY:
                # Only to read the ErrorBody's fixed `code` (e.g. device_revoked) for the log line.
                chunk = message.get("body", b"")
                error_chunks.append(chunk[:_MAX_ERROR_BODY - error_seen])
                error_seen += len(chunk)
            await send(message)

        exc_info: tuple[type[BaseException], BaseException, Any] | None = None
        try:
            await self.app(scope, receive, send_wrapper)
        except Exception as exc:
            exc_info = (type(exc), exc, exc.__traceback__)
            if not started:
                status = 500
                body = _error_body(500, "internal", "Unexpected server error; nothing was stored.")
                await send({"type": "http.response.start", "status": 500,
                            "headers": [(b"content-type", b"application/json"),
                                        (b"content-length", str(len(body)).encode()),
                                        (b"x-request-id", ctx.request_id.encode("latin-1"))]})
                await send({"type": "http.response.body", "body": body})
            else:
                status = status or 500
        finally:
            route = _route_template(self.router_app, scope)
            method = str(scope.get("method", "-"))
            fields: dict[str, Any] = {
                "event": "request", "request_id": ctx.request_id, "method": method, "route": route,
                "status": status or 499,  # 499: the client went away before an answer
                "duration_ms": round((time.perf_counter() - start) * 1000, 1), "device": ctx.device,
            }
            if status >= 400 and exc_info is None:
                fields["error"] = _error_code(b"".join(error_chunks))
            self.metrics.record(method, route, status or 499)
            if exc_info is not None:
                log.error("request failed", exc_info=exc_info, extra={FIELDS_ATTR: fields})
            elif status >= 500:
                log.error("request", extra={FIELDS_ATTR: fields})
            else:
                log.info("request", extra={FIELDS_ATTR: fields})


def _error_code(body: bytes) -> str | None:
    try:
        code = json.loads(body).get("code")
    except (ValueError, AttributeError):
        return None
    return code if isinstance(code, str) and _ERROR_CODE.match(code) else None


# -- status -----------------------------------------------------------------------------------------


def _iso_ago(delta: timedelta) -> str:
    return (datetime.now(UTC) - delta).isoformat(timespec="milliseconds")


def database_numbers(engine: Engine) -> dict[str, Any]:
    """Numbers every process reads alike, from the database. Raises if the database is unreachable."""
    with read_transaction(engine) as conn:
        def count(q: Any) -> int:
            return int(conn.execute(q).scalar_one())

        not_revoked = devices.c.revoked_at.is_(None)
        # last_seen is an ISO-8601 UTC string of fixed shape: string order is time order.
        return {
            "backend": conn.dialect.name,
            "revisions_stored": count(sa.select(sa.func.count()).select_from(revisions)),
            "sequence_high_water": committed_high_water(conn),
            "cases": count(sa.select(sa.func.count()).select_from(cases)),
            "users_active": count(sa.select(sa.func.count()).select_from(users).where(users.c.status == "active")),
            "users_pending": count(sa.select(sa.func.count()).select_from(users).where(users.c.status == "pending")),
            "devices_registered": count(sa.select(sa.func.count()).select_from(devices).where(not_revoked)),
            "devices_revoked": count(sa.select(sa.func.count()).select_from(devices).where(~not_revoked)),
            "devices_seen_24h": count(sa.select(sa.func.count()).select_from(devices).where(
                not_revoked, devices.c.last_seen >= _iso_ago(timedelta(hours=24)))),
            "devices_seen_7d": count(sa.select(sa.func.count()).select_from(devices).where(
                not_revoked, devices.c.last_seen >= _iso_ago(timedelta(days=7)))),
        }


def status_report(engine: Engine, metrics: Metrics) -> tuple[bool, dict[str, Any]]:
    """(healthy, report). Unhealthy: the database can't be read, or its schema isn't this version's."""
    database: dict[str, Any] = {"reachable": False, "schema_version": None, "schema_expected": SCHEMA_HEAD}
    try:
        database["schema_version"] = current_revision(engine)
        database.update(database_numbers(engine))
        database["reachable"] = True
    except Exception as exc:  # any failure means "not reachable" here; only the type is reported
        database["error"] = type(exc).__name__
    healthy = database["reachable"] and database["schema_version"] == SCHEMA_HEAD
    report = {
        "status": "ok" if healthy else "degraded",
        "protocol_version": p.PROTOCOL_VERSION,
        "database": database,
        "process": {
            "pid": os.getpid(),
            "started_at": metrics.started_at,
            "uptime_seconds": round(metrics.uptime, 1),
            "requests": sum(metrics.requests.values()),
            "requests_by_class": metrics.by_class(),
            "pushes": metrics.pushes,
            "pulls": metrics.pulls,
        },
    }
    return healthy, report


def prometheus_text(healthy: bool, report: dict[str, Any], metrics: Metrics) -> str:
    """The same numbers in Prometheus' text format (version 0.0.4)."""
    lines: list[str] = []

    def metric(name: str, kind: str, help_text: str, samples: list[tuple[dict[str, str], float]]) -> None:
        lines.append(f"# HELP {name} {help_text}")
        lines.append(f"# TYPE {name} {kind}")
        for labels, value in samples:
            label_text = ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items())
            lines.append(f"{name}{{{label_text}}} {value:g}" if label_text else f"{name} {value:g}")

    db = report["database"]
    metric("leerrecht_up", "gauge", "1 if the database is reachable and at this version's schema.",
           [({}, 1 if healthy else 0)])
    metric("leerrecht_database_reachable", "gauge", "1 if the database answered.", [({}, 1 if db["reachable"] else 0)])
    metric("leerrecht_schema_info", "gauge", "The database's schema version (label).",
           [({"version": str(db["schema_version"]), "expected": SCHEMA_HEAD}, 1)])
    metric("leerrecht_process_uptime_seconds", "gauge", "Seconds since this process started.",
           [({}, round(metrics.uptime, 1))])
    metric("leerrecht_http_requests_total", "counter", "Requests served by this process.",
           [({"method": m, "route": r, "status_class": c}, n) for (m, r, c), n in sorted(metrics.requests.items())])
    metric("leerrecht_pushes_total", "counter", "Successful push requests served by this process.",
           [({}, metrics.pushes)])
    metric("leerrecht_pulls_total", "counter", "Successful pull requests served by this process.",
           [({}, metrics.pulls)])
    if db["reachable"]:
        for key, help_text in (("revisions_stored", "Sealed revisions in the database."),
                               ("sequence_high_water", "Highest committed sequence number."),
                               ("cases", "Cases in the database."),
                               ("users_active", "Enrolled users."),
                               ("users_pending", "Users awaiting enrolment."),
                               ("devices_registered", "Devices not revoked."),
                               ("devices_revoked", "Revoked devices.")):
            metric(f"leerrecht_{key}", "gauge", help_text, [({}, db[key])])
        metric("leerrecht_devices_seen", "gauge", "Devices (not revoked) seen within the window.",
               [({"window": "24h"}, db["devices_seen_24h"]), ({"window": "7d"}, db["devices_seen_7d"])])
    return "\n".join(lines) + "\n"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
