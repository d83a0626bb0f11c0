"""A save that returned survives the process being killed (SIGKILL, no clean-up), and a kill in the
middle of a save or a batch leaves a consistent database: nothing half-written, nothing lost.

A child process saves entries in a loop and prints each record id only after `save` (or the batch)
returned. The test kills it after it has reported N saves: no sleeps, no timings."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
from collections import Counter
from contextlib import closing
from pathlib import Path

import pytest

from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.database import database_path
from leerrecht_desktop.store.workspace import Workspace
from tests.kits.storekit import PASSPHRASE, fictitious_profile, note_text

ROOT = Path(__file__).resolve().parents[2]

CHILD = r"""
import datetime as dt, sys
from pathlib import Path
from leerrecht_desktop.models.entries import FollowUpNote
from leerrecht_desktop.store.workspace import Workspace

data_dir, case_id, mode = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
session = Workspace(data_dir).unlock(sys.argv[4])
for i in range(100_000):
    if mode == "single":
        record = session.save(case_id, FollowUpNote(occurred_on=dt.date(2025, 1, 1), text=f"Fictief {i} " + "x" * 500))
        print(record.record_id, flush=True)
    else:  # three saves that must land together or not at all
        with session.batch():
            ids = [session.save(case_id, FollowUpNote(occurred_on=dt.date(2025, 1, 1), text=f"Fictief {i}.{j}")
                                ).record_id for j in range(3)]
        print(" ".join(ids), flush=True)
"""


def run_and_kill(data_dir: Path, case_id: str, mode: str, kill_after: int) -> list[str]:
    """Start the child, read `kill_after` reported lines, SIGKILL it; return every record id it reported."""
    with tempfile.TemporaryFile() as stderr:
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(data_dir), case_id, mode, PASSPHRASE],
            stdout=subprocess.PIPE, stderr=stderr, text=True, cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), "LEERRECHT_KDF_PROFILE": "minimum"},
        )
        reported: list[str] = []
        try:
            assert child.stdout is not None
            while len(reported) < kill_after:
                line = child.stdout.readline()
                if not line:
                    stderr.seek(0)
                    pytest.fail(f"the child stopped early: {stderr.read().decode(errors='replace')}")
                reported.append(line)
            child.send_signal(signal.SIGKILL)
        finally:
            child.kill()
            child.wait()
            child.stdout.close()  # type: ignore[union-attr]
    assert child.returncode == -signal.SIGKILL
    return [record_id for line in reported for record_id in line.split()]


def check_consistent(data_dir: Path, case_id: str, reported: list[str]) -> int:
    """The database after the kill: intact, every reported save there and readable. Returns the entry count."""
    with closing(sqlite3.connect(database_path(data_dir))) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        heads = Counter(r for (r,) in conn.execute("SELECT record_id FROM records WHERE is_head = 1"))
        records = {r for (r,) in conn.execute("SELECT DISTINCT record_id FROM records")}
        assert set(heads) == records and set(heads.values()) == {1}, "every record has exactly one head"
        revisions = sorted(r for (r,) in conn.execute("SELECT revision_id FROM records"))
        queued = sorted(r for (r,) in conn.execute("SELECT revision_id FROM outbox"))
        assert queued == revisions, "every revision is queued for sync exactly once"

    ws = Workspace(data_dir)
    try:
        session = ws.unlock(PASSPHRASE)
        case = session.load_case(case_id)
        assert case.refused == []
        shown = {r.record_id for r in case.entries}
        missing = [r for r in reported if r not in shown]
        assert not missing, f"saves that had returned are lost: {missing}"
        for record_id in reported:
            assert note_text(session.history(record_id)[-1]).startswith("Fictief")
        # The sealed case list was written in the same transactions as the records.
        assert session.summary(case_id).entry_count == len(case.entries)
        return len(case.entries)
    finally:
        ws.close()


@pytest.fixture
def prepared(data_dir: Path, workspace: Workspace, case_files: CaseFiles) -> tuple[Path, str]:
    case_id = case_files.create_case(fictitious_profile()).case_id
    workspace.close()
    return data_dir, case_id


@pytest.mark.slow
@pytest.mark.parametrize("kill_points", [(1, 9, 4), (23,)])
def test_every_save_that_returned_survives_a_kill(prepared: tuple[Path, str], kill_points: tuple[int, ...]) -> None:
    data_dir, case_id = prepared
    reported: list[str] = []
    for kills, kill_after in enumerate(kill_points, start=1):  # several kills, each run continuing the last
        reported += run_and_kill(data_dir, case_id, "single", kill_after)
        entries = check_consistent(data_dir, case_id, reported)
        # At most the one save in flight at each kill is there without having been reported.
        assert len(reported) <= entries <= len(reported) + kills


@pytest.mark.slow
@pytest.mark.parametrize("kill_after", [1, 6])
def test_a_batch_is_all_or_nothing_across_a_kill(prepared: tuple[Path, str], kill_after: int) -> None:
    data_dir, case_id = prepared
    reported = run_and_kill(data_dir, case_id, "batch", kill_after)
    entries = check_consistent(data_dir, case_id, reported)
    assert entries % 3 == 0, "a batch of three saves was kept in part"
    assert len(reported) <= entries <= len(reported) + 3
