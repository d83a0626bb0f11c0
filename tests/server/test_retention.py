"""Retention on the server (issue 13, item 4), on SQLite and PostgreSQL: the period (`admin set-retention`,
refusals leave it unchanged), closing dates reported by members only, the due list and holds with their
refusals, and the sweep (erases what is due, keeps what is held, open or reopened; one audit entry per
case; two sweeps at once erase each case once)."""

from __future__ import annotations

import csv
import datetime as dt
import threading
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from leerrecht_core import protocol_lifecycle as pl
from leerrecht_core import protocol_retention as pr
from leerrecht_server import admin
from leerrecht_server.retention import sweep, utc_today
from leerrecht_server.tables import audit_log, case_erasures, cases, key_grants, memberships, retention_holds, revisions

from .conftest import Actor, Case, World
from .test_cli import run

TODAY = utc_today()
LONG_AGO = (TODAY - dt.timedelta(days=4000)).isoformat()


def _closings(world: World, actor: Actor, **closed: str | None) -> Any:
    r = world.http.post("/v1/closings", json={"cases": [{"case_id": k, "closed_on": v} for k, v in closed.items()]},
                        headers=actor.headers)
    assert r.status_code == 200, r.text
    return r.json()["recorded"]


def _closing(world: World, actor: Actor, case: Case, closed_on: str | None) -> None:
    assert _closings(world, actor, **{case.case_id: closed_on}) == [case.case_id]


def _audit(engine: sa.Engine, action: str) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(audit_log).where(audit_log.c.action == action).order_by(audit_log.c.id)))


def _count(engine: sa.Engine, table: sa.Table, case_id: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)
                                .where(table.c.case_id == case_id)).scalar_one())


def _team(world: World) -> tuple[Actor, Actor, Actor]:
    anna = world.user("anna")
    carla = world.user("carla", role="coordinator")
    bert = world.user("bert")
    return anna, carla, bert


# -- the period -------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["0", "-1", "364", "36501", "abc", "3650.5", ""])
def test_set_retention_out_of_range_is_one_line_and_changes_nothing(bad: str, db_url: str, engine: sa.Engine) -> None:
    assert run("admin", "--db", db_url, "set-retention", "--closed-days", "4000").returncode == 0
    r = run("admin", "--db", db_url, "set-retention", f"--closed-days={bad}")
    assert r.returncode == 1, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert "--closed-days must be a whole number of days from 365 to 36500" in r.stderr
    assert "nothing changed" in r.stderr
    assert admin.show_retention(engine) == (4000, True)
    assert [row.detail for row in _audit(engine, "set_retention")] == ["closed_days 4000 before default"]


def test_set_retention_stores_shows_and_logs(db_url: str, engine: sa.Engine, tmp_path: Path) -> None:
    r = run("admin", "--db", db_url, "show-retention")
    assert r.returncode == 0 and f"{pr.DEFAULT_RETENTION_CLOSED_DAYS} days" in r.stdout and "default" in r.stdout
    r = run("admin", "set-retention", "--closed-days", "730", "--db", db_url)
    assert r.returncode == 0, r.stderr
    assert "730 days" in r.stdout
    r = run("admin", "--db", db_url, "show-retention")
    assert "730 days" in r.stdout and "set by the organisation" in r.stdout
    assert admin.show_retention(engine) == (730, True)
    out = tmp_path / "audit.csv"
    assert run("admin", "--db", db_url, "export-audit", "--out", str(out)).returncode == 0
    rows = [row for row in csv.DictReader(out.open(encoding="utf-8")) if row["action"] == "set_retention"]
    assert [(row["actor"], row["detail"]) for row in rows] == [("admin", "closed_days 730 before default")]


# -- closing dates ------------------------------------------------------------------------------------


