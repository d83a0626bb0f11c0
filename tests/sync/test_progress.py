"""First-sync progress and cancelling, against a real server: `SyncEngine.sync_once(progress=, cancel=)`
reports after each page with growing counts; a cancel stops right after the page being applied, leaves
a consistent store, and a later sync completes everything (nothing skipped, nothing stored twice).
Also `leerrecht sync --progress` prints its progress lines on stderr."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from leerrecht_desktop.store import tables as t
from leerrecht_desktop.store.syncstore import SyncStore
from leerrecht_desktop.sync.account import login_new_laptop
from leerrecht_desktop.sync.engine import SyncProgress
from tests.kits.synckit import PASSPHRASE, ROOT, Laptop, ServerProcess, enrolled, snapshot

pytestmark = pytest.mark.slow

USER = "coord.voortgang"


def coordinator(server: ServerProcess, folder: Path, cases: int = 3) -> Laptop:
    server.admin("create-team", "Noord")
    return enrolled(server, folder, USER, "Fictieve Coördinator", "coordinator", "Noord", before=cases)


def fresh_laptop(server: ServerProcess, folder: Path) -> Laptop:
    ws, cf = login_new_laptop(folder, server.url, USER, PASSPHRASE)
    return Laptop("tweede", folder, ws, cf)


def local_revisions(laptop: Laptop) -> list[str]:
    with laptop.case_files.engine.connect() as conn:
        return list(conn.execute(select(t.records.c.revision_id)).scalars())


def server_revisions(server: ServerProcess) -> int:
    return int(server.query("SELECT count(*) FROM revisions")[0][0])


def assert_growing(events: list[SyncProgress]) -> None:
    for before, after in itertools.pairwise(events):
        assert after.records_done > before.records_done
        assert after.bytes_done > before.bytes_done


def test_progress_arrives_after_each_page_with_growing_counts(server: ServerProcess, tmp_path: Path) -> None:
    first = coordinator(server, tmp_path / "eerste")
    waiting = SyncStore(first.case_files).pending_count()
    assert waiting >= 9  # three cases, each a profile and two notes
    pushed: list[SyncProgress] = []
    engine = first.engine(push_batch=2)
    try:
        report = engine.sync_once(progress=pushed.append)
    finally:
        engine.transport.close()
    assert report.pushed == waiting and not report.cancelled
    push_events = [e for e in pushed if e.phase == "push"]
    assert len(push_events) == -(-waiting // 2)  # one per batch of two
    assert_growing(push_events)
    assert all(e.records_total == waiting for e in push_events)
    assert push_events[-1].records_done == waiting

    second = fresh_laptop(server, tmp_path / "tweede")
    pulled: list[SyncProgress] = []
    engine = second.engine(page_size=4)
    try:
        report = engine.sync_once(progress=pulled.append)
    finally:
        engine.transport.close()
    assert report.pulled == server_revisions(server) and not report.cancelled
    pull_events = [e for e in pulled if e.phase == "pull"]
    assert len(pull_events) >= 3
    # Every page but an empty last one (the server said "more" and then had nothing left) adds records.
    assert_growing([e for i, e in enumerate(pull_events) if i == 0 or e.bytes_done > pull_events[i - 1].bytes_done])
    assert [e.records_done for e in pull_events] == sorted(e.records_done for e in pull_events)
    assert all(e.records_total is None for e in pull_events)
    assert pull_events[-1].records_done == report.pulled
    assert pull_events[-1].bytes_done > 0
    for case_id in first.case_files.summaries():
        assert snapshot(second.case_files, case_id.case_id) == snapshot(first.case_files, case_id.case_id)
    first.close()
    second.close()


def test_cancelled_pull_leaves_a_consistent_store_and_the_next_sync_completes_it(
        server: ServerProcess, tmp_path: Path) -> None:
    first = coordinator(server, tmp_path / "eerste", cases=4)
    first.sync()
    total = server_revisions(server)

    second = fresh_laptop(server, tmp_path / "tweede")
    cancel = threading.Event()
    events: list[SyncProgress] = []

    def stop_after_first_page(progress: SyncProgress) -> None:
        events.append(progress)
        cancel.set()

    engine = second.engine(page_size=5)
    try:
        report = engine.sync_once(progress=stop_after_first_page, cancel=cancel)
    finally:
        engine.transport.close()
    assert report.cancelled
    assert len(events) == 1 and events[0].phase == "pull"
    # A page holds up to five items, membership events ("added") included: some revisions, not all.
    assert 1 <= report.pulled == events[0].records_done < total
    held = local_revisions(second)
    assert len(held) == len(set(held)) == report.pulled
    state = SyncStore(second.case_files).state()
    assert state.cursor > 0  # the page and the cursor moved together
    assert state.last_success_at is None  # a cancelled round is not a successful sync
    # What arrived is usable: every case of which the profile came opens without refused records.
    for summary in second.case_files.summaries():
        assert second.case_files.load_case(summary.case_id).refused == []

    rest = second.sync()
    assert not rest.cancelled and rest.refused == 0
    assert report.pulled + rest.pulled == total  # nothing skipped, nothing twice
    held = local_revisions(second)
    assert len(held) == len(set(held)) == total
    for summary in first.case_files.summaries():
        assert snapshot(second.case_files, summary.case_id) == snapshot(first.case_files, summary.case_id)
    first.close()
    second.close()


def test_cancelled_push_keeps_the_rest_queued_and_the_next_sync_sends_it(
        server: ServerProcess, tmp_path: Path) -> None:
    first = coordinator(server, tmp_path / "eerste")
    waiting = SyncStore(first.case_files).pending_count()
    cancel = threading.Event()
    cancel.set()  # set before the round: it still sends one batch, then stops
    engine = first.engine(push_batch=3)
    try:
        report = engine.sync_once(cancel=cancel)
    finally:
        engine.transport.close()
    assert report.cancelled and report.pushed == 3
    assert SyncStore(first.case_files).pending_count() == waiting - 3
    assert server_revisions(server) == 3

    rest = first.sync()
    assert rest.pushed == waiting - 3 and rest.waiting == 0
    assert server_revisions(server) == waiting  # each revision stored once
    first.close()


def test_cli_sync_prints_progress_on_stderr(server: ServerProcess, tmp_path: Path) -> None:
    first = coordinator(server, tmp_path / "eerste", cases=2)
    first.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEERRECHT_")}
    env.update({"LEERRECHT_KDF_PROFILE": "minimum", "PYTHONIOENCODING": "utf-8", "LEERRECHT_PASSPHRASE": PASSPHRASE,
                "PYTHONPATH": str(ROOT)})
    result = subprocess.run([sys.executable, "-m", "leerrecht_desktop", "sync", "--data-dir", str(first.data_dir),
                             "--progress"], env=env, cwd=ROOT, capture_output=True, text=True, encoding="utf-8",
                            timeout=600, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if "Versturen:" in line]
    assert lines and "/" in lines[-1] and "MB" in lines[-1]
    assert "Versturen" not in result.stdout  # stdout keeps only the summary
