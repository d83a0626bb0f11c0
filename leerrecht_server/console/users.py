"""The users page: every worker account with team, role, status, laptops and last sync (what
`admin list-users` shows, from the same query), filterable; a new user with the enrolment code shown
once and a printable letter; moving a user to another team; disabling one. Nothing here holds case
content: the server has none. Each change is the admin CLI's own function, audited as `console:NAME`."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from leerrecht_server import accounts as worker_accounts
from leerrecht_server import admin
from leerrecht_server.admin_accounts import actor
from leerrecht_server.api.deps import EngineDep
from leerrecht_server.console.i18n import N_
from leerrecht_server.console.web import PREFIX, FullSession, check_csrf, client_ip, render
from leerrecht_server.db import read_transaction
from leerrecht_server.tables import teams, users

router = APIRouter(prefix=PREFIX, include_in_schema=False, dependencies=[Depends(check_csrf)])
Field = Annotated[str, Form()]

STATUS_LABELS = {
    "pending": N_("wacht op inschrijving"), "active": N_("actief"), "reset": N_("gereset, wacht op inschrijving"),
    "awaiting_recovery": N_("wacht op herstel"), "disabled": N_("uitgeschakeld"),
}


@dataclass(frozen=True)
class Team:
    team_id: str
    name: str


def _teams(engine: sa.Engine) -> list[Team]:
    with read_transaction(engine) as conn:
        return [Team(r.team_id, r.name) for r in conn.execute(sa.select(teams).order_by(teams.c.name))]


def _users_page(request: Request, engine: sa.Engine, *, team: str = "", role: str = "", status: str = "",
                error: str | None = None, notice: str | None = None, form: dict[str, str] | None = None,
                http_status: int = 200) -> Response:
    all_teams = _teams(engine)
    team_name = next((t.name for t in all_teams if t.team_id == team), None)
    rows = worker_accounts.list_users(engine)
    if team_name is not None:
        rows = [u for u in rows if u.team == team_name]
    if role in admin.ROLES:
        rows = [u for u in rows if u.role == role]
    if status == "enabled":
        rows = [u for u in rows if u.status != "disabled"]
    elif status == "disabled":
        rows = [u for u in rows if u.status == "disabled"]
    return render(request, "users.html", status=http_status, users=rows, teams=all_teams, roles=admin.ROLES,
                  status_labels=STATUS_LABELS,
                  filters={"team": team if team_name else "", "role": role, "status": status},
                  error=error, notice=notice, form=form or {"username": "", "team": "", "role": ""})


@router.get("/users")
def users_page(request: Request, _session: FullSession, engine: EngineDep, team: str = "", role: str = "",
               status: str = "") -> Response:
    return _users_page(request, engine, team=team, role=role, status=status)


def _create_problem(engine: sa.Engine, username: str, role: str, team: str) -> str | None:
    if not username or len(username) > 64 or not username.isprintable():
        return N_("Een gebruikersnaam heeft 1 tot 64 tekens.")
    if role not in admin.ROLES:
        return N_("Kies een rol.")
    with read_transaction(engine) as conn:
        if conn.execute(sa.select(teams.c.team_id).where(teams.c.team_id == team)).first() is None:
            return N_("Kies een team.")
        if conn.execute(sa.select(users.c.username).where(users.c.username == username)).first() is not None:
            return N_("Die gebruikersnaam bestaat al. Een nieuwe code voor een bestaande gebruiker is een reset.")
    return None


@router.post("/users/create")
def create_user(request: Request, session: FullSession, engine: EngineDep, username: Field = "",
                role: Field = "", team: Field = "") -> Response:
    username = username.strip()
    form = {"username": username, "team": team, "role": role}
    problem = _create_problem(engine, username, role, team)
    if problem is None:
        try:
            code = admin.create_user(engine, username, role, team, actor=actor(session.admin_name),
                                     ip=client_ip(request))
        except admin.AdminError:
            problem = N_("Die gebruiker kon niet worden aangemaakt. Kijk de gegevens na.")
    if problem is not None:
        return _users_page(request, engine, error=problem, form=form, http_status=400)
    team_name = next((t.name for t in _teams(engine) if t.team_id == team), team)
    return _code_page(request, username, role, team_name, code, reset=False)


@router.post("/users/move")
def move_user(request: Request, session: FullSession, engine: EngineDep, username: Field = "",
              team: Field = "") -> Response:
    try:
        worker_accounts.move_user(engine, username, team, actor=actor(session.admin_name), ip=client_ip(request))
    except admin.AdminError:
        return _users_page(request, engine, error=N_("Verplaatsen lukte niet: kies een ander team."),
                           http_status=400)
    return _users_page(request, engine, notice=N_("Gebruiker verplaatst. Lopende dossiers blijven gedeeld tot ze "
                                                  "worden overgedragen."))


@router.get("/users/disable")
def disable_page(request: Request, _session: FullSession, engine: EngineDep, username: str = "") -> Response:
    with read_transaction(engine) as conn:
        known = conn.execute(sa.select(users.c.username).where(users.c.username == username)).first()
    if known is None:
        return _users_page(request, engine, error=N_("Die gebruiker bestaat niet."), http_status=404)
    return render(request, "disable.html", username=username, unsent=_unsent(engine, username))


def _unsent(engine: sa.Engine, username: str) -> int:
    """The changes the user's laptops (not yet revoked) last reported unsent: disabling revokes them."""
    try:
        found = admin.list_devices(engine, username)
    except admin.AdminError:
        return 0
    return sum(d.unsent_reported or 0 for d in found if d.state != "revoked")


