"""The access log on the server (issue 13 item 6), on SQLite and PostgreSQL: a laptop's entries become
audit rows with the caller as actor (only for cases the caller is or was a member of; the answer is
the same for the rest), a case's coordinator reads its log (403 for another member, 404 for anyone
else, whether or not the case exists), old entries are pruned, an erased case's entries go with it."""

from __future__ import annotations

import datetime as dt
import subprocess
import uuid
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from leerrecht_core import protocol_access as pa
from leerrecht_server import admin
from leerrecht_server.crud import access_log as crud
from leerrecht_server.crud.erasure import erase_case
from leerrecht_server.db import write_transaction
from leerrecht_server.tables import audit_log

from .conftest import SERVER_BIN, Actor, World


def iso(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat(timespec="milliseconds")


def entry(case_id: str, action: str = "case_opened", at: dt.datetime | None = None) -> dict[str, Any]:
    return {"at": iso(at or dt.datetime.now(dt.UTC)), "action": action, "case_id": case_id}


def push(client: TestClient, actor: Actor, *entries: dict[str, Any]) -> int:
    r = client.post("/v1/access-log", json={"entries": list(entries)}, headers=actor.headers)
    return r.status_code


def laptop_rows(engine: sa.Engine) -> list[Any]:
    with engine.connect() as conn:
        return conn.execute(sa.select(audit_log).where(audit_log.c.action.in_(pa.ACCESS_ACTIONS))
                            .order_by(audit_log.c.id)).all()


def test_entries_become_audit_rows_for_cases_the_caller_held_only(world: World, client: TestClient,
                                                                 engine: sa.Engine) -> None:
    anna, bert = world.user("anna"), world.user("bert")
    held = world.register(anna, bert)
    left = world.register(bert, anna)
    assert world.remove(bert, left, anna, [bert]).status_code == 200  # anna was a member of it
    never = world.register(bert)
    opened_at = dt.datetime(2026, 1, 5, 8, 30, 12, 345000, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert push(client, anna, entry(held.case_id, "case_opened", opened_at),
                entry(held.case_id, "case_printed"), entry(left.case_id, "case_exported"),
                entry(never.case_id, "case_opened"), entry(str(uuid.uuid4()), "case_opened")) == 204
    rows = laptop_rows(engine)
    assert [(r.action, r.case_ids) for r in rows] == [
        ("case_opened", held.case_id), ("case_printed", held.case_id), ("case_exported", left.case_id)]
    first = rows[0]
    assert first.at == "2026-01-05T07:30:12.345+00:00"  # the laptop's time, in UTC
    assert (first.actor, first.user_id, first.device_id) == ("anna", anna.user_id, anna.device_id)
    assert first.detail.startswith("received ")
    # Only entries for cases never held: the same answer, nothing written.
    assert push(client, anna, entry(never.case_id)) == 204
    assert len(laptop_rows(engine)) == 3


def test_entries_out_of_time_are_dropped_and_bad_ones_refused(world: World, client: TestClient,
                                                             engine: sa.Engine) -> None:
    anna = world.user("anna")
    case = world.register(anna)
    now = dt.datetime.now(dt.UTC)
    assert push(client, anna, entry(case.case_id, at=now + dt.timedelta(days=2)),
                entry(case.case_id, at=now - dt.timedelta(days=pa.ACCESS_LOG_DEFAULT_DAYS + 1))) == 204
    assert laptop_rows(engine) == []
    for bad in ({"at": iso(now), "action": "case_read_aloud", "case_id": case.case_id},  # not in the vocabulary
                {"at": "2026-01-05T08:30:00", "action": "case_opened", "case_id": case.case_id},  # no time zone
                {"at": iso(now), "action": "case_opened", "case_id": "abc"},
                {"at": iso(now), "action": "case_opened", "case_id": case.case_id, "name": "Fictief Kind"}):
        r = client.post("/v1/access-log", json={"entries": [bad]}, headers=anna.headers)
        assert r.status_code == 400 and r.json()["code"] == "bad_request", bad
    r = client.post("/v1/access-log", json={"entries": [entry(case.case_id)] * (pa.MAX_ACCESS_ENTRIES + 1)},
                    headers=anna.headers)
    assert r.status_code == 400
    assert client.post("/v1/access-log", json={"entries": [entry(case.case_id)]}).status_code == 401
    assert laptop_rows(engine) == []


def test_a_coordinator_reads_the_case_log_newest_first_others_get_403_or_404(world: World, client: TestClient,
                                                                           engine: sa.Engine) -> None:
    coord = world.user("coord", role="coordinator")
    anna, bert = world.user("anna"), world.user("bert")
    zuid = world.user("zoe", team="Team Zuid")
    case = world.register(anna, coord)
    assert world.add(anna, case, bert).status_code == 200
    assert world.remove(anna, case, bert, [anna, coord]).status_code == 200
    world.push(anna, world.sealed(anna, case, {"n": "fictief"}))
    base = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    assert push(client, anna, entry(case.case_id, "case_opened", base),
                entry(case.case_id, "case_printed", base + dt.timedelta(minutes=1))) == 204

    r = client.get(f"/v1/cases/{case.case_id}/access-log", headers=coord.headers)
    assert r.status_code == 200, r.text
    log = pa.CaseAccessLog.model_validate(r.json())
    actions = [e.action for e in log.entries]
    assert actions[:2] == ["member_remove", "member_add"]  # the server's, just now: the newest
    assert actions[-3:] == ["case_register", "case_printed", "case_opened"]  # the laptop's times: 5 min ago
    assert "push" not in actions and "pull" not in actions
    assert [e.at for e in log.entries] == sorted((e.at for e in log.entries), reverse=True)
    printed = next(e for e in log.entries if e.action == "case_printed")
    assert (printed.display_name, printed.user_id, printed.source) == ("Fictief anna", anna.user_id, "laptop")
    removed = log.entries[0]
    assert (removed.source, removed.display_name, removed.subject_name) == ("server", "Fictief anna", "Fictief bert")

    # The case's worker, with a coordinator in the team: 403. Bert, removed, and Zoe, another team: 404,
    # the same answer as for a case that does not exist.
    assert client.get(f"/v1/cases/{case.case_id}/access-log", headers=anna.headers).status_code == 403
    missing = client.get(f"/v1/cases/{uuid.uuid4()}/access-log", headers=zuid.headers)
    assert missing.status_code == 404
    for outsider in (bert, zuid):
        r = client.get(f"/v1/cases/{case.case_id}/access-log", headers=outsider.headers)
        assert (r.status_code, r.json()) == (404, missing.json())
    # Reading the log is itself in the audit log.
    with engine.connect() as conn:
        shown = conn.execute(sa.select(audit_log.c.actor, audit_log.c.case_ids)
                             .where(audit_log.c.action == "access_log_show")).all()
    assert [tuple(s) for s in shown] == [("coord", case.case_id)]


def test_in_a_team_without_a_coordinator_the_cases_worker_reads_it(world: World, client: TestClient) -> None:
    anna, bert = world.user("anna", team="Team Oost"), world.user("bert", team="Team Oost")
    case = world.register(anna, bert)
    assert push(client, bert, entry(case.case_id, "case_exported")) == 204
    r = client.get(f"/v1/cases/{case.case_id}/access-log", headers=anna.headers)
    assert r.status_code == 200
    assert pa.CaseAccessLog.model_validate(r.json()).entries[0].action == "case_exported"
    assert client.get(f"/v1/cases/{case.case_id}/access-log", headers=bert.headers).status_code == 403


def test_old_entries_are_pruned_once_a_day_and_by_the_admin_command(world: World, client: TestClient,
                                                                   engine: sa.Engine, db_url: str) -> None:
    anna = world.user("anna")
    case = world.register(anna)
    now = dt.datetime.now(dt.UTC)
    with write_transaction(engine) as conn:
        for days in (800, 400, 10):
            conn.execute(audit_log.insert().values(at=iso(now - dt.timedelta(days=days)), actor="anna",
                                                   user_id=anna.user_id, action="case_opened",
                                                   case_ids=case.case_id))
        conn.execute(audit_log.insert().values(at=iso(now - dt.timedelta(days=900)), actor="admin",
                                               action="create_team", detail="team x"))
    assert push(client, anna, entry(case.case_id, "case_printed")) == 204  # the daily sweep runs here
    ages = sorted(r.at for r in laptop_rows(engine))
    assert len(ages) == 3  # the 800-day-old one went (default 730 days); the server's own event stays
    with engine.connect() as conn:
        assert conn.execute(sa.select(audit_log.c.id).where(audit_log.c.action == "create_team")).first()

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(SERVER_BIN), "admin", "--db", db_url, *args], capture_output=True, text=True,
                              timeout=60)

    r = run("set-access-log-retention", "--days", "365")
    assert r.returncode == 0, r.stderr
    r = run("prune-audit")
    assert r.returncode == 0 and r.stdout.strip() == "1 access entries older than 365 days deleted", r.stdout
    assert len(laptop_rows(engine)) == 2
    for bad in ("0", "29", "3651", "veel"):
        r = run("set-access-log-retention", "--days", bad)
        assert r.returncode != 0 and len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    with engine.connect() as conn:
        assert crud.retention_days(conn) == 365


