"""`leerrecht enroll` and `leerrecht sync` as real processes against a real server: first laptop with the
admin's code, second laptop with user name and passphrase alone, counts printed, and one clear line with a
non-zero exit when the server can't be reached or refuses."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.kits.synckit import PASSPHRASE, ROOT, ServerProcess

pytestmark = pytest.mark.slow


def run(*args: str | Path, code: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEERRECHT_")}
    env.update({"LEERRECHT_KDF_PROFILE": "minimum", "PYTHONIOENCODING": "utf-8", "LEERRECHT_PASSPHRASE": PASSPHRASE,
                "PYTHONPATH": str(ROOT)})
    if code is not None:
        env["LEERRECHT_ENROL_CODE"] = code
    return subprocess.run([sys.executable, "-m", "leerrecht_desktop", *map(str, args)], env=env, cwd=ROOT,
                          capture_output=True, text=True, encoding="utf-8", timeout=600, stdin=subprocess.DEVNULL)


def one_line_refusal(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_enroll_sync_and_a_second_laptop_from_the_command_line(server: ServerProcess, tmp_path: Path) -> None:
    server.admin("create-team", "Noord")
    first, second = tmp_path / "eerste", tmp_path / "tweede"
    assert run("init", "--data-dir", first, "--name", "Fictieve Werker", "--role", "netsterk").returncode == 0
    assert run("demo", "--data-dir", first, "--cases", "2", "--entries", "3").returncode == 0
    code = server.create_user("werker1", "netsterk", "Noord")

    wrong = run("enroll", "--data-dir", first, "--server", server.url, "--user", "werker1", code="FOUT-CODE")
    assert "aanmeldcode" in one_line_refusal(wrong)

    enrolled = run("enroll", "--data-dir", first, "--server", server.url, "--user", "werker1", code=code)
    assert enrolled.returncode == 0, enrolled.stderr
    synced = run("sync", "--data-dir", first)
    assert synced.returncode == 0, synced.stderr
    sent = re.search(r"Verstuurd: (\d+)\.", synced.stdout)
    assert sent is not None and int(sent.group(1)) >= 8  # two cases, each a profile and three notes
    assert "Nog te versturen: 0." in synced.stdout and "Conflicten om te kiezen: 0" in synced.stdout

    again = run("enroll", "--data-dir", second, "--server", server.url, "--user", "werker1")
    assert again.returncode == 0, again.stderr
    pulled = run("sync", "--data-dir", second)
    assert pulled.returncode == 0, pulled.stderr
    assert f"Ontvangen: {sent.group(1)}." in pulled.stdout

    server.stop()
    down = run("sync", "--data-dir", first)
    assert "niet bereikbaar" in one_line_refusal(down)


def test_enroll_refuses_plain_http_to_another_machine_and_a_missing_server(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    assert run("init", "--data-dir", folder, "--name", "Fictieve Werker", "--role", "netsterk").returncode == 0
    refused = run("enroll", "--data-dir", folder, "--server", "http://leerrecht.voorbeeld.be", "--user", "x",
                  code="abc")
    assert "https://" in one_line_refusal(refused)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    gone = run("enroll", "--data-dir", folder, "--server", f"http://127.0.0.1:{port}", "--user", "x", code="abc")
    assert "niet bereikbaar" in one_line_refusal(gone)
    never = run("sync", "--data-dir", folder)
    assert "leerrecht enroll" in one_line_refusal(never)


def test_enroll_on_a_folder_without_a_profile_says_to_make_one_first(server: ServerProcess, tmp_path: Path) -> None:
    """A newcomer's first laptop: with the beheerder's code but no `init`, and without a code for a user who
    has no laptop yet, the line names `leerrecht init` instead of "the server doesn't know this laptop";
    nothing is left behind in the folder."""
    server.admin("create-team", "Noord")
    code = server.create_user("nieuw", "netsterk", "Noord")
    folder = tmp_path / "leeg"
    with_code = one_line_refusal(run("enroll", "--data-dir", folder, "--server", server.url, "--user", "nieuw",
                                     code=code))
    assert "leerrecht init --data-dir" in with_code and "herkent deze laptop niet" not in with_code
    without = one_line_refusal(run("enroll", "--data-dir", folder, "--server", server.url, "--user", "nieuw"))
    assert "al een andere laptop" in without and "leerrecht init" in without
    assert not folder.exists() or not any(folder.iterdir())
    # The code was not used up: after init, the same code enrols the laptop.
    assert run("init", "--data-dir", folder, "--name", "Fictieve Nieuwe", "--role", "netsterk").returncode == 0
    done = run("enroll", "--data-dir", folder, "--server", server.url, "--user", "nieuw", code=code)
    assert done.returncode == 0, done.stderr