@router.post("/users/disable")
def disable_user(request: Request, session: FullSession, engine: EngineDep, username: Field = "",
                 confirm: Field = "") -> Response:
    if confirm != "yes":
        return render(request, "disable.html", status=400, username=username, unsent=_unsent(engine, username))
    try:
        worker_accounts.disable_user(engine, username, actor=actor(session.admin_name), ip=client_ip(request))
    except admin.AdminError:
        return _users_page(request, engine, error=N_("Die gebruiker bestaat niet."), http_status=404)
    return _users_page(request, engine, notice=N_("Gebruiker uitgeschakeld: aanmelden kan niet meer, de laptops "
                                                  "wissen hun dossiers bij het volgende contact."))


@router.get("/users/reset")
def reset_page(request: Request, _session: FullSession, engine: EngineDep, username: str = "") -> Response:
    with read_transaction(engine) as conn:
        row = conn.execute(sa.select(users.c.status).where(users.c.username == username)).first()
    if row is None or row.status == "disabled":
        return _users_page(request, engine, error=N_("Die gebruiker bestaat niet of is uitgeschakeld."),
                           http_status=404)
    return render(request, "reset.html", username=username)


@router.post("/users/reset")
def reset_user(request: Request, session: FullSession, engine: EngineDep, username: Field = "",
               confirm: Field = "") -> Response:
    """A new enrolment code (a forgotten passphrase, a new laptop): the user's laptops are replaced,
    never wiped. Recovering their case keys afterwards (`recover-user`) needs the recovery key: CLI only."""
    if confirm != "yes":
        return render(request, "reset.html", status=400, username=username)
    try:
        code = admin.reset_user(engine, username, actor=actor(session.admin_name), ip=client_ip(request))
    except admin.AdminError:
        return _users_page(request, engine, error=N_("Die gebruiker bestaat niet of is uitgeschakeld."),
                           http_status=404)
    with read_transaction(engine) as conn:
        row = conn.execute(sa.select(users.c.role, teams.c.name).join(teams, teams.c.team_id == users.c.team_id)
                           .where(users.c.username == username)).one()
    return _code_page(request, username, row.role, row.name, code, reset=True)


def _code_page(request: Request, username: str, role: str, team: str, code: str, *, reset: bool) -> Response:
    expires = time.strftime("%d-%m-%Y", time.localtime(time.time() + admin.ENROLMENT_CODE_DAYS * 86400))
    server = str(request.base_url).rstrip("/")
    return render(request, "created.html", username=username, role=role, team=team, code=code, expires=expires,
                  days=admin.ENROLMENT_CODE_DAYS, server=server, reset=reset)
