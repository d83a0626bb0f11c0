"""Request logging, the request counters and the status report (`GET /v1/status`).

Every answered request is counted twice: in this process's own numbers, which `/v1/status` reports
as its `process` section (with `--workers N` each process counts only what it served), and in the
Prometheus counters of leerrecht_server/core/metrics.py, which `/metrics` sums over all processes.
Numbers that must agree across processes (revisions stored, devices seen, schema version) are read
from the database at every request for the status (leerrecht_server/crud/status.py)."""

from __future__ import annotations

import json
import logging
import os
import re
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from starlette.routing import BaseRoute, Match

from leerrecht_core import protocol as p
from leerrecht_server.core.metrics import ExportedCounters
from leerrecht_server.crud.status import database_numbers
from leerrecht_server.db import current_revision
from leerrecht_server.logs import FIELDS_ATTR
from leerrecht_server.tables import SCHEMA_HEAD

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
    """This process's counters, and the exported ones that /metrics sums over all processes. Only
    the event loop thread touches them (the middleware runs there), so plain integers are safe."""

    started_monotonic: float = field(default_factory=time.monotonic)
    started_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    requests: Counter[tuple[str, str, str]] = field(default_factory=Counter)  # (method, route, class)
    pushes: int = 0
    pulls: int = 0
    exported: ExportedCounters = field(default_factory=ExportedCounters)

    def record(self, method: str, route: str, status: int) -> None:
        self.exported.record(method, route, status)
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


def _route_template(routes: Sequence[BaseRoute], scope: Scope) -> str:
    """The matched route's template (`/v1/cases/{case_id}`), never the raw path with its ids."""
    route = scope.get("route")
    if route is not None and getattr(route, "path", None):
        return str(route.path)
    # Refused before routing (a 413 from the body limit, a 401): match it ourselves.
    for candidate in routes:
        try:
            match, _ = candidate.matches(scope)
        except Exception:  # a route type that can't judge this scope: not a match
            continue
        path = getattr(candidate, "path", None)
        if match is not Match.NONE and path:
            return str(path)
    return "unmatched"


def _error_body(status: int, code: str, detail: str) -> bytes:
    return json.dumps(p.ErrorBody(code=code, detail=detail).model_dump(exclude_none=True)).encode()


class RequestLog:
    """Outer ASGI middleware: one log line per request, counting, a request id in `X-Request-ID`,
    and the last word on unexpected exceptions.

    It catches any exception from the application itself, answers 500 with an ErrorBody if nothing
    was sent yet, and logs the exception's type and frames only. Letting it propagate would make
    Starlette and uvicorn log the full traceback with the message, and a database error's message
    quotes the statement's parameters (user names, token hashes, ciphertext)."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics, routes: Sequence[BaseRoute]) -> None:
        self.app = app
        self.metrics = metrics
        self.routes = routes

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
            route = _route_template(self.routes, scope)
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
