"""The author's save time inside the sealed revision (issue 13, item 1), on real SQLite files: a
revision without it (sealed as before) shows when it arrived, marked so, unless this user wrote it; a
malformed or far-future time is not believed; the time can't be changed after sealing; sealing again
under a newer key keeps it. The colleague's laptop receives through a real `leerrecht-server` process.
Every name and note is fictitious."""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from leerrecht_core.crypto.keys import new_case_key, wrap_case_key
from leerrecht_core.crypto.records import RecordHeader
from leerrecht_desktop.models.records import SAVED_AT_KEY, time_text
from leerrecht_desktop.store import sealed_store
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.database import write_transaction
from leerrecht_desktop.store.workspace import Workspace
from tests.kits.storekit import PASSPHRASE, fictitious_profile, note, raw_execute, raw_query
from tests.kits.synckit import Laptop, ServerProcess, enrolled, make_case, running_server

EARLIER = "2025-02-03T09:00:00.000+00:00"  # a save time unlike any the test run itself produces


def _export(cf: CaseFiles, case_id: str) -> list[dict[str, Any]]:
    """Every revision of the case as exported, in a stable order."""
    exported = cf.export(case_ids=[case_id])
    return [{"record_id": record["record_id"], **rev} for case in exported["cases"]
            for record in case["records"] for rev in record["revisions"]]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# -- a worker and the coordinator of a team of their own, through one server per module --------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with running_server(tmp_path_factory.mktemp("server")) as proc:
        yield proc


@pytest.fixture
def pair(server: ServerProcess, tmp_path: Path) -> Iterator[tuple[Laptop, Laptop]]:
    tag = uuid.uuid4().hex[:8]
    team = f"Team{tag}"
    server.admin("create-team", team)
    w1 = enrolled(server, tmp_path / "w1", f"werker{tag}", "Fictieve Werker Een", "netsterk", team)
    coord = enrolled(server, tmp_path / "coord", f"coord{tag}", "Fictieve Coordinator", "coordinator", team)
    yield w1, coord
    w1.close()
    coord.close()


def test_a_revision_sealed_without_the_time_shows_the_time_received_unless_this_user_wrote_it(
        pair: tuple[Laptop, Laptop], monkeypatch: pytest.MonkeyPatch) -> None:
    w1, coord = pair
    with monkeypatch.context() as m:
        m.setattr(sealed_store, "with_saved_at", lambda payload, saved_at: payload)  # sealed as the old app did
        case_id = make_case(w1.case_files, notes=2)
    assert w1.sync().errors == []
    before = _now()
    assert coord.sync().errors == []
    after = _now()

    received = _export(coord.case_files, case_id)
    assert len(received) == 3
    for rev in received:
        assert rev["saved_at_source"] == "received"
        assert before <= dt.datetime.fromisoformat(rev["saved_at"]) <= after
    case = coord.case_files.load_case(case_id)
    assert case.profile.time_received and all(r.time_received for r in case.entries)

    # The writer's own laptop keeps its own save times, as the author's.
    written = _export(w1.case_files, case_id)
    assert {rev["saved_at_source"] for rev in written} == {"author"}
    assert all(dt.datetime.fromisoformat(rev["saved_at"]) < before for rev in written)
    assert not any(r.time_received for r in w1.case_files.load_case(case_id).entries)


def _ahead(hours: int) -> str:
    return time_text(_now() + dt.timedelta(hours=hours))


