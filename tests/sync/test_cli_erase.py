"""`leerrecht erase` as a real process against a real server and real data folders: a coordinator's
erasure everywhere reaches the colleague's laptop and leaves the server no revision of the case; every
refusal is one Dutch line with nothing erased; a laptop without a server erases here only."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.kits.synckit import Laptop, enrolled, make_case, new_profile, running_server
from tests.sync.test_cli_assign import refusal, run

pytestmark = pytest.mark.slow


def test_erase_everywhere_from_the_command_line(tmp_path: Path) -> None:
    with running_server(tmp_path / "server") as server:
        server.admin("create-team", "Noord")
        laptops: list[Laptop] = [
            enrolled(server, tmp_path / "w", "werker", "Fictieve Werker", "netsterk", "Noord", before=2),
            enrolled(server, tmp_path / "c", "coord", "Fictieve Coordinator", "coordinator", "Noord"),
        ]
        for laptop in laptops:
            assert laptop.sync().errors == []
        erased, kept = sorted(s.case_id for s in laptops[0].case_files.summaries())
        for laptop in laptops:
            laptop.close()
        worker, coord = tmp_path / "w", tmp_path / "c"
        everywhere = ("erase", "--data-dir", coord, "--case", erased, "--everywhere")

        assert "Geef een reden" in refusal(run(*everywhere))
        assert "Geef een reden" in refusal(run(*everywhere, "--reason", "   "))
        assert "stuurtekens" in refusal(run(*everywhere, "--reason", "regel\nregel"))
        assert "aangemeld bij een server" in refusal(run("erase", "--data-dir", coord, "--case", erased))
        line = refusal(run("erase", "--data-dir", coord, "--case", "0" * 8 + "-0000-4000-8000-" + "0" * 12,
                           "--everywhere", "--reason", "Fictief verzoek"))
        assert "staat niet op deze laptop" in line
        # The worker, in a team with a coordinator, may not.
        line = refusal(run("erase", "--data-dir", worker, "--case", erased, "--everywhere", "--reason", "Fictief"))
        assert "Alleen een coördinator" in line
        assert server.query("SELECT COUNT(*) FROM revisions WHERE case_id = ?", (erased,))[0][0] > 0

        done = run(*everywhere, "--reason", "Fictief verzoek van de ouders")
        assert done.returncode == 0, done.stderr
        assert "gewist op de server" in done.stdout
        for table in ("revisions", "key_grants", "memberships"):
            assert server.query(f"SELECT COUNT(*) FROM {table} WHERE case_id = ?", (erased,))[0][0] == 0
        assert server.query("SELECT reason FROM case_erasures WHERE case_id = ?", (erased,)) == [
            ("Fictief verzoek van de ouders",)]
        assert erased not in run("cases", "--data-dir", coord).stdout
        assert run("sync", "--data-dir", worker).returncode == 0
        listing = run("cases", "--data-dir", worker).stdout
        assert erased not in listing and kept in listing


def test_a_laptop_without_a_server_erases_here_only(tmp_path: Path) -> None:
    laptop = new_profile(tmp_path / "solo", "Fictieve Werker", "netsterk", "Noord")
    case_id = make_case(laptop.case_files)
    laptop.close()
    folder = tmp_path / "solo"
    line = refusal(run("erase", "--data-dir", folder, "--case", case_id, "--everywhere", "--reason", "Fictief"))
    assert "niet aangemeld" in line
    assert case_id in run("cases", "--data-dir", folder).stdout
    done = run("erase", "--data-dir", folder, "--case", case_id)
    assert done.returncode == 0, done.stderr
    assert "gewist op deze laptop" in done.stdout
    assert case_id not in run("cases", "--data-dir", folder).stdout
