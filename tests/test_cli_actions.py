"""`leerrecht actions --data-dir D [--overdue] [--mine]`, the "Te doen" list without a window, run as real
processes on demo data with a few actions of known dates added: one line per action, soonest first."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from leerrecht_desktop.models.entries import FamilyContact, FollowUpNote
from leerrecht_desktop.store.workspace import Workspace

from .test_cli_report import PASSPHRASE, WORKER, assert_refused, run

TODAY = dt.date.today()


def day(offset: int) -> dt.date:
    return TODAY + dt.timedelta(days=offset)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("actions") / "data"
    assert run("init", "--data-dir", folder, "--name", WORKER, "--role", "brugfiguur").returncode == 0
    assert run("demo", "--data-dir", folder, "--cases", "3", "--seed", "5").returncode == 0
    ws = Workspace(folder)
    try:
        cf = ws.unlock(PASSPHRASE)
        case = cf.summaries()[0].case_id
        cf.save(case, FollowUpNote(occurred_on=day(-10), text="Fictief", action="Attest\topvragen\nbij school",
                                   due_on=day(-4)))
        cf.save(case, FamilyContact(occurred_on=day(-1), channel="telefoon", with_whom="moeder",
                                    next_step="Terugbellen", next_step_on=day(30)))
        cf.save(case, FollowUpNote(occurred_on=day(-3), text="Fictief", action="Verslag van een collega",
                                   action_owner="Andere Collega", due_on=day(-2)))
        cf.lock()
    finally:
        ws.close()
    return folder


def lines(stdout: str) -> list[list[str]]:
    return [line.split("\t") for line in stdout.splitlines()]


def test_every_open_action_one_line_soonest_first(data_dir: Path) -> None:
    result = run("actions", "--data-dir", data_dir)
    assert result.returncode == 0, result.stderr
    rows = lines(result.stdout)
    assert all(len(row) == 5 for row in rows), rows
    dates = [dt.datetime.strptime(row[0], "%d/%m/%Y").date() for row in rows]
    assert dates == sorted(dates)
    by_action = {row[3]: row for row in rows}
    # Tabs and line breaks inside an action stay on its line.
    assert by_action["Attest opvragen bij school"][0] == f"{day(-4):%d/%m/%Y}"
    assert by_action["Attest opvragen bij school"][4] == WORKER
    assert by_action["Terugbellen"][0] == f"{day(30):%d/%m/%Y}"
    assert by_action["Verslag van een collega"][4] == "Andere Collega"
    late = sum(d < TODAY for d in dates)
    assert result.stderr.strip() == f"leerrecht: {len(rows)} acties, waarvan {late} over tijd."
    # The case column is the id `leerrecht report --case` takes; the name beside it.
    cases = run("cases", "--data-dir", data_dir)
    names = {row[0]: row[1] for row in lines(cases.stdout)}
    assert all(names[row[1]] == row[2] for row in rows)


def test_overdue_and_mine_narrow_the_list(data_dir: Path) -> None:
    overdue = lines(run("actions", "--data-dir", data_dir, "--overdue").stdout)
    assert overdue and all(dt.datetime.strptime(row[0], "%d/%m/%Y").date() < TODAY for row in overdue)
    assert {"Attest opvragen bij school", "Verslag van een collega"} <= {row[3] for row in overdue}
    mine = lines(run("actions", "--data-dir", data_dir, "--overdue", "--mine").stdout)
    assert "Verslag van een collega" not in {row[3] for row in mine}
    assert "Attest opvragen bij school" in {row[3] for row in mine}


def test_a_wrong_passphrase_is_one_line(data_dir: Path) -> None:
    line = assert_refused(run("actions", "--data-dir", data_dir, env_extra={"LEERRECHT_PASSPHRASE": "fout fout"}), 1)
    assert "klopt niet" in line