@pytest.mark.parametrize("bad", [
    "gisteren rond de middag",  # not a moment
    "2026-03-16T14:05:09",  # no time zone: not a moment either
    12345,  # not even text
    "0001-01-01T00:00:00.000+01:00",  # before the first moment a datetime can hold in UTC
    "far-future",  # a wrong clock, two days ahead
])
def test_a_signed_time_that_is_not_believable_falls_back_to_the_time_received(
        pair: tuple[Laptop, Laptop], monkeypatch: pytest.MonkeyPatch, bad: object) -> None:
    w1, coord = pair
    value = _ahead(48) if bad == "far-future" else bad
    with monkeypatch.context() as m:
        m.setattr(sealed_store, "with_saved_at", lambda payload, saved_at: {**payload, SAVED_AT_KEY: value})
        case_id = make_case(w1.case_files, notes=1)
    assert w1.sync().errors == []
    before = _now()
    report = coord.sync()
    after = _now()
    assert report.errors == [] and report.refused == 0

    received = _export(coord.case_files, case_id)
    assert len(received) == 2 and all("content" in rev for rev in received)
    for rev in received:
        assert rev["saved_at_source"] == "received"
        assert before <= dt.datetime.fromisoformat(rev["saved_at"]) <= after
    case = coord.case_files.load_case(case_id)
    assert case.profile.time_received and [r.time_received for r in case.entries] == [True]


