"""Running work off the GUI thread (unlock, saves, loading a case) and getting the result back on it.

One worker thread does all store work, in order, so saves never race each other and SQLite sees one
writer; the GUI thread only ever receives finished results through queued signals."""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot


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
    """`runner.submit(fn, on_done, on_error)`: fn runs on the worker thread; the callbacks on the GUI thread."""

    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._pending = 0
        self._relays: set[_Relay] = set()

    def submit(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
    ) -> None:
        relay = _Relay()
        self._relays.add(relay)  # keep it alive until its signal has been delivered

        @Slot(object)
        def done(result: Any) -> None:
            self._finish(relay)
            if on_done is not None and _receiver_alive(on_done):
                on_done(result)

        @Slot(object)
        def failed(exc: Exception) -> None:
            self._finish(relay)
            if on_error is not None:
                if _receiver_alive(on_error):
                    on_error(exc)
            else:
                raise exc

        relay.finished.connect(done)
        relay.failed.connect(failed)
        self._pending += 1
        if self._pending == 1:
            self.busy_changed.emit(True)
        self._pool.start(_Job(fn, relay))

    def _finish(self, relay: _Relay) -> None:
        self._relays.discard(relay)
        self._pending -= 1
        if self._pending == 0:
            self.busy_changed.emit(False)

    @property
    def busy(self) -> bool:
        return self._pending > 0

    def wait_idle(self, msecs: int = 30_000) -> bool:
        """Block until queued work is done (closing the app, tests)."""
        return self._pool.waitForDone(msecs)


def _receiver_alive(callback: Callable[..., Any]) -> bool:
    """False when the callback is a method of a widget deleted while its job ran (a dialog closed, a
    window rebuilt for another language): its answer has nobody left to show it to."""
    owner = getattr(callback, "__self__", None)
    return not isinstance(owner, QObject) or shiboken6.isValid(owner)