def test_only_members_report_closing_dates(world: World, engine: sa.Engine) -> None:
    anna, carla, bert = _team(world)
    zoe = world.user("zoe", team="Team Zuid")
    case = world.register(anna, carla)
    # Not a member (bert, of the team) or of another team (zoe): left out, nothing stored.
    assert _closings(world, bert, **{case.case_id: LONG_AGO}) == []
    assert _closings(world, zoe, **{case.case_id: LONG_AGO}) == []
    with engine.connect() as conn:
        assert conn.execute(sa.select(cases.c.closed_on)).scalar_one() is None
    _closing(world, anna, case, LONG_AGO)
    with engine.connect() as conn:
        assert conn.execute(sa.select(cases.c.closed_on)).scalar_one() == LONG_AGO
    _closing(world, carla, case, None)  # reopened
    with engine.connect() as conn:
        assert conn.execute(sa.select(cases.c.closed_on)).scalar_one() is None
    assert [row.actor for row in _audit(engine, "closings")] == ["anna", "carla"]
    r = world.http.post("/v1/closings", json={"cases": [{"case_id": case.case_id, "closed_on": "0001-01-01"}]},
                        headers=anna.headers)
    assert r.status_code == 400  # no date the period could not be added to


# -- the due list and holds -----------------------------------------------------------------------------


def test_due_list_and_holds(world: World, engine: sa.Engine) -> None:
    anna, carla, bert = _team(world)
    due, soon, later, open_case = (world.register(anna, carla, bert) for _ in range(4))
    days = pr.DEFAULT_RETENTION_CLOSED_DAYS
    _closing(world, anna, due, LONG_AGO)
    _closing(world, anna, soon, (TODAY - dt.timedelta(days=days - 10)).isoformat())  # erased in 10 days
    _closing(world, anna, later, (TODAY - dt.timedelta(days=days - 31)).isoformat())  # not within 30
    r = world.http.get("/v1/retention", headers=carla.headers)
    assert r.status_code == 200, r.text
    listed = pr.RetentionList.model_validate(r.json())
    assert listed.closed_days == days and listed.today == TODAY
    assert [(d.case_id, d.hold) for d in listed.cases] == [(due.case_id, None), (soon.case_id, None)]
    assert listed.cases[1].erase_on == TODAY + dt.timedelta(days=10)

    until = (TODAY + dt.timedelta(days=365)).isoformat()
    r = world.http.post(f"/v1/cases/{due.case_id}/retention-hold", json={"until": until, "reason": "Lopende klacht"},
                        headers=carla.headers)
    assert r.status_code == 200, r.text
    assert r.json()["hold"]["until"] == until and r.json()["hold"]["held_by"] == "carla"
    listed = pr.RetentionList.model_validate(world.http.get("/v1/retention", headers=carla.headers).json())
    assert listed.cases[0].hold is not None and listed.cases[0].hold.reason == "Lopende klacht"
    [entry] = _audit(engine, "retention_hold")
    assert (entry.actor, entry.case_ids, entry.detail) == ("carla", due.case_id, f"until={until} reason=Lopende klacht")

    # An open case has nothing to postpone: 409, nothing stored.
    r = world.http.post(f"/v1/cases/{open_case.case_id}/retention-hold", json={"until": until, "reason": "x"},
                        headers=carla.headers)
    assert r.status_code == 409
    assert _count(engine, retention_holds, open_case.case_id) == 0

    r = world.http.delete(f"/v1/cases/{due.case_id}/retention-hold", headers=carla.headers)
    assert r.status_code == 204
    assert _count(engine, retention_holds, due.case_id) == 0
    assert [(e.actor, e.case_ids) for e in _audit(engine, "retention_hold_lift")] == [("carla", due.case_id)]


def test_a_worker_is_refused_where_the_team_has_a_coordinator(world: World, engine: sa.Engine) -> None:
    anna, carla, bert = _team(world)
    zack = world.user("zack", role="coordinator", team="Team Zuid")
    case = world.register(anna, carla, bert)
    _closing(world, anna, case, LONG_AGO)
    until = (TODAY + dt.timedelta(days=30)).isoformat()
    body = {"until": until, "reason": "Fictieve reden"}
    for who in (anna, bert):  # the case's own worker and a colleague it is shared with
        assert world.http.get("/v1/retention", headers=who.headers).status_code == 403
        r = world.http.post(f"/v1/cases/{case.case_id}/retention-hold", json=body, headers=who.headers)
        assert (r.status_code, r.json()["code"]) == (403, "forbidden")
    unknown = world.http.post("/v1/cases/00000000-0000-4000-8000-000000000000/retention-hold", json=body,
                              headers=zack.headers)
    r = world.http.post(f"/v1/cases/{case.case_id}/retention-hold", json=body, headers=zack.headers)
    assert r.status_code == 404 and r.json() == unknown.json()  # another team's coordinator: no oracle
    assert world.http.get("/v1/retention", headers=zack.headers).json()["cases"] == []
    assert _count(engine, retention_holds, case.case_id) == 0


