"""Opening the local SQLite database: file permissions, durability pragmas, migrations, and the copy
kept before an upgrade (restored if the upgrade fails)."""

from __future__ import annotations

import datetime as dt
import errno
import logging
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.pool import QueuePool, StaticPool

from leerrecht_core.i18n import tr
from leerrecht_desktop import __version__
from leerrecht_desktop.store.errors import StoreError
from leerrecht_desktop.store.tables import SCHEMA_HEAD

DB_FILENAME = "leerrecht.sqlite3"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
BACKUP_DIRNAME = "backups"
BACKUP_PREFIX = "leerrecht-schema"
# A copy made before an upgrade whose restore failed is the only good copy left: renamed with this
# ending, it is never pruned.
KEEP_SUFFIX = "-bewaren"
KEEP_BACKUPS = 3
# Backups hold what the live database held then, also cases erased since (removed from a case,
# revoked laptop) and the secrets wrapped under an old passphrase; so they don't outlive their use.
BACKUP_MAX_AGE_DAYS = 30

log = logging.getLogger(__name__)


class SchemaTooNew(StoreError):
    """The database was written by a newer Leerrecht than this one; it is left untouched."""


class UpgradeFailed(StoreError):
    """A schema upgrade failed. `restored` says whether the database is back as it was before;
    `backup` is the copy made before the upgrade."""

    def __init__(self, message: str, *, backup: Path, restored: bool):
        super().__init__(message)
        self.backup = backup
        self.restored = restored


# What SQLite says when the disk is full: no room for a page (FULL), or none for the shared memory
# (-shm) a WAL database needs as soon as a first connection opens it (IOERR_SHMSIZE).
_DISK_FULL_ERRORS = frozenset({"SQLITE_FULL", "SQLITE_IOERR_SHMSIZE"})
_DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)})


