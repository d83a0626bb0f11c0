"""The `leerrecht` command, run as a real process: init -> demo -> export, and every refusal.

A refusal must exit non-zero with one line on stderr, no traceback, no case content, and change
nothing: the fingerprint of the database's content tables is compared before and after."""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
import shutil
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from leerrecht_core.i18n import set_language
from leerrecht_core.protocol import MAX_DISPLAY_NAME_LEN, MAX_ENROLMENT_CODE_LEN, MAX_USERNAME_LEN
from leerrecht_desktop import app
from leerrecht_desktop.cli import common
from leerrecht_desktop.store.database import database_path
from leerrecht_desktop.store.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
PASSPHRASE = "blauwe fiets op de markt"
WRONG = "rode fiets aan de vaart"
# Everything in a database except the vault row (it counts wrong passphrases, on purpose).
CONTENT_TABLES = ("records", "case_keys", "case_index", "outbox", "drafts", "settings", "known_keys")
ENTRY_KINDS = {"home_visit", "family_contact", "wellbeing", "note", "support_measure"}


def run(*args: str | Path, passphrase: str | None = PASSPHRASE, stdin: str | None = None,
        home: Path | None = None, extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEERRECHT_")}
    env.update(extra_env or {})
    env["LEERRECHT_KDF_PROFILE"] = "minimum"
    env["PYTHONIOENCODING"] = "utf-8"
    if home is not None:  # so a test that forgets --data-dir never touches the real data folder
        env["LEERRECHT_DATA_DIR"] = str(home)
    if passphrase is not None:
        env["LEERRECHT_PASSPHRASE"] = passphrase
    return subprocess.run(
        [sys.executable, "-m", "leerrecht_desktop", *map(str, args)],
        env=env, cwd=ROOT, capture_output=True, text=True, encoding="utf-8", timeout=600,
        input=stdin, stdin=None if stdin is not None else subprocess.DEVNULL,
    )


def assert_refused(result: subprocess.CompletedProcess[str], code: int) -> str:
    assert result.returncode == code, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def fingerprint(data_dir: Path) -> str | None:
    """A hash of every content table, or None when there is no database."""
    db = database_path(data_dir)
    if not db.exists():
        return None
    digest = hashlib.sha256()
    conn = sqlite3.connect(db)
    try:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        for table in CONTENT_TABLES:
            if table in tables:
                for row in conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2"):
                    digest.update(repr(row).encode())
    finally:
        conn.close()
    return digest.hexdigest()


def case_count(data_dir: Path) -> int:
    conn = sqlite3.connect(database_path(data_dir))
    try:
        return int(conn.execute("SELECT count(*) FROM case_index").fetchone()[0])
    finally:
        conn.close()


@dataclass
class Populated:
    data_dir: Path
    export: dict[str, Any]
    export_path: Path
    export_result: subprocess.CompletedProcess[str]
    demo_outputs: str
    files_after_demo: dict[str, bytes]


@pytest.fixture(scope="module")
def populated(tmp_path_factory: pytest.TempPathFactory) -> Populated:
    base = tmp_path_factory.mktemp("cli")
    data_dir = base / "data"
    home = base / "default-data-dir"
    init = run("init", "--data-dir", data_dir, "--name", "Fictieve Werker", "--role", "netsterk",
               "--team", "Team Noord", home=home)
    assert init.returncode == 0, init.stderr
    first = run("demo", "--data-dir", data_dir, "--cases", "3", "--seed", "7", home=home)
    assert first.returncode == 0, first.stderr
    second = run("--data-dir", data_dir, "demo", "--cases", "2", "--seed", "8", home=home)
    assert second.returncode == 0, second.stderr
    files = {str(p.relative_to(data_dir)): p.read_bytes() for p in data_dir.rglob("*") if p.is_file()}
    out = base / "export.json"
    export = run("export", "--data-dir", data_dir, "--out", out, home=home)
    assert export.returncode == 0, export.stderr
    assert not home.exists()
    return Populated(data_dir, json.loads(out.read_text(encoding="utf-8")), out, export,
                     first.stdout + first.stderr + second.stdout + second.stderr, files)


@pytest.fixture
def copy_of(populated: Populated, tmp_path: Path) -> Path:
    """A private copy of the populated data folder, for tests that try to change it."""
    target = tmp_path / "data"
    shutil.copytree(populated.data_dir, target)
    return target


# -- the happy path ---------------------------------------------------------------------------------


def test_version() -> None:
    result = run("--version")
    assert result.returncode == 0
    assert re.fullmatch(r"leerrecht \d+\.\d+\.\d+\s*", result.stdout)


def test_export_holds_every_case_with_entries_and_revisions(populated: Populated) -> None:
    data = populated.export
    assert data["format"] == "leerrecht-export" and data["format_version"] == 1
    assert data["user"]["name"] == "Fictieve Werker" and data["user"]["role"] == "netsterk"
    assert len(data["cases"]) == 5 == case_count(populated.data_dir)
    kinds: set[str] = set()
    multi_revision = 0
    for case in data["cases"]:
        profiles = [r for r in case["records"] if r["kind"] == "case"]
        assert len(profiles) == 1
        head = profiles[0]["revisions"][-1]["content"]
        assert head["first_name"] and head["last_name"] and head["referral"]["concern"]
        for record in case["records"]:
            kinds.add(record["kind"])
            numbers = [rev["revision"] for rev in record["revisions"]]
            assert numbers == list(range(1, len(numbers) + 1))
            multi_revision += len(numbers) > 1
            for rev in record["revisions"]:
                assert rev["author_id"] == data["user"]["user_id"]
                assert ("content" in rev) != rev["deleted"]
    assert kinds >= ENTRY_KINDS
    assert multi_revision > 0
    # The names are the demo's, readable in the export (and only there).
    text = populated.export_path.read_text(encoding="utf-8")
    for case in data["cases"]:
        profile = next(r for r in case["records"] if r["kind"] == "case")["revisions"][-1]["content"]
        assert f'"{profile["last_name"]}"' in text


def test_export_reports_and_warns(populated: Populated) -> None:
    result = populated.export_result
    assert str(populated.export_path) in result.stdout and "5 dossiers" in result.stdout
    assert "NIET versleuteld" in result.stderr
    assert "Traceback" not in result.stderr


def test_export_file_is_private_utf8_json(populated: Populated) -> None:
    mode = stat.S_IMODE(populated.export_path.stat().st_mode)
    assert mode == 0o600
    raw = populated.export_path.read_bytes()
    json.loads(raw.decode("utf-8"))
    # No temporary file left beside it.
    assert [p.name for p in populated.export_path.parent.iterdir() if p.name.startswith(".leerrecht-export-")] == []


def _sensitive_strings(export: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    for case in export["cases"]:
        for record in case["records"]:
            for rev in record["revisions"]:
                content = rev.get("content") or {}
                if record["kind"] == "case":
                    found |= {f'{content["first_name"]} {content["last_name"]}', content["address"],
                              content["referral"]["concern"], content["network"]}
                    found |= {c["name"] for c in content["contacts"]} | {c["phone"] for c in content["contacts"]}
                    if len(content["last_name"]) >= 6:
                        found.add(content["last_name"])
                for key in ("observations", "agreements", "present", "notes", "text", "action", "note",
                            "with_whom"):
                    if isinstance(content.get(key), str):
                        found.add(content[key])
    return {s for s in found if len(s) >= 6}


def test_no_name_address_phone_or_note_readable_in_the_data_folder(populated: Populated) -> None:
    secrets = _sensitive_strings(populated.export)
    assert len(secrets) > 50
    assert any(name.endswith(".sqlite3") for name in populated.files_after_demo)
    blobs = list(populated.files_after_demo.values())
    for secret in secrets:
        assert secret not in populated.demo_outputs
        for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
            needle = secret.encode(encoding)
            assert not any(needle in blob for blob in blobs), (secret, encoding)


def test_export_refuses_to_overwrite_unless_forced(populated: Populated, tmp_path: Path) -> None:
    out = tmp_path / "bestaand.json"
    out.write_text("oud", encoding="utf-8")
    line = assert_refused(run("export", "--data-dir", populated.data_dir, "--out", out), 1)
    assert "--force" in line
    assert out.read_text(encoding="utf-8") == "oud"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bestaand.json"]

    forced = run("export", "--data-dir", populated.data_dir, "--out", out, "--force")
    assert forced.returncode == 0, forced.stderr
    assert len(json.loads(out.read_text(encoding="utf-8"))["cases"]) == 5
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bestaand.json"]


def test_passphrase_from_standard_input(populated: Populated, tmp_path: Path) -> None:
    out = tmp_path / "via-stdin.json"
    result = run("export", "--data-dir", populated.data_dir, "--out", out, passphrase=None, stdin=PASSPHRASE + "\n")
    assert result.returncode == 0, result.stderr
    assert len(json.loads(out.read_text(encoding="utf-8"))["cases"]) == 5


# -- refusals: one line, no traceback, nothing changed -------------------------------------------------


def _throttle(data_dir: Path) -> None:
    conn = sqlite3.connect(database_path(data_dir))
    with conn:
        conn.execute("UPDATE vault SET failed_attempts = 6, last_failed_at = ?", (time.time(),))
    conn.close()


REFUSALS: list[tuple[str, list[str], dict[str, Any], int, str]] = [
    # id, arguments after the subcommand's --data-dir, run() options, exit code, a word of the message
    ("demo-wrong-passphrase", ["demo", "--cases", "3"], {"passphrase": WRONG}, 1, "klopt niet"),
    ("export-wrong-passphrase", ["export", "--out", "{tmp}/x.json"], {"passphrase": WRONG}, 1, "klopt niet"),
    ("demo-throttled", ["demo", "--cases", "3"], {"throttle": True}, 1, "foute pogingen"),
    ("demo-cases-zero", ["demo", "--cases", "0"], {}, 2, "--cases"),
    ("demo-cases-negative", ["demo", "--cases=-1"], {}, 2, "--cases"),
    ("demo-cases-text", ["demo", "--cases", "abc"], {}, 2, "--cases"),
    ("demo-cases-too-many", ["demo", "--cases", "10001"], {}, 2, "--cases"),
    ("demo-entries-negative", ["demo", "--cases", "2", "--entries=-3"], {}, 2, "--entries"),
    ("demo-seed-text", ["demo", "--cases", "2", "--seed", "x"], {}, 2, "--seed"),
    ("demo-no-passphrase", ["demo", "--cases", "2"], {"passphrase": None}, 1, "wachtwoordzin"),
    ("init-profile-exists", ["init", "--name", "Andere Werker", "--role", "netsterk"], {}, 1, "al een profiel"),
    ("export-out-folder-missing", ["export", "--out", "{tmp}/nergens/x.json"], {}, 2, "bestaat niet"),
    ("export-out-is-folder", ["export", "--out", "{tmp}"], {}, 2, "map"),
    ("export-out-under-a-file", ["export", "--out", "{tmp}/gewoon-bestand/x.json"], {}, 2, "bestaat niet"),
]


@pytest.mark.parametrize(("args", "options", "code", "word"), [r[1:] for r in REFUSALS],
                         ids=[r[0] for r in REFUSALS])
def test_refusal_changes_nothing(copy_of: Path, populated: Populated, tmp_path: Path, args: list[str],
                                 options: dict[str, Any], code: int, word: str) -> None:
    (tmp_path / "gewoon-bestand").write_text("", encoding="utf-8")
    options = dict(options)
    if options.pop("throttle", False):
        _throttle(copy_of)
    before = fingerprint(copy_of)
    files_before = sorted(p.name for p in tmp_path.iterdir())
    command = [a.replace("{tmp}", str(tmp_path)) for a in args]
    result = run(command[0], "--data-dir", copy_of, *command[1:], **options)
    line = assert_refused(result, code)
    assert word in line
    assert fingerprint(copy_of) == before
    assert case_count(copy_of) == 5
    assert sorted(p.name for p in tmp_path.iterdir()) == files_before
    for secret in _sensitive_strings(populated.export):
        assert secret not in line


def test_unwritable_out_folder_is_refused_before_unlocking(copy_of: Path, tmp_path: Path) -> None:
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        folder = tmp_path / "alleen-lezen"
        folder.mkdir(mode=0o500)
    elif Path("/sys").is_dir():  # root may write anywhere, but not in sysfs
        folder = Path("/sys")
    else:
        pytest.skip("no folder this user cannot write to")
    before = fingerprint(copy_of)
    # A wrong passphrase too: the folder is checked first, so no failed attempt is counted.
    line = assert_refused(run("export", "--data-dir", copy_of, "--out", folder / "x.json", passphrase=WRONG), 2)
    assert str(folder) in line
    assert fingerprint(copy_of) == before
    conn = sqlite3.connect(database_path(copy_of))
    try:
        assert conn.execute("SELECT failed_attempts FROM vault").fetchone()[0] == 0
    finally:
        conn.close()


@pytest.mark.parametrize("command", [["demo", "--cases", "2"], ["export", "--out", "{tmp}/x.json"]],
                         ids=["demo", "export"])
def test_missing_data_folder_is_refused_and_not_created(tmp_path: Path, command: list[str]) -> None:
    missing = tmp_path / "bestaat-niet"
    args = [a.replace("{tmp}", str(tmp_path)) for a in command]
    line = assert_refused(run(args[0], "--data-dir", missing, *args[1:]), 1)
    assert str(missing) in line
    assert not missing.exists()
    assert not (tmp_path / "x.json").exists()


def test_folder_without_profile_is_refused(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    Workspace(data_dir, create=True).close()
    before = fingerprint(data_dir)
    line = assert_refused(run("demo", "--data-dir", data_dir, "--cases", "2"), 1)
    assert "profiel" in line
    assert fingerprint(data_dir) == before


INIT_REFUSALS: list[tuple[str, list[str], dict[str, Any], int, str]] = [
    ("weak-passphrase", ["--name", "Fictieve Werker", "--role", "netsterk"], {"passphrase": "kort"}, 1, "te kort"),
    ("unknown-role", ["--name", "Fictieve Werker", "--role", "directeur"], {}, 2, "directeur"),
    ("empty-name", ["--name", "  ", "--role", "netsterk"], {}, 2, "--name"),
    ("unknown-language", ["--name", "Fictieve Werker", "--role", "netsterk", "--language", "fr"], {}, 2, "fr"),
    ("missing-role", ["--name", "Fictieve Werker"], {}, 2, "--role"),
    ("no-passphrase", ["--name", "Fictieve Werker", "--role", "netsterk"], {"passphrase": None}, 1,
     "wachtwoordzin"),
    # Longer than the server takes (issue 12: it passed init, then enroll said "onverwacht (ValidationError)").
    ("name-too-long", ["--name", "Fictieve " + "W" * MAX_DISPLAY_NAME_LEN, "--role", "netsterk"], {}, 2,
     f"hoogstens {MAX_DISPLAY_NAME_LEN}"),
    ("name-with-a-tab", ["--name", "Fictieve\tWerker", "--role", "netsterk"], {}, 2, "onzichtbaar teken"),
    ("name-with-an-escape", ["--name", "Fictieve\x1bWerker", "--role", "netsterk"], {}, 2,
     "onzichtbaar teken"),
]


@pytest.mark.parametrize(("args", "options", "code", "word"), [r[1:] for r in INIT_REFUSALS],
                         ids=[r[0] for r in INIT_REFUSALS])
def test_failed_init_leaves_no_half_made_profile(tmp_path: Path, args: list[str], options: dict[str, Any],
                                                 code: int, word: str) -> None:
    data_dir = tmp_path / "nieuw" / "data"
    line = assert_refused(run("init", "--data-dir", data_dir, *args, **options), code)
    assert word in line
    assert list(tmp_path.iterdir()) == []
    # Nothing half made: the folder is still "missing", and a correct init afterwards just works.
    assert_refused(run("demo", "--data-dir", data_dir, "--cases", "1"), 1)
    ok = run("init", "--data-dir", data_dir, "--name", "Fictieve Werker", "--role", "netsterk")
    assert ok.returncode == 0, ok.stderr


def test_failed_init_in_an_existing_empty_folder_keeps_the_folder(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    assert_refused(run("init", "--data-dir", data_dir, "--name", "Fictieve Werker", "--role", "netsterk",
                       passphrase="wachtwoord123"), 1)
    assert data_dir.is_dir() and list(data_dir.iterdir()) == []


def test_a_name_at_the_server_limit_is_accepted(tmp_path: Path) -> None:
    name = "É" * MAX_DISPLAY_NAME_LEN  # characters, not bytes
    ok = run("init", "--data-dir", tmp_path / "d", "--name", name, "--role", "netsterk")
    assert ok.returncode == 0, ok.stderr


def _unused_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _enroll(data_dir: Path, user: str, code: str) -> subprocess.CompletedProcess[str]:
    # Nothing listens there: each refusal below must come before any connection.
    return run("enroll", "--data-dir", data_dir, "--server", f"http://127.0.0.1:{_unused_port()}", "--user", user,
               extra_env={"LEERRECHT_ENROL_CODE": code})


@pytest.mark.parametrize(("user", "code", "word"), [
    ("w" * (MAX_USERNAME_LEN + 1), "ABCDE-FGHIJ", f"gebruikersnaam is te lang: de server neemt hoogstens "
                                                 f"{MAX_USERNAME_LEN} tekens"),
    ("werker1", "A" * (MAX_ENROLMENT_CODE_LEN + 1), f"aanmeldcode is te lang: hoogstens {MAX_ENROLMENT_CODE_LEN}"),
    ("wer\x7fker1", "ABCDE-FGHIJ", "gebruikersnaam bevat een onzichtbaar teken"),
], ids=["user-too-long", "code-too-long", "user-with-a-control-character"])
def test_enroll_says_what_is_too_long_before_sending(tmp_path: Path, user: str, code: str, word: str) -> None:
    data_dir = tmp_path / "d"
    assert run("init", "--data-dir", data_dir, "--name", "Fictieve Werker", "--role", "netsterk").returncode == 0
    line = assert_refused(_enroll(data_dir, user, code), 1)
    assert word in line and "onverwacht" not in line and "ValidationError" not in line


def test_enroll_of_a_second_laptop_says_the_user_name_is_too_long(tmp_path: Path) -> None:
    line = assert_refused(_enroll(tmp_path / "leeg", "w" * (MAX_USERNAME_LEN + 1), "x"), 1)
    assert "gebruikersnaam is te lang" in line
    assert not (tmp_path / "leeg").exists()


def test_enroll_says_an_older_profile_name_is_too_long(tmp_path: Path) -> None:
    """A profile made before the limit: its name is refused by the client, in Dutch, before sending."""
    from leerrecht_desktop.store.profile_rebind import set_profile

    data_dir = tmp_path / "d"
    assert run("init", "--data-dir", data_dir, "--name", "Fictieve Werker", "--role", "netsterk").returncode == 0
    ws = Workspace(data_dir)
    try:
        case_files = ws.unlock(PASSPHRASE)
        set_profile(ws, case_files, name="Fictieve " + "W" * MAX_DISPLAY_NAME_LEN, role="netsterk", team="")
        case_files.lock()
    finally:
        ws.close()
    line = assert_refused(_enroll(data_dir, "werker1", "ABCDE-FGHIJ"), 1)
    assert f"naam in je profiel is te lang voor de server: hoogstens {MAX_DISPLAY_NAME_LEN}" in line


@pytest.mark.parametrize("args", [["bestaat-niet"], ["demo"], ["export", "--data-dir", "x"], ["--onbekend"]],
                         ids=["unknown-command", "demo-without-cases", "export-without-out", "unknown-option"])
def test_usage_errors_are_one_line_without_traceback(args: list[str], tmp_path: Path) -> None:
    assert_refused(run(*args, home=tmp_path / "default"), 2)
    assert not (tmp_path / "default").exists()


def test_messages_follow_the_workspace_language(copy_of: Path, tmp_path: Path) -> None:
    ws = Workspace(copy_of)
    ws.set_setting("language", "en")
    ws.close()
    out = tmp_path / "exists.json"
    out.write_text("", encoding="utf-8")
    line = assert_refused(run("export", "--data-dir", copy_of, "--out", out), 1)
    assert "already exists" in line
    line = assert_refused(run("demo", "--data-dir", copy_of, "--cases", "abc"), 2)
    assert "whole number" in line


# -- in process: the terminal prompt and the window ------------------------------------------------------


@pytest.fixture
def no_env_passphrase(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("LEERRECHT_PASSPHRASE", raising=False)
    monkeypatch.setattr(common, "interactive", lambda: True)
    yield
    set_language("nl")


def _typed(monkeypatch: pytest.MonkeyPatch, *answers: str) -> list[str]:
    prompts: list[str] = []
    queue = list(answers)

    def fake_getpass(prompt: str = "") -> str:
        prompts.append(prompt)
        return queue.pop(0)

    monkeypatch.setattr(common.getpass, "getpass", fake_getpass)
    return prompts


def test_init_at_a_terminal_asks_twice_and_compares(no_env_passphrase: None, monkeypatch: pytest.MonkeyPatch,
                                                    tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data_dir = tmp_path / "data"
    prompts = _typed(monkeypatch, PASSPHRASE, PASSPHRASE + " ")
    code = app.main(["init", "--data-dir", str(data_dir), "--name", "Fictieve Werker", "--role", "brugfiguur"])
    err = capsys.readouterr().err
    assert code == 1 and len(prompts) == 2
    assert "niet gelijk" in err and len(err.strip().splitlines()) == 1
    assert not data_dir.exists()

    prompts = _typed(monkeypatch, PASSPHRASE, PASSPHRASE)
    code = app.main(["init", "--data-dir", str(data_dir), "--name", "Fictieve Werker", "--role", "brugfiguur"])
    assert code == 0 and len(prompts) == 2
    ws = Workspace(data_dir)
    try:
        assert ws.unlock(PASSPHRASE).user.role == "brugfiguur"
    finally:
        ws.close()


def test_init_with_language_sets_the_workspace_language(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("LEERRECHT_PASSPHRASE", PASSPHRASE)
    data_dir = tmp_path / "data"
    code = app.main(["init", "--data-dir", str(data_dir), "--name", "Fictieve Werker", "--role", "netsterk",
                     "--language", "en"])
    assert code == 0
    assert "Profile created" in capsys.readouterr().out
    ws = Workspace(data_dir)
    try:
        assert ws.language == "en"
    finally:
        ws.close()


def test_no_subcommand_opens_the_window_with_the_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import types

    opened: list[Path] = []
    fake = types.ModuleType("leerrecht_desktop.ui.application")
    def run_gui(data_dir: Path) -> int:
        opened.append(data_dir)
        return 0

    fake.run_gui = run_gui  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "leerrecht_desktop.ui.application", fake)
    assert app.main(["--data-dir", str(tmp_path / "d")]) == 0
    monkeypatch.setenv("LEERRECHT_DATA_DIR", str(tmp_path / "standaard"))
    assert app.main([]) == 0
    assert opened == [tmp_path / "d", tmp_path / "standaard"]


def test_a_refusal_is_its_own_sentence_and_a_bug_only_its_type(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    from leerrecht_core.errors import LeerrechtError
    from leerrecht_desktop import cli

    monkeypatch.delenv("LEERRECHT_DEBUG", raising=False)
    assert issubclass(cli.CliError, LeerrechtError)

    def raising(exc: BaseException) -> Callable[[Path], int]:
        def window(_data_dir: Path) -> int:
            raise exc
        return window

    def outcome(exc: BaseException) -> tuple[int, str]:
        code = cli.main(argparse.Namespace(command=None), tmp_path, window=raising(exc))
        return code, capsys.readouterr().err

    class SomeRefusal(LeerrechtError):
        pass

    # Any LeerrechtError, also one the command line has never heard of, prints its sentence.
    assert outcome(SomeRefusal("Dit kan niet:   een zin\nvoor de gebruiker.")) == (
        1, "leerrecht: Dit kan niet: een zin voor de gebruiker.\n")
    assert outcome(common.UsageError("Verkeerd gebruikt.")) == (2, "leerrecht: Verkeerd gebruikt.\n")
    # Anything else is a bug: its type, never its text (it could quote case content).
    code, err = outcome(RuntimeError("Fictieve Jamila"))
    assert code == 1 and "RuntimeError" in err and "LEERRECHT_DEBUG" in err and "Jamila" not in err


def test_the_commands_do_not_load_qt() -> None:
    code = "import sys, leerrecht_desktop.app, leerrecht_desktop.demo; print(any('PySide6' in m for m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "False", result.stderr


# -- translations ------------------------------------------------------------------------------------------


def _tr_literals(*paths: Path) -> set[str]:
    found: set[str] = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "tr":
                first = node.args[0]
                assert isinstance(first, ast.Constant) and isinstance(first.value, str), ast.dump(node)
                found.add(first.value)
    return found


def test_every_message_has_an_english_translation_with_the_same_placeholders() -> None:
    catalog: dict[str, str] = json.loads((ROOT / "resources/i18n/en/cli.json").read_text(encoding="utf-8"))
    placeholders: Callable[[str], set[str]] = lambda text: set(re.findall(r"\{(\w*)\}", text))  # noqa: E731
    messages = _tr_literals(ROOT / "leerrecht_desktop/app.py", *sorted((ROOT / "leerrecht_desktop/cli").glob("*.py")),
                            *sorted((ROOT / "leerrecht_desktop/demo").glob("*.py")))
    assert messages
    for message in messages:
        assert message in catalog, message
        assert placeholders(catalog[message]) == placeholders(message), message


# -- the documented export format ---------------------------------------------------------------------


def test_export_format_doc_names_every_key(populated: Populated) -> None:
    import dataclasses

    from leerrecht_desktop.models.case import CaseProfile, Consent, Contact, Referral, WorkerRef
    from leerrecht_desktop.models.entries import ENTRY_TYPES

    doc = (ROOT / "docs/export-format.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`([a-z_]+)`", doc))
    keys: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                if not re.fullmatch(r"q\d+", key):  # wellbeing answers are documented as item ids
                    keys.add(key)
                walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    walk(populated.export)
    for cls in (CaseProfile, Contact, Referral, Consent, WorkerRef, *ENTRY_TYPES.values()):
        keys |= {f.name for f in dataclasses.fields(cls)}
    assert keys - documented == set()
    assert {f"`{kind}`" for kind in ("case", *ENTRY_KINDS)} <= set(re.findall(r"`[a-z_]+`", doc))


@pytest.mark.parametrize("name", ["Fictieve " + "W" * MAX_DISPLAY_NAME_LEN, "Fictieve\nWerker", "Fictieve\x00Werker"],
                         ids=["too-long", "line-break", "nul"])
def test_the_workspace_refuses_the_same_names_as_init(tmp_path: Path, name: str) -> None:
    """The window's new-profile form goes through Workspace.create_profile, not through init."""
    from leerrecht_desktop.models.validation import ValidationError

    ws = Workspace(tmp_path / "d", create=True)
    try:
        with pytest.raises(ValidationError) as refused:
            ws.create_profile(name=name, role="netsterk", team="", passphrase=PASSPHRASE, confirm=PASSPHRASE)
        assert [e.field for e in refused.value.errors] == ["name"]
        assert not ws.has_profile()
    finally:
        ws.close()
