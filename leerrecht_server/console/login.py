"""Logging in to the console: name and password, then the TOTP code; at the first login (the
one-time password of `admin create-admin`) a password of one's own and the TOTP enrolment instead.

Every attempt is counted before the slow hash, with the worker login's mechanism (crud.auth.take_attempt:
one conditional UPDATE in the database, so it holds over any number of processes), under keys of its
own: wrong passwords per admin name and per address, wrong codes per admin name and per address. Over a
limit the answer is 429 at once; a success gives its attempt back. Each step is audited under the
admin's name (`console:NAME`)."""

from __future__ import annotations

from typing import Annotated, Any

import segno
import sqlalchemy as sa
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from markupsafe import Markup
from sqlalchemy import Engine

from leerrecht_server import admin_accounts as accounts
from leerrecht_server import security
from leerrecht_server.api.deps import EngineDep, SettingsDep, get_settings
from leerrecht_server.console.i18n import LANGUAGE_COOKIE, N_, language_of
from leerrecht_server.console.web import (
    PRE_COOKIE,
    PREFIX,
    SESSION_COOKIE,
    Refused,
    SetupSession,
    TotpSession,
    check_csrf,
    clear_cookie,
    client_ip,
    current_session,
    redirect,
    render,
    set_cookie,
)
from leerrecht_server.core.config import Settings
from leerrecht_server.crud import auth as throttle
from leerrecht_server.crud.audit import audit
from leerrecht_server.crud.org import setting
from leerrecht_server.db import now_iso, read_transaction, write_transaction
from leerrecht_server.tables import admin_accounts

router = APIRouter(prefix=PREFIX, include_in_schema=False, dependencies=[Depends(check_csrf)])

TOO_MANY = N_("Te veel mislukte pogingen. Wacht een kwartier en probeer dan opnieuw.")
Field = Annotated[str, Form()]


def _limits(engine: Engine, *keys: tuple[tuple[str, ...], int]) -> list[throttle.Limit]:
    with read_transaction(engine) as conn:
        secret = setting(conn, "server_secret") or ""
    return [throttle.Limit(security.throttle_key(secret, *parts), limit) for parts, limit in keys]


def _take(engine: Engine, settings: Settings, limits: list[throttle.Limit]) -> None:
    with write_transaction(engine) as conn:
        if not throttle.take_attempt(conn, limits, settings.login_window_seconds):
            raise Refused(429, TOO_MANY)


def _succeeded(engine: Engine, limits: list[throttle.Limit]) -> None:
    """The right password or code: the account's failures no longer count, the address gets its attempt back."""
    with write_transaction(engine) as conn:
        throttle.clear_attempts(conn, limits[0].key_hash)
        throttle.give_back(conn, limits[1].key_hash)


def _new_session(request: Request, response: Response, engine: Engine, name: str, stage: str,
                 pending: bytes | None = None) -> None:
    """A fresh session (a new token at every step of the login: none is carried over), the old one ended."""
    old = current_session(request)
    idle = get_settings(request).console_idle_minutes * 60
    with write_transaction(engine) as conn:
        if old is not None:
            accounts.end_session(conn, old.token_hash)
        accounts.prune_sessions(conn, idle)  # rows nobody can use any more
        token = accounts.start_session(conn, name, stage, pending_totp=pending)
    set_cookie(response, request, SESSION_COOKIE, token)
    clear_cookie(response, request, PRE_COOKIE)


@router.get("")
def root() -> Response:
    return redirect(PREFIX + "/users")


@router.get("/login")
def login_page(request: Request, verlopen: str = "") -> Response:
    session = current_session(request)
    if session is not None and session.stage == "full":
        return redirect(PREFIX + "/users")  # signed in already
    notice = N_("Je sessie is verlopen. Meld je opnieuw aan.") if verlopen else None
    return render(request, "login.html", notice=notice, error=None, name="")


