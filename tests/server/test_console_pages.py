"""The console's other pages (issue 16): a user's new code, teams, laptops (revoke-and-erase versus
replace), the audit log (filters, paging, CSV export of the filtered rows) and the server status.
The login, sessions, CSRF and the users list are tests/server/test_console.py."""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from leerrecht_server import admin, admin_accounts
from leerrecht_server.app import create_app
from leerrecht_server.crud.audit import audit
from leerrecht_server.tables import devices, teams, users

from .conftest import World
from .test_console import FAST, audit_rows, csrf_of, first_login, post, settings, team_id


@pytest.fixture
def console(db_url: str, engine: sa.Engine) -> Iterator[TestClient]:
    with TestClient(create_app(db_url, settings=settings(), engine=engine), base_url="https://testserver") as tc:
        yield tc


@pytest.fixture
def signed_in(console: TestClient, engine: sa.Engine) -> TestClient:
    """A beheerder after their first login, with one team (as in test_console.py)."""
    admin.create_team(engine, "Team Noord")
    first_login(console, "beheer", admin_accounts.create_admin(engine, "beheer", params=FAST))
    return console


def names(html: str) -> list[str]:
    return re.findall(r'<td class="name">([^<]+)</td>', html)


def test_a_new_code_replaces_the_laptops_and_is_shown_once(signed_in: TestClient, engine: sa.Engine) -> None:
    client = signed_in
    world = World(client, engine)
    world.teams.add("Team Noord")
    anna = world.user("anna")
    page = client.get("/admin/users/reset", params={"username": "anna"})
    assert page.status_code == 200 and "Nieuwe inschrijvingscode voor anna?" in page.text
    r = client.post("/admin/users/reset", data={"csrf": csrf_of(page.text), "username": "anna"})
    assert r.status_code == 400  # not confirmed
    r = client.post("/admin/users/reset", data={"csrf": csrf_of(page.text), "username": "anna", "confirm": "yes"})
    assert r.status_code == 200 and "recover-user" in r.text
    match = re.search(r'id="enrolment-code">([A-Z0-9-]+)<', r.text)
    assert match and match.group(1) not in client.get("/admin/users").text
    with engine.connect() as conn:
        assert conn.execute(sa.select(devices.c.state)).scalar_one() == "replaced"
        assert conn.execute(sa.select(users.c.status)).scalar_one() == "reset"
    assert audit_rows(engine, "reset_user")[-1].actor == "console:beheer"
    # The laptop was replaced, not revoked: it is told so, and erases nothing.
    assert client.get("/v1/pull", headers=anna.headers).json()["code"] == "device_replaced"


def test_teams_create_rename_and_members(signed_in: TestClient, engine: sa.Engine) -> None:
    client = signed_in
    admin.create_user(engine, "anna", "netsterk", "Team Noord")
    r = post(client, "/admin/teams/create", {"name": "Team <Zuid>"}, page="/admin/teams")
    assert r.status_code == 200 and "Team aangemaakt." in r.text and "Team &lt;Zuid&gt;" in r.text
    r = post(client, "/admin/teams/create", {"name": "Team Noord"}, page="/admin/teams")
    assert r.status_code == 400 and "Er is al een team met die naam." in r.text
    r = post(client, "/admin/teams/rename", {"team": team_id(engine), "name": "Team Noord-Oost"}, page="/admin/teams")
    assert r.status_code == 200 and "Team hernoemd." in r.text
    assert names(r.text) == ["Team &lt;Zuid&gt;", "Team Noord-Oost"]
    assert "1 ingeschakeld, 1 in totaal" in r.text
    r = post(client, "/admin/teams/rename", {"team": team_id(engine, "Team Noord-Oost"), "name": "Team <Zuid>"},
             page="/admin/teams")
    assert r.status_code == 400
    with engine.connect() as conn:
        assert sorted(conn.execute(sa.select(teams.c.name)).scalars()) == ["Team <Zuid>", "Team Noord-Oost"]
    assert [a.actor for a in audit_rows(engine, "create_team")][-1] == "console:beheer"
    assert [a.actor for a in audit_rows(engine, "rename_team")] == ["console:beheer"]


