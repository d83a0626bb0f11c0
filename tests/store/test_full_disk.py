"""Reading on a full disk: `leerrecht cases` and `leerrecht export` work when the disk that holds the data
folder (and the log) has no byte left; what can't be written then is refused in one Dutch line.

The full disk is real: a small tmpfs, mounted for the test and filled to the last byte. Mounting needs
root; elsewhere these tests are skipped, saying why."""

from __future__ import annotations

import errno
import json
import logging
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from leerrecht_desktop import logs
from leerrecht_desktop.store.workspace import Workspace
from tests.kits.storekit import PASSPHRASE, WORKER_NAME, fictitious_profile, note, raw_execute

ROOT = Path(__file__).resolve().parents[2]
WRONG = "rode fiets op de markt"
FULL = ("leerrecht: De schijf waarop je Leerrecht-gegevens staan, is vol. Er is niets veranderd. Maak plaats vrij "
        "door bestanden te verwijderen of te verplaatsen, en probeer dan opnieuw.")


def fill(disk: Path) -> None:
    """Write a file until the disk has not one byte left."""
    with open(disk / "vulling", "wb", buffering=0) as fh:
        for size in (1 << 20, 1 << 16, 1 << 12, 1):
            try:
                while fh.write(b"\0" * size):
                    pass
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
    assert shutil.disk_usage(disk).free == 0


@pytest.fixture
def full_disk(small_disk: Path) -> Path:
    """A data folder with two case files, and the log folder, on a disk then filled up."""
    data_dir = small_disk / "data"
    ws = Workspace(data_dir, create=True)
    try:
        session = ws.create_profile(name=WORKER_NAME, role="brugfiguur", team="Team Fictief", passphrase=PASSPHRASE)
        for tag in ("Eerste", "Tweede"):
            case = session.create_case(fictitious_profile(tag))
            session.save(case.case_id, note(f"Fictieve notitie {tag}"))
        session.lock()
    finally:
        ws.close()
    (small_disk / "log").mkdir(mode=0o700)
    fill(small_disk)
    return small_disk


def leerrecht(disk: Path, *args: str | Path, passphrase: str = PASSPHRASE) -> subprocess.CompletedProcess[str]:
    """The command as a real process, logging to the full disk too."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEERRECHT_")}
    env.update(LEERRECHT_KDF_PROFILE="minimum", PYTHONIOENCODING="utf-8", LEERRECHT_PASSPHRASE=passphrase,
               LEERRECHT_LOG_DIR=str(disk / "log"))
    return subprocess.run([sys.executable, "-m", "leerrecht_desktop", *map(str, args)], env=env, cwd=ROOT,
                          capture_output=True, text=True, encoding="utf-8", timeout=300, stdin=subprocess.DEVNULL)


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stdout + result.stderr
    assert "Logging error" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_cases_lists_the_case_files_on_a_full_disk(full_disk: Path) -> None:
    result = leerrecht(full_disk, "cases", "--data-dir", full_disk / "data")
    assert result.returncode == 0, result.stderr
    assert one_line(result) == "leerrecht: 2 dossiers."
    names = sorted(line.split("\t")[1] for line in result.stdout.splitlines())
    assert len(names) == 2 and all("Eerste" in n or "Tweede" in n for n in names)
    assert shutil.disk_usage(full_disk).free == 0


def test_export_to_another_disk_works_on_a_full_disk(full_disk: Path, tmp_path: Path) -> None:
    out = tmp_path / "export.json"
    result = leerrecht(full_disk, "export", "--data-dir", full_disk / "data", "--out", out)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "Logging error" not in result.stderr
    exported = json.loads(out.read_text(encoding="utf-8"))
    assert len(exported["cases"]) == 2
    notes = json.dumps(exported, ensure_ascii=False)
    assert "Fictieve notitie Eerste" in notes and "Fictieve notitie Tweede" in notes


def test_a_case_summary_and_the_overview_to_another_disk_work_on_a_full_disk(full_disk: Path, tmp_path: Path) -> None:
    listed = leerrecht(full_disk, "cases", "--data-dir", full_disk / "data")
    case_id = listed.stdout.split()[0]
    summary, overview = tmp_path / "samenvatting.pdf", tmp_path / "overzicht.csv"
    result = leerrecht(full_disk, "report", "--data-dir", full_disk / "data", "--case", case_id, "--out", summary)
    assert result.returncode == 0, result.stderr
    assert summary.read_bytes().startswith(b"%PDF")
    result = leerrecht(full_disk, "overview", "--data-dir", full_disk / "data", "--from", "2020-01-01",
                       "--to", "2030-12-31", "--out", overview)
    assert result.returncode == 0, result.stderr
    assert overview.stat().st_size > 0


def test_an_export_onto_the_full_disk_is_refused_in_dutch_and_leaves_nothing(full_disk: Path) -> None:
    out = full_disk / "export.json"
    result = leerrecht(full_disk, "export", "--data-dir", full_disk / "data", "--out", out)
    assert result.returncode == 1
    assert one_line(result) == (
        f"leerrecht: Er is niet genoeg plaats in {full_disk} voor de export. Er is niets geschreven. Maak plaats "
        "vrij, of kies met --out een andere schijf (bv. een USB-stick).")
    assert sorted(p.name for p in full_disk.iterdir()) == ["data", "log", "vulling"]


def test_a_wrong_passphrase_on_a_full_disk_is_refused_in_one_line(full_disk: Path) -> None:
    result = leerrecht(full_disk, "cases", "--data-dir", full_disk / "data", passphrase=WRONG)
    assert result.returncode == 1
    assert one_line(result).startswith("leerrecht: Die wachtwoordzin klopt niet.")


def test_a_delay_already_due_still_holds_on_a_full_disk(small_disk: Path) -> None:
    data_dir = small_disk / "data"
    ws = Workspace(data_dir, create=True)
    try:
        ws.create_profile(name=WORKER_NAME, role="brugfiguur", team="Team Fictief", passphrase=PASSPHRASE)
    finally:
        ws.close()
    raw_execute(data_dir, "UPDATE vault SET failed_attempts = 6, last_failed_at = ?", (time.time(),))
    (small_disk / "log").mkdir(mode=0o700)
    fill(small_disk)
    result = leerrecht(small_disk, "cases", "--data-dir", data_dir)
    assert result.returncode == 1
    assert one_line(result).startswith("leerrecht: Te veel foute pogingen. Probeer opnieuw over")


def test_a_command_that_writes_says_the_disk_is_full(full_disk: Path) -> None:
    result = leerrecht(full_disk, "demo", "--data-dir", full_disk / "data", "--cases", "1")
    assert result.returncode == 1
    assert one_line(result) == FULL


def test_a_log_on_a_full_disk_stops_without_a_word_on_stderr(
    small_disk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fill(small_disk)
    handler = logs.setup_logging(small_disk)  # an empty file still fits; its first line doesn't
    assert handler is not None
    try:
        log = logging.getLogger("leerrecht_desktop.test_full_disk")
        for n in range(3):
            log.warning("fictieve melding %d", n)
    finally:
        logs.teardown_logging(handler)
    assert capsys.readouterr().err == ""  # logging's own fallback prints a traceback per record here
    assert getattr(handler, "failed", False)
