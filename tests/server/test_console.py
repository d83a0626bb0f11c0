"""The beheerder's web console under /admin (issue 16): admin accounts and their one-time password,
the login with password and TOTP, throttling, sessions, CSRF, headers, the users page; and that every
console string has its English. Through FastAPI's TestClient over SQLite and PostgreSQL; the CLI as a
real process. The real browser is tests/server/test_console_browser.py."""

from __future__ import annotations

import ast
import json
import re
import string
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from leerrecht_server import admin, admin_accounts
from leerrecht_server.app import create_app
from leerrecht_server.core.config import Settings
from leerrecht_server.security import AuthHashParams
from leerrecht_server.tables import admin_accounts as admin_table
from leerrecht_server.tables import admin_sessions, audit_log, users

from .conftest import SERVER_BIN, World

FAST = AuthHashParams(memory_kib=8 * 1024, iterations=1, lanes=1)
ROOT = Path(__file__).resolve().parents[2]
CONSOLE = ROOT / "leerrecht_server" / "console"
NEW_PASSWORD = "een lange zin als wachtwoord"


def settings(**overrides: Any) -> Settings:
    return Settings(console_password_hash=FAST, **overrides)


@pytest.fixture
def console(db_url: str, engine: sa.Engine) -> Iterator[TestClient]:
    with TestClient(create_app(db_url, settings=settings(), engine=engine), base_url="https://testserver") as tc:
        yield tc


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def post(client: TestClient, path: str, data: dict[str, str], *, page: str | None = None) -> Any:
    """A form post as the browser sends it: with the CSRF token of the page it is on."""
    html = client.get(page or path).text
    return client.post(path, data={"csrf": csrf_of(html), **data}, follow_redirects=False)


