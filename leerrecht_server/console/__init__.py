"""The beheerder's web console under /admin (issue 16), served by the same process as the sync API:
server-rendered pages (Jinja2, autoescaped) with plain forms, no script at all, a small stylesheet
served from /admin/static. Admin accounts are apart from worker accounts (leerrecht_server/admin_accounts.py);
docs/console.md describes it for the beheerder, docs/threat-model.md §14 what it adds to what the server knows.

The console never shows or accepts the recovery key's private half, never accepts a worker's passphrase,
and shows no case content (the server holds none)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from leerrecht_server.console import admins, audit, devices, login, recovery, retention, teams, users
from leerrecht_server.console.web import (
    STATIC_PREFIX,
    Redirect,
    Refused,
    SecurityHeaders,
    redirect_handler,
    refused_handler,
)

ROUTERS = (login.router, users.router, teams.router, devices.router, audit.router, retention.router,
           recovery.router, admins.router, teams.fallback)


def install(app: FastAPI) -> None:
    """Add the console to the application: its routes, static files, refusal pages and headers."""
    app.add_exception_handler(Redirect, redirect_handler)
    app.add_exception_handler(Refused, refused_handler)
    # The static files first: the routers end with a catch-all for unknown console pages.
    app.mount(STATIC_PREFIX, StaticFiles(directory=Path(__file__).resolve().parent / "static"), name="console-static")
    for router in ROUTERS:
        app.include_router(router)
    app.add_middleware(SecurityHeaders)
