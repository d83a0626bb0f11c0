"""What the user sees when the app hits an error nobody caught: a calm dialog, and a crash report
without personal data that they can save for the IT department.

`CrashHandler.install()` takes over `sys.excepthook` (which PySide6 also calls for an exception raised
in a Qt slot or virtual method) and `threading.excepthook`. The report is built at once, from the
exception's type and its frames (module, function, line), never from its message, its local variables
or file paths; it goes to the GUI thread through a queued signal, so the dialog is shown from the event
loop, after the failing slot has returned, and never from a worker thread."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import platform
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

import PySide6
from PySide6.QtCore import QObject, Qt, Signal, Slot, qVersion
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from leerrecht_core.i18n import current_language, tr
from leerrecht_desktop import __version__
from leerrecht_desktop.logs import current_log_file, exception_frames, safe_exception_text, scrub_paths, tail
from leerrecht_desktop.ui.folders import documents_folder
from leerrecht_desktop.ui.style import mark

LOG_LINES = 200
DEBUG_ENV = "LEERRECHT_DEBUG"
log = logging.getLogger(__name__)


def build_report(exc: BaseException, *, thread: str | None = None, log_lines: list[str] | None = None,
                 now: dt.datetime | None = None) -> str:
    """The crash report: versions, the exception's type and frames (its causes too), the end of the log.
    Nothing in it comes from the exception's message or from data."""
    now = now or dt.datetime.now(dt.UTC)
    bundled = bool(getattr(sys, "frozen", False))
    lines = [
        "Leerrecht crash report",
        f"leerrecht: {__version__} ({'bundle' if bundled else 'source'})",
        f"python: {platform.python_version()} ({platform.python_implementation()})",
        f"qt: {qVersion()} (PySide6 {PySide6.__version__})",
        # platform() names the system and its version, not the machine: node() (the host name) often
        # holds a person's name, so it stays out.
        f"os: {platform.platform(terse=False)} {platform.machine()}",
        f"language: {_language()}",
        f"time: {now.strftime('%Y-%m-%dT%H:%M:%SZ')}",
    ]
    if thread:
        lines.append(f"thread: {thread}")
    lines += ["", "Exception (type and frames; its message is left out, it may quote data):"]
    for index, (name, frames) in enumerate(exception_frames(exc)):
        if index:
            lines.append("  which led to:")
        lines.append(f"  {name}")
        lines += [f"    {module}  {function}  line {line}" for module, function, line in frames]
    lines += ["", f"Last {LOG_LINES} lines of the log:"]
    log_lines = log_lines if log_lines is not None else tail(current_log_file(), LOG_LINES)
    lines += [f"  {scrub_paths(line)}" for line in log_lines] or ["  (no log)"]
    return "\n".join(lines) + "\n"


def _language() -> str:
    with contextlib.suppress(Exception):
        return current_language()
    return "?"


def default_report_name(now: dt.datetime | None = None) -> str:
    """A file name with a time and nothing else: no user, no case."""
    return f"leerrecht-crashrapport-{(now or dt.datetime.now()).strftime('%Y%m%d-%H%M%S')}.txt"