def test_an_erased_case_takes_its_access_entries_along(world: World, client: TestClient, engine: sa.Engine) -> None:
    anna = world.user("anna")
    gone, kept = world.register(anna), world.register(anna)
    assert push(client, anna, entry(gone.case_id), entry(kept.case_id, "case_printed")) == 204
    with write_transaction(engine) as conn:
        erase_case(conn, gone.case_id, cause="request", erased_by=anna.user_id, reason="Fictieve vraag")
        conn.execute(audit_log.insert().values(at=iso(dt.datetime.now(dt.UTC)), actor="anna", action="case_erase",
                                               case_ids=gone.case_id))
    assert [(r.action, r.case_ids) for r in laptop_rows(engine)] == [("case_printed", kept.case_id)]
    with engine.connect() as conn:  # only the erasure's own entry stays (its registration went too)
        left = {r.action for r in conn.execute(sa.select(audit_log.c.action)
                                               .where(audit_log.c.case_ids == gone.case_id))}
    assert left == {"case_erase"}


def test_admin_functions_refuse_out_of_range(engine: sa.Engine) -> None:
    for days in (pa.ACCESS_LOG_MIN_DAYS - 1, pa.ACCESS_LOG_MAX_DAYS + 1):
        try:
            admin.set_access_log_retention(engine, days)
        except admin.AdminError as exc:
            assert "between 30 and 3650" in str(exc)
        else:
            raise AssertionError("accepted")