def test_a_clock_less_than_a_day_ahead_is_believed(pair: tuple[Laptop, Laptop],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    w1, coord = pair
    ahead = _ahead(20)
    with monkeypatch.context() as m:
        m.setattr(sealed_store, "now_text", lambda: ahead)  # the worker's laptop clock runs 20 hours ahead
        case_id = make_case(w1.case_files, notes=1)
    assert w1.sync().errors == [] and coord.sync().errors == []
    received = _export(coord.case_files, case_id)
    assert [(rev["saved_at"], rev["saved_at_source"]) for rev in received] == [(ahead, "author")] * 2
    assert received == _export(w1.case_files, case_id)


# -- one laptop: tampering and sealing again ------------------------------------------------------------


def _head_row(data_dir: Path, record_id: str) -> dict[str, Any]:
    columns = ("revision_id", "record_id", "case_id", "kind", "revision", "base_revision", "author_id",
               "key_version", "deleted", "nonce", "ciphertext", "saved_at")
    row = raw_query(data_dir, f"SELECT {', '.join(columns)} FROM records WHERE record_id = ? AND is_head = 1",
                    (record_id,))[0]
    return dict(zip(columns, row, strict=True))


def _header(row: dict[str, Any]) -> RecordHeader:
    return RecordHeader(record_id=row["record_id"], revision_id=row["revision_id"], case_id=row["case_id"],
                        kind=row["kind"], revision=row["revision"], base_revision=row["base_revision"],
                        author_id=row["author_id"], key_version=row["key_version"], deleted=bool(row["deleted"]))


def test_a_save_time_changed_after_sealing_is_refused(data_dir: Path, workspace: Workspace,
                                                      case_files: CaseFiles) -> None:
    case = case_files.create_case(fictitious_profile())
    target = case_files.save(case.case_id, note("Fictieve notitie waarvan de tijd vervalst wordt"))
    kept = case_files.save(case.case_id, note("Fictieve notitie die blijft"))
    row = _head_row(data_dir, target.record_id)
    _, key = case_files.case_key(case.case_id, row["key_version"])
    ad = _header(row).associated_data()
    # Someone holding the case key (not the author's signing key) dates the note an hour earlier.
    payload = json.loads(AESGCM(key).decrypt(row["nonce"], row["ciphertext"], ad))
    assert payload[SAVED_AT_KEY] == row["saved_at"]
    payload[SAVED_AT_KEY] = time_text(dt.datetime.fromisoformat(row["saved_at"]) - dt.timedelta(hours=1))
    nonce = os.urandom(12)
    forged = AESGCM(key).encrypt(nonce, json.dumps(payload, separators=(",", ":")).encode(), ad)
    assert raw_execute(data_dir, "UPDATE records SET nonce = ?, ciphertext = ?, saved_at = ? WHERE revision_id = ?",
                       (nonce, forged, payload[SAVED_AT_KEY], row["revision_id"])) == 1

    reopened = workspace.unlock(PASSPHRASE)
    loaded = reopened.load_case(case.case_id)
    assert [r.record_id for r in loaded.entries] == [kept.record_id]
    assert len(loaded.refused) == 1 and "gewijzigd buiten de app" in loaded.refused[0]
    forged_rev = next(rev for rev in _export(reopened, case.case_id) if rev["record_id"] == target.record_id)
    assert "content" not in forged_rev and "gewijzigd buiten de app" in forged_rev["refused"]


def test_the_stored_time_column_never_passes_for_the_authors_time(data_dir: Path, workspace: Workspace,
                                                                   case_files: CaseFiles) -> None:
    """The row's plain `saved_at` column is not sealed: it only says when a revision arrived. Moved
    later, the sealed time still shows; moved back more than a day before the sealed time, the sealed
    time looks like a wrong clock and the column's time shows, but marked as the time received, never
    as the author's."""
    case = case_files.create_case(fictitious_profile())
    saved = case_files.save(case.case_id, note())
    later = time_text(saved.saved_at + dt.timedelta(days=30))
    assert raw_execute(data_dir, "UPDATE records SET saved_at = ? WHERE record_id = ?", (later, saved.record_id)) == 1
    reopened = workspace.unlock(PASSPHRASE)
    [shown] = reopened.load_case(case.case_id).entries
    assert shown.saved_at == saved.saved_at and not shown.time_received
    exported = next(rev for rev in _export(reopened, case.case_id) if rev["record_id"] == saved.record_id)
    assert (exported["saved_at"], exported["saved_at_source"]) == (time_text(saved.saved_at), "author")

    earlier = "2020-01-01T00:00:00.000+00:00"
    assert raw_execute(data_dir, "UPDATE records SET saved_at = ? WHERE record_id = ?", (earlier, saved.record_id)) == 1
    [shown] = workspace.unlock(PASSPHRASE).load_case(case.case_id).entries
    assert shown.saved_at == dt.datetime.fromisoformat(earlier) and shown.time_received


def _give_key(cf: CaseFiles, case_id: str, version: int) -> bytes:
    """A newer case key version for this user, as a key rotation would store it."""
    key = new_case_key()
    wrapped = wrap_case_key(key, case_id, version, cf.user.user_id, cf.secrets.exchange_public)
    with write_transaction(cf.engine) as conn:
        cf.bookkeeping.insert_case_key(conn, case_id, version, cf.user.user_id, wrapped.ephemeral_public,
                                       wrapped.ciphertext)
    cf.forget_cached_key(case_id)
    return key


def _sealed_times(cf: CaseFiles, case_id: str) -> list[tuple[int, str, str]]:
    return [(rev["revision"], rev["saved_at"], rev["saved_at_source"]) for rev in _export(cf, case_id)]


def test_sealing_again_under_a_newer_key_keeps_the_authors_time(data_dir: Path, workspace: Workspace,
                                                                 case_files: CaseFiles,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as m:
        m.setattr(sealed_store, "now_text", lambda: EARLIER)
        case = case_files.create_case(fictitious_profile())
        saved = case_files.save(case.case_id, note("Fictieve notitie, offline geschreven"))
    assert _sealed_times(case_files, case.case_id) == [(1, EARLIER, "author")] * 2

    key2 = _give_key(case_files, case.case_id, 2)
    with case_files.sync_transaction() as conn:
        assert case_files.reseal_under_newest(conn, case.case_id) == (2, 2)
    assert {_head_row(data_dir, r)["key_version"] for r in (case.record_id, saved.record_id)} == {2}
    reopened = workspace.unlock(PASSPHRASE)
    assert _sealed_times(reopened, case.case_id) == [(1, EARLIER, "author")] * 2
    assert [r.saved_at for r in reopened.load_case(case.case_id).entries] == [dt.datetime.fromisoformat(EARLIER)]

    _give_key(reopened, case.case_id, 3)
    with reopened.sync_transaction() as conn:
        assert reopened.reseal_unsent(conn, case.case_id, 2, key2, 3) == 2
    assert {_head_row(data_dir, r)["key_version"] for r in (case.record_id, saved.record_id)} == {3}
    again = workspace.unlock(PASSPHRASE)
    assert _sealed_times(again, case.case_id) == [(1, EARLIER, "author")] * 2
