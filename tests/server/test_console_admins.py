"""The console's beheerders page (a new beheerder, a new one-time password, disabling one: never one's
own account), the recovery page (the key's fingerprint beside the printed kit, and who is where in the
recovery story; never the key's private half), and the roles and coordinators as people name them.
The login and sessions are tests/server/test_console.py, the other pages test_console_pages.py."""

from __future__ import annotations

import re
import uuid

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from leerrecht_server import admin, admin_accounts
from leerrecht_server.app import create_app
from leerrecht_server.recovery_kit import fingerprint
from leerrecht_server.tables import admin_sessions, org_settings, users

from .conftest import World
from .test_console import FAST, audit_rows, console, csrf_of, first_login, post, settings, signed_in, team_id

__all__ = ["console", "signed_in"]  # the console's fixtures, shared with test_console.py


def _one_time(html: str) -> str:
    match = re.search(r'id="one-time-password">([A-Z0-9-]+)<', html)
    assert match, html
    return match.group(1)


def _sessions(engine: sa.Engine, name: str) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(admin_sessions)
                            .where(admin_sessions.c.admin_name == name)).scalar_one()


def test_a_new_beheerder_gets_a_one_time_password_shown_once_that_logs_in(signed_in: TestClient, db_url: str,
                                                                          engine: sa.Engine) -> None:
    client = signed_in
    page = client.get("/admin/admins")
    assert page.status_code == 200 and '<td class="name">beheer</td>' in page.text and "jij" in page.text
    r = post(client, "/admin/admins/create", {"name": "els.peeters"}, page="/admin/admins")
    assert r.status_code == 200 and "Beheerder els.peeters aangemaakt" in r.text
    password = _one_time(r.text)
    listing = client.get("/admin/admins").text
    assert password not in listing and "wacht op de eerste aanmelding" in listing
    assert audit_rows(engine, "create_admin")[-1].actor == "console:beheer"
    # The password works, in another browser: the first login of the new beheerder.
    with TestClient(create_app(db_url, settings=settings(), engine=engine), base_url="https://testserver") as other:
        first_login(other, "els.peeters", password)
        assert other.get("/admin/users").status_code == 200
    assert "ingesteld, met tweede factor" in client.get("/admin/admins").text


@pytest.mark.parametrize(("name", "sentence"), [
    ("Els Peeters", "Een beheerdersnaam heeft 1 tot 48 tekens"),
    ("<script>x</script>", "Een beheerdersnaam heeft 1 tot 48 tekens"),
    ("beheer", "Die beheerder bestaat al."),
])
def test_a_bad_or_taken_name_is_refused_and_kept(signed_in: TestClient, engine: sa.Engine, name: str,
                                                 sentence: str) -> None:
    r = post(signed_in, "/admin/admins/create", {"name": name}, page="/admin/admins")
    assert r.status_code == 400 and sentence in r.text
    assert "<script>x" not in r.text  # shown escaped, in the field it was typed into
    assert len(admin_accounts.list_admins(engine)) == 1


def test_reset_and_disable_another_beheerder_end_their_sessions(signed_in: TestClient, db_url: str,
                                                                engine: sa.Engine) -> None:
    client = signed_in
    with TestClient(create_app(db_url, settings=settings(), engine=engine), base_url="https://testserver") as other:
        first_login(other, "els", admin_accounts.create_admin(engine, "els", params=FAST))
        assert _sessions(engine, "els") == 1

        page = client.get("/admin/admins/reset", params={"name": "els"})
        assert page.status_code == 200 and "Nieuw eenmalig wachtwoord voor els?" in page.text
        r = client.post("/admin/admins/reset", data={"csrf": csrf_of(page.text), "name": "els"})
        assert r.status_code == 400  # not confirmed: nothing done
        assert _sessions(engine, "els") == 1
        r = client.post("/admin/admins/reset", data={"csrf": csrf_of(page.text), "name": "els", "confirm": "yes"})
        assert r.status_code == 200 and "Nieuw eenmalig wachtwoord voor els" in r.text
        new_password = _one_time(r.text)
        assert _sessions(engine, "els") == 0
        assert other.get("/admin/users", follow_redirects=False).status_code == 303  # logged out
        assert audit_rows(engine, "reset_admin")[-1].actor == "console:beheer"

        first_login(other, "els", new_password, password="nog een lange zin als wachtwoord")
        page = client.get("/admin/admins/disable", params={"name": "els"})
        r = client.post("/admin/admins/disable", data={"csrf": csrf_of(page.text), "name": "els", "confirm": "yes"})
        assert r.status_code == 200 and "Beheerder uitgeschakeld" in r.text
        assert _sessions(engine, "els") == 0
        assert [a.status for a in admin_accounts.list_admins(engine) if a.name == "els"] == ["disabled"]
        assert audit_rows(engine, "disable_admin")[-1].actor == "console:beheer"


