"""All routes, joined: the /v1 topics under the protocol's prefix, health, status and /metrics."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.routing import BaseRoute

from leerrecht_server.api.routes import (
    access_log,
    auth,
    blobs,
    cases,
    directory,
    erasure,
    held_apart,
    members,
    retention,
    revisions,
    status,
    transfer,
)

TOPICS = (status, auth, directory, cases, members, revisions, transfer, held_apart, erasure, retention, access_log,
          blobs)
api_router = APIRouter()
for topic in TOPICS:
    # Each topic's router carries the /v1 prefix itself, not include_router: then every route's own
    # path is the whole template (/v1/cases/{case_id}) that the request log and metrics name.
    api_router.include_router(topic.router)


def leaf_routes() -> list[BaseRoute]:
    """Every route, with its whole path, in declaration order (the request log matches a request
    refused before routing, e.g. a 413, against these to name its route)."""
    return [route for topic in TOPICS for route in topic.router.routes]
