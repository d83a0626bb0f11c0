"""`leerrecht held-apart` as a real process against a real server and real data folders: a removed
member's unsent note handed in, listed, shown, discarded, and a second decision refused in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from leerrecht_desktop.models.entries import FollowUpNote
from tests.kits.synckit import DAY, Laptop, enrolled, make_case, running_server
from tests.sync.test_cli_assign import refusal, run

pytestmark = pytest.mark.slow


def test_a_coordinator_reviews_held_apart_changes_from_the_command_line(tmp_path: Path) -> None:
    with running_server(tmp_path / "server") as server:
        server.admin("create-team", "Noord")
        laptops: list[Laptop] = [
            enrolled(server, tmp_path / "c", "coord", "Fictieve Coordinator", "coordinator", "Noord"),
            enrolled(server, tmp_path / "a", "werkera", "Fictieve Werker A", "netsterk", "Noord"),
            enrolled(server, tmp_path / "b", "werkerb", "Fictieve Werker B", "netsterk", "Noord"),
        ]
        _, a, b = laptops
        case_id = make_case(a.case_files, notes=0)
        a.sync()
        a.engine().share_case(case_id, b.user_id)
        a.sync()
        b.sync()
        b.case_files.save(case_id, FollowUpNote(occurred_on=DAY, text="Fictief, apart gezet"), today=DAY)
        a.engine().unshare_case(case_id, b.user_id)
        a.sync()
        for laptop in laptops:
            laptop.close()

        synced = run("sync", "--data-dir", tmp_path / "b")
        assert synced.returncode == 0, synced.stderr
        assert "apart gezet" in synced.stderr and "quarantaine" not in synced.stderr

        listed = run("held-apart", "--data-dir", tmp_path / "c")
        assert listed.returncode == 0, listed.stderr
        lines = listed.stdout.strip().splitlines()
        assert len(lines) == 1 and case_id in lines[0] and "Fictieve Werker B" in lines[0]
        number = lines[0].split("\t")[0]
        assert refusal(run("held-apart", "--data-dir", tmp_path / "a")) == (
            "leerrecht: Alleen een coördinator bekijkt apart gezette wijzigingen en beslist erover.")

        shown = run("held-apart", "--data-dir", tmp_path / "c", "--show", number)
        assert shown.returncode == 0 and "Fictief, apart gezet" in shown.stdout
        gone = run("held-apart", "--data-dir", tmp_path / "c", "--discard", number)
        assert gone.returncode == 0 and "Weggegooid" in gone.stderr
        assert "weggegooid" in run("held-apart", "--data-dir", tmp_path / "c", "--all").stdout
        assert run("held-apart", "--data-dir", tmp_path / "c").stdout.strip() == ""
        line = refusal(run("held-apart", "--data-dir", tmp_path / "c", "--accept", number))
        assert "al" in line
        assert refusal(run("held-apart", "--data-dir", tmp_path / "c", "--show", "abc"), 2)