class CrashDialog(QDialog):
    """Er ging iets mis: your data is safe; save a report, carry on, or close Leerrecht."""

    def __init__(self, report: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.report = report
        self.further = 0
        self.saved_to: Path | None = None
        self.setWindowTitle(tr("Er ging iets mis"))
        self.setMinimumWidth(560)

        title = QLabel(tr("Er ging iets mis in Leerrecht"))
        font = title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.25)
        title.setFont(font)
        body = QLabel(tr(
            "Leerrecht liep tegen een onverwachte fout aan. Je gegevens zijn veilig: wat je bewaard hebt, blijft "
            "bewaard (elke bewaring gebeurt in één keer of helemaal niet), en wat je aan het typen was, staat in "
            "een concept. Je kan gewoon verder werken."))
        body.setWordWrap(True)
        hint = QLabel(tr(
            "Gebeurt het opnieuw? Bewaar dan een crashrapport en bezorg het aan de IT-dienst. Het rapport bevat "
            "geen namen, geen dossiergegevens en niets van wat je typte: alleen versies en waar in het programma "
            "de fout zat."))
        hint.setWordWrap(True)
        hint.setObjectName("muted")
        self.further_label = QLabel()
        self.further_label.setObjectName("muted")
        self.further_label.setVisible(False)

        self.details = QPlainTextEdit(report)
        self.details.setReadOnly(True)
        self.details.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.details.setMinimumHeight(180)
        self.details.setVisible(False)
        self.details_button = QPushButton(tr("Toon het rapport"))
        self.details_button.setCheckable(True)
        self.details_button.setAutoDefault(False)
        self.details_button.toggled.connect(self._toggle_details)
        self.status = QLabel()
        self.status.setObjectName("muted")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status.setVisible(False)

        # One fixed order on every platform (a button box would move them): the report on the left,
        # away from the two ways out; "Doorgaan", the usual choice, at the right and the default.
        self.save_button = QPushButton(tr("Crashrapport opslaan…"))
        self.save_button.setAutoDefault(False)
        self.save_button.clicked.connect(self.save_report)
        self.quit_button = QPushButton(tr("Leerrecht sluiten"))
        self.quit_button.setAutoDefault(False)
        self.quit_button.clicked.connect(self._quit)
        self.continue_button = QPushButton(tr("Doorgaan"))
        mark(self.continue_button, "primary")
        self.continue_button.setDefault(True)
        self.continue_button.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        buttons.addWidget(self.quit_button)
        buttons.addWidget(self.continue_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.addWidget(title)
        layout.addWidget(body)
        layout.addWidget(hint)
        layout.addWidget(self.further_label)
        layout.addWidget(self.details_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.details, 1)
        layout.addWidget(self.status)
        layout.addLayout(buttons)

    def note_another(self) -> None:
        """A further error while this dialog is open: counted, not shown in a dialog of its own."""
        self.further += 1
        self.further_label.setText(tr("Daarna ging er nog {n} keer iets mis.", n=self.further))
        self.further_label.setVisible(True)

    def _toggle_details(self, shown: bool) -> None:
        self.details.setVisible(shown)
        self.details_button.setText(tr("Verberg het rapport") if shown else tr("Toon het rapport"))
        self.adjustSize()

    def choose_file(self) -> str:
        """Where to save (a separate method, so tests can answer for the file dialog)."""
        path, _filter = QFileDialog.getSaveFileName(
            self, tr("Crashrapport opslaan"), str(documents_folder() / default_report_name()),
            tr("Tekstbestanden (*.txt)"))
        return path

    def save_report(self) -> None:
        path = self.choose_file()
        if not path:
            return
        try:
            Path(path).write_text(self.report, encoding="utf-8")
        except OSError as exc:
            self.status.setText(tr("Het rapport kon niet bewaard worden: {reason}. Kies een andere map.",
                                   reason=exc.strerror or type(exc).__name__))
        else:
            self.saved_to = Path(path)
            self.status.setText(tr("Bewaard als {path}. Bezorg dit bestand aan de IT-dienst.", path=path))
        self.status.setVisible(True)

    def _quit(self) -> None:
        self.done(QDialog.DialogCode.Rejected)
        app = QApplication.instance()
        if app is not None:
            # Through the event loop, so the shell's shutdown (finish queued saves, drop the keys) runs.
            app.quit()


Hook = Callable[[type[BaseException], BaseException, TracebackType | None], Any]


class CrashHandler(QObject):
    """Installs the hooks and shows at most one CrashDialog at a time."""

    crashed = Signal(str)

    def __init__(self, parent: QObject | None = None, *, dialog_parent: Callable[[], QWidget | None] | None = None):
        super().__init__(parent)
        self._dialog_parent = dialog_parent or (lambda: QApplication.activeWindow())
        self._previous_hook: Hook | None = None
        self._previous_thread_hook: Callable[[threading.ExceptHookArgs], Any] | None = None
        self._handling = threading.local()  # re-entrance inside one thread's hook
        self._failed = False  # the dialog itself failed once: from then on, only the log and stderr
        self.dialog: CrashDialog | None = None
        self.reports: list[str] = []
        # Queued even from the GUI thread: the dialog opens from the event loop, not from inside the
        # slot that raised (PySide6 calls the hook while still unwinding it).
        self.crashed.connect(self._show, Qt.ConnectionType.QueuedConnection)

    def install(self) -> None:
        self._previous_hook, sys.excepthook = sys.excepthook, self._excepthook
        self._previous_thread_hook, threading.excepthook = threading.excepthook, self._thread_excepthook

    def uninstall(self) -> None:
        if sys.excepthook == self._excepthook and self._previous_hook is not None:
            sys.excepthook = self._previous_hook
        if threading.excepthook == self._thread_excepthook and self._previous_thread_hook is not None:
            threading.excepthook = self._previous_thread_hook

    # -- the hooks (any thread) ---------------------------------------------------------------------------

    def _excepthook(self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt) and self._previous_hook is not None:
            self._previous_hook(exc_type, exc, tb)
            return
        self.handle(exc, threading.current_thread().name)

    def _thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit or args.exc_value is None:
            return
        self.handle(args.exc_value, args.thread.name if args.thread is not None else None)

    def handle(self, exc: BaseException, thread: str | None = None) -> None:
        if getattr(self._handling, "active", False):
            _last_resort(exc)  # an error while handling an error: never a loop of dialogs
            return
        self._handling.active = True
        try:
            # The safe text, not exc_info: without a log file, logging's last resort would print the
            # whole traceback, message included, to stderr.
            log.error("unexpected error: %s", safe_exception_text(exc))
            if os.environ.get(DEBUG_ENV) and self._previous_hook is not None:
                self._previous_hook(type(exc), exc, exc.__traceback__)  # a developer asked for the whole text
            report = build_report(exc, thread=thread)
            self.reports.append(report)
            self.crashed.emit(report)
        except Exception as failure:  # the hook must not raise
            _last_resort(failure)
        finally:
            self._handling.active = False

    # -- the dialog (GUI thread) ------------------------------------------------------------------------

    @Slot(str)
    def _show(self, report: str) -> None:
        if self._failed:
            return
        try:
            if self.dialog is not None:
                self.dialog.note_another()
                return
            dialog = CrashDialog(report, self._dialog_parent())
            dialog.finished.connect(self._closed)
            self.dialog = dialog
            dialog.open()
            dialog.raise_()
            dialog.activateWindow()
        except Exception as failure:  # a failing crash dialog must not call itself again
            self._failed = True
            self.dialog = None
            _last_resort(failure)

    def _closed(self, _result: int) -> None:
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            dialog.deleteLater()


def _last_resort(exc: BaseException) -> None:
    """One line on stderr, type only (stderr of a desktop app can end up in the system journal)."""
    with contextlib.suppress(Exception):
        print(f"leerrecht: unexpected {type(exc).__name__}", file=sys.stderr)


def install_crash_handler(parent: QObject | None = None) -> CrashHandler:
    handler = CrashHandler(parent)
    handler.install()
    return handler
