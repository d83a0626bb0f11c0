"""Operations: the one way a widget runs work off the GUI thread (Anki's `aqt/operations` habit).

    StoreOp(self, lambda: case_files.erase_case(case_id)).success(self._erased).run()
    NetworkOp(self, lambda: enrol(...)).success(done).failure(show_in_field).run()

`StoreOp` runs on the one store thread (in order with every save); `NetworkOp` on the network pool, so
a slow server never holds up a save (tasks.py). Either way the callbacks run on the GUI thread, and
not at all when `parent` (or the callback's own widget) was deleted meanwhile.

A failure reaches the user one way: the failure callback, if the caller gave one; otherwise a
`LeerrechtError` (`str(err)` is the sentence) goes to `show_error`, the one place that shows it, and
anything else is a bug and goes to the crash report (ui/crash.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

import shiboken6
from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QMainWindow, QMessageBox, QWidget

from leerrecht_core.errors import LeerrechtError
from leerrecht_core.i18n import tr
from leerrecht_desktop.ui.tasks import TaskRunner, report_crash

T = TypeVar("T")


def show_error(parent: QObject | None, err: LeerrechtError) -> None:
    """The one place a refusal is shown when the caller had no place of its own: the main window's
    `show_error` (its status bar) if `parent` lives in one, else a message box on `parent`'s window."""
    widget = parent if isinstance(parent, QWidget) else None
    while widget is not None:
        shown = getattr(widget, "show_error", None)
        if isinstance(widget, QMainWindow) and callable(shown):
            shown(err)
            return
        widget = widget.parentWidget()
    window = parent.window() if isinstance(parent, QWidget) else None
    box = QMessageBox(QMessageBox.Icon.Warning, tr("Leerrecht"), str(err), QMessageBox.StandardButton.Ok, window)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()  # not exec(): no nested event loop inside a result callback


def report_failure(parent: QObject | None, exc: Exception) -> None:
    """The shared failure path: a refusal to `show_error`, anything else to the crash report."""
    if not isinstance(exc, LeerrechtError):
        report_crash(exc)  # a bug stays a bug, also when its widget is gone
    elif _alive(parent):
        show_error(parent, exc)


def find_runner(parent: QObject | None) -> TaskRunner:
    """The TaskRunner of `parent` or of the nearest object above it that holds one (`.runner`)."""
    obj = parent
    while obj is not None:
        runner = getattr(obj, "runner", None)
        if isinstance(runner, TaskRunner):
            return runner
        obj = obj.parent()
    raise LookupError("no TaskRunner above this widget: pass runner=")


def _alive(obj: object) -> bool:
    return not isinstance(obj, QObject) or shiboken6.isValid(obj)


def _callback_alive(callback: Callable[..., Any]) -> bool:
    return _alive(getattr(callback, "__self__", None))


class _Operation(Generic[T]):
    def __init__(self, parent: QObject | None, fn: Callable[[], T], *, runner: TaskRunner | None = None):
        self._parent = parent
        self._fn = fn
        self._runner = runner
        self._on_success: Callable[[T], Any] | None = None
        self._on_failure: Callable[[Exception], Any] | None = None

    def success(self, callback: Callable[[T], Any]) -> _Operation[T]:
        self._on_success = callback
        return self

    def failure(self, callback: Callable[[Exception], Any]) -> _Operation[T]:
        """Handle a failure here instead of the shared path (e.g. an error line next to a field)."""
        self._on_failure = callback
        return self

    def run(self) -> None:
        runner = self._runner or find_runner(self._parent)
        self._submit(runner)(self._fn, self._succeeded, self._failed)

    def _submit(self, runner: TaskRunner) -> Callable[..., None]:
        raise NotImplementedError

    def _succeeded(self, result: T) -> None:
        callback = self._on_success
        if callback is not None and _alive(self._parent) and _callback_alive(callback):
            callback(result)

    def _failed(self, exc: Exception) -> None:
        callback = self._on_failure
        if callback is None:
            report_failure(self._parent, exc)
        elif _alive(self._parent) and _callback_alive(callback):
            callback(exc)


class StoreOp(_Operation[T]):
    """Store work: on the one store thread, in order with every other read and write."""

    def _submit(self, runner: TaskRunner) -> Callable[..., None]:
        return runner.submit


class NetworkOp(_Operation[T]):
    """Network work (which may wait on a slow server): on the network pool, never the store thread."""

    def _submit(self, runner: TaskRunner) -> Callable[..., None]:
        return runner.submit_network
