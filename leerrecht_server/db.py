"""Opening the server database (PostgreSQL in production, SQLite by default), migrations, and the
one place sequence numbers are handed out."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

from leerrecht_server.tables import SCHEMA_HEAD, SEQ_COUNTER, counters

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
DEFAULT_DB_FILENAME = "server.sqlite3"
# Any constant: serialises migrations when several processes start at once over one PostgreSQL.
_MIGRATION_LOCK_KEY = 0x4C52_5356


def default_database_url() -> str:
    from platformdirs import user_data_path

    folder = user_data_path("Leerrecht Server", "Stad Mechelen")
    return f"sqlite:///{folder / DEFAULT_DB_FILENAME}"


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _sqlite_on_connect(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # WAL: pulls (readers) never block a push (the writer). synchronous=FULL: an answered push
    # survives a power cut. busy_timeout: a second writer waits instead of failing.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA secure_delete=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()
    dbapi_conn.isolation_level = None  # transactions are begun by _sqlite_begin, not by the driver


def _sqlite_begin(conn: Any) -> None:
    # Writers take SQLite's single write lock up front (BEGIN IMMEDIATE): two writers queue instead
    # of failing with "database is locked", and sequence numbers are handed out one writer at a time.
    immediate = conn.get_execution_options().get("write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def open_engine(database_url: str) -> Engine:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            path = Path(url.database)
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            if not path.exists():
                # Private from the start: SQLite would honour the umask, often 0644.
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if url.get_backend_name() != "postgresql":
        raise ValueError(f"unsupported database {url.get_backend_name()!r}: use postgresql+psycopg:// or sqlite://")
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    with engine.connect().execution_options(write=True) as conn, conn.begin():
        yield conn


@contextmanager
def read_transaction(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn, conn.begin():
        yield conn


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("alembic_version"):
            return None
        row = conn.execute(sa.text("SELECT version_num FROM alembic_version")).first()
        return row[0] if row else None


def migrate(engine: Engine, target: str = "head") -> None:
    """Bring the schema to `target` (done by every process at start; idempotent)."""
    if target == "head" and current_revision(engine) == SCHEMA_HEAD:
        return
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with write_transaction(engine) as conn:
        if conn.dialect.name == "postgresql":
            # Two processes starting together: the second waits here, then finds the schema done.
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK_KEY})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, target)


class SeqAllocator:
    """Hands out gapless sequence numbers inside one write transaction.

    Why not an auto-increment column: with several processes, transaction A can take number 7, B
    number 8, and B commit first; a client pulling then sees 8, moves its cursor past 7, and never
    sees 7 once A commits. Instead every transaction that needs numbers first locks the single
    counter row (SELECT ... FOR UPDATE on PostgreSQL; on SQLite the whole database is write-locked
    by BEGIN IMMEDIATE) and keeps that lock until it commits. So the transactions that hand out
    numbers run one after the other in number order: the committed numbers are always exactly
    1..N, a reader that sees N has every number below it, and a rollback gives its numbers back
    (the counter update rolls back with the rows)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        row = conn.execute(
            sa.select(counters.c.value).where(counters.c.name == SEQ_COUNTER).with_for_update()
        ).one()
        self._start = int(row[0])
        self._next = self._start + 1

    def take(self) -> int:
        seq = self._next
        self._next += 1
        return seq

    @property
    def taken(self) -> int:
        return self._next - 1 - self._start

    def flush(self) -> None:
        """Write the counter back (still under the row lock; it is released at commit)."""
        if self.taken:
            self._conn.execute(
                counters.update().where(counters.c.name == SEQ_COUNTER).values(value=self._next - 1)
            )


def committed_high_water(conn: Connection) -> int:
    """The highest sequence number committed: every number up to it is committed too (see SeqAllocator)."""
    row = conn.execute(sa.select(counters.c.value).where(counters.c.name == SEQ_COUNTER)).one()
    return int(row[0])
