"""Safe upgrades: a data folder made by each earlier schema opens with today's code after a copy is
kept; an upgrade that fails leaves the database as it was and says so in plain Dutch; a database from
a newer schema is refused without a byte changing. Every name and note is fictitious."""

from __future__ import annotations

import io
import os
import sqlite3
import stat
import time
import types
import uuid
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config

from leerrecht_desktop.models.records import encode
from leerrecht_desktop.store import database
from leerrecht_desktop.store import tables as t
from leerrecht_desktop.store.access_log import AccessLog
from leerrecht_desktop.store.attachments import Attachments
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.database import (
    MIGRATIONS_DIR,
    SchemaTooNew,
    UpgradeFailed,
    backup_dir,
    current_revision,
    database_path,
    list_backups,
    prune_backups,
    write_transaction,
)
from leerrecht_desktop.store.errors import CaseNotFound
from leerrecht_desktop.store.syncstore import SyncStore
from leerrecht_desktop.store.workspace import Workspace
from tests.kits.storekit import (
    PASSPHRASE,
    fictitious_profile,
    files_containing,
    home_visit,
    note,
    text_forms,
    write_profile_as_before_0004,
)

SERVER_URL = "https://leerrecht.voorbeeld.be"


def snapshot(cf: CaseFiles) -> dict[str, Any]:
    """Everything a user sees, decrypted: every case's profile and entries, drafts, the waiting count."""
    out: dict[str, Any] = {"pending": cf.pending_changes(), "drafts": cf.load_draft("concept-1"), "cases": {}}
    for summary in cf.summaries():
        case = cf.load_case(summary.case_id)
        assert case.refused == []
        out["cases"][summary.case_id] = {
            "profile": encode(case.profile.content),
            "entries": {r.record_id: encode(r.content) for r in case.entries},
        }
    return out


def downgrade(ws: Workspace, revision: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with write_transaction(ws.engine) as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)
    assert current_revision(ws.engine) == revision


def make_old_folder(data_dir: Path, revision: str) -> tuple[dict[str, Any], list[str]]:
    """A populated data folder (two cases with entries, a draft; for 0002 also an enrolled-looking
    sync state and registered cases), then taken down to `revision` with Alembic.
    Returns what the user saw, and the fictitious names in it."""
    ws = Workspace(data_dir, create=True)
    try:
        cf = ws.create_profile(name="Fictieve Werker", role="netsterk", team="Team Noord", passphrase=PASSPHRASE)
        names = []
        for _ in range(2):
            profile = fictitious_profile()
            names += [profile.first_name, profile.last_name]
            case_id = cf.create_case(profile).case_id
            cf.save(case_id, note("Fictieve notitie van vóór de update"))
            cf.save(case_id, home_visit())
        cf.save_draft("concept-1", None, {"text": "Fictief concept"})
        if revision >= "0002":
            store = SyncStore(cf)
            store.save_enrolment(server_url=SERVER_URL, device_id=str(uuid.uuid4()), device_token="tok-fictief",
                                 team_id="team-noord", role="netsterk", recovery_public=None, pinned_sha256=None)
            for case_id in store.local_case_ids():
                store.mark_registered(case_id, [cf.user.user_id])
        before = snapshot(cf)
        if revision < "0004":
            write_profile_as_before_0004(ws, cf)
        cf.lock()
        downgrade(ws, revision)
    finally:
        ws.close()
    return before, names


def db_dump(data_dir: Path) -> list[str]:
    with closing(sqlite3.connect(database_path(data_dir))) as conn:
        return list(conn.iterdump())


def integrity(data_dir: Path) -> str:
    with closing(sqlite3.connect(database_path(data_dir))) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# -- each earlier schema opens with today's code ----------------------------------------------------