def test_devices_list_and_revoke_and_erase(signed_in: TestClient, engine: sa.Engine) -> None:
    client = signed_in
    world = World(client, engine)
    world.teams.add("Team Noord")
    anna = world.user("anna")
    world.user("bert")
    page = client.get("/admin/devices")
    assert page.status_code == 200 and names(page.text) == ["anna", "bert"]
    assert names(client.get("/admin/devices", params={"user": "bert"}).text) == ["bert"]
    assert "Die gebruiker bestaat niet." in client.get("/admin/devices", params={"user": "nobody"}).text
    page = client.get("/admin/devices/revoke", params={"device": anna.device_id})
    assert page.status_code == 200 and "intrekken?" in page.text
    r = client.post("/admin/devices/revoke", data={"csrf": csrf_of(page.text), "device": anna.device_id})
    assert r.status_code == 400  # not confirmed: nothing done
    assert client.get("/v1/pull", headers=anna.headers).status_code == 200
    r = client.post("/admin/devices/revoke", data={"csrf": csrf_of(page.text), "device": anna.device_id,
                                                   "confirm": "yes"})
    assert r.status_code == 200 and "Laptop ingetrokken." in r.text
    assert client.get("/v1/pull", headers=anna.headers).json()["code"] == "device_revoked"
    assert names(client.get("/admin/devices", params={"state": "revoked"}).text) == ["anna"]
    assert audit_rows(engine, "revoke_device")[-1].actor == "console:beheer"
    r = client.get("/admin/devices/revoke", params={"device": anna.device_id})
    assert r.status_code == 404


def test_audit_log_filters_paging_and_csv_export(signed_in: TestClient, engine: sa.Engine) -> None:
    client = signed_in
    case_id = str(uuid.uuid4())
    with engine.begin() as conn:
        for i in range(60):
            audit(conn, "push", actor="anna", case_ids=[case_id] if i % 2 else None, detail=f"n {i}")
        audit(conn, "login_failed", actor="=HYPERLINK(\"http://x\")", ip="203.0.113.9")
    admin.create_user(engine, "anna", "netsterk", "Team Noord")
    page = client.get("/admin/audit")
    assert page.status_code == 200
    total = len(re.findall(r'<td class="when">', page.text))
    assert total == 50 and "pagina 1 van 2" in page.text
    assert "Oudere" in page.text
    page2 = client.get("/admin/audit", params={"page": 2})
    assert len(re.findall(r'<td class="when">', page2.text)) >= 11
    r = client.get("/admin/audit", params={"case": case_id})
    assert "30 regels" in r.text
    r = client.get("/admin/audit", params={"action": "push", "user": "anna", "case": case_id})
    assert "30 regels" in r.text
    assert "De begindatum ligt na de einddatum." in client.get(
        "/admin/audit", params={"start": "2026-02-01", "end": "2026-01-01"}).text
    assert "Een dossier-id is een UUID" in client.get("/admin/audit", params={"case": "x"}).text
    assert client.get("/admin/audit", params={"user": "nobody"}).status_code == 400
    # A beheerder's own entries, by their actor name.
    assert "console_login" in client.get("/admin/audit", params={"user": "console:beheer"}).text

    r = client.get("/admin/audit.csv", params={"case": case_id})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"].startswith('attachment; filename="leerrecht-audit-')
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == 30 and {row["action"] for row in rows} == {"push"} and rows[0]["detail"] == "n 1"
    # A cell a spreadsheet would run as a formula is written with a leading apostrophe.
    rows = list(csv.DictReader(io.StringIO(client.get("/admin/audit.csv", params={"action": "login_failed"}).text)))
    assert rows[0]["actor"] == "'=HYPERLINK(\"http://x\")"
    exports = audit_rows(engine, "console_export_audit")
    assert [e.actor for e in exports] == ["console:beheer"] * 2
    assert exports[0].detail == f"rows 30 filter case={case_id}"


def test_status_page_shows_counts(signed_in: TestClient, engine: sa.Engine) -> None:
    client = signed_in
    admin.create_user(engine, "anna", "netsterk", "Team Noord")
    r = client.get("/admin/status")
    assert r.status_code == 200 and "In orde" in r.text
    assert re.search(r"Wachten op inschrijving</dt><dd>1</dd>", r.text)


def test_new_pages_need_a_session_and_csrf(console: TestClient) -> None:
    for path in ("/admin/teams", "/admin/devices", "/admin/devices/revoke?device=x", "/admin/audit",
                 "/admin/audit.csv", "/admin/status", "/admin/users/reset?username=x"):
        r = console.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/admin/login", path
    for path in ("/admin/teams/create", "/admin/teams/rename", "/admin/devices/revoke", "/admin/users/reset"):
        assert console.post(path, data={}).status_code == 403, path