def test_in_a_team_without_a_coordinator_the_cases_worker_holds(world: World, engine: sa.Engine) -> None:
    anna = world.user("anna", team="Team Klein")
    bert = world.user("bert", team="Team Klein")
    mine, his = world.register(anna, bert), world.register(bert, anna)
    _closing(world, anna, mine, LONG_AGO)
    _closing(world, bert, his, LONG_AGO)
    listed = world.http.get("/v1/retention", headers=anna.headers).json()
    assert [d["case_id"] for d in listed["cases"]] == [mine.case_id]
    body = {"until": (TODAY + dt.timedelta(days=30)).isoformat(), "reason": "Fictieve reden"}
    assert world.http.post(f"/v1/cases/{mine.case_id}/retention-hold", json=body,
                           headers=anna.headers).status_code == 200
    assert world.http.post(f"/v1/cases/{his.case_id}/retention-hold", json=body,
                           headers=anna.headers).status_code == 403


@pytest.mark.parametrize(("until_days", "reason", "status"), [
    (30, "", 400),  # no reason
    (30, "   ", 400),  # only spaces
    (30, "x" * 501, 400),  # too long
    (30, "regel\nbreuk", 400),  # a control character
    (-1, "Fictieve reden", 400),  # in the past
    (0, "Fictieve reden", 400),  # today: holds nothing
    (pr.MAX_HOLD_DAYS + 1, "Fictieve reden", 400),  # more than five years ahead
])
def test_bad_holds_are_refused_and_store_nothing(world: World, engine: sa.Engine, until_days: int, reason: str,
                                                 status: int) -> None:
    anna, carla, _ = _team(world)
    case = world.register(anna, carla)
    _closing(world, anna, case, LONG_AGO)
    until = (TODAY + dt.timedelta(days=until_days)).isoformat()
    r = world.http.post(f"/v1/cases/{case.case_id}/retention-hold", json={"until": until, "reason": reason},
                        headers=carla.headers)
    assert r.status_code == status, r.text
    assert _count(engine, retention_holds, case.case_id) == 0
    assert _audit(engine, "retention_hold") == []
    # At the limits it is taken.
    ok = world.http.post(f"/v1/cases/{case.case_id}/retention-hold",
                         json={"until": (TODAY + dt.timedelta(days=pr.MAX_HOLD_DAYS)).isoformat(), "reason": "x" * 500},
                         headers=carla.headers)
    assert ok.status_code == 200, ok.text


# -- the sweep -----------------------------------------------------------------------------------------------


def _push_note(world: World, actor: Actor, case: Case) -> None:
    assert world.push(actor, world.sealed(actor, case, {"n": "fictief"}))[0]["status"] == "accepted"