@pytest.mark.parametrize("revision", ["0001", "0002", "0003", "0004", "0005", "0006"])
def test_a_folder_from_an_earlier_schema_is_copied_then_upgraded_and_reads_back(tmp_path: Path,
                                                                              revision: str) -> None:
    data_dir = tmp_path / "data"
    before, names = make_old_folder(data_dir, revision)
    sync_before = None
    if revision >= "0002":
        with closing(sqlite3.connect(database_path(data_dir))) as conn:
            sync_before = (conn.execute("SELECT server_url, device_id FROM sync_state").fetchall(),
                           conn.execute("SELECT case_id, members FROM sync_cases ORDER BY case_id").fetchall())
        assert sync_before[0] and len(sync_before[1]) == 2

    ws = Workspace(data_dir)
    try:
        assert current_revision(ws.engine) == t.SCHEMA_HEAD
        cf = ws.unlock(PASSPHRASE)
        assert snapshot(cf) == before
        # The access log (0006) starts empty, and records (sealed) from the first action on.
        access = AccessLog.of(cf)
        assert access.pending_count() == 0
        assert access.record(next(iter(before["cases"])), "case_printed")
        assert [e.action for e in access.unsent(10)] == ["case_printed"]
        # Attachments (0007) start empty, and a scan goes in and comes back.
        attachments = Attachments(cf)
        some_case = next(iter(before["cases"]))
        assert attachments.list(some_case) == []
        scan = b"%PDF-1.7\n% Fictieve scan na de update\n%%EOF\n"
        added = attachments.add(some_case, io.BytesIO(scan), "Fictieve scan")
        opened = io.BytesIO()
        attachments.open_to(added.attachment_id, opened)
        assert opened.getvalue() == scan and attachments.list(some_case) == [added]
        store = SyncStore(cf)
        if revision >= "0002":
            assert store.is_enrolled()
            state = store.state()
            assert (state.server_url, state.device_token) == (SERVER_URL, "tok-fictief")
            assert sorted(store.registered_case_ids()) == sorted(before["cases"])
            assert store.unfinished_histories() == []
        else:
            assert not store.is_enrolled() and sorted(store.unregistered_cases()) == sorted(before["cases"])
    finally:
        ws.close()

    (backup,) = list_backups(data_dir)
    assert backup.parent == backup_dir(data_dir)
    assert backup.name.startswith(f"leerrecht-schema{revision}-") and backup.suffix == ".sqlite3"
    assert mode(backup) == 0o600 and mode(backup.parent) == 0o700
    with closing(sqlite3.connect(backup)) as conn:  # a whole database of the old schema, on its own
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == (revision,)
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT count(*) FROM records").fetchone()[0] == 2 * 3
    assert not Path(str(backup) + "-wal").exists()
    # It holds ciphertext only, like the database it copies.
    assert files_containing(backup.parent, [f for n in names for f in text_forms(n)]) == []

    # The next start is a normal one: nothing to upgrade, no further copy.
    Workspace(data_dir).close()
    assert list_backups(data_dir) == [backup]


# -- bookkeeping authenticated at the first unlock after the upgrade to 0004 -----------------------------

BOOKKEEPING_MACS = ("SELECT mac FROM case_keys UNION ALL SELECT mac FROM known_keys "
                    "UNION ALL SELECT head_mac FROM records WHERE is_head = 1")


@pytest.mark.parametrize("revision", ["0001", "0003"])
def test_an_old_folder_is_authenticated_at_its_first_unlock_and_verified_after(tmp_path: Path,
                                                                              revision: str) -> None:
    data_dir = tmp_path / "data"
    before, _names = make_old_folder(data_dir, revision)
    ws = Workspace(data_dir)
    try:
        # Upgraded, still locked: the columns are there, the MACs not yet (no key to make them).
        with closing(sqlite3.connect(database_path(data_dir))) as conn:
            macs = [m for (m,) in conn.execute(BOOKKEEPING_MACS)]
        assert len(macs) == 2 + 1 + 2 * 3 and set(macs) == {None}

        cf = ws.unlock(PASSPHRASE)
        with closing(sqlite3.connect(database_path(data_dir))) as conn:
            macs = [m for (m,) in conn.execute(BOOKKEEPING_MACS)]
        assert None not in macs and len(set(macs)) == len(macs)
        assert snapshot(cf) == before
        cf.lock()

        # From now on a row without a MAC is one planted outside the app: refused, at every later unlock.
        case_id = sorted(before["cases"])[0]
        with closing(sqlite3.connect(database_path(data_dir))) as conn, conn:
            conn.execute("UPDATE case_keys SET mac = NULL WHERE case_id = ?", (case_id,))
        for _ in range(2):
            cf = ws.unlock(PASSPHRASE)
            with pytest.raises(CaseNotFound) as refused:
                cf.load_case(case_id)
            assert "gewijzigd buiten de app" in str(refused.value)
            (other,) = set(before["cases"]) - {case_id}
            assert cf.load_case(other).refused == []
            cf.lock()
    finally:
        ws.close()


# -- an upgrade that fails ---------------------------------------------------------------------------

Upgrade = Callable[[Config, str], None]


def failing_upgrade(real: Upgrade, *, commit: bool) -> Upgrade:
    """The upgrade runs its first step (0001 → 0002: tables created) and then fails. With `commit`, the
    step's changes were committed first, as a migration with its own COMMIT would: only the copy can
    undo that."""

    def upgrade(cfg: Config, target: str) -> None:
        real(cfg, "0002")
        if commit:
            cfg.attributes["connection"].exec_driver_sql("COMMIT")
        raise RuntimeError("Fictieve fout in migratiestap 0003")

    return upgrade