def disk_full(exc: BaseException) -> bool:
    """Whether `exc` (SQLAlchemy's, the driver's, or an OSError) comes from a full disk or quota."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if getattr(current, "sqlite_errorname", None) in _DISK_FULL_ERRORS:
            return True
        if isinstance(current, OSError) and current.errno in _DISK_FULL_ERRNOS:
            return True
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__
    return False


def _on_connect_exclusive(dbapi_conn: Any, record: Any) -> None:
    # Before the first access: SQLite then keeps the WAL index in the process's memory instead of in
    # the -shm file, which a full disk has no room for. The price: this connection holds the file
    # locked until it is closed, so the engine has this one connection only (`open_engine`).
    dbapi_conn.execute("PRAGMA locking_mode=EXCLUSIVE")
    _on_connect(dbapi_conn, record)


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


def backup_dir(data_dir: Path) -> Path:
    return data_dir / BACKUP_DIRNAME


def open_engine(data_dir: Path, *, without_shared_memory: bool = False) -> Engine:
    """The engine of the data folder's database. `without_shared_memory`: for reading on a full disk
    (`DataFolder(read_only=True)`): one connection in exclusive locking mode, which needs no -shm file;
    other processes wait for it (busy timeout) until it is closed."""
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = database_path(data_dir)
    if not path.exists():
        # Create it private before SQLite does (SQLite would honour the umask, often 0644).
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)
    else:
        # A copied or restored file may have come with looser rights; SQLite gives -wal/-shm the same.
        os.chmod(path, 0o600)
    if without_shared_memory:
        engine = create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False, "timeout": 10},
                               poolclass=StaticPool)
    else:
        engine = create_engine(
            f"sqlite:///{path}",
            connect_args={"check_same_thread": False, "timeout": 10},
            poolclass=QueuePool, pool_size=2, max_overflow=2,
        )
    event.listen(engine, "connect", _on_connect_exclusive if without_shared_memory else _on_connect)
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


def _engine_file(engine: Engine) -> Path | None:
    name = engine.url.database
    return Path(name) if name and name != ":memory:" else None


def migrate(engine: Engine, target: str = "head") -> None:
    """Bring the schema to `target`. Alembic is imported only when there is work to do.

    An existing database is copied into `backups/` first (SQLite's online backup, so a consistent
    copy also of what is still in the WAL). If the upgrade fails, the copy is written back and
    UpgradeFailed says what happened. A database from a newer schema than this app knows is refused
    (SchemaTooNew) before anything is written."""
    current = current_revision(engine)
    if target == "head" and current == SCHEMA_HEAD:
        return
    from alembic import command
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    known = {script.revision for script in ScriptDirectory.from_config(cfg).walk_revisions()}
    if current is not None and current not in known:
        log.warning("database schema %s is newer than this app's %s; not opened", current, SCHEMA_HEAD)
        raise SchemaTooNew(tr(
            "Deze gegevens zijn gemaakt met een nieuwere versie van Leerrecht dan deze ({version}). Leerrecht "
            "opent ze niet, zodat er niets verloren gaat. Start de nieuwste versie van Leerrecht, of vraag de "
            "IT-dienst om ze te installeren.", version=__version__))

    db_file = _engine_file(engine)
    backup: Path | None = None
    if current is not None and db_file is not None:
        backup = _make_backup(db_file, current)
    try:
        with write_transaction(engine) as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, target)
    except Exception as exc:
        if backup is None or db_file is None or current is None:
            raise
        log.error("schema upgrade from %s failed (%s); restoring %s", current, type(exc).__name__, backup.name)
        raise _restore_after_failure(engine, db_file, backup, current) from exc
    if backup is not None and db_file is not None:
        log.info("schema upgraded from %s to %s; copy kept as %s", current, current_revision(engine), backup.name)
        prune_backups(db_file.parent)


# -- the copy kept before an upgrade ------------------------------------------------------------------


def _make_backup(db_file: Path, revision: str) -> Path:
    folder = backup_dir(db_file.parent)
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        os.chmod(folder, 0o700)  # mkdir honours the umask, and an existing folder may be looser
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        for n in range(1, 100):
            name = f"{BACKUP_PREFIX}{revision}-{stamp}{'' if n == 1 else f'-{n}'}.sqlite3"
            try:
                # Private before SQLite writes to it; SQLite gives its journal the same rights.
                os.close(os.open(folder / name, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            except FileExistsError:
                continue
            target = folder / name
            break
        else:  # pragma: no cover - a hundred upgrades in one second
            raise FileExistsError(str(folder))
        with closing(sqlite3.connect(db_file, timeout=10)) as source, \
                closing(sqlite3.connect(target, timeout=10)) as copy:
            source.backup(copy)
            # One self-contained file: no -wal beside it that could be lost when IT copies it.
            copy.execute("PRAGMA journal_mode=DELETE")
            ok = copy.execute("PRAGMA quick_check").fetchone()
        if ok is None or ok[0] != "ok":
            target.unlink(missing_ok=True)
            raise sqlite3.DatabaseError("the copy failed its check")
        os.chmod(target, 0o600)
        return target
    except (OSError, sqlite3.Error) as exc:
        log.error("no copy could be made before the schema upgrade (%s); nothing changed", type(exc).__name__)
        raise StoreError(tr(
            "Leerrecht moet je gegevens omzetten naar deze nieuwe versie, maar kon er eerst geen veiligheidskopie "
            "van maken (in {folder}). Er is niets veranderd. Kijk na of er genoeg vrije schijfruimte is en start "
            "Leerrecht opnieuw; lukt het niet, neem dan contact op met de IT-dienst.", folder=str(folder),
        )) from exc


def _restore_after_failure(engine: Engine, db_file: Path, backup: Path, revision: str) -> UpgradeFailed:
    """Write the copy back over the live database and say what happened.

    The upgrade ran in one transaction, so SQLite has usually rolled it back already; the copy is
    written back anyway, because a migration step can commit on its own (or the disk can fail at the
    commit). It goes through SQLite's backup API into a connection on the live file, so the WAL and
    its index (-wal, -shm) stay consistent with the main file: copying files over them would not."""
    engine.dispose()  # no pooled connection may keep a read snapshot of the failed state
    restored = False
    try:
        with closing(sqlite3.connect(backup, timeout=10)) as source, \
                closing(sqlite3.connect(db_file, timeout=10)) as live:
            source.backup(live)
            live.execute("PRAGMA journal_mode=WAL")
            version = live.execute("SELECT version_num FROM alembic_version").fetchone()
            check = live.execute("PRAGMA quick_check").fetchone()
            restored = version is not None and version[0] == revision and check is not None and check[0] == "ok"
            if restored:
                live.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except (OSError, sqlite3.Error) as exc:
        log.error("restoring the copy failed (%s)", type(exc).__name__)
    if restored:
        log.info("database restored from %s", backup.name)
        return UpgradeFailed(tr(
            "Leerrecht kon je gegevens niet omzetten naar deze nieuwe versie. Er is niets verloren: je gegevens "
            "staan terug zoals ze waren vóór de update, en er is een kopie van bewaard ({backup}). Neem contact op "
            "met de IT-dienst en geef hen de naam van die kopie; tot het opgelost is, kan je verder werken met de "
            "vorige versie van Leerrecht.", backup=str(backup)), backup=backup, restored=True)
    kept = backup.with_name(backup.stem + KEEP_SUFFIX + backup.suffix)
    with suppress(OSError):
        backup.rename(kept)
        backup = kept
    return UpgradeFailed(tr(
        "Leerrecht kon je gegevens niet omzetten naar deze nieuwe versie, en kon ze ook niet terugzetten. Er is "
        "niets verloren: een volledige kopie van vóór de update staat in {backup}. Werk niet verder met "
        "Leerrecht en neem contact op met de IT-dienst.", backup=str(backup)), backup=backup, restored=False)


def list_backups(data_dir: Path) -> list[Path]:
    """The copies kept before upgrades, newest first."""
    try:
        found = [p for p in backup_dir(data_dir).iterdir()
                 if p.name.startswith(BACKUP_PREFIX) and p.suffix == ".sqlite3"]
    except OSError:
        return []
    return sorted(found, key=lambda p: (p.stat().st_mtime, p.name), reverse=True)


def prune_backups(data_dir: Path, *, keep: int = KEEP_BACKUPS, max_age_days: float = BACKUP_MAX_AGE_DAYS,
                  now: float | None = None) -> None:
    """Keep the newest `keep` copies that are younger than `max_age_days`; never one marked -bewaren.
    Cheap when there is nothing (one failed directory listing), so it runs at every start."""
    now = time.time() if now is None else now
    prunable = [p for p in list_backups(data_dir) if not p.stem.endswith(KEEP_SUFFIX)]
    for index, path in enumerate(prunable):
        try:
            too_old = now - path.stat().st_mtime > max_age_days * 86400
            if index >= keep or too_old:
                path.unlink()
                for side in ("-journal", "-wal", "-shm"):
                    Path(str(path) + side).unlink(missing_ok=True)
        except OSError:
            continue
