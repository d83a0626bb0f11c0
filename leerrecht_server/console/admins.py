"""The beheerders page: the console's own accounts (what `admin list-admins` shows, from the same
function), a new beheerder with a one-time password shown once, a new one-time password for one who
forgot theirs or lost the phone with the second factor, and disabling one who leaves. Each is the CLI's
function (admin_accounts), audited as `console:NAME`.

A beheerder can't reset or disable their own account here: both would end the session that asks, and a
console whose last beheerder disabled themselves is only opened again from the shell (`reset-admin`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from leerrecht_server import admin_accounts
from leerrecht_server.admin import AdminError
from leerrecht_server.admin_accounts import actor
from leerrecht_server.api.deps import EngineDep, get_settings
from leerrecht_server.console.i18n import N_
from leerrecht_server.console.web import PREFIX, FullSession, check_csrf, client_ip, render
from leerrecht_server.security import AuthHashParams

router = APIRouter(prefix=PREFIX, include_in_schema=False, dependencies=[Depends(check_csrf)])
Field = Annotated[str, Form()]

STATUS_LABELS = {"active": N_("actief"), "disabled": N_("uitgeschakeld")}
STATE_LABELS = {"one-time password": N_("wacht op de eerste aanmelding"), "set up": N_("ingesteld, met tweede factor")}
ACTIONS = {"reset": N_("Nieuw eenmalig wachtwoord"), "disable": N_("Uitschakelen")}


def password_params(request: Request) -> AuthHashParams:
    """The Argon2id cost of a one-time password: the server's setting, the one its login checks against."""
    return get_settings(request).console_password_hash


def _admins_page(request: Request, engine: EngineDep, *, error: str | None = None, notice: str | None = None,
                 name: str = "", http_status: int = 200) -> Response:
    return render(request, "admins.html", status=http_status, admins=admin_accounts.list_admins(engine),
                  status_labels=STATUS_LABELS, state_labels=STATE_LABELS, error=error, notice=notice,
                  form={"name": name})


@router.get("/admins")
def admins_page(request: Request, _session: FullSession, engine: EngineDep) -> Response:
    return _admins_page(request, engine)


@router.post("/admins/create")
def create_admin(request: Request, session: FullSession, engine: EngineDep, name: Field = "") -> Response:
    name = name.strip()
    if admin_accounts.NAME_PATTERN.fullmatch(name) is None:
        return _admins_page(request, engine, name=name, http_status=400, error=N_(
            "Een beheerdersnaam heeft 1 tot 48 tekens: kleine letters, cijfers, punt, liggend streepje of "
            "koppelteken, en begint met een letter of cijfer."))
    try:
        password = admin_accounts.create_admin(engine, name, params=password_params(request),
                                               actor=actor(session.admin_name), ip=client_ip(request))
    except AdminError:
        return _admins_page(request, engine, name=name, http_status=400,
                            error=N_("Die beheerder bestaat al. Een nieuw eenmalig wachtwoord geef je met de knop "
                                     "bij die beheerder."))
    return _password_page(request, name, password, reset=False)


def _other(session: FullSession, engine: EngineDep, name: str) -> admin_accounts.AdminInfo | None:
    """The named account if it exists and isn't the one asking."""
    if name == session.admin_name:
        return None
    return next((a for a in admin_accounts.list_admins(engine) if a.name == name), None)


@router.get("/admins/{action}")
def confirm_page(request: Request, session: FullSession, engine: EngineDep, action: str, name: str = "") -> Response:
    if action not in ACTIONS:
        return _admins_page(request, engine, error=N_("Deze pagina bestaat niet."), http_status=404)
    if name == session.admin_name:
        return _admins_page(request, engine, http_status=400, error=N_(
            "Je eigen account reset of schakel je niet hier uit: dat doet een andere beheerder, of "
            "leerrecht-server admin reset-admin op de server."))
    found = _other(session, engine, name)
    if found is None:
        return _admins_page(request, engine, error=N_("Die beheerder bestaat niet."), http_status=404)
    return render(request, "admin_confirm.html", action=action, label=ACTIONS[action], target=found)


@router.post("/admins/{action}")
def act(request: Request, session: FullSession, engine: EngineDep, action: str, name: Field = "",
        confirm: Field = "") -> Response:
    found = _other(session, engine, name) if action in ACTIONS else None
    if found is None:
        return _admins_page(request, engine, error=N_("Die beheerder bestaat niet, of het is je eigen account."),
                            http_status=404)
    if confirm != "yes":
        return render(request, "admin_confirm.html", status=400, action=action, label=ACTIONS[action], target=found)
    who, ip = actor(session.admin_name), client_ip(request)
    if action == "disable":
        admin_accounts.disable_admin(engine, name, actor=who, ip=ip)
        return _admins_page(request, engine, notice=N_("Beheerder uitgeschakeld: aanmelden kan niet meer en de "
                                                       "open sessies zijn beëindigd."))
    password = admin_accounts.reset_admin(engine, name, params=password_params(request), actor=who, ip=ip)
    return _password_page(request, name, password, reset=True)


def _password_page(request: Request, name: str, password: str, *, reset: bool) -> Response:
    console = str(request.base_url).rstrip("/") + PREFIX
    return render(request, "admin_password.html", name=name, password=password, reset=reset, console=console)