@pytest.mark.parametrize("commit", [False, True], ids=["rolled-back", "committed-half"])
def test_a_failing_upgrade_leaves_the_database_as_it_was_and_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                    commit: bool) -> None:
    data_dir = tmp_path / "data"
    before, _names = make_old_folder(data_dir, "0001")
    dump_before = db_dump(data_dir)
    monkeypatch.setattr(command, "upgrade", failing_upgrade(command.upgrade, commit=commit))

    with pytest.raises(UpgradeFailed) as failed:
        Workspace(data_dir)

    message = str(failed.value)
    assert message.startswith("Leerrecht kon je gegevens niet omzetten naar deze nieuwe versie.")
    assert "Er is niets verloren" in message and "IT-dienst" in message
    assert failed.value.restored and failed.value.backup.name in message
    assert "Fictieve fout" not in message  # the technical reason is for the log, not the person
    assert db_dump(data_dir) == dump_before
    assert integrity(data_dir) == "ok"

    monkeypatch.undo()  # the fault is fixed (a corrected release): the same folder now upgrades
    ws = Workspace(data_dir)
    try:
        assert current_revision(ws.engine) == t.SCHEMA_HEAD
        assert snapshot(ws.unlock(PASSPHRASE)) == before
    finally:
        ws.close()
    assert len(list_backups(data_dir)) == 2  # one per attempt


def test_when_the_copy_cannot_be_written_back_it_is_kept_and_the_user_is_told(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data_dir = tmp_path / "data"
    make_old_folder(data_dir, "0001")
    broken = {"on": False}

    def connect(*args: Any, **kw: Any) -> sqlite3.Connection:
        if broken["on"]:
            raise sqlite3.OperationalError("disk I/O error")
        return sqlite3.connect(*args, **kw)

    real = command.upgrade

    def upgrade(cfg: Config, target: str) -> None:
        real(cfg, "0002")
        cfg.attributes["connection"].exec_driver_sql("COMMIT")
        broken["on"] = True
        raise RuntimeError("Fictieve fout")

    monkeypatch.setattr(command, "upgrade", upgrade)
    monkeypatch.setattr(database, "sqlite3", types.SimpleNamespace(
        connect=connect, Error=sqlite3.Error, DatabaseError=sqlite3.DatabaseError))

    with pytest.raises(UpgradeFailed) as failed:
        Workspace(data_dir)
    assert not failed.value.restored
    assert "kon ze ook niet terugzetten" in str(failed.value) and "Er is niets verloren" in str(failed.value)
    kept = failed.value.backup
    assert kept.name.endswith("-bewaren.sqlite3") and kept.exists() and str(kept) in str(failed.value)
    with closing(sqlite3.connect(kept)) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)

    # The only good copy never ages out nor gets pushed out by newer ones.
    prune_backups(data_dir, keep=0, max_age_days=0, now=time.time() + 10**8)
    assert kept.exists()


def test_without_room_for_a_copy_nothing_is_upgraded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data_dir = tmp_path / "data"
    make_old_folder(data_dir, "0001")
    dump_before = db_dump(data_dir)
    backup_dir(data_dir).write_text("een bestand waar de map moet komen")  # mkdir fails, as on a full disk
    with pytest.raises(database.StoreError) as refused:
        Workspace(data_dir)
    assert "geen veiligheidskopie" in str(refused.value) and "Er is niets veranderd" in str(refused.value)
    assert db_dump(data_dir) == dump_before


# -- a newer schema ------------------------------------------------------------------------------------

def test_a_database_from_a_newer_schema_is_refused_untouched(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    ws = Workspace(data_dir, create=True)
    ws.create_profile(name="Fictieve Werker", role="netsterk", team="", passphrase=PASSPHRASE).lock()
    ws.close()
    with closing(sqlite3.connect(database_path(data_dir))) as conn, conn:
        conn.execute("UPDATE alembic_version SET version_num = '0099'")
    files_before = sorted(p.name for p in data_dir.iterdir())
    bytes_before = database_path(data_dir).read_bytes()

    with pytest.raises(SchemaTooNew) as refused:
        Workspace(data_dir)

    assert "nieuwere versie van Leerrecht" in str(refused.value) and "niets verloren" in str(refused.value)
    assert database_path(data_dir).read_bytes() == bytes_before
    assert sorted(p.name for p in data_dir.iterdir() if not p.name.endswith(("-wal", "-shm"))) == files_before
    assert not backup_dir(data_dir).exists()


# -- old copies age out --------------------------------------------------------------------------------

def test_only_the_newest_few_copies_are_kept_and_none_for_long(tmp_path: Path) -> None:
    folder = backup_dir(tmp_path)
    folder.mkdir()
    now = time.time()
    paths = []
    for i in range(6):
        path = folder / f"leerrecht-schema0001-2025010{i}-120000.sqlite3"
        path.write_bytes(b"")
        os.utime(path, (now - (6 - i) * 3600, now - (6 - i) * 3600))
        paths.append(path)
    other = folder / "iets-anders.txt"
    other.write_text("niet van ons")

    prune_backups(tmp_path, now=now)
    assert list_backups(tmp_path) == [paths[5], paths[4], paths[3]] and other.exists()

    prune_backups(tmp_path, now=now + 31 * 86400)
    assert list_backups(tmp_path) == [] and other.exists()
