"""Opening the local SQLite database: file permissions, durability pragmas, migrations."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.pool import QueuePool

from leerrecht_desktop.store.tables import SCHEMA_HEAD

DB_FILENAME = "leerrecht.sqlite3"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def _on_connect(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # WAL: readers never block the writer. synchronous=FULL: a commit that returned survives a power
    # cut (NORMAL would not, in WAL mode). secure_delete: erased cases are overwritten, not left in
    # free pages.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA secure_delete=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()
    dbapi_conn.isolation_level = None  # transactions are begun by _begin, not by the driver


def database_path(data_dir: Path) -> Path:
    return data_dir / DB_FILENAME


def open_engine(data_dir: Path) -> Engine:
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = database_path(data_dir)
    if not path.exists():
        # Create it private before SQLite does (SQLite would honour the umask, often 0644).
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)
    else:
        # A copied or restored file may have come with looser rights; SQLite gives -wal/-shm the same.
        os.chmod(path, 0o600)
    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"check_same_thread": False, "timeout": 10},
        poolclass=QueuePool, pool_size=2, max_overflow=2,
    )
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _begin)
    return engine


def _begin(conn: Any) -> None:
    # pysqlite's own BEGIN is deferred and issued late; writers take the write lock up front
    # (BEGIN IMMEDIATE) so two writers wait for each other instead of failing with "database is locked".
    immediate = conn.get_execution_options().get("write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    with engine.connect().execution_options(write=True) as conn, conn.begin():
        yield conn


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        has_table = conn.execute(
            text("SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'")
        ).first()
        if not has_table:
            return None
        row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
        return row[0] if row else None


def migrate(engine: Engine, target: str = "head") -> None:
    """Bring the schema to `target`. Alembic is imported only when there is work to do."""
    if target == "head" and current_revision(engine) == SCHEMA_HEAD:
        return
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with write_transaction(engine) as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, target)
