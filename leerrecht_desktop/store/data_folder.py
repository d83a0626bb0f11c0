"""A data folder: its database (opened, upgraded, old backups pruned) and the few plaintext settings
needed before unlock (language, auto-lock time). The profile and unlocking are `Workspace`'s
(store/workspace.py), which is a data folder; the case files need only this much of it."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, select

from leerrecht_core.i18n import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES, tr
from leerrecht_desktop.store import tables as t
from leerrecht_desktop.store.database import (
    database_path,
    disk_full,
    migrate,
    open_engine,
    prune_backups,
    write_transaction,
)
from leerrecht_desktop.store.errors import DataDirMissing, StoreError

DEFAULT_IDLE_LOCK_MINUTES = 10

log = logging.getLogger(__name__)


# The text sizes a person can choose, in percent of the normal size.
TEXT_SIZES = (100, 115, 130)

class DataFolder:
    """`read_only`: the caller only reads (`leerrecht cases`, `export`): on a full disk the database is
    opened without the shared-memory file SQLite would have to create first (see `open_engine`), and
    the unlock delay's bookkeeping is skipped rather than refused (store/workspace.py)."""

    def __init__(self, data_dir: Path, *, create: bool = False, clock: Callable[[], float] = time.time,
                 read_only: bool = False):
        data_dir = Path(data_dir).expanduser()
        if not create and not database_path(data_dir).exists():
            raise DataDirMissing(
                tr("Er staan geen Leerrecht-gegevens in {path}. Kijk de map na of maak eerst een profiel aan.",
                   path=str(data_dir))
            )
        self.data_dir = data_dir
        self.clock = clock
        self.read_only = read_only
        try:
            self.engine = self._open(without_shared_memory=False)
        except Exception as exc:
            # A StoreError says it already (no copy could be made before an upgrade, an upgrade failed).
            if isinstance(exc, StoreError) or not disk_full(exc):
                raise
            if not read_only:
                log.warning("the disk is full: the database can't be opened for writing")
                raise StoreError(tr(
                    "De schijf waarop je Leerrecht-gegevens staan, is vol. Er is niets veranderd. Maak plaats vrij "
                    "door bestanden te verwijderen of te verplaatsen, en probeer dan opnieuw.")) from None
            log.warning("the disk is full: the database is opened for reading, without shared memory")
            self.engine = self._open(without_shared_memory=True)
        prune_backups(data_dir)  # copies from earlier upgrades age out (see store/database.py)

    def _open(self, *, without_shared_memory: bool) -> Engine:
        engine = open_engine(self.data_dir, without_shared_memory=without_shared_memory)
        try:
            # Upgrades an older schema (keeping a copy first; restored if it fails) and refuses a newer one.
            migrate(engine)
        except BaseException:
            engine.dispose()  # nothing of ours keeps the file open after a refusal
            raise
        return engine

    def close(self) -> None:
        self.engine.dispose()

    # -- settings (plaintext, never personal) ------------------------------------------------------

    def setting(self, key: str, default: str) -> str:
        with self.engine.connect() as conn:
            row = conn.execute(select(t.settings.c.value).where(t.settings.c.key == key)).first()
        return row[0] if row else default

    def set_setting(self, key: str, value: str) -> None:
        with write_transaction(self.engine) as conn:
            conn.execute(t.settings.delete().where(t.settings.c.key == key))
            conn.execute(t.settings.insert().values(key=key, value=value))

    @property
    def language(self) -> str:
        lang = self.setting("language", DEFAULT_LANGUAGE)
        return lang if lang in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE

    @property
    def text_size(self) -> int:
        """The text size in percent of the normal one (Instellingen › Tekstgrootte)."""
        value = self.setting("text_size", "100")
        return int(value) if value in {str(p) for p in TEXT_SIZES} else 100

    @property
    def idle_lock_minutes(self) -> int:
        try:
            return max(1, int(self.setting("idle_lock_minutes", str(DEFAULT_IDLE_LOCK_MINUTES))))
        except ValueError:
            return DEFAULT_IDLE_LOCK_MINUTES
