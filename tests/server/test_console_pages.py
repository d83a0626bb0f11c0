"""The console's other pages (issue 16): a user's new code, teams, laptops (revoke-and-erase versus
replace), the audit log (filters, paging, CSV export of the filtered rows), the retention period, the
server status (with the database size and the backup the backup script recorded) and the laptops'
reported app version and unsent changes.
The login, sessions, CSRF and the users list are tests/server/test_console.py."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import subprocess
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from leerrecht_server import admin, admin_accounts
from leerrecht_server.app import create_app
from leerrecht_server.crud.audit import audit
from leerrecht_server.tables import cases, devices, teams, users

from .conftest import SERVER_BIN, World
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


def test_retention_is_shown_and_changed_with_the_clis_function(signed_in: TestClient, engine: sa.Engine) -> None:
    client = signed_in
    page = client.get("/admin/retention")
    default, chosen = admin.show_retention(engine)
    assert page.status_code == 200 and not chosen
    assert f"wordt overal gewist {default} dagen" in page.text and "Dat is de standaard" in page.text
    for bad in ("364", "36501", "tien jaar", "", "3650.5", "-400", "9" * 5000):
        r = post(client, "/admin/retention", {"closed_days": bad}, page="/admin/retention")
        assert r.status_code == 400, bad
        assert ("Een bewaartermijn is een geheel aantal dagen van 365 tot 36500 (bijvoorbeeld 3650 voor tien jaar). "
                "Er is niets gewijzigd.") in r.text, bad
    assert admin.show_retention(engine) == (default, False) and audit_rows(engine, "set_retention") == []
    r = post(client, "/admin/retention", {"closed_days": " 2555 "}, page="/admin/retention")
    assert r.status_code == 200 and "Bewaartermijn gewijzigd." in r.text
    assert "wordt overal gewist 2555 dagen" in r.text and "Zo ingesteld door de organisatie." in r.text
    assert admin.show_retention(engine) == (2555, True)
    [entry] = audit_rows(engine, "set_retention")
    assert entry.actor == "console:beheer" and entry.ip and entry.detail == "closed_days 2555 before default"
    client.get("/admin/lang/en")
    r = post(client, "/admin/retention", {"closed_days": "9"}, page="/admin/retention")
    assert "A retention period is a whole number of days from 365 to 36500" in r.text
    client.get("/admin/lang/nl")


def test_a_shorter_retention_that_erases_cases_asks_a_confirmation(signed_in: TestClient, engine: sa.Engine) -> None:
    client = signed_in
    long_ago = (dt.date.today() - dt.timedelta(days=1000)).isoformat()
    with engine.begin() as conn:
        conn.execute(cases.insert().values(case_id=str(uuid.uuid4()), team_id=team_id(engine), key_version=1,
                                           created_at="2020-01-01T00:00:00.000+00:00", closed_on=long_ago))
    r = post(client, "/admin/retention", {"closed_days": "730"}, page="/admin/retention")
    assert r.status_code == 409 and 'id="retention-confirm"' in r.text
    assert "Met 730 dagen wist de server binnen het uur 1 afgesloten dossiers" in r.text
    assert admin.show_retention(engine)[1] is False and audit_rows(engine, "set_retention") == []
    r = post(client, "/admin/retention", {"closed_days": "730", "confirm": "yes"}, page="/admin/retention")
    assert r.status_code == 200 and "Bewaartermijn gewijzigd." in r.text
    assert admin.show_retention(engine) == (730, True)
    # Longer again erases nothing more: no question.
    r = post(client, "/admin/retention", {"closed_days": "1200"}, page="/admin/retention")
    assert r.status_code == 200 and admin.show_retention(engine) == (1200, True)
    assert [e.detail for e in audit_rows(engine, "set_retention")] == ["closed_days 730 before default",
                                                                         "closed_days 1200 before 730"]


def test_status_shows_the_database_size_and_the_recorded_backup(signed_in: TestClient, engine: sa.Engine,
                                                                 db_url: str) -> None:
    client = signed_in
    r = client.get("/admin/status")
    assert re.search(r'id="db-size">\d+(\.\d)? (MB|kB)<', r.text)
    assert re.search(r'id="last-backup" class="error">nog nooit<', r.text)
    # The backup script's call after a successful dump, as docs/operations.md §8 has it.
    out = subprocess.run([str(SERVER_BIN), "admin", "--db", db_url, "record-backup", "--at", "2026-01-12T02:00:00Z"],
                         capture_output=True, text=True, check=True)
    assert "backup recorded at 2026-01-12T02:00:00+00:00" in out.stdout
    r = client.get("/admin/status")
    assert re.search(r'id="last-backup" class="error">2026-01-12 02:00 · ouder dan 36 uur<', r.text)
    subprocess.run([str(SERVER_BIN), "admin", "--db", db_url, "record-backup"], capture_output=True, check=True)
    r = client.get("/admin/status")
    assert re.search(r'id="last-backup">\d{4}-\d\d-\d\d \d\d:\d\d<', r.text)  # recent: not red
    assert [e.actor for e in audit_rows(engine, "record_backup")] == ["admin", "admin"]
    bad = subprocess.run([str(SERVER_BIN), "admin", "--db", db_url, "record-backup", "--at", "gisteren"],
                         capture_output=True, text=True)
    assert bad.returncode == 1 and "ISO 8601" in bad.stderr
    with pytest.raises(admin.AdminError, match="future"):
        admin.record_backup(engine, "2999-01-01T00:00:00")
    assert len(audit_rows(engine, "record_backup")) == 2


def test_devices_show_version_and_unsent_and_the_revoke_page_warns(signed_in: TestClient, engine: sa.Engine) -> None:
    client = signed_in
    world = World(client, engine)
    world.teams.add("Team Noord")
    anna = world.user("anna")
    bert = world.user("bert")
    assert client.get("/v1/pull", headers={**anna.headers, "X-Leerrecht-Client": "1.4.0+deb12",
                                           "X-Leerrecht-Unsent": "7"}).status_code == 200
    assert client.get("/v1/pull", headers={**bert.headers, "X-Leerrecht-Client": "1.4.0",
                                           "X-Leerrecht-Unsent": "0"}).status_code == 200
    page = client.get("/admin/devices")
    rows = re.findall(r'<td class="name">(\w+)</td>.*?<td>([^<]*)</td>\s*<td>([^<]*)</td>', page.text, re.S)
    assert rows == [("anna", "1.4.0+deb12", "7"), ("bert", "1.4.0", "0")]
    r = client.get("/admin/devices/revoke", params={"device": anna.device_id})
    assert ("Deze laptop had bij het laatste contact nog 7 niet verstuurde wijzigingen; met Vervangen levert hij ze "
            "eerst af.") in r.text
    assert 'id="unsent-warning"' in r.text and "/admin/users/reset?username=anna" in r.text
    r = client.get("/admin/devices/revoke", params={"device": bert.device_id})
    assert r.status_code == 200 and 'id="unsent-warning"' not in r.text
    # Disabling the user revokes every laptop of theirs: its confirmation counts their unsent changes too.
    r = client.get("/admin/users/disable", params={"username": "anna"})
    assert "hadden bij hun laatste contact samen nog 7 niet verstuurde wijzigingen" in r.text
    assert 'id="unsent-warning"' not in client.get("/admin/users/disable", params={"username": "bert"}).text
