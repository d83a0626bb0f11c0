"""The restore drill (docs/operations.md): the server's database is restored to an older backup, and
the laptops give it back what it lost. Run against SQLite (the file copied) and PostgreSQL (pg_dump
and pg_restore, as an operator does it; skipped with the reason when no PostgreSQL is reachable).

Afterwards every laptop sees the same cases, the server holds every revision once, and a laptop that
logs in fresh gets everything: nothing the field workers wrote after the backup is lost."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from leerrecht_desktop.models.entries import FollowUpNote
from leerrecht_desktop.store.syncstore import SyncStore
from leerrecht_desktop.sync.account import login_new_laptop
from leerrecht_desktop.sync.engine import SyncEngine
from tests.kits.synckit import DAY, PASSPHRASE, Laptop, ServerProcess, enrolled, make_case, snapshot

pytestmark = pytest.mark.slow

PG_URL = os.environ.get("LEERRECHT_TEST_PG_URL", "postgresql+psycopg://leerrecht:leerrecht@127.0.0.1:5432/leerrecht_test")


class Backups:
    """Take and restore a backup of the server's database the way an operator would."""

    def __init__(self, server: ServerProcess, folder: Path, libpq_url: str | None):
        self.server, self.folder, self.libpq_url = server, folder, libpq_url
        self.file = folder / ("backup.dump" if libpq_url else "backup.sqlite3")

    def take(self) -> None:
        if self.libpq_url is None:
            # SQLite's online backup API gives a consistent copy while the server runs.
            import sqlite3
            from contextlib import closing
            with closing(sqlite3.connect(self.server.db_path)) as src, closing(sqlite3.connect(self.file)) as dst:
                src.backup(dst)
        else:
            subprocess.run(["pg_dump", "--format=custom", "--file", str(self.file), self.libpq_url], check=True,
                           capture_output=True, timeout=120)

    def restore(self) -> None:
        self.server.stop()
        if self.libpq_url is None:
            for suffix in ("", "-wal", "-shm"):
                Path(str(self.server.db_path) + suffix).unlink(missing_ok=True)
            shutil.copyfile(self.file, self.server.db_path)
        else:
            subprocess.run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
                            "--dbname", self.libpq_url, str(self.file)], check=True, capture_output=True, timeout=120)
        self.server.start()


@pytest.fixture(params=["sqlite", "postgresql"])
def drill(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[ServerProcess, Backups]]:
    if request.param == "sqlite":
        server = ServerProcess(tmp_path / "server")
        backups = Backups(server, tmp_path, None)
        server.start()
        yield server, backups
        server.stop()
        return
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("pg_dump/pg_restore not installed (Debian package postgresql-client)")
    admin_url = make_url(PG_URL)
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception:
        pytest.skip(f"PostgreSQL not reachable at {admin_url.render_as_string(hide_password=True)}: "
                    "start it with pg_ctlcluster 15 main start (scripts/start-test-postgres.sh)")
    name = f"leerrecht_drill_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    url = admin_url.set(database=name)
    libpq = url.set(drivername="postgresql").render_as_string(hide_password=False)
    server = ServerProcess(tmp_path / "server", db_url=url.render_as_string(hide_password=False))
    server.start()
    try:
        yield server, Backups(server, tmp_path, libpq)
    finally:
        server.stop()
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def note(laptop: Laptop, case_id: str, text: str) -> str:
    return laptop.case_files.save(case_id, FollowUpNote(occurred_on=DAY, text=text), today=DAY).record_id


def test_after_a_restore_to_an_older_backup_the_laptops_give_back_what_was_lost(
        drill: tuple[ServerProcess, Backups], tmp_path: Path) -> None:
    server, backups = drill
    server.admin("create-team", "Noord")
    w1 = enrolled(server, tmp_path / "w1", "werker1", "Fictieve Werker Een", "netsterk", "Noord")
    coord = enrolled(server, tmp_path / "coord", "coord", "Fictieve Coordinator", "coordinator", "Noord")
    fresh = None
    try:
        before = make_case(w1.case_files, notes=2)
        w1.sync()
        coord.sync()
        backups.take()

        # After the backup: a note on the old case and a whole new case by the worker, a note by the
        # coordinator; every laptop synced, so the server had everything.
        note(w1, before, "Fictief na de back-up")
        after = make_case(w1.case_files, notes=1)
        assert w1.sync().errors == []
        note(coord, before, "Fictief van de coordinator na de back-up")
        assert coord.sync().errors == []
        assert w1.sync().pulled == 1
        ((total_before_restore,),) = server.query("SELECT count(*) FROM revisions")

        backups.restore()
        ((total_in_backup,),) = server.query("SELECT count(*) FROM revisions")
        assert total_in_backup < total_before_restore

        first = w1.sync()
        # The note on the old case, and the new case: its profile and its note.
        assert first.server_restored and first.errors == [] and first.requeued == 3 and first.pushed == 3
        second = coord.sync()
        assert second.server_restored and second.errors == [] and second.refused == 0
        w1.sync()
        for laptop in (w1, coord):
            assert laptop.sync().pulled == 0 and SyncStore(laptop.case_files).pending_count() == 0
        for case_id in (before, after):
            assert snapshot(coord.case_files, case_id) == snapshot(w1.case_files, case_id)

        ((total, distinct),) = server.query("SELECT count(*), count(DISTINCT revision_id) FROM revisions")
        assert total == distinct == total_before_restore

        # A laptop that starts from nothing gets it all from the restored server.
        ws, cf = login_new_laptop(tmp_path / "coord2", server.url, "coord", PASSPHRASE)
        fresh = Laptop("coord2", tmp_path / "coord2", ws, cf)
        engine = SyncEngine.for_case_files(cf)
        try:
            assert engine.sync_once().errors == []
        finally:
            engine.transport.close()
        for case_id in (before, after):
            assert snapshot(fresh.case_files, case_id) == snapshot(w1.case_files, case_id)
    finally:
        w1.close()
        coord.close()
        if fresh is not None:
            fresh.close()