def first_login(client: TestClient, name: str, one_time: str, password: str = NEW_PASSWORD) -> str:
    """The first login: the one-time password, then a password of one's own and the TOTP enrolment.
    Returns the TOTP secret (as the setup page shows it)."""
    r = post(client, "/admin/login", {"name": name, "password": one_time})
    assert r.status_code == 303 and r.headers["location"] == "/admin/setup", r.text
    page = client.get("/admin/setup")
    assert page.status_code == 200
    match = re.search(r'id="totp-secret">([^<]+)<', page.text)
    assert match
    secret = match.group(1).replace(" ", "")
    assert f"otpauth://totp/Leerrecht:{name}?secret={secret}" in page.text.replace("&amp;", "&")
    # The QR code is inline SVG drawn by the server: paths only, no script, no style attribute.
    assert 'id="totp-qr"' in page.text and "<script" not in page.text and "style=" not in page.text
    r = client.post("/admin/setup", data={"csrf": csrf_of(page.text), "password": password, "repeat": password,
                                          "code": pyotp.TOTP(secret).now()}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/admin/users", r.text
    return secret


def totp_code(secret: str, *, step_offset: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + step_offset * 30)


def login(client: TestClient, name: str, secret: str, password: str = NEW_PASSWORD, *, step_offset: int = 0) -> None:
    r = post(client, "/admin/login", {"name": name, "password": password})
    assert r.status_code == 303 and r.headers["location"] == "/admin/totp", r.text
    r = post(client, "/admin/totp", {"code": totp_code(secret, step_offset=step_offset)})
    assert r.status_code == 303 and r.headers["location"] == "/admin/users", r.text


@pytest.fixture
def signed_in(console: TestClient, engine: sa.Engine) -> TestClient:
    """A beheerder after their first login, with one team."""
    admin.create_team(engine, "Team Noord")
    first_login(console, "beheer", admin_accounts.create_admin(engine, "beheer", params=FAST))
    return console


def audit_rows(engine: sa.Engine, action: str) -> list[Any]:
    with engine.connect() as conn:
        return conn.execute(sa.select(audit_log).where(audit_log.c.action == action).order_by(audit_log.c.id)).all()


def team_id(engine: sa.Engine, name: str = "Team Noord") -> str:
    from leerrecht_server.tables import teams

    with engine.connect() as conn:
        return str(conn.execute(sa.select(teams.c.team_id).where(teams.c.name == name)).scalar_one())


# -- admin accounts and the CLI ---------------------------------------------------------------------

def test_create_admin_cli_prints_a_one_time_password_that_works_once(db_url: str, engine: sa.Engine,
                                                                     console: TestClient) -> None:
    # --db after the action, as every admin action accepts.
    r = subprocess.run([str(SERVER_BIN), "admin", "create-admin", "beheer", "--db", db_url],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    one_time = r.stdout.strip().splitlines()[-1]
    assert len(one_time.replace("-", "")) == 20
    again = subprocess.run([str(SERVER_BIN), "admin", "--db", db_url, "create-admin", "beheer"],
                           capture_output=True, text=True, timeout=60)
    assert again.returncode == 1 and "already exists" in again.stderr
    with engine.connect() as conn:
        row = conn.execute(sa.select(admin_table)).one()
    assert row.must_change and row.totp_sealed is None and one_time.encode() not in row.password_hash
    assert [(a.actor, a.detail) for a in audit_rows(engine, "create_admin")] == [("admin", "admin beheer")]

    secret = first_login(console, "beheer", one_time)
    console.cookies.clear()
    # The one-time password worked once; the new password and the TOTP code from now on.
    r = post(console, "/admin/login", {"name": "beheer", "password": one_time})
    assert r.status_code == 401 and "Naam of wachtwoord klopt niet." in r.text
    login(console, "beheer", secret, step_offset=1)  # the setup used this step's code: the next one
    with engine.connect() as conn:
        row = conn.execute(sa.select(admin_table)).one()
    assert not row.must_change and row.totp_sealed is not None and secret.encode() not in row.totp_sealed
    assert [a.actor for a in audit_rows(engine, "console_login")] == ["console:beheer"] * 2


def test_one_time_password_is_consumed_at_the_first_login_even_if_setup_is_left(engine: sa.Engine,
                                                                                console: TestClient) -> None:
    one_time = admin_accounts.create_admin(engine, "beheer", params=FAST)
    assert post(console, "/admin/login", {"name": "beheer", "password": one_time}).status_code == 303
    console.cookies.clear()  # the browser closed before the setup
    assert post(console, "/admin/login", {"name": "beheer", "password": one_time}).status_code == 401
    # reset-admin gives a new one (and the TOTP factor is enrolled again).
    r = subprocess.run([str(SERVER_BIN), "admin", "--db", engine.url.render_as_string(hide_password=False),
                        "reset-admin", "beheer"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    first_login(console, "beheer", r.stdout.strip().splitlines()[-1])


def test_disable_admin_ends_sessions_and_list_admins(signed_in: TestClient, engine: sa.Engine) -> None:
    url = engine.url.render_as_string(hide_password=False)
    r = subprocess.run([str(SERVER_BIN), "admin", "list-admins", "--db", url], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0 and r.stdout.startswith("beheer  active  set up  created "), r.stdout + r.stderr
    r = subprocess.run([str(SERVER_BIN), "admin", "disable-admin", "beheer", "--db", url], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert signed_in.get("/admin/users", follow_redirects=False).status_code == 303  # the session is gone
    signed_in.cookies.clear()
    r = post(signed_in, "/admin/login", {"name": "beheer", "password": NEW_PASSWORD})
    assert r.status_code == 401
    assert [a.actor for a in audit_rows(engine, "disable_admin")] == ["admin"]


def test_admin_names_are_checked(engine: sa.Engine) -> None:
    for bad in ("", "Beheer", "<b>", "a" * 49, "jan devos"):
        with pytest.raises(admin.AdminError):
            admin_accounts.create_admin(engine, bad, params=FAST)


# -- the login ----------------------------------------------------------------------------------------

def test_login_with_password_and_totp_and_logout(signed_in: TestClient, engine: sa.Engine) -> None:
    client = signed_in
    assert client.get("/admin/users").status_code == 200
    r = post(client, "/admin/logout", {}, page="/admin/users")
    assert r.status_code == 303 and r.headers["location"] == "/admin/login"
    assert client.get("/admin/users", follow_redirects=False).headers["location"] == "/admin/login"
    assert [a.actor for a in audit_rows(engine, "console_logout")] == ["console:beheer"]
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(admin_sessions)).scalar_one() == 0


def _enrolled_secret(engine: sa.Engine, name: str = "beheer") -> str:
    with engine.connect() as conn:
        row = conn.execute(sa.select(admin_table).where(admin_table.c.name == name)).one()
        return admin_accounts.open_totp(conn, name, row.totp_sealed)


def test_wrong_totp_is_refused_counted_and_throttled(signed_in: TestClient, engine: sa.Engine) -> None:
    client = signed_in
    client.cookies.clear()
    secret = _enrolled_secret(engine)
    r = post(client, "/admin/login", {"name": "beheer", "password": NEW_PASSWORD})
    assert r.headers["location"] == "/admin/totp"
    right = totp_code(secret, step_offset=1)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(Settings().console_totp_limit):
        r = post(client, "/admin/totp", {"code": wrong})
        assert r.status_code == 401 and "Die code klopt niet" in r.text
    # Over the limit: refused before the code is even looked at, the right one too.
    r = post(client, "/admin/totp", {"code": right})
    assert r.status_code == 429 and "Te veel mislukte pogingen" in r.text
    assert client.get("/admin/users", follow_redirects=False).status_code == 303
    assert len(audit_rows(engine, "console_totp_failed")) == Settings().console_totp_limit


def test_a_totp_code_is_accepted_once(signed_in: TestClient, engine: sa.Engine) -> None:
    client = signed_in
    secret = _enrolled_secret(engine)
    code = totp_code(secret, step_offset=1)  # one code, used twice (not recomputed: a step may pass meanwhile)
    for expected in (303, 401):  # the second time: a replay
        client.cookies.clear()
        assert post(client, "/admin/login", {"name": "beheer", "password": NEW_PASSWORD}).status_code == 303
        assert post(client, "/admin/totp", {"code": code}).status_code == expected
    r = post(client, "/admin/totp", {"code": totp_code(secret, step_offset=-1)})
    assert r.status_code == 401  # an older one


def test_wrong_passwords_are_throttled_per_account_and_per_address(db_url: str, engine: sa.Engine) -> None:
    one_time = admin_accounts.create_admin(engine, "beheer", params=FAST)
    app = create_app(db_url, settings=settings(login_limit_per_user=3, login_limit_per_ip=5), engine=engine)
    with TestClient(app, base_url="https://testserver") as client:
        for _ in range(3):
            assert post(client, "/admin/login", {"name": "beheer", "password": "fout"}).status_code == 401
        # The account's limit is used up: the right password is refused too, without a hash.
        r = post(client, "/admin/login", {"name": "beheer", "password": one_time})
        assert r.status_code == 429
        # Other names from this address: until the address's own limit.
        assert post(client, "/admin/login", {"name": "ander", "password": "fout"}).status_code == 401
        assert post(client, "/admin/login", {"name": "derde", "password": "fout"}).status_code == 401
        assert post(client, "/admin/login", {"name": "vierde", "password": "fout"}).status_code == 429
    assert len(audit_rows(engine, "console_login_failed")) == 5
    # Worker logins are counted under keys of their own: the console's failures never lock a worker out.
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(users)).scalar_one() == 0


def test_stale_sessions_are_pruned_at_a_login(signed_in: TestClient, engine: sa.Engine) -> None:
    with engine.begin() as conn:
        admin_accounts.start_session(conn, "beheer", "full")  # another browser's, left open and forgotten
        conn.execute(admin_sessions.update().values(last_seen=time.time() - 24 * 3600))
    assert signed_in.get("/admin/login", follow_redirects=False).status_code == 200
    other = admin_accounts.create_admin(engine, "tweede", params=FAST)
    post(signed_in, "/admin/login", {"name": "tweede", "password": other})
    with engine.connect() as conn:
        assert conn.execute(sa.select(admin_sessions.c.admin_name)).scalars().all() == ["tweede"]


def test_idle_minutes_come_from_the_environment() -> None:
    from leerrecht_server.core import config

    assert config.resolve_serve({}, {"LEERRECHT_SERVER_CONSOLE_IDLE_MINUTES": "30"}).console_idle_minutes == 30
    assert config.resolve_serve({}, {}).console_idle_minutes == 15
    for bad in ("0", "481", "kwartier"):
        with pytest.raises(config.ConfigError, match="LEERRECHT_SERVER_CONSOLE_IDLE_MINUTES"):
            config.resolve_serve({}, {"LEERRECHT_SERVER_CONSOLE_IDLE_MINUTES": bad})


def test_idle_session_ends(signed_in: TestClient, engine: sa.Engine) -> None:
    client = signed_in
    idle = Settings().console_idle_minutes * 60
    with engine.begin() as conn:
        conn.execute(admin_sessions.update().values(last_seen=time.time() - idle - 5))
    r = client.get("/admin/users", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/admin/login?verlopen=1"
    assert "Je sessie is verlopen" in client.get(r.headers["location"]).text
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(admin_sessions)).scalar_one() == 0


def test_setup_refuses_weak_or_mismatched_passwords_and_wrong_codes(console: TestClient, engine: sa.Engine) -> None:
    one_time = admin_accounts.create_admin(engine, "beheer", params=FAST)
    post(console, "/admin/login", {"name": "beheer", "password": one_time})
    page = console.get("/admin/setup").text
    match = re.search(r'id="totp-secret">([^<]+)<', page)
    assert match
    secret = match.group(1).replace(" ", "")
    for password, repeat, code, message in (
            ("kort", "kort", pyotp.TOTP(secret).now(), "minstens 12 tekens"),
            (NEW_PASSWORD, NEW_PASSWORD + "x", pyotp.TOTP(secret).now(), "De twee wachtwoorden verschillen."),
            (NEW_PASSWORD, NEW_PASSWORD, "000000" if pyotp.TOTP(secret).now() != "000000" else "111111",
             "Die code klopt niet")):
        r = post(console, "/admin/setup", {"password": password, "repeat": repeat, "code": code})
        assert r.status_code == 400 and message in r.text
    with engine.connect() as conn:
        assert conn.execute(sa.select(admin_table.c.must_change)).scalar_one()
    # A refused password is no attempt: only checked codes count (one so far), so the setup still works.
    for _ in range(Settings().console_totp_limit + 1):
        assert post(console, "/admin/setup", {"password": "kort", "repeat": "kort", "code": "1"}).status_code == 400
    r = post(console, "/admin/setup", {"password": NEW_PASSWORD, "repeat": NEW_PASSWORD,
                                       "code": pyotp.TOTP(secret).now()})
    assert r.status_code == 303 and r.headers["location"] == "/admin/users"


# -- the edge: sessions, CSRF, headers, tokens -----------------------------------------------------------

# Every console route and what it answers without a session (GET) or without a CSRF token (POST).
# tests/server/test_authz_matrix.py covers the device-token API and leaves /admin to this table.
PUBLIC = "public"
CONSOLE_ROUTES = {
    ("GET", "/admin"): "/admin/users",
    ("GET", "/admin/login"): PUBLIC,
    ("POST", "/admin/login"): 403,
    ("GET", "/admin/lang/{language}"): PUBLIC,
    ("GET", "/admin/totp"): "/admin/login",
    ("POST", "/admin/totp"): 403,
    ("GET", "/admin/setup"): "/admin/login",
    ("POST", "/admin/setup"): 403,
    ("POST", "/admin/logout"): 403,
    ("GET", "/admin/users"): "/admin/login",
    ("POST", "/admin/users/create"): 403,
    ("POST", "/admin/users/move"): 403,
    ("GET", "/admin/users/disable"): "/admin/login",
    ("POST", "/admin/users/disable"): 403,
    ("GET", "/admin/users/reset"): "/admin/login",
    ("POST", "/admin/users/reset"): 403,
    ("GET", "/admin/teams"): "/admin/login",
    ("POST", "/admin/teams/create"): 403,
    ("POST", "/admin/teams/rename"): 403,
    ("POST", "/admin/teams/quota"): 403,
    ("GET", "/admin/status"): "/admin/login",
    ("GET", "/admin/retention"): "/admin/login",
    ("POST", "/admin/retention"): 403,
    ("GET", "/admin/devices"): "/admin/login",
    ("GET", "/admin/devices/revoke"): "/admin/login",
    ("POST", "/admin/devices/revoke"): 403,
    ("GET", "/admin/audit"): "/admin/login",
    ("GET", "/admin/audit.csv"): "/admin/login",
    ("GET", "/admin/recovery"): "/admin/login",
    ("GET", "/admin/admins"): "/admin/login",
    ("POST", "/admin/admins/create"): 403,
    ("GET", "/admin/admins/{action}"): "/admin/login",
    ("POST", "/admin/admins/{action}"): 403,
    ("GET", "/admin/{rest:path}"): "/admin/login",
}


def test_every_console_route_is_in_the_table_and_guarded(console: TestClient) -> None:
    from .test_authz_matrix import _routes  # finds routes however FastAPI nests included routers

    app: Any = console.app
    found = {(method, path) for method, path in _routes(app.routes) if path.startswith("/admin")}
    assert found == set(CONSOLE_ROUTES)
    for (method, path), expected in CONSOLE_ROUTES.items():
        url = path.replace("{language}", "en").replace("{rest:path}", "nothing/here")
        r = console.request(method, url, follow_redirects=False)
        if expected == PUBLIC:
            assert r.status_code in (200, 303), (method, path)
        elif isinstance(expected, int):
            assert r.status_code == expected, (method, path)
        else:
            assert r.status_code == 303 and r.headers["location"] == expected, (method, path)
    assert "/admin/users" not in str(app.openapi()["paths"])  # the console is no part of the API's schema


def test_no_session_redirects_to_login(console: TestClient) -> None:
    for path in ("/admin", "/admin/users", "/admin/totp", "/admin/setup", "/admin/users/disable?username=x"):
        r = console.get(path, follow_redirects=False)
        assert r.status_code == 303, path
        assert r.headers["location"] in ("/admin/login", "/admin/users"), path
    assert console.get("/admin/users").url.path == "/admin/login"


def test_post_without_csrf_is_refused_with_a_dutch_page(signed_in: TestClient, engine: sa.Engine) -> None:
    client = signed_in
    body = {"username": "anna", "role": "netsterk", "team": team_id(engine)}
    for data in (body, {**body, "csrf": "not-the-token"}):
        r = client.post("/admin/users/create", data=data, follow_redirects=False)
        assert r.status_code == 403 and "Dit formulier is verlopen of kwam niet van deze console" in r.text
        assert r.headers["content-type"].startswith("text/html")
    r = client.post("/admin/logout", data={}, follow_redirects=False)
    assert r.status_code == 403
    assert client.get("/admin/users").status_code == 200  # still signed in: the logout was refused
    # Without any cookie (another site's form: SameSite=Strict sends none) the login form is refused too.
    client.cookies.clear()
    r = client.post("/admin/login", data={"name": "beheer", "password": NEW_PASSWORD, "csrf": "x"})
    assert r.status_code == 403
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(users)).scalar_one() == 0


def test_security_headers_on_every_answer(signed_in: TestClient) -> None:
    client = signed_in
    assert "Deze pagina bestaat niet." in client.get("/admin/nothing").text  # a page, in Dutch
    assert client.get("/admin/static/nothing.css").status_code == 404
    for path, status in (("/admin/users", 200), ("/admin/static/console.css", 200), ("/admin/nothing", 404),
                         ("/admin/static/nothing.css", 404)):
        r = client.get(path)
        assert r.status_code == status, path
        csp = r.headers["content-security-policy"]
        for part in ("default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'",
                     "form-action 'self'"):
            assert part in csp, (path, part)
        assert "unsafe-inline" not in csp
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["x-content-type-options"] == "nosniff"
        if not path.startswith("/admin/static/"):
            assert r.headers["cache-control"] == "no-store", path
    r = client.post("/admin/users/create", data={})
    assert r.status_code == 403 and r.headers["x-frame-options"] == "DENY"
    # No inline script or style anywhere: the pages have no <script> and no style attributes.
    page = client.get("/admin/users").text
    assert "<script" not in page and "style=" not in page and "<style" not in page
    # The sync API keeps its own answers (JSON, no console headers).
    assert "content-security-policy" not in client.get("/v1/health").headers


def test_session_cookie_flags(console: TestClient, engine: sa.Engine, db_url: str) -> None:
    one_time = admin_accounts.create_admin(engine, "beheer", params=FAST)
    r = post(console, "/admin/login", {"name": "beheer", "password": one_time})
    cookie = next(v for k, v in r.headers.multi_items() if k == "set-cookie" and v.startswith("lr_admin_session="))
    flags = {part.strip().lower() for part in cookie.split(";")}
    assert {"httponly", "secure", "samesite=strict", "path=/admin"} <= flags
    # Plain HTTP on loopback (a try-out on one's own machine): not Secure, or the browser would drop it.
    app = create_app(db_url, settings=settings(), engine=engine)
    with TestClient(app, base_url="http://127.0.0.1", client=("127.0.0.1", 50000)) as plain:
        cookie = plain.get("/admin/login").headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" not in cookie
    # Plain HTTP with a loopback Host from elsewhere (a proxy that passes no X-Forwarded-Proto): Secure.
    with TestClient(app, base_url="http://127.0.0.1", client=("203.0.113.7", 50000)) as remote:
        assert "Secure" in remote.get("/admin/login").headers["set-cookie"]


def test_a_worker_device_token_gets_nothing(signed_in: TestClient, engine: sa.Engine) -> None:
    client = signed_in
    world = World(client, engine)
    world.teams.add("Team Noord")  # made by the fixture
    worker = world.user("anna", team="Team Noord")
    client.cookies.clear()
    for path in ("/admin/users", "/admin/totp", "/admin/setup"):
        r = client.get(path, headers=worker.headers, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/admin/login", path
    # Nor as a cookie: a device token is no session token.
    client.cookies.set("lr_admin_session", worker.token, domain="testserver", path="/admin")
    assert client.get("/admin/users", follow_redirects=False).status_code == 303
    r = client.post("/admin/users/create", headers=worker.headers,
                    data={"username": "x", "role": "netsterk", "team": team_id(engine)})
    assert r.status_code == 403


# -- the users page ---------------------------------------------------------------------------------------

def test_create_user_shows_the_code_once_and_audits_the_admin(signed_in: TestClient, engine: sa.Engine) -> None:
    client = signed_in
    r = post(client, "/admin/users/create", {"username": "anna", "role": "netsterk", "team": team_id(engine)},
             page="/admin/users")
    assert r.status_code == 200
    match = re.search(r'id="enrolment-code">([A-Z0-9-]+)<', r.text)
    assert match
    code = match.group(1)
    assert "Je account voor Leerrecht" in r.text and "https://testserver" in r.text  # the printable letter
    assert code not in client.get("/admin/users").text  # shown once
    row = audit_rows(engine, "create_user")[-1]
    assert row.actor == "console:beheer" and row.ip == "testclient" and row.detail == "user anna role netsterk"
    # The code enrols, as one from the CLI does.
    world = World(client, engine)
    from leerrecht_server.tables import users as users_table

    with engine.connect() as conn:
        assert conn.execute(sa.select(users_table.c.status)).scalar_one() == "pending"
    import os
    import uuid

    from leerrecht_core.crypto.keys import UserSecrets

    from .conftest import Actor

    user_id = str(uuid.uuid4())
    actor = Actor("anna", user_id, UserSecrets.generate(user_id), os.urandom(32), "Team Noord", "netsterk")
    assert client.post("/v1/enrol", json=world.enrol_body(actor, code)).status_code == 200
    page = client.get("/admin/users").text
    assert re.search(r"anna</td><td>Team Noord</td><td>Netsterk-medewerker</td>\s*<td>actief</td>\s*"
                     r"<td[^>]*><a [^>]*>1 / 1</a></td>", page)


def test_user_names_are_shown_escaped(signed_in: TestClient, engine: sa.Engine) -> None:
    client = signed_in
    name = "<script>alert(1)</script>"
    r = post(client, "/admin/users/create", {"username": name, "role": "netsterk", "team": team_id(engine)},
             page="/admin/users")
    assert r.status_code == 200
    for text in (r.text, client.get("/admin/users").text):
        assert "<script>" not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_create_user_refusals_are_shown(signed_in: TestClient, engine: sa.Engine) -> None:
    client = signed_in
    post(client, "/admin/users/create", {"username": "anna", "role": "netsterk", "team": team_id(engine)},
         page="/admin/users")
    r = post(client, "/admin/users/create", {"username": "anna", "role": "netsterk", "team": team_id(engine)},
             page="/admin/users")
    assert r.status_code == 400 and "Die gebruikersnaam bestaat al" in r.text
    r = post(client, "/admin/users/create", {"username": "bert", "role": "koning", "team": team_id(engine)},
             page="/admin/users")
    assert r.status_code == 400 and "Kies een rol." in r.text
    assert len(audit_rows(engine, "create_user")) == 1


def test_filters_move_and_disable(signed_in: TestClient, engine: sa.Engine) -> None:
    client = signed_in
    admin.create_team(engine, "Team Zuid")
    admin.create_user(engine, "anna", "netsterk", "Team Noord")
    admin.create_user(engine, "bert", "coordinator", "Team Zuid")
    names = lambda html: re.findall(r'<td class="name">([^<]+)</td>', html)  # noqa: E731
    assert names(client.get("/admin/users").text) == ["anna", "bert"]
    assert names(client.get("/admin/users", params={"team": team_id(engine, "Team Zuid")}).text) == ["bert"]
    assert names(client.get("/admin/users", params={"role": "netsterk"}).text) == ["anna"]
    r = post(client, "/admin/users/move", {"username": "anna", "team": team_id(engine, "Team Zuid")},
             page="/admin/users")
    assert r.status_code == 200 and "Gebruiker verplaatst" in r.text
    assert names(client.get("/admin/users", params={"team": team_id(engine, "Team Zuid")}).text) == ["anna", "bert"]
    assert audit_rows(engine, "move_user")[-1].actor == "console:beheer"

    page = client.get("/admin/users/disable", params={"username": "bert"})
    assert page.status_code == 200 and "bert uitschakelen?" in page.text
    r = client.post("/admin/users/disable", data={"csrf": csrf_of(page.text), "username": "bert"})
    assert r.status_code == 400  # not confirmed: nothing done
    r = client.post("/admin/users/disable", data={"csrf": csrf_of(page.text), "username": "bert", "confirm": "yes"})
    assert r.status_code == 200 and "Gebruiker uitgeschakeld" in r.text
    assert names(client.get("/admin/users", params={"status": "disabled"}).text) == ["bert"]
    assert names(client.get("/admin/users", params={"status": "enabled"}).text) == ["anna"]
    assert audit_rows(engine, "disable_user")[-1].actor == "console:beheer"


def test_english_is_available(signed_in: TestClient) -> None:
    client = signed_in
    r = client.get("/admin/lang/en", params={"next": "/admin/users"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/admin/users"
    page = client.get("/admin/users").text
    assert "Users" in page and "New user" in page and 'lang="en"' in page
    # The way back goes to a console page only, never elsewhere.
    r = client.get("/admin/lang/nl", params={"next": "https://example.org/"}, follow_redirects=False)
    assert r.headers["location"] == "/admin/login"
    assert "Gebruikers" in client.get("/admin/users").text


# -- every console string has its English -----------------------------------------------------------

_TEMPLATE_TR = re.compile(r"""\btr\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")


def console_messages() -> list[tuple[str, str]]:
    """(message, where) for every tr("...") in the templates and every N_("...") in the console's code."""
    found: list[tuple[str, str]] = []
    for path in sorted((CONSOLE / "templates").glob("*.html")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for match in _TEMPLATE_TR.finditer(line):
                found.append((match.group(1) or match.group(2), f"{path.name}:{n}"))
    sources = [*sorted(CONSOLE.glob("*.py")), ROOT / "leerrecht_server" / "admin_accounts.py"]
    for path in sources:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "N_":
                first = node.args[0]
                assert isinstance(first, ast.Constant) and isinstance(first.value, str), f"{path}:{node.lineno}"
                found.append((first.value, f"{path.name}:{node.lineno}"))
    return found


def test_every_console_string_has_english_with_the_same_placeholders() -> None:
    catalogue: dict[str, str] = {}
    for path in sorted((ROOT / "resources" / "i18n" / "en").glob("*.json")):
        catalogue.update(json.loads(path.read_text(encoding="utf-8")))
    messages = console_messages()
    assert len(messages) > 50  # the scan finds them; if it found none it would check nothing
    missing = sorted({f"{where}: {text!r}" for text, where in messages if text not in catalogue})
    assert not missing, "No English in resources/i18n/en/console.json for:\n" + "\n".join(missing)

    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    wrong = sorted(f"{where}: {text!r}" for text, where in messages if fields(text) != fields(catalogue[text]))
    assert not wrong, "Placeholders differ:\n" + "\n".join(wrong)
    # Templates pass only literals to tr(), except the N_-marked messages handed in by the code.
    for path in (CONSOLE / "templates").glob("*.html"):
        for call in re.findall(r"\btr\(\s*([^\"')\s][^)]*)\)", path.read_text(encoding="utf-8")):
            head = re.match(r"\w+", call)
            handed_in = ("notice", "error", "message", "status_labels", "state_labels", "role_labels", "label")
            assert head and head.group() in handed_in, (path.name, call)
