"""Running work off the GUI thread (unlock, saves, loading a case, talking to the server) and getting
the result back on it.

Two executors, as Anki's taskman has `uses_collection`: one store thread does all store work, in order,
so saves never race each other and SQLite sees one writer; a separate pool does network work, so a
slow server never holds up a save. The GUI thread only ever receives finished results through queued
signals. Widgets use them through `ui/operations.py` (StoreOp, NetworkOp)."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

# Network jobs are few (enrolment, the colleague list, sharing); two keep one slow server from
# queueing the next request behind it without opening a thread per click.
NETWORK_THREADS = 2


class _Relay(QObject):
    finished = Signal(object)
    failed = Signal(object)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay):
        super().__init__()
        self.fn = fn
        self.relay = relay

    def run(self) -> None:
        try:
            result = self.fn()
        except Exception as exc:  # handed to the GUI thread, which decides what to tell the user
            exc.__traceback_text__ = traceback.format_exc()  # type: ignore[attr-defined]
            self.relay.failed.emit(exc)
        else:
            self.relay.finished.emit(result)


class TaskRunner(QObject):
    """`runner.submit(fn, on_done, on_error)`: fn runs on the store thread; `runner.submit_network(...)`
    on the network pool; the callbacks always on the GUI thread. `busy_changed` follows the store
    thread only (the status bar's "Bezig…" is about saves; network dialogs show their own progress)."""

    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._network_pool = QThreadPool(self)
        self._network_pool.setMaxThreadCount(NETWORK_THREADS)
        self._pending = 0
        self._relays: set[_Relay] = set()

    def submit(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
    ) -> None:
        self._start(self._pool, fn, on_done, on_error, counted=True)

    def submit_network(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
    ) -> None:
        self._start(self._network_pool, fn, on_done, on_error, counted=False)

    def _start(self, pool: QThreadPool, fn: Callable[[], Any], on_done: Callable[[Any], None] | None,
               on_error: Callable[[Exception], None] | None, *, counted: bool) -> None:
        relay = _Relay()
        self._relays.add(relay)  # keep it alive until its signal has been delivered

        @Slot(object)
        def done(result: Any) -> None:
            self._finish(relay, counted)
            if on_done is not None and _receiver_alive(on_done):
                on_done(result)

        @Slot(object)
        def failed(exc: Exception) -> None:
            self._finish(relay, counted)
            if on_error is not None:
                if _receiver_alive(on_error):
                    on_error(exc)
            else:
                report_crash(exc)

        relay.finished.connect(done)
        relay.failed.connect(failed)
        if counted:
            self._pending += 1
            if self._pending == 1:
                self.busy_changed.emit(True)
        pool.start(_Job(fn, relay))

    def _finish(self, relay: _Relay, counted: bool) -> None:
        self._relays.discard(relay)
        if not counted:
            return
        self._pending -= 1
        if self._pending == 0:
            self.busy_changed.emit(False)

    @property
    def busy(self) -> bool:
        return self._pending > 0

    def wait_idle(self, msecs: int = 30_000) -> bool:
        """Block until queued work is done (closing the app, tests): store work and network work."""
        store_done = self._pool.waitForDone(msecs)
        return self._network_pool.waitForDone(msecs) and store_done


def report_crash(exc: BaseException) -> None:
    """The crash report path: what is not a refusal for the user is a bug. `sys.excepthook` is the
    CrashHandler of ui/crash.py in the app (and pytest-qt's recorder in tests)."""
    sys.excepthook(type(exc), exc, exc.__traceback__)


def _receiver_alive(callback: Callable[..., Any]) -> bool:
    """False when the callback is a method of a widget deleted while its job ran (a dialog closed, a
    window rebuilt for another language): its answer has nobody left to show it to."""
    owner = getattr(callback, "__self__", None)
    return not isinstance(owner, QObject) or shiboken6.isValid(owner)
