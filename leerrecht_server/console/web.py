"""What every console page shares: the templates (Jinja2, autoescaped), the session behind the cookie,
the CSRF check of every POST, the security headers of everything under /admin, and the refusals.

A session is a random token in an HttpOnly, SameSite=Strict cookie (Secure unless the page is served
over plain HTTP on loopback), stored only as a hash (admin_sessions); it ends after the idle timeout
(Settings.console_idle_minutes), MAX_SESSION_SECONDS after the login, or at logout. Before a login the
login form's CSRF token is a second random cookie (double submit); after it, the session's own.
A worker's device token (Authorization: Bearer) means nothing here: only the cookie is read."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Annotated, Any

import jinja2
from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from leerrecht_server import admin_accounts as accounts
from leerrecht_server.admin_accounts import Session
from leerrecht_server.api.deps import get_engine, get_settings
from leerrecht_server.console.i18n import LANGUAGE_COOKIE, N_, ROLE_LABELS, language_of, translator
from leerrecht_server.core.config import is_loopback
from leerrecht_server.db import write_transaction

PREFIX = "/admin"
SESSION_COOKIE = "lr_admin_session"
PRE_COOKIE = "lr_admin_login"  # the login form's CSRF token, before there is a session
STATIC_PREFIX = PREFIX + "/static"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; object-src 'none'; "
       "base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
HEADERS = (
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
)
NO_STORE = (b"cache-control", b"no-store"), (b"pragma", b"no-cache")

_templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


class Redirect(Exception):
    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


class Refused(Exception):
    """A refusal shown as a page: its HTTP status and a Dutch message (N_-marked)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class SecurityHeaders:
    """The headers of every answer under /admin (pages, static files, refusals, 404s): the CSP without
    inline script or style, no framing, no sniffing, no referrer; pages are never cached."""

    def __init__(self, app: Callable[..., Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: MutableMapping[str, Any], receive: Callable[[], Awaitable[Any]],
                       send: Callable[[Any], Awaitable[None]]) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not (path == PREFIX or path.startswith(PREFIX + "/")):
            await self.app(scope, receive, send)
            return
        extra = HEADERS if path.startswith(STATIC_PREFIX + "/") else HEADERS + NO_STORE

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                names = {extra_name for extra_name, _ in extra}
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message = {**message, "headers": headers + list(extra)}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def cookie_secure(request: Request) -> bool:
    """Secure always, except a page served over plain HTTP on loopback to a browser on the same machine
    (a try-out), where a Secure cookie would not come back. Behind a proxy the client is the real one."""
    plain_loopback = (request.url.scheme == "http" and is_loopback(request.url.hostname or "")
                      and is_loopback(client_ip(request)))
    return not plain_loopback


def set_cookie(response: Response, request: Request, name: str, value: str) -> None:
    response.set_cookie(name, value, path=PREFIX, httponly=True, samesite="strict", secure=cookie_secure(request))


def clear_cookie(response: Response, request: Request, name: str) -> None:
    response.delete_cookie(name, path=PREFIX, httponly=True, samesite="strict", secure=cookie_secure(request))


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def current_session(request: Request) -> Session | None:
    """The live session of this request's cookie (looked up once per request), or None."""
    if hasattr(request.state, "console_session"):
        cached: Session | None = request.state.console_session
        return cached
    token = request.cookies.get(SESSION_COOKIE, "")
    found = None
    if token:
        settings = get_settings(request)
        with write_transaction(get_engine(request)) as conn:
            found = accounts.find_session(conn, token, settings.console_idle_minutes * 60)
    request.state.console_session = found
    request.state.session_expired = bool(token) and found is None
    return found


def csrf_token(request: Request) -> str:
    """The token every form of this page carries: the session's, or before a login the login cookie's."""
    session = current_session(request)
    if session is not None:
        return session.csrf
    token: str | None = getattr(request.state, "pre_token", None) or request.cookies.get(PRE_COOKIE)
    if not token or len(token) > 100:
        token = secrets.token_urlsafe(32)
    request.state.pre_token = token
    return token


async def check_csrf(request: Request) -> None:
    """Every POST under /admin carries the page's CSRF token, else 403 (before anything is done)."""
    if request.method != "POST":
        return
    form = await request.form()
    sent = form.get("csrf")
    session = await run_in_threadpool(current_session, request)  # a database lookup: not on the event loop
    expected = session.csrf if session is not None else request.cookies.get(PRE_COOKIE)
    if not (isinstance(sent, str) and expected and secrets.compare_digest(sent.encode(), expected.encode())):
        raise Refused(403, N_("Dit formulier is verlopen of kwam niet van deze console. Laad de pagina opnieuw "
                              "en probeer nog eens."))


def _stage_session(stage: str) -> Callable[[Request], Session]:
    def dependency(request: Request) -> Session:
        session = current_session(request)
        if session is None:
            expired = getattr(request.state, "session_expired", False)
            raise Redirect(PREFIX + "/login" + ("?verlopen=1" if expired else ""))
        if session.stage != stage:
            raise Redirect(PREFIX + {"totp": "/totp", "setup": "/setup", "full": "/users"}[session.stage])
        return session

    return dependency


FullSession = Annotated[Session, Depends(_stage_session("full"))]
TotpSession = Annotated[Session, Depends(_stage_session("totp"))]
SetupSession = Annotated[Session, Depends(_stage_session("setup"))]


def render(request: Request, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    language = language_of(request.cookies.get(LANGUAGE_COOKIE))
    session = current_session(request)
    html = _templates.get_template(template).render(
        tr=translator(language), lang=language, csrf=csrf_token(request), prefix=PREFIX,
        admin=session.admin_name if session is not None and session.stage == "full" else None,
        here=request.url.path, role_labels=ROLE_LABELS, **context)
    response = HTMLResponse(html, status_code=status)
    pre = getattr(request.state, "pre_token", None)
    if pre is not None and pre != request.cookies.get(PRE_COOKIE):
        set_cookie(response, request, PRE_COOKIE, pre)
    return response


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


async def redirect_handler(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Redirect)
    return redirect(exc.url)


async def refused_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Refused)
    return render(request, "refused.html", status=exc.status, message=exc.message)