@router.post("/login")
def login(request: Request, engine: EngineDep, settings: SettingsDep, name: Field = "",
          password: Field = "") -> Response:
    name = name.strip().lower()[:64]
    ip = client_ip(request)
    limits = _limits(engine, (("console-user", name), settings.login_limit_per_user),
                     (("console-ip", ip), settings.login_limit_per_ip))
    _take(engine, settings, limits)
    with read_transaction(engine) as conn:
        row = accounts.account(conn, name)
    usable = row is not None and row.status == "active" and row.password_hash and row.password_params
    if usable:
        ok = accounts.verify_password(password, row.password_hash, row.password_params)
    else:
        accounts.burn_password_time(password, settings.console_password_hash)
        ok = False
    if not ok:
        with write_transaction(engine) as conn:
            audit(conn, "console_login_failed", actor=accounts.actor(name)[:64], ip=ip)
        return render(request, "login.html", status=401, notice=None, name=name,
                      error=N_("Naam of wachtwoord klopt niet."))
    _succeeded(engine, limits)
    response = redirect(PREFIX + ("/setup" if row.must_change else "/totp"))
    pending = None
    with write_transaction(engine) as conn:
        if row.must_change:
            # The one-time password works once: consumed now; the setup session is the only way on
            # (lost before the setup is done: `admin reset-admin` gives a new one).
            conn.execute(admin_accounts.update().where(admin_accounts.c.name == name)
                         .values(password_hash=None, password_params=None))
            pending = accounts.seal_totp(conn, name, accounts.new_totp_secret())
        audit(conn, "console_password_ok", actor=accounts.actor(name), ip=ip,
              detail="one-time password" if row.must_change else None)
    _new_session(request, response, engine, name, "setup" if row.must_change else "totp", pending)
    return response


def password_problem(password: str, name: str) -> str | None:
    """Why a new password is refused (a Dutch sentence, N_-marked), or None."""
    if len(password) < accounts.PASSWORD_MIN_LEN:
        return N_("Kies een wachtwoord van minstens 12 tekens.")
    if len(password) > accounts.PASSWORD_MAX_LEN:
        return N_("Dat wachtwoord is te lang (hoogstens 256 tekens).")
    if len(set(password)) < 5:
        return N_("Dat wachtwoord herhaalt te veel dezelfde tekens.")
    if name and name.lower() in password.lower():
        return N_("Het wachtwoord mag je naam niet bevatten.")
    return None


def _code_limits(engine: Engine, settings: Settings, name: str, ip: str) -> list[throttle.Limit]:
    return _limits(engine, (("console-totp", name), settings.console_totp_limit),
                   (("console-ip", ip), settings.login_limit_per_ip))


@router.get("/totp")
def totp_page(request: Request, _session: TotpSession) -> Response:
    return render(request, "totp.html", error=None)


@router.post("/totp")
def totp(request: Request, session: TotpSession, engine: EngineDep, settings: SettingsDep,
         code: Field = "") -> Response:
    ip = client_ip(request)
    limits = _code_limits(engine, settings, session.admin_name, ip)
    _take(engine, settings, limits)
    step = None
    with write_transaction(engine) as conn:
        row = accounts.account(conn, session.admin_name)
        if row is not None and row.totp_sealed is not None:
            step = accounts.totp_step(accounts.open_totp(conn, row.name, row.totp_sealed), code,
                                      after=row.totp_last_step)
        if step is not None:
            # Conditional: of two requests with the same code, one wins.
            last = admin_accounts.c.totp_last_step
            taken = conn.execute(admin_accounts.update().where(
                admin_accounts.c.name == row.name, sa.or_(last.is_(None), last < step))
                .values(totp_last_step=step, last_login_at=now_iso())).rowcount
            step = step if taken == 1 else None
    if step is None:
        with write_transaction(engine) as conn:
            audit(conn, "console_totp_failed", actor=accounts.actor(session.admin_name), ip=ip)
        return render(request, "totp.html", status=401, error=N_("Die code klopt niet (of is al gebruikt)."))
    _succeeded(engine, limits)
    with write_transaction(engine) as conn:
        audit(conn, "console_login", actor=accounts.actor(session.admin_name), ip=ip)
    response = redirect(PREFIX + "/users")
    _new_session(request, response, engine, session.admin_name, "full")
    return response


