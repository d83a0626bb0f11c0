"""Health, the status report and the Prometheus metrics. The status and metrics need the status
token, or a loopback caller when none is configured."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from leerrecht_core import protocol as p
from leerrecht_server import security
from leerrecht_server.api.deps import ClientIp, EngineDep, MetricsDep, SettingsDep
from leerrecht_server.api.errors import ApiError
from leerrecht_server.core.config import is_loopback
from leerrecht_server.core.metrics import CONTENT_TYPE
from leerrecht_server.observe import status_report

router = APIRouter(tags=["status"])


def check_status_access(request: Request, settings: SettingsDep, ip: ClientIp) -> None:
    if settings.status_token:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and security.constant_time_equal(token.strip(), settings.status_token):
            return
        raise ApiError(403, "forbidden", "The status needs the status token (Authorization: Bearer ...).")
    # No token configured: only from this machine (after proxy headers: the real client).
    if not is_loopback(ip):
        raise ApiError(403, "forbidden", "The status is readable from loopback only, or with a status token.")


StatusAccess = Annotated[None, Depends(check_status_access)]


@router.get(f"{p.API_PREFIX}/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get(f"{p.API_PREFIX}/status")
def status(_access: StatusAccess, engine: EngineDep, metrics: MetricsDep) -> JSONResponse:
    healthy, report = status_report(engine, metrics)
    # 503 when unhealthy, so a plain HTTP check (load balancer, monitoring) notices.
    return JSONResponse(report, status_code=200 if healthy else 503)


@router.get("/metrics")
def prometheus(_access: StatusAccess, engine: EngineDep, metrics: MetricsDep) -> Response:
    healthy, report = status_report(engine, metrics)
    return Response(metrics.exported.exposition(healthy, report, metrics.uptime), media_type=CONTENT_TYPE)
