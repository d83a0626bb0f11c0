"""The HTTP API (FastAPI), exactly as leerrecht_core.protocol describes it: the application is
assembled here from the routers in api/routes (joined in api/main.py), the middleware and the error
handlers.

Handlers are plain `def`s: FastAPI runs them in its thread pool, and SQLAlchemy Core is synchronous.
Every write is one transaction: a request either happens completely or not at all. The server
checks headers, membership and signatures; it never holds a key that opens a record."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import Engine

from leerrecht_core import protocol as p
from leerrecht_server import console
from leerrecht_server.api.errors import install_error_handlers
from leerrecht_server.api.main import api_router, leaf_routes
from leerrecht_server.api.middleware import BodyLimit
from leerrecht_server.blobs import attach, make_store
from leerrecht_server.core.config import Settings
from leerrecht_server.core.metrics import process_exited
from leerrecht_server.db import migrate, open_engine
from leerrecht_server.observe import Metrics, RequestLog


@asynccontextmanager
async def _lifespan(_app: FastAPI) -> AsyncIterator[None]:
    yield
    process_exited()


def create_app(database_url: str, *, settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """Build the application over `database_url`, migrating the schema first (idempotent)."""
    settings = settings or Settings()
    engine = engine or open_engine(database_url)
    migrate(engine)
    metrics = Metrics()

    app = FastAPI(title="Leerrecht sync server", version=str(p.PROTOCOL_VERSION),
                  description="Stores sealed case records for Leerrecht Desktop; never reads them.",
                  lifespan=_lifespan)
    app.state.engine = engine
    app.state.settings = settings
    app.state.metrics = metrics
    attach(engine, make_store(settings))  # where attachments' chunks go (leerrecht_server/blobs/)
    # Added last = outermost. Order, outside in: proxy headers (so everything after sees the real
    # client), the request log (so a 413 from the body limit is logged and counted), the body limit.
    app.add_middleware(BodyLimit, limit=p.MAX_BODY_BYTES)
    app.add_middleware(RequestLog, metrics=metrics, routes=leaf_routes())
    if settings.behind_proxy:
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    install_error_handlers(app)
    app.include_router(api_router)
    # The beheerder's console under /admin (docs/console.md); its headers middleware is outermost.
    console.install(app)
    return app


def create_app_from_env() -> FastAPI:
    """The application as each process of `leerrecht-server serve --workers N` builds it (uvicorn
    imports this by name in every worker; the parent passed its checked configuration on in the
    environment and has migrated the database already)."""
    from leerrecht_server.db import default_database_url

    settings = Settings()
    return create_app(settings.db or default_database_url(), settings=settings)