def test_the_sweep_erases_what_is_due_and_keeps_the_rest(world: World, engine: sa.Engine, client: TestClient) -> None:
    anna, carla, _ = _team(world)
    old, held, reopened, recent = (world.register(anna, carla) for _ in range(4))
    for case in (old, held, reopened, recent):
        _push_note(world, anna, case)
        _closing(world, anna, case, LONG_AGO)
    _closing(world, anna, recent, (TODAY - dt.timedelta(days=pr.DEFAULT_RETENTION_CLOSED_DAYS - 1)).isoformat())
    _closing(world, anna, reopened, None)
    hold = {"until": (TODAY + dt.timedelta(days=60)).isoformat(), "reason": "Fictieve gerechtelijke vraag"}
    answer = world.http.post(f"/v1/cases/{held.case_id}/retention-hold", json=hold, headers=carla.headers)
    assert answer.status_code == 200

    dry = sweep(engine, dry_run=True)
    assert dry.erased == [old.case_id] and _count(engine, revisions, old.case_id) == 1  # a dry run changes nothing
    assert sweep(engine).erased == [old.case_id]
    for table in (revisions, key_grants, memberships):
        assert _count(engine, table, old.case_id) == 0
    with engine.connect() as conn:
        fact = conn.execute(sa.select(case_erasures)).one()
    assert (fact.case_id, fact.cause, fact.closed_days, fact.closed_on) == (
        old.case_id, "retention", pr.DEFAULT_RETENTION_CLOSED_DAYS, LONG_AGO)
    for kept in (held, reopened, recent):
        assert _count(engine, revisions, kept.case_id) == 1 and _count(engine, memberships, kept.case_id) == 2
    [entry] = _audit(engine, "retention_erase")
    assert (entry.actor, entry.case_ids, entry.detail, entry.user_id, entry.device_id, entry.ip) == (
        "retention", old.case_id, f"closed_days={pr.DEFAULT_RETENTION_CLOSED_DAYS}", None, None, None)
    assert sweep(engine).erased == []  # a second run finds nothing

    # The hold ran out: the next sweep after its day erases the case; the erased one is gone for its members.
    assert sorted(sweep(engine, today=TODAY + dt.timedelta(days=61)).erased) == sorted([held.case_id, recent.case_id])
    assert client.get(f"/v1/cases/{old.case_id}", headers=anna.headers).status_code == 404


def test_a_shorter_period_applies_at_the_next_sweep(world: World, engine: sa.Engine) -> None:
    anna, carla, _ = _team(world)
    case = world.register(anna, carla)
    _closing(world, anna, case, (TODAY - dt.timedelta(days=400)).isoformat())
    assert sweep(engine).erased == []
    admin.set_retention(engine, "365")
    assert sweep(engine).erased == [case.case_id]


def test_two_sweeps_at_once_erase_each_case_once(world: World, engine: sa.Engine) -> None:
    anna, carla, _ = _team(world)
    due = [world.register(anna, carla) for _ in range(6)]
    for case in due:
        _closing(world, anna, case, LONG_AGO)
    results: list[list[str]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def run_one() -> None:
        try:
            start.wait()
            results.append(sweep(engine).erased)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run_one) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    erased = [c for r in results for c in r]
    assert sorted(erased) == sorted(c.case_id for c in due)  # every case once, none twice
    assert len(_audit(engine, "retention_erase")) == len(due)


def test_a_hold_stops_a_requested_erasure_until_it_is_lifted(world: World, engine: sa.Engine) -> None:
    """A hold is a duty to keep (a legal claim): a coordinator's erasure on request is refused with
    `case_held` and erases nothing; once the hold is lifted, the same erasure goes through."""
    anna, carla, bert = _team(world)
    case = world.register(anna, carla, bert)
    world.push(anna, world.sealed(anna, case, {"text": "fictief"}))
    _closing(world, anna, case, LONG_AGO)
    until = (TODAY + dt.timedelta(days=90)).isoformat()
    assert world.http.post(f"/v1/cases/{case.case_id}/retention-hold", json={"until": until, "reason": "Klacht"},
                           headers=carla.headers).status_code == 200
    body = {"reason": "Verzoek van de ouders (fictief)",
            "signature": pl.CaseErase(reason="x", signature=carla.secrets.signing.sign(
                pl.erasure_message(case.case_id, carla.user_id))).model_dump(mode="json")["signature"]}
    r = world.http.post(f"/v1/cases/{case.case_id}/erase", json=body, headers=carla.headers)
    assert r.status_code == 409 and r.json()["code"] == "case_held"
    assert until in r.text
    assert _count(engine, revisions, case.case_id) == 1 and _count(engine, case_erasures, case.case_id) == 0
    assert world.http.delete(f"/v1/cases/{case.case_id}/retention-hold", headers=carla.headers).status_code == 204
    assert world.http.post(f"/v1/cases/{case.case_id}/erase", json=body, headers=carla.headers).status_code == 204
    assert _count(engine, revisions, case.case_id) == 0
