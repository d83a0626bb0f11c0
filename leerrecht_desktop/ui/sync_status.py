"""The sync indicator and the background loop as the main window sees them.

`SyncController` owns one `BackgroundSync` (a plain thread, no Qt in `sync/`) per unlocked session of
an enrolled laptop. The GUI never waits for it: a QTimer polls `status()` and turns it into one line
for the status bar (online/offline, changes waiting, last successful sync, conflicts). Stopping the
loop joins its thread, so that is done on the store worker, before the keys are dropped."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer, Signal

from leerrecht_core.i18n import tr
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.sync.background import BackgroundSync, SyncStatus
from leerrecht_desktop.sync.engine import SyncEngine, SyncReport
from leerrecht_desktop.sync.retention import notice_text

POLL_MS = 1000


def clock_text(iso: str, today: dt.date | None = None) -> str:
    """A stored UTC timestamp as local wall-clock time: "14:32", or "03/02 14:32" when not today."""
    try:
        moment = dt.datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    local = moment.astimezone()
    if local.date() == (today or dt.date.today()):
        return local.strftime("%H:%M")
    return local.strftime("%d/%m %H:%M")


def conflicts_text(n: int) -> str:
    return tr("1 conflict") if n == 1 else tr("{n} conflicten", n=n)


def status_text(status: SyncStatus, waiting: int, last_success_at: str | None,
                today: dt.date | None = None) -> str:
    """One line for an enrolled laptop, e.g. "Gesynchroniseerd om 14:32 · 0 wachtend"."""
    parts: list[str] = []
    if status.replaced:
        parts.append(tr("Vervangen door een nieuwe aanmelding: deze laptop synchroniseert niet meer"))
    elif status.stopped:
        parts.append(tr("Synchroniseren gestopt"))
    elif status.online is False:
        parts.append(tr("Offline"))
        if waiting == 1:
            parts.append(tr("1 wijziging wacht"))
        elif waiting:
            parts.append(tr("{n} wijzigingen wachten", n=waiting))
        if last_success_at:
            parts.append(tr("laatst gesynchroniseerd om {time}", time=clock_text(last_success_at, today)))
        else:
            parts.append(tr("nog nooit gesynchroniseerd"))
    else:
        if status.online is None:
            parts.append(tr("Verbinden met de server…"))
        elif last_success_at:
            parts.append(tr("Gesynchroniseerd om {time}", time=clock_text(last_success_at, today)))
        else:
            parts.append(tr("Verbonden"))
        parts.append(tr("{n} wachtend", n=waiting))
    if status.conflicts:
        parts.append(conflicts_text(status.conflicts))
    if status.retention_due:
        parts.append(notice_text(status.retention_due))
    return " · ".join(parts)


class RoundEngine:
    """What the loop calls each round: a fresh engine (it reads the current enrolment) whose
    connection is closed afterwards. Remembers how much the last round pulled, so the window knows
    when to show fresh data."""

    def __init__(self, case_files: CaseFiles):
        self.case_files = case_files
        self._lock = threading.Lock()
        self._rounds = 0
        self._pulled = 0

    def sync_once(self) -> SyncReport:
        engine = SyncEngine.for_case_files(self.case_files)
        try:
            report = engine.sync_once()
        finally:
            engine.transport.close()
        with self._lock:
            self._rounds += 1
            self._pulled += report.pulled
        return report

    def progress(self) -> tuple[int, int]:
        """(rounds finished, revisions pulled in all of them)."""
        with self._lock:
            return self._rounds, self._pulled


@dataclass
class _Running:
    loop: BackgroundSync
    rounds: RoundEngine


class SyncController(QObject):
    """Starts and stops the loop and keeps the indicator text up to date (by polling, on the GUI thread)."""

    text_changed = Signal(str)
    synced = Signal(bool)  # after a successful round; True when it pulled something new
    stopped = Signal(str)  # the loop gave up (revoked device, login refused): the reason, user-worded

    def __init__(self, not_linked: Callable[[int], str], parent: QObject | None = None, *,
                 interval: float = 60.0):
        super().__init__(parent)
        self._not_linked = not_linked  # the indicator's text while not enrolled (pending count → text)
        self.interval = interval
        self.enrolled = False
        self._running: _Running | None = None
        self._status = SyncStatus()
        self._waiting = 0
        self._last_success_at: str | None = None
        self._seen_progress = (0, 0)
        self._reported_stop = False
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.poll)

    @property
    def loop(self) -> BackgroundSync | None:
        return None if self._running is None else self._running.loop

    @property
    def status(self) -> SyncStatus:
        return self._status

    def text(self) -> str:
        if not self.enrolled:
            return self._not_linked(self._waiting)
        return status_text(self._status, self._waiting, self._last_success_at)

    def _emit(self) -> None:
        self.text_changed.emit(self.text())

    def set_not_enrolled(self) -> None:
        self.enrolled = False
        self._emit()

    def note_waiting(self, pending: int) -> None:
        """The outbox as the store counted it just now (after a save or a list reload)."""
        self._waiting = pending
        self._emit()

    def start(self, case_files: CaseFiles, last_success_at: str | None = None) -> None:
        """Run the loop for this session (the store said the laptop is enrolled)."""
        self.enrolled = True
        self._last_success_at = last_success_at or self._last_success_at
        if self._running is None:
            rounds = RoundEngine(case_files)
            loop = BackgroundSync(lambda: rounds, interval=self.interval)
            self._running = _Running(loop, rounds)
            self._status = SyncStatus()
            self._seen_progress = (0, 0)
            self._reported_stop = False
            loop.start()
        self.timer.start()
        self._emit()

    def sync_now(self) -> None:
        """"Nu synchroniseren"."""
        if self._running is not None:
            self._running.loop.sync_now()

    def detach(self) -> BackgroundSync | None:
        """Stop polling and hand back the loop for the caller to stop off the GUI thread (`loop.stop()`
        joins the thread). After this the controller shows nothing of the old session."""
        self.timer.stop()
        running, self._running = self._running, None
        return None if running is None else running.loop

    def poll(self) -> None:
        running = self._running
        if running is None:
            return
        status = running.loop.status()
        changed = status != self._status
        self._status = status
        progress = running.rounds.progress()
        if changed:
            if status.last_success_at and status.online:
                self._last_success_at = status.last_success_at
                self._waiting = status.waiting
            self._emit()
        if progress != self._seen_progress:
            pulled_new = progress[1] != self._seen_progress[1]
            self._seen_progress = progress
            self.synced.emit(pulled_new)
        if status.stopped and not self._reported_stop:
            self._reported_stop = True
            self.timer.stop()
            self.stopped.emit(status.last_error or "")
