"""Issue 13, item 4 (retention) end to end, with a real server process on loopback and three laptops of one
team: a laptop tells the server only a closing day (or "open") for a case whose profile it pushes, and once
per data folder for every case it holds; `admin run-retention` erases a case closed longer than the policy
everywhere, keeps one a coordinator postponed with a reason (logged), and keeps a reopened one. A
coordinator's first round of the day counts what is erased soon; the list and the hold refuse bad input
in plain words and a worker in a team with a coordinator."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from leerrecht_core.protocol_retention import DEFAULT_RETENTION_CLOSED_DAYS
from leerrecht_desktop.models.case import CaseProfile
from leerrecht_desktop.store import tables as t
from leerrecht_desktop.sync.erasure import ErasureRefused, erase_everywhere
from leerrecht_desktop.sync.retention import CLOSINGS_REPORTED_KEY, NOTICE_CHECKED_KEY
from leerrecht_desktop.sync.retention_review import RetentionError, check_hold, hold_erasure, lift_hold, list_due
from tests.kits.synckit import Laptop, ServerProcess, enrolled, make_case

pytestmark = pytest.mark.slow

TODAY = dt.date.today()
LONG_AGO = TODAY - dt.timedelta(days=DEFAULT_RETENTION_CLOSED_DAYS + 30)
HOLD_REASON = "Lopende gerechtelijke procedure (fictief)"


@pytest.fixture
def team(server: ServerProcess, tmp_path: Path) -> Iterator[dict[str, Laptop]]:
    server.admin("create-team", "Noord")
    laptops = {
        "coord": enrolled(server, tmp_path / "coord", "coord", "Fictieve Coordinator", "coordinator", "Noord"),
        "w1": enrolled(server, tmp_path / "w1", "werker1", "Fictieve Werker Een", "netsterk", "Noord"),
        "w2": enrolled(server, tmp_path / "w2", "werker2", "Fictieve Werker Twee", "brugfiguur", "Noord"),
    }
    yield laptops
    for laptop in laptops.values():
        laptop.close()


def shared_case(w1: Laptop, w2: Laptop) -> str:
    case_id = make_case(w1.case_files, notes=1)
    assert w1.sync().errors == []
    w1.engine().share_case(case_id, w2.user_id)
    assert w1.sync().errors == []
    assert w2.sync().errors == []
    return case_id


def set_status(laptop: Laptop, case_id: str, status: str, on: dt.date) -> None:
    """Close (or reopen) the case as the worker does, the change dated `on`."""
    case = laptop.case_files.load_case(case_id)
    profile: CaseProfile = dataclasses.replace(
        case.content, status=status, closed_reason="doel_bereikt" if status == "afgesloten" else None)
    laptop.case_files.save(case_id, profile, record_id=case.profile.record_id, changed_on=on)


def server_closed_on(server: ServerProcess, case_id: str) -> str | None:
    ((closed_on,),) = server.query("SELECT closed_on FROM cases WHERE case_id = ?", (case_id,))
    return closed_on


def on_laptop(laptop: Laptop, case_id: str) -> bool:
    with laptop.case_files.engine.connect() as conn:
        return conn.execute(t.records.select().where(t.records.c.case_id == case_id)).first() is not None


def sync_all(team: dict[str, Laptop]) -> None:
    for laptop in team.values():
        laptop.sync()


def test_a_retention_run_erases_a_long_closed_case_everywhere_and_keeps_a_held_and_a_reopened_one(
        server: ServerProcess, team: dict[str, Laptop]) -> None:
    w1, w2, coord = team["w1"], team["w2"], team["coord"]
    erased, held, reopened, still_open = (shared_case(w1, w2) for _ in range(4))
    for case_id in (erased, held, reopened):
        set_status(w1, case_id, "afgesloten", LONG_AGO)
    assert w1.sync().errors == []
    # The server learns the closing day, nothing else of the profile.
    assert [server_closed_on(server, c) for c in (erased, held, reopened, still_open)] == [
        LONG_AGO.isoformat()] * 3 + [None]
    assert w2.sync().errors == []
    set_status(w2, reopened, "actief", TODAY)  # the colleague reopens it: their laptop says "open"
    assert w2.sync().errors == []
    assert server_closed_on(server, reopened) is None
    sync_all(team)

    listed, rows = list_due(coord.case_files)
    assert listed.closed_days == DEFAULT_RETENTION_CLOSED_DAYS
    assert {r.due.case_id for r in rows} == {erased, held}
    names = {r.due.case_id: r.case_name for r in rows}
    assert names[held] == coord.case_files.summary(held).full_name  # the coordinator holds it: named
    due = hold_erasure(coord.case_files, held, TODAY + dt.timedelta(days=200), HOLD_REASON)
    assert due.hold is not None and due.hold.reason == HOLD_REASON
    ((detail,),) = server.query("SELECT detail FROM audit_log WHERE action = 'retention_hold'")
    assert HOLD_REASON in detail

    assert erased in server.admin("run-retention")
    sync_all(team)
    for laptop in team.values():
        assert not on_laptop(laptop, erased)
        assert on_laptop(laptop, held) and on_laptop(laptop, reopened) and on_laptop(laptop, still_open)
    assert server.query("SELECT count(*) FROM revisions WHERE case_id = ?", (erased,)) == [(0,)]
    assert server.query("SELECT count(*) FROM key_grants WHERE case_id = ?", (erased,)) == [(0,)]
    assert server.query("SELECT cause FROM case_erasures WHERE case_id = ?", (erased,)) == [("retention",)]

    # Lifted, the held case goes at the next run, everywhere.
    lift_hold(coord.case_files, held)
    assert server.query("SELECT count(*) FROM audit_log WHERE action = 'retention_hold_lift'") == [(1,)]
    assert held in server.admin("run-retention")
    sync_all(team)
    assert not any(on_laptop(laptop, held) for laptop in team.values())


def test_a_data_folder_reports_the_closing_of_every_case_it_holds_once(
        server: ServerProcess, team: dict[str, Laptop]) -> None:
    """A case closed and pushed before laptops reported closings still counts: the first round after the
    upgrade reports it. Then only a pushed profile is reported."""
    w1, w2 = team["w1"], team["w2"]
    case_id = shared_case(w1, w2)
    set_status(w1, case_id, "afgesloten", LONG_AGO)
    assert w1.sync().errors == []
    # As if the close had been pushed by an app that did not report it yet.
    server.execute("UPDATE cases SET closed_on = NULL WHERE case_id = ?", (case_id,))
    w2.case_files.workspace.set_setting(CLOSINGS_REPORTED_KEY, "")
    assert w2.sync().errors == []
    assert server_closed_on(server, case_id) == LONG_AGO.isoformat()
    # Reported once: a round with nothing new does not report again.
    server.execute("UPDATE cases SET closed_on = NULL WHERE case_id = ?", (case_id,))
    assert w2.sync().errors == [] and w1.sync().errors == []
    assert server_closed_on(server, case_id) is None


def test_a_coordinators_first_round_of_the_day_counts_what_is_erased_soon(
        server: ServerProcess, team: dict[str, Laptop]) -> None:
    w1, w2, coord = team["w1"], team["w2"], team["coord"]
    soon = [shared_case(w1, w2) for _ in range(2)]
    # Closed long enough ago that the erasure is 10 days away: within the 30 days' notice.
    for case_id in soon:
        set_status(w1, case_id, "afgesloten", TODAY - dt.timedelta(days=DEFAULT_RETENTION_CLOSED_DAYS - 10))
    assert w1.sync().errors == []
    coord.case_files.workspace.set_setting(NOTICE_CHECKED_KEY, "")
    assert coord.sync().retention_due == 2
    assert coord.sync().retention_due is None  # asked once a day
    hold_erasure(coord.case_files, soon[0], TODAY + dt.timedelta(days=400), HOLD_REASON)
    coord.case_files.workspace.set_setting(NOTICE_CHECKED_KEY, (TODAY - dt.timedelta(days=1)).isoformat())
    assert coord.sync().retention_due == 1  # the postponed one is not counted
    assert w1.sync().retention_due is None  # a worker's rounds never ask


def test_only_a_coordinator_postpones_an_erasure(server: ServerProcess, team: dict[str, Laptop]) -> None:
    w1, w2 = team["w1"], team["w2"]
    case_id = shared_case(w1, w2)
    set_status(w1, case_id, "afgesloten", LONG_AGO)
    assert w1.sync().errors == []
    with pytest.raises(RetentionError, match="Alleen een coördinator"):
        list_due(w1.case_files)
    with pytest.raises(RetentionError, match="Alleen een coördinator"):
        hold_erasure(w1.case_files, case_id, TODAY + dt.timedelta(days=30), HOLD_REASON)
    assert server.query("SELECT count(*) FROM retention_holds") == [(0,)]


def test_postponing_an_open_case_is_refused_in_words(server: ServerProcess, team: dict[str, Laptop]) -> None:
    w1, w2, coord = team["w1"], team["w2"], team["coord"]
    case_id = shared_case(w1, w2)
    coord.sync()
    with pytest.raises(RetentionError, match="niet \\(meer\\) afgesloten"):
        hold_erasure(coord.case_files, case_id, TODAY + dt.timedelta(days=30), HOLD_REASON)


@pytest.mark.parametrize(("until", "reason", "says"), [
    (TODAY + dt.timedelta(days=30), "", "Geef een reden"),
    (TODAY + dt.timedelta(days=30), "   ", "Geef een reden"),
    (TODAY + dt.timedelta(days=30), "eerste\ntweede", "één regel"),
    (TODAY + dt.timedelta(days=30), "x" * 501, "te lang"),
    (TODAY, HOLD_REASON, "na vandaag"),
    (TODAY - dt.timedelta(days=3), HOLD_REASON, "na vandaag"),
    (TODAY + dt.timedelta(days=6 * 365), HOLD_REASON, "vijf jaar"),
])
def test_a_bad_hold_is_refused_before_anything_is_sent(until: dt.date, reason: str, says: str) -> None:
    with pytest.raises(RetentionError, match=says):
        check_hold(until, reason, today=TODAY)
    assert check_hold(TODAY + dt.timedelta(days=1), "  " + HOLD_REASON + " ", today=TODAY) == HOLD_REASON


def test_a_profile_edited_on_a_stale_copy_does_not_report_a_closed_case_open(
        server: ServerProcess, team: dict[str, Laptop]) -> None:
    """The colleague edits the profile before their laptop has the close: the report comes after the pull
    merged the two, so the server keeps the closing day."""
    w1, w2 = team["w1"], team["w2"]
    case_id = shared_case(w1, w2)
    set_status(w1, case_id, "afgesloten", LONG_AGO)
    assert w1.sync().errors == []
    case = w2.case_files.load_case(case_id)
    w2.case_files.save(case_id, dataclasses.replace(case.content, class_name="6B"),
                       record_id=case.profile.record_id)
    assert w2.sync().errors == []
    merged = w2.case_files.load_case(case_id).content
    assert (merged.status, merged.class_name) == ("afgesloten", "6B")
    assert server_closed_on(server, case_id) == LONG_AGO.isoformat()


def test_a_held_case_is_not_erased_on_request_either(server: ServerProcess, team: dict[str, Laptop]) -> None:
    w1, w2, coord = team["w1"], team["w2"], team["coord"]
    case_id = shared_case(w1, w2)
    set_status(w1, case_id, "afgesloten", LONG_AGO)
    assert w1.sync().errors == [] and coord.sync().errors == []
    hold_erasure(coord.case_files, case_id, TODAY + dt.timedelta(days=60), HOLD_REASON)
    engine = coord.engine()
    try:
        with pytest.raises(ErasureRefused, match=r"uitgesteld.*niets gewist"):
            erase_everywhere(engine, case_id, "Verzoek van de ouders (fictief)")
    finally:
        engine.transport.close()
    assert on_laptop(coord, case_id)
    assert server.query("SELECT count(*) FROM revisions WHERE case_id = ?", (case_id,)) != [(0,)]
