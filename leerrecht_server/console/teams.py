"""The teams page (create, rename; members are the users page filtered by team) and the server status
(the numbers of GET /v1/status, read by this process: counts only, never content)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from leerrecht_server import admin
from leerrecht_server.admin_accounts import actor
from leerrecht_server.api.deps import EngineDep, MetricsDep, SettingsDep
from leerrecht_server.console.i18n import N_
from leerrecht_server.console.web import PREFIX, FullSession, Refused, check_csrf, client_ip, render
from leerrecht_server.core.config import MAX_TEAM_QUOTA_MB
from leerrecht_server.db import read_transaction
from leerrecht_server.observe import status_report
from leerrecht_server.tables import teams, users

router = APIRouter(prefix=PREFIX, include_in_schema=False, dependencies=[Depends(check_csrf)])
Field = Annotated[str, Form()]


def _teams_page(request: Request, engine: EngineDep, settings: SettingsDep, *, error: str | None = None,
                notice: str | None = None, http_status: int = 200, typed: dict[str, str] | None = None) -> Response:
    members = sa.func.count(users.c.username)
    enabled = sa.func.sum(sa.case((users.c.status != "disabled", 1), else_=0))
    with read_transaction(engine) as conn:
        rows = conn.execute(sa.select(teams.c.team_id, teams.c.name, teams.c.created_at, members.label("members"),
                                      sa.func.coalesce(enabled, 0).label("enabled"))
                            .outerjoin(users, users.c.team_id == teams.c.team_id)
                            .group_by(teams.c.team_id, teams.c.name, teams.c.created_at)
                            .order_by(teams.c.name)).all()
        # The coordinators by name: who a team's workers turn to, and who receives their cases at a handover.
        coordinators: dict[str, list[str]] = {}
        for r in conn.execute(sa.select(users.c.team_id, users.c.username)
                              .where(users.c.role == "coordinator", users.c.status != "disabled")
                              .order_by(users.c.username)):
            coordinators.setdefault(r.team_id, []).append(r.username)
    return render(request, "teams.html", status=http_status, teams=rows, coordinators=coordinators, error=error,
                  notice=notice, spaces=_spaces(engine, settings.team_quota_mb), typed=typed or {})


def _spaces(engine: EngineDep, default_mb: int) -> dict[str, dict[str, object]]:
    """Per team: what its attachments take and may take, as the page shows it."""
    out: dict[str, dict[str, object]] = {}
    for space in admin.team_spaces(engine):
        quota_mb = space.quota_mb if space.quota_mb is not None else default_mb
        out[space.team_id] = {"used": _amount(space.used_bytes), "quota": _amount(quota_mb * 1024 * 1024),
                              "own": space.quota_mb, "over": space.used_bytes > quota_mb * 1024 * 1024}
    return out


def _amount(size: int) -> str:
    """A quota-sized amount: "10 GB", "1.5 GB", "250 MB", "0 MB"."""
    gib, mib = 1024 ** 3, 1024 ** 2
    if size >= gib:
        return f"{size / gib:.1f}".removesuffix(".0") + " GB"
    return f"{size / mib:.1f}".removesuffix(".0") + " MB"


@router.get("/teams")
def teams_page(request: Request, _session: FullSession, engine: EngineDep, settings: SettingsDep) -> Response:
    return _teams_page(request, engine, settings)


@router.post("/teams/create")
def create_team(request: Request, session: FullSession, engine: EngineDep, settings: SettingsDep,
                name: Field = "") -> Response:
    name = name.strip()
    if not name or len(name) > 200 or not name.isprintable():
        return _teams_page(request, engine, settings, error=N_("Een teamnaam heeft 1 tot 200 tekens."), http_status=400)
    try:
        admin.create_team(engine, name, actor=actor(session.admin_name), ip=client_ip(request))
    except admin.AdminError:
        return _teams_page(request, engine, settings, error=N_("Er is al een team met die naam."), http_status=400)
    return _teams_page(request, engine, settings, notice=N_("Team aangemaakt."))


@router.post("/teams/rename")
def rename_team(request: Request, session: FullSession, engine: EngineDep, settings: SettingsDep,
                team: Field = "", name: Field = "") -> Response:
    name = name.strip()
    if not name or len(name) > 200 or not name.isprintable():
        return _teams_page(request, engine, settings, error=N_("Een teamnaam heeft 1 tot 200 tekens."), http_status=400)
    try:
        admin.rename_team(engine, team, name, actor=actor(session.admin_name), ip=client_ip(request))
    except admin.AdminError:
        return _teams_page(request, engine, settings, http_status=400,
                           error=N_("Hernoemen lukte niet: die naam bestaat al, of het team niet."))
    return _teams_page(request, engine, settings, notice=N_("Team hernoemd."))


@router.post("/teams/quota")
def set_quota(request: Request, session: FullSession, engine: EngineDep, settings: SettingsDep,
              team: Field = "", quota_mb: Field = "") -> Response:
    """A team's own attachment quota in MB; empty: the server's default. Lower than its usage is allowed
    (new uploads are refused until there is room; nothing is deleted), and the page says so."""
    text = quota_mb.strip().replace(".", "").replace(" ", "")
    if text and (not text.isdigit() or not 1 <= int(text) <= MAX_TEAM_QUOTA_MB):
        return _teams_page(request, engine, settings, http_status=400, typed={team: quota_mb},
                           error=N_("Een quotum is een aantal MB (1024 MB is 1 GB), of leeg voor de standaard "
                                    "van de server."))
    try:
        space = admin.set_team_quota(engine, team, int(text) if text else None, actor=actor(session.admin_name),
                                     ip=client_ip(request))
    except admin.AdminError:
        return _teams_page(request, engine, settings, error=N_("Dit team bestaat niet (meer)."), http_status=400)
    quota = space.quota_mb if space.quota_mb is not None else settings.team_quota_mb
    if space.used_bytes > quota * 1024 * 1024:
        return _teams_page(request, engine, settings, notice=N_(
            "Quotum ingesteld. Het team gebruikt al meer: nieuwe bijlagen worden geweigerd tot er plaats is. Er "
            "wordt niets gewist."))
    return _teams_page(request, engine, settings, notice=N_("Quotum ingesteld."))


BACKUP_STALE = dt.timedelta(hours=36)  # a nightly backup that did not run last night shows red


def _size(size: int | None) -> str:
    if size is None:
        return "–"
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{size / 1024:.0f} kB"


@router.get("/status")
def status_page(request: Request, _session: FullSession, engine: EngineDep, metrics: MetricsDep) -> Response:
    healthy, report = status_report(engine, metrics)
    size = backup = None
    if healthy:
        size, backup = admin.database_size(engine), admin.last_backup(engine)
    stale = backup is None or dt.datetime.now(dt.UTC) - backup > BACKUP_STALE
    return render(request, "status.html", status=200 if healthy else 503, healthy=healthy, report=report,
                  size=_size(size), backup=None if backup is None else backup.strftime("%Y-%m-%d %H:%M"),
                  backup_known=healthy, backup_stale=stale)


# Last of all: an unknown console address is a Dutch page (after the login), not the API's JSON 404.
fallback = APIRouter(prefix=PREFIX, include_in_schema=False)


@fallback.get("/{rest:path}")
def unknown_page(_session: FullSession, rest: str) -> Response:
    raise Refused(404, N_("Deze pagina bestaat niet."))
