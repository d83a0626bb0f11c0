"""`leerrecht assign` and `leerrecht transfer` as real processes against a real server and real data
folders: a leaver's cases handed over in one command, a refusal as one Dutch line with nothing changed,
wrong use refused by the parser, offline queued and said, and a transfer to another team."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.kits.synckit import PASSPHRASE, ROOT, Laptop, enrolled, running_server

pytestmark = pytest.mark.slow


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEERRECHT_")}
    env.update({"LEERRECHT_KDF_PROFILE": "minimum", "PYTHONIOENCODING": "utf-8", "LEERRECHT_PASSPHRASE": PASSPHRASE,
                "PYTHONPATH": str(ROOT)})
    return subprocess.run([sys.executable, "-m", "leerrecht_desktop", *map(str, args)], env=env, cwd=ROOT,
                          capture_output=True, text=True, encoding="utf-8", timeout=600, stdin=subprocess.DEVNULL)


def refusal(result: subprocess.CompletedProcess[str], code: int = 1) -> str:
    assert result.returncode == code, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_assign_and_transfer_from_the_command_line(tmp_path: Path) -> None:
    with running_server(tmp_path / "server") as server:
        server.admin("create-team", "Noord")
        server.admin("create-team", "Zuid")
        laptops: list[Laptop] = [
            enrolled(server, tmp_path / "c", "coord", "Fictieve Coordinator", "coordinator", "Noord"),
            enrolled(server, tmp_path / "x", "vertrekker", "Fictieve Vertrekker", "netsterk", "Noord", before=2),
            enrolled(server, tmp_path / "y", "opvolger", "Fictieve Opvolger", "netsterk", "Noord"),
            enrolled(server, tmp_path / "z", "coordzuid", "Fictieve Coordinator Zuid", "coordinator", "Zuid"),
        ]
        for laptop in [laptops[1], *laptops]:  # the leaver's cases registered first
            assert laptop.sync().errors == []
        cases = sorted(s.case_id for s in laptops[1].case_files.summaries())
        ids = {laptop.name: laptop.user_id for laptop in laptops}
        for laptop in laptops:
            laptop.close()
        coord, leaver, other = tmp_path / "c", tmp_path / "x", tmp_path / "y"

        assert "--keep-previous" in run("assign", "--help").stdout
        refusal(run("assign", "--data-dir", coord, "--case", cases[0], "--from", "vertrekker", "--to", "opvolger"), 2)
        line = refusal(run("assign", "--data-dir", coord, "--from", "vertrekker", "--to", "niemand"))
        assert "geen collega 'niemand'" in line
        line = refusal(run("assign", "--data-dir", other, "--case", cases[0], "--to", "coord"))
        assert "bestaat niet" in line  # not on that laptop: not theirs

        done = run("assign", "--data-dir", coord, "--from", "vertrekker", "--to", "opvolger")
        assert done.returncode == 0, done.stderr
        assert "2 dossier(s) overgedragen aan Fictieve Opvolger" in done.stdout
        for case_id in cases:
            members = {r[0] for r in server.query(
                "SELECT user_id FROM memberships WHERE case_id = ? AND removed_seq IS NULL", (case_id,))}
            assert members == {ids["Fictieve Coordinator"], ids["Fictieve Opvolger"]}
        assert run("sync", "--data-dir", leaver).returncode == 0
        assert "Fictiefsync" not in run("cases", "--data-dir", leaver).stdout
        assert run("sync", "--data-dir", other).returncode == 0
        listing = run("cases", "--data-dir", other).stdout
        assert all(case_id in listing for case_id in cases)

        done = run("transfer", "--data-dir", coord, "--case", cases[0], "--team", "Zuid")
        assert done.returncode == 0, done.stderr
        assert "overgedragen aan team Zuid" in done.stdout
        assert run("sync", "--data-dir", tmp_path / "z").returncode == 0
        assert cases[0] in run("cases", "--data-dir", tmp_path / "z").stdout

        server.stop()
        queued = run("assign", "--data-dir", coord, "--case", cases[1], "--to", "vertrekker", "--keep-previous")
        assert queued.returncode == 0, queued.stderr
        assert "volgende 'leerrecht sync'" in queued.stderr