def _setup_context(engine: Engine, session: SetupSession) -> dict[str, Any]:
    assert session.pending_totp is not None
    with read_transaction(engine) as conn:
        secret = accounts.open_totp(conn, session.admin_name, session.pending_totp)
    grouped = " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
    uri = accounts.totp_uri(session.admin_name, secret)
    # The QR code as inline SVG drawn here (segno): no image fetched, no script; only paths.
    qr = Markup(segno.make(uri, error="m").svg_inline(scale=5, border=4, dark="#000", light="#fff",
                                                      svgid="totp-qr"))
    return {"secret": grouped, "uri": uri, "name": session.admin_name, "qr": qr}


@router.get("/setup")
def setup_page(request: Request, session: SetupSession, engine: EngineDep) -> Response:
    return render(request, "setup.html", error=None, **_setup_context(engine, session))


@router.post("/setup")
def setup(request: Request, session: SetupSession, engine: EngineDep, settings: SettingsDep,
          password: Field = "", repeat: Field = "", code: Field = "") -> Response:
    ip = client_ip(request)
    limits = _code_limits(engine, settings, session.admin_name, ip)
    problem = password_problem(password, session.admin_name)
    if problem is None and password != repeat:
        problem = N_("De twee wachtwoorden verschillen.")
    step = None
    if problem is None:
        _take(engine, settings, limits)  # only a code checked counts as an attempt, not a password refused
        assert session.pending_totp is not None
        with read_transaction(engine) as conn:
            secret = accounts.open_totp(conn, session.admin_name, session.pending_totp)
        step = accounts.totp_step(secret, code, after=None)
        if step is None:
            problem = N_("Die code klopt niet. Kijk of de klok van je telefoon juist staat.")
    if problem is not None or step is None:
        with write_transaction(engine) as conn:
            audit(conn, "console_setup_failed", actor=accounts.actor(session.admin_name), ip=ip)
        return render(request, "setup.html", status=400, error=problem, **_setup_context(engine, session))
    digest, params = accounts.hash_password(password, settings.console_password_hash)
    _succeeded(engine, limits)
    with write_transaction(engine) as conn:
        conn.execute(admin_accounts.update().where(admin_accounts.c.name == session.admin_name).values(
            password_hash=digest, password_params=params, must_change=False, totp_sealed=session.pending_totp,
            totp_last_step=step, last_login_at=now_iso()))
        audit(conn, "console_setup", actor=accounts.actor(session.admin_name), ip=ip,
              detail="password set, TOTP enrolled")
        audit(conn, "console_login", actor=accounts.actor(session.admin_name), ip=ip)
    response = redirect(PREFIX + "/users")
    _new_session(request, response, engine, session.admin_name, "full")
    return response


@router.post("/logout")
def logout(request: Request, engine: EngineDep) -> Response:
    session = current_session(request)
    response = redirect(PREFIX + "/login")
    if session is not None:
        with write_transaction(engine) as conn:
            accounts.end_session(conn, session.token_hash)
            audit(conn, "console_logout", actor=accounts.actor(session.admin_name), ip=client_ip(request))
    clear_cookie(response, request, SESSION_COOKIE)
    return response


@router.get("/lang/{language}")
def choose_language(request: Request, language: str, next: str = "") -> Response:
    """Nederlands or English, remembered in a cookie; back to the console page it was chosen on (a
    path of this console only, never an address elsewhere)."""
    safe = next.startswith(PREFIX + "/") and "//" not in next and "\\" not in next and next.isprintable()
    response = redirect(next if safe else PREFIX + "/login")
    set_cookie(response, request, LANGUAGE_COOKIE, language_of(language))
    return response