def test_ones_own_account_is_neither_reset_nor_disabled_here(signed_in: TestClient, engine: sa.Engine) -> None:
    client = signed_in
    for action in ("reset", "disable"):
        r = client.get(f"/admin/admins/{action}", params={"name": "beheer"})
        assert r.status_code == 400 and "Je eigen account" in r.text
        r = post(client, f"/admin/admins/{action}", {"name": "beheer", "confirm": "yes"}, page="/admin/admins")
        assert r.status_code == 404
    assert _sessions(engine, "beheer") == 1 and client.get("/admin/users").status_code == 200
    assert client.get("/admin/admins/erase", params={"name": "x"}).status_code == 404


def test_admins_page_needs_a_full_session(console: TestClient, engine: sa.Engine) -> None:
    admin_accounts.create_admin(engine, "beheer", params=FAST)
    for path in ("/admin/admins", "/admin/recovery"):
        r = console.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/admin/login"
    r = console.post("/admin/admins/create", data={"name": "indringer"}, follow_redirects=False)
    assert r.status_code in (303, 403)
    assert [a.name for a in admin_accounts.list_admins(engine)] == ["beheer"]


def test_the_recovery_page_shows_the_fingerprint_and_the_next_step_never_the_key(signed_in: TestClient,
                                                                                 engine: sa.Engine) -> None:
    client = signed_in
    page = client.get("/admin/recovery").text
    assert 'id="no-recovery-key"' in page and "create-recovery-key" in page

    private_hex = admin.create_recovery_key(engine)
    world = World(client, engine)  # two enrolled workers: a pending user's new code is no recovery
    world.teams.add("Team Noord")
    world.user("anna")
    world.user("ruben")
    admin.reset_user(engine, "anna")
    with engine.begin() as conn:
        conn.execute(users.update().where(users.c.username == "ruben").values(status="awaiting_recovery"))
        public = conn.execute(sa.select(org_settings.c.value)
                              .where(org_settings.c.key == "recovery_public")).scalar_one()
    page = client.get("/admin/recovery").text
    assert fingerprint(bytes.fromhex(public)) in page
    assert private_hex not in page and private_hex[:16] not in page
    rows = re.findall(r'<td class="name">([^<]+)</td><td>[^<]*</td>\s*<td>(.*?)</td>', page, re.S)
    steps = {name: re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", step)).strip() for name, step in rows}
    assert steps["ruben"].endswith("leerrecht-server admin recover-user ruben")
    assert steps["anna"].startswith("2. De medewerker schrijft zich in")


def test_roles_and_coordinators_as_people_name_them(signed_in: TestClient, engine: sa.Engine) -> None:
    client = signed_in
    team = team_id(engine)
    admin.create_user(engine, "kris", "coordinator", team)
    admin.create_user(engine, "sofie", "netsterk", team)
    page = client.get("/admin/users").text
    assert "<td>coördinator</td>" in page and "<td>Netsterk-medewerker</td>" in page
    assert ">coordinator<" not in page  # the code's spelling is not shown, also not in the role filter
    teams_page = client.get("/admin/teams").text
    assert '<td class="coordinators">kris</td>' in teams_page
    client.get("/admin/lang/en", params={"next": "/admin/users"})
    assert "<td>coordinator</td>" in client.get("/admin/users").text
    assert str(uuid.UUID(team)) == team


def test_the_audit_log_filtered_on_a_user_shows_what_was_done_to_their_account(signed_in: TestClient,
                                                                               engine: sa.Engine) -> None:
    client = signed_in
    world = World(client, engine)
    world.teams.add("Team Noord")
    admin.create_team(engine, "Team Zuid")
    anna = world.user("anna")
    admin.create_user(engine, "a_b", "netsterk", team_id(engine))  # never enrolled: no user id yet
    admin.create_user(engine, "axb", "netsterk", team_id(engine))
    post(client, "/admin/users/move", {"username": "anna", "team": team_id(engine, "Team Zuid")},
         page="/admin/users")
    admin.revoke_device(engine, anna.device_id, actor="console:beheer")
    with engine.connect() as conn:
        about_anna = [r.action for r in conn.execute(admin.audit_query(conn, username="anna"))]
        about_ab = [r.detail for r in conn.execute(admin.audit_query(conn, username="a_b"))]
    assert {"move_user", "revoke_device"} <= set(about_anna)
    assert about_ab == ["user a_b role netsterk"]  # by name, and "_" is no wildcard (axb is not listed)
    page = client.get("/admin/audit", params={"user": "anna", "action": "revoke_device"}).text
    assert "revoke_device" in page and anna.device_id in page
