"""Sync in the background (no Qt): a thread that runs a sync round every `interval` seconds while the
server answers, backs off with jitter while it doesn't, and wakes at once on "Nu synchroniseren".

`run_once` is one step of the loop (sync, then how long to wait), so the policy is testable without a
thread or a clock. The UI reads `status()` (or gets it through `on_status`) for its indicator:
online/offline, changes waiting, last successful sync, conflicts."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Protocol

from leerrecht_desktop.sync.engine import SyncReport
from leerrecht_desktop.sync.errors import SyncError
from leerrecht_desktop.sync.transport import (
    DeviceReplaced,
    DeviceRevoked,
    Unauthorized,
    Unreachable,
    backoff_delays,
)

log = logging.getLogger(__name__)


class _Engine(Protocol):
    def sync_once(self) -> SyncReport: ...


@dataclass(frozen=True)
class SyncStatus:
    online: bool | None = None  # None: not tried yet
    waiting: int = 0
    conflicts: int = 0
    last_success_at: str | None = None
    last_error: str | None = None  # a user-worded sentence, never content
    stopped: bool = False  # needs the user (revoked device, enrol again)
    replaced: bool = False  # replaced by a new enrolment of the account: stopped for good, nothing wiped
    retention_due: int = 0  # a coordinator's team cases erased by retention soon (the day's last count)


class BackgroundSync:
    def __init__(self, make_engine: Callable[[], _Engine], *, interval: float = 60.0,
                 delays: Callable[[], Iterator[float]] = backoff_delays,
                 on_status: Callable[[SyncStatus], None] | None = None):
        self._make_engine = make_engine
        self.interval = interval
        self._new_delays = delays
        self._delays: Iterator[float] | None = None
        self._on_status = on_status
        self._status = SyncStatus()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def status(self) -> SyncStatus:
        with self._lock:
            return self._status

    def _set(self, status: SyncStatus) -> None:
        with self._lock:
            self._status = status
        if self._on_status is not None:
            self._on_status(status)

    def run_once(self) -> float | None:
        """One round; returns the seconds to wait before the next, or None when the loop must stop."""
        try:
            report = self._make_engine().sync_once()
        except Unreachable as exc:
            if self._delays is None:
                self._delays = self._new_delays()
            self._set(replace(self.status(), online=False, last_error=str(exc)))
            return next(self._delays)
        except DeviceReplaced as exc:
            self._set(replace(self.status(), online=True, last_error=str(exc), stopped=True, replaced=True))
            return None
        except (DeviceRevoked, Unauthorized) as exc:
            self._set(replace(self.status(), online=True, last_error=str(exc), stopped=True))
            return None
        except SyncError as exc:  # refused for another reason: try again at the normal pace
            self._set(replace(self.status(), online=True, last_error=str(exc)))
            return self.interval
        self._delays = None
        # Counted once a day (sync/retention.py): the other rounds keep the day's count.
        due = self.status().retention_due if report.retention_due is None else report.retention_due
        self._set(SyncStatus(online=True, waiting=report.waiting, conflicts=report.remaining_conflicts,
                             last_success_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                             last_error=report.errors[0] if report.errors else None, retention_due=due))
        return self.interval

    # -- the thread ------------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="leerrecht-sync", daemon=True)
            self._thread.start()

    def sync_now(self) -> None:
        """"Nu synchroniseren": run a round now instead of after the wait."""
        self._wake.set()

    def stop(self, timeout: float | None = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                wait = self.run_once()
            except Exception as exc:  # never let the thread die silently; the type only, no content
                log.error("sync round failed unexpectedly (%s)", type(exc).__name__)
                wait = self.interval
            if wait is None:
                return
            self._wake.wait(wait)
            self._wake.clear()
