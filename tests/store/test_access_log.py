"""The laptop's access log (store/access_log.py): entries sealed under the local key (neither the
action word nor a name in any file of the data folder), openings coalesced, old entries pruned, a
damaged row dropped, the store's own hooks (export, erase), and a full disk that never stops the
user's action. Every name is fictitious."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from pathlib import Path

import pytest

from leerrecht_desktop.store.access_log import COALESCE_SECONDS, LOCAL_KEEP_DAYS, AccessLog
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.workspace import Workspace
from tests.kits.storekit import (
    PASSPHRASE,
    WORKER_NAME,
    fictitious_profile,
    files_containing,
    flip_byte,
    note,
    raw_execute,
    raw_query,
    text_forms,
)

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def access(case_files: CaseFiles, clock: Clock) -> AccessLog:
    log = AccessLog.of(case_files)
    log.clock = clock
    return log


def new_case(cf: CaseFiles) -> tuple[str, str]:
    profile = fictitious_profile()
    record = cf.create_case(profile)
    cf.save(record.case_id, note("Fictieve notitie"))
    return record.case_id, profile.last_name


def test_entries_are_sealed_the_file_says_neither_action_nor_name(case_files: CaseFiles, access: AccessLog,
                                                                   data_dir: Path) -> None:
    case_id, last_name = new_case(case_files)
    for action in ("case_opened", "case_printed", "case_summary_saved", "case_shared", "case_handed_over"):
        assert access.record(case_id, action)
    case_files.checkpoint()
    assert raw_query(data_dir, "SELECT count(*) FROM access_log") == [(5,)]
    assert [c[1] for c in raw_query(data_dir, "PRAGMA table_info(access_log)")] == ["id", "blob"]
    needles = [f for word in ("case_opened", "case_printed", "case_summary_saved", "case_shared",
                              "case_handed_over", "opened", "printed") for f in text_forms(word)]
    assert files_containing(data_dir, needles) == []
    assert files_containing(data_dir, text_forms(last_name)) == []
    entries = access.unsent(100)
    assert [(e.action, e.case_id, e.user_id, e.at) for e in entries] == [
        (a, case_id, case_files.user.user_id, START)
        for a in ("case_opened", "case_printed", "case_summary_saved", "case_shared", "case_handed_over")]


def test_openings_of_one_case_within_ten_minutes_are_one_entry(case_files: CaseFiles, access: AccessLog,
                                                              clock: Clock) -> None:
    a, _ = new_case(case_files)
    b, _ = new_case(case_files)
    assert access.record(a, "case_opened")
    clock.now += dt.timedelta(seconds=COALESCE_SECONDS - 1)
    assert not access.record(a, "case_opened")  # coalesced
    assert access.record(b, "case_opened")  # another case is another entry
    assert access.record(a, "case_printed")  # printing is never coalesced
    clock.now += dt.timedelta(seconds=2)
    assert access.record(a, "case_opened")  # ten minutes after the recorded opening
    assert [(e.case_id, e.action) for e in access.unsent(100)] == [
        (a, "case_opened"), (b, "case_opened"), (a, "case_printed"), (a, "case_opened")]
    # The same log for the whole session, whoever asks for it.
    assert AccessLog.of(case_files) is access


def test_drop_and_prune(case_files: CaseFiles, access: AccessLog, clock: Clock) -> None:
    case_id, _ = new_case(case_files)
    access.record(case_id, "case_printed")
    clock.now += dt.timedelta(days=LOCAL_KEEP_DAYS - 1)
    access.record(case_id, "case_exported")
    clock.now += dt.timedelta(days=2)
    assert access.prune() == 1  # the first is older than LOCAL_KEEP_DAYS now
    (left,) = access.unsent(100)
    assert left.action == "case_exported"
    access.drop([left.row_id])
    assert access.pending_count() == 0


def test_a_row_changed_outside_the_app_is_dropped_not_sent(case_files: CaseFiles, access: AccessLog,
                                                          data_dir: Path) -> None:
    case_id, _ = new_case(case_files)
    access.record(case_id, "case_printed")
    access.record(case_id, "case_exported")
    first_id, blob = raw_query(data_dir, "SELECT id, blob FROM access_log ORDER BY id")[0]
    raw_execute(data_dir, "UPDATE access_log SET blob = ? WHERE id = ?", (flip_byte(blob, 20), first_id))
    # A copy of a genuine row under another id does not open either (bound to its row id).
    second_blob = raw_query(data_dir, "SELECT blob FROM access_log ORDER BY id")[1][0]
    raw_execute(data_dir, "INSERT INTO access_log (id, blob) VALUES (99, ?)", (second_blob,))
    assert [e.action for e in access.unsent(100)] == ["case_exported"]
    assert access.pending_count() == 1


def test_an_export_records_one_entry_per_case_and_an_erase_one(case_files: CaseFiles, access: AccessLog) -> None:
    a, _ = new_case(case_files)
    b, _ = new_case(case_files)
    case_files.export()
    assert sorted((e.case_id, e.action) for e in access.unsent(100)) == sorted(
        [(a, "case_exported"), (b, "case_exported")])
    access.drop(e.row_id for e in access.unsent(100))
    case_files.export(case_ids=[b])
    case_files.erase_case(a)
    assert [(e.case_id, e.action) for e in access.unsent(100)] == [(b, "case_exported"), (a, "case_erased_local")]


def test_an_erase_by_the_sync_is_not_the_users_and_is_not_recorded(case_files: CaseFiles, access: AccessLog) -> None:
    case_id, _ = new_case(case_files)
    with case_files.sync_transaction():  # how the sync erases a case it was removed from
        case_files.erase_case(case_id)
    assert access.pending_count() == 0


def test_recording_inside_a_sync_transaction_uses_it(case_files: CaseFiles, access: AccessLog) -> None:
    case_id, _ = new_case(case_files)
    with case_files.sync_transaction():
        assert access.record(case_id, "case_shared")  # would wait for the batch's write lock otherwise
    assert [e.action for e in access.unsent(10)] == ["case_shared"]


def test_a_locked_session_records_nothing_and_raises_nothing(case_files: CaseFiles, access: AccessLog,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    case_id, _ = new_case(case_files)
    case_files.lock()
    with caplog.at_level(logging.WARNING, logger="leerrecht_desktop.store.access_log"):
        assert not access.record(case_id, "case_printed")
    assert "an access log entry was not recorded (Locked)" in caplog.text


# -- a full disk: the action goes on -----------------------------------------------------------------

def test_on_a_full_disk_the_export_still_happens_and_the_failure_is_logged_as_a_type(
        small_disk: Path, caplog: pytest.LogCaptureFixture) -> None:
    ws = Workspace(small_disk / "data", create=True)
    try:
        cf = ws.create_profile(name=WORKER_NAME, role="brugfiguur", team="Team Fictief", passphrase=PASSPHRASE)
        case_id, last_name = new_case(cf)
        cf.checkpoint()
        with open(small_disk / "vulling", "wb", buffering=0) as fh:
            block = b"\0" * 4096
            while True:
                try:
                    fh.write(block)
                except OSError:
                    if len(block) == 1:
                        break
                    block = block[: len(block) // 2]
        assert shutil.disk_usage(small_disk).free == 0
        with caplog.at_level(logging.WARNING, logger="leerrecht_desktop.store.access_log"):
            data = cf.export()
            printed = AccessLog.of(cf).record(case_id, "case_printed")
        assert [c["case_id"] for c in data["cases"]] == [case_id]
        assert not printed
        assert "an access log entry was not recorded (OperationalError)" in caplog.text
        assert last_name not in caplog.text
    finally:
        ws.close()
