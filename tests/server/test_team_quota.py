"""A team's own attachment quota (issue 15; migration 0011): the beheerder sets it on the console's teams
page or with `admin set-team-quota`, beside what the team's attachments take; an upload past the team's
quota is refused with `quota_exceeded` while another team, on the server's default, is not; a quota
below the usage deletes nothing and says so; a value that is no quota is refused in Dutch with what was
typed kept; and "default" (or an empty field) gives the team the server's default back."""

from __future__ import annotations

import os
import re
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from leerrecht_core import protocol_blobs as pb
from leerrecht_server import admin, admin_accounts
from leerrecht_server.app import create_app
from leerrecht_server.tables import attachments, teams

from .conftest import SERVER_BIN, Actor, Case, World
from .test_console import FAST, audit_rows, first_login, post, settings, team_id

MIB = 1024 * 1024
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def console(db_url: str, engine: sa.Engine) -> Iterator[TestClient]:
    # The server's default is 1 MiB per team, so a few small uploads reach it.
    with TestClient(create_app(db_url, settings=settings(team_quota_mb=1), engine=engine),
                    base_url="https://testserver") as tc:
        yield tc


@pytest.fixture
def world(console: TestClient, engine: sa.Engine) -> World:
    first_login(console, "beheer", admin_accounts.create_admin(engine, "beheer", params=FAST))
    return World(console, engine)


def announce(world: World, author: Actor, case: Case, sealed_size: int) -> tuple[int, str]:
    """Announce an upload of `sealed_size` sealed bytes (the quota is checked here); (status, code)."""
    chunks = -(-sealed_size // (256 * 1024 + 28))
    r = world.http.post("/v1/attachments", headers=author.headers, json={
        "attachment_id": str(uuid.uuid4()), "case_id": case.case_id, "key_version": case.key_version,
        "author_id": author.user_id, "chunk_count": chunks, "sealed_size": sealed_size})
    return r.status_code, (r.json().get("code", "") if r.status_code != 200 else "")


def space_cell(html: str, team: str) -> str:
    row = re.search(r'<td class="name">' + re.escape(team) + r'</td>.*?<td class="space">(.*?)</td>', html, re.S)
    assert row, html
    return " ".join(re.sub(r"<[^>]+>", " ", row.group(1)).split())


def test_a_team_with_its_own_quota_takes_more_than_the_default_and_the_page_shows_it(
        world: World, console: TestClient, engine: sa.Engine) -> None:
    anna, bert = world.user("anna"), world.user("bert", team="Team Zuid")
    noord, zuid = world.register(anna), world.register(bert)
    # On the default (1 MiB) both teams are refused 1.5 MiB.
    assert announce(world, anna, noord, 3 * MIB // 2) == (413, pb.QUOTA_CODE)
    assert announce(world, bert, zuid, 3 * MIB // 2) == (413, pb.QUOTA_CODE)

    r = post(console, "/admin/teams/quota", {"team": team_id(engine), "quota_mb": "3"}, page="/admin/teams")
    assert r.status_code == 200 and "Quotum ingesteld." in r.text
    assert space_cell(r.text, "Team Noord").startswith("0 MB van 3 MB")
    assert space_cell(r.text, "Team Zuid").startswith("0 MB van 1 MB (standaard)")
    assert announce(world, anna, noord, 3 * MIB // 2) == (200, "")
    assert announce(world, bert, zuid, 3 * MIB // 2) == (413, pb.QUOTA_CODE)  # the other team is not changed
    page = console.get("/admin/teams").text
    assert space_cell(page, "Team Noord").startswith("1.5 MB van 3 MB")
    assert [a.actor for a in audit_rows(engine, "set_team_quota")] == ["console:beheer"]
    assert audit_rows(engine, "set_team_quota")[0].detail.endswith("quota 3 MiB")


def test_a_quota_below_the_usage_deletes_nothing_and_says_so(world: World, console: TestClient,
                                                            engine: sa.Engine) -> None:
    anna = world.user("anna")
    case = world.register(anna)
    admin.set_team_quota(engine, "Team Noord", 5)
    world.attachment(anna, case, PNG + os.urandom(2 * MIB))
    r = post(console, "/admin/teams/quota", {"team": team_id(engine), "quota_mb": "1"}, page="/admin/teams")
    assert r.status_code == 200 and "Het team gebruikt al meer" in r.text and "Er wordt niets gewist." in r.text
    assert "vol: nieuwe bijlagen worden geweigerd" in space_cell(r.text, "Team Noord")
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(attachments)).scalar() == 1
    assert announce(world, anna, case, 64 * 1024) == (413, pb.QUOTA_CODE)


def test_a_value_that_is_no_quota_is_refused_in_dutch_and_kept(world: World, console: TestClient,
                                                              engine: sa.Engine) -> None:
    world.user("anna")
    admin.set_team_quota(engine, "Team Noord", 7)
    for typed in ("veel", "0", "-3", "2,5"):
        r = post(console, "/admin/teams/quota", {"team": team_id(engine), "quota_mb": typed}, page="/admin/teams")
        assert r.status_code == 400 and "Een quotum is een aantal MB" in r.text, typed
        assert f'value="{typed}"' in r.text  # what was typed stays in the field
    r = post(console, "/admin/teams/quota", {"team": "geen-team", "quota_mb": "5"}, page="/admin/teams")
    assert r.status_code == 400 and "Dit team bestaat niet (meer)." in r.text
    with engine.connect() as conn:
        assert conn.execute(sa.select(teams.c.attachment_quota_mb)).scalar() == 7  # nothing changed

    r = post(console, "/admin/teams/quota", {"team": team_id(engine), "quota_mb": ""}, page="/admin/teams")
    assert r.status_code == 200 and space_cell(r.text, "Team Noord").startswith("0 MB van 1 MB (standaard)")
    with engine.connect() as conn:
        assert conn.execute(sa.select(teams.c.attachment_quota_mb)).scalar() is None


def test_the_admin_command_sets_lists_and_refuses(tmp_path: Path) -> None:
    env = {**os.environ, "LEERRECHT_SERVER_DB": f"sqlite:///{tmp_path / 'server.sqlite3'}",
           "LEERRECHT_SERVER_TEAM_QUOTA_MB": "2048"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(SERVER_BIN), "admin", *args], capture_output=True, text=True, env=env, timeout=120)

    assert run("create-team", "Team Noord").returncode == 0
    line = "team Team Noord: attachments may take 20480 MiB; 0.0 MiB used"
    done = run("set-team-quota", "Team Noord", "20480")
    assert done.returncode == 0 and done.stdout.strip() == line
    assert run("list-teams").stdout.strip() == line
    back = run("set-team-quota", "Team Noord", "default")
    assert back.stdout.strip() == "team Team Noord: attachments may take 2048 MiB (the server default); 0.0 MiB used"
    for args, words in ((("set-team-quota", "Team Noord", "veel"), "is not a number of MiB"),
                        (("set-team-quota", "Team Zuid", "5"), "no team 'Team Zuid'"),
                        (("set-team-quota", "Team Noord", "0"), "a quota is 1 to")):
        refused = run(*args)
        assert refused.returncode != 0 and words in refused.stderr and "Traceback" not in refused.stderr
