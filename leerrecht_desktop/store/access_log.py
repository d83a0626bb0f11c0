"""The laptop's access log (issue 13 item 6): who opened, printed, exported, shared, handed over or
erased a case here, and when. Each entry (user id, time, a fixed action word, case id; never content
or a name) is sealed under the local data key and bound to its row id (table `access_log`, migration
0006), so the database file says no more than how many entries wait. The next sync round hands them
to the server's audit log and deletes them here (sync/access_log.py); on a laptop that is not
enrolled they wait and are pruned after LOCAL_KEEP_DAYS.

Recording never makes the user's action fail: a full disk, a locked session or any other error is
logged (its type only) and the action goes on. Repeated openings of the same case within
COALESCE_SECONDS are one entry, so the log stays small."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import ClassVar

from sqlalchemy import Connection, delete, func, select

from leerrecht_core.crypto.errors import CryptoError
from leerrecht_core.crypto.local import open_local, seal_local
from leerrecht_core.protocol_access import ACCESS_ACTIONS
from leerrecht_desktop.store import tables as t
from leerrecht_desktop.store.database import write_transaction
from leerrecht_desktop.store.sealed_store import SealedStore

log = logging.getLogger(__name__)

PURPOSE = "access-log"
# Openings of the same case by the same user within this many seconds are one entry.
COALESCE_SECONDS = 600
# Unsent entries older than this are dropped (a laptop that is never enrolled, or no longer is):
# nobody can read them here, and the server would soon prune them anyway (docs/operations.md).
LOCAL_KEEP_DAYS = 90


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class AccessLogEntry:
    row_id: int
    user_id: str
    at: dt.datetime
    action: str
    case_id: str


class AccessLog:
    """One session's access log. `AccessLog.of(case_files)` gives the same one for the session, so
    repeated openings are coalesced however many callers record."""

    _sessions: ClassVar[weakref.WeakKeyDictionary[SealedStore, AccessLog]] = weakref.WeakKeyDictionary()
    _sessions_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, case_files: SealedStore, *, clock: Callable[[], dt.datetime] = utc_now):
        self.case_files = case_files
        self.clock = clock
        self._lock = threading.Lock()
        self._opened: dict[str, dt.datetime] = {}  # case id -> when its opening was last recorded
        self._pruned = False

    @classmethod
    def of(cls, case_files: SealedStore) -> AccessLog:
        with cls._sessions_lock:
            found = cls._sessions.get(case_files)
            if found is None:
                found = cls._sessions[case_files] = cls(case_files)
            return found

    # -- recording (never raises) ----------------------------------------------------------------

    def record(self, case_id: str, action: str) -> bool:
        """Record one entry; True when it was written. Never raises: the user's action goes on."""
        return self.record_many([case_id], action) > 0

    def record_many(self, case_ids: Iterable[str], action: str) -> int:
        """One entry per case (an export of many); returns how many were written. Never raises."""
        if action not in ACCESS_ACTIONS:
            raise ValueError(f"not an access log action: {action}")  # a bug in the caller, not the user's
        try:
            now = self.clock()
            wanted = list(dict.fromkeys(case_ids))
            with self._lock:
                if action == "case_opened":
                    wanted = [c for c in wanted if not self._recently_opened(c, now)]
                if not wanted:
                    return 0
                self._write(wanted, action, now)
                if action == "case_opened":
                    self._opened.update(dict.fromkeys(wanted, now))
                if not self._pruned:
                    self._pruned = True
                    self.prune()
            return len(wanted)
        except Exception as exc:
            log.warning("an access log entry was not recorded (%s)", type(exc).__name__)
            return 0

    def _recently_opened(self, case_id: str, now: dt.datetime) -> bool:
        last = self._opened.get(case_id)
        return last is not None and dt.timedelta(0) <= now - last < dt.timedelta(seconds=COALESCE_SECONDS)

    def _write(self, case_ids: list[str], action: str, now: dt.datetime) -> None:
        secrets = self.case_files.secrets  # Locked when the session is: nothing to seal with
        at = now.astimezone(dt.UTC).isoformat(timespec="milliseconds")
        with self._transaction() as conn:
            next_id = int(conn.execute(select(func.coalesce(func.max(t.access_log.c.id), 0))).scalar_one()) + 1
            rows = []
            for row_id, case_id in enumerate(case_ids, start=next_id):
                entry = {"user_id": secrets.user_id, "at": at, "action": action, "case_id": case_id}
                rows.append({"id": row_id, "blob": seal_local(secrets.local_key, PURPOSE, str(row_id), entry)})
            conn.execute(t.access_log.insert(), rows)

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        # Inside the session's batch (a sync transaction) the write lock is that connection's: a second
        # transaction would wait for it. A savepoint there, so a failed insert leaves the batch intact.
        batch: Connection | None = getattr(self.case_files, "_batch_conn", None)
        if batch is not None:
            with batch.begin_nested():
                yield batch
            return
        with write_transaction(self.case_files.engine) as conn:
            yield conn

    # -- what the sync needs -----------------------------------------------------------------------

    def pending_count(self) -> int:
        with self.case_files.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(t.access_log)).scalar_one())

    def unsent(self, limit: int) -> list[AccessLogEntry]:
        """The oldest `limit` entries that wait, opened. A row that fails its check (changed outside
        the app) is deleted: it can't be told to anyone."""
        key = self.case_files.secrets.local_key
        with self.case_files.engine.connect() as conn:
            rows = conn.execute(select(t.access_log).order_by(t.access_log.c.id).limit(limit)).all()
        entries: list[AccessLogEntry] = []
        damaged: list[int] = []
        for row in rows:
            entry = _open(key, row.id, row.blob)
            if entry is None:
                damaged.append(row.id)
            else:
                entries.append(entry)
        if damaged:
            log.warning("%d access log entries failed their check and were dropped", len(damaged))
            self.drop(damaged)
        return entries

    def drop(self, row_ids: Iterable[int]) -> None:
        """Delete these entries (sent, or not to be sent)."""
        ids = list(row_ids)
        if not ids:
            return
        with self._transaction() as conn:
            for i in range(0, len(ids), 500):
                conn.execute(delete(t.access_log).where(t.access_log.c.id.in_(ids[i:i + 500])))

    def prune(self, keep_days: int = LOCAL_KEEP_DAYS) -> int:
        """Delete entries older than `keep_days` (and any that fail their check). Returns how many."""
        key = self.case_files.secrets.local_key
        cutoff = self.clock() - dt.timedelta(days=keep_days)
        with self.case_files.engine.connect() as conn:
            rows = conn.execute(select(t.access_log.c.id, t.access_log.c.blob)).all()
        old = []
        for row in rows:
            entry = _open(key, row.id, row.blob)
            if entry is None or entry.at < cutoff:
                old.append(row.id)
        self.drop(old)
        if old:
            log.info("%d access log entries older than %d days were pruned", len(old), keep_days)
        return len(old)


def _open(key: bytes, row_id: int, blob: bytes) -> AccessLogEntry | None:
    try:
        data = open_local(key, PURPOSE, str(row_id), blob)
        return AccessLogEntry(row_id, str(data["user_id"]), dt.datetime.fromisoformat(data["at"]),
                              str(data["action"]), str(data["case_id"]))
    except (CryptoError, KeyError, TypeError, ValueError):
        return None
