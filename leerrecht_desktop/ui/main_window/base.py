"""What every part of the main window shares: its state (the session, the open case, the lock), the
widgets one part builds and another uses, and running store work for the window.

The window is assembled in window.py from one class per concern (case_list, case_pane, sync_actions,
locking), each a subclass of the one before; the few calls a part makes into a later part are declared
here so each module reads (and type-checks) on its own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QMainWindow, QSplitter, QStackedWidget, QToolBar, QVBoxLayout, QWidget

from leerrecht_core.errors import LeerrechtError
from leerrecht_core.i18n import tr
from leerrecht_desktop.store.casefiles import CaseFile, CaseFiles
from leerrecht_desktop.store.errors import Locked
from leerrecht_desktop.store.syncstore import StoredConflict
from leerrecht_desktop.store.workspace import Workspace
from leerrecht_desktop.ui.case_view import CaseView
from leerrecht_desktop.ui.dialogs import DialogManager
from leerrecht_desktop.ui.operations import StoreOp, report_failure
from leerrecht_desktop.ui.store_events import StoreEvents
from leerrecht_desktop.ui.sync_status import SyncController
from leerrecht_desktop.ui.tasks import TaskRunner


class WindowBase(QMainWindow):
    locked = Signal()
    language_changed = Signal()

    workspace: Workspace
    case_files: CaseFiles
    runner: TaskRunner
    is_locked: bool
    _session: int
    _current_case_id: str | None
    _handover_widget: QWidget | None
    _conflicts: list[StoredConflict]
    sync: SyncController
    store_events: StoreEvents
    dialogs: DialogManager
    case_view: CaseView
    stack: QStackedWidget
    normal_page: QWidget
    handover_page: QWidget
    handover_layout: QVBoxLayout
    splitter: QSplitter
    toolbar: QToolBar
    idle_timer: QTimer
    _watcher: QObject  # locking.ActivityWatcher
    busy_label: QLabel
    sync_label: QLabel
    user_label: QLabel
    # Made by actions.build_actions (registered by decorator there).
    act_new: QAction
    act_find: QAction
    act_todo: QAction
    act_edit_profile: QAction
    act_erase: QAction
    act_print_summary: QAction
    act_overview: QAction
    act_assign_case: QAction
    act_assign_all: QAction
    act_lock: QAction
    act_quit: QAction
    act_passphrase: QAction
    act_settings: QAction
    act_sync_now: QAction
    act_enrol: QAction
    act_quarantine: QAction
    act_held_apart: QAction
    act_retention: QAction
    act_access_log: QAction
    act_about: QAction

    # -- running store work ---------------------------------------------------------------------------

    def _submit(self, fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
                on_error: Callable[[Exception], None] | None = None) -> None:
        """Store work for this window (a StoreOp); its result is dropped if the app locked meanwhile."""
        session = self._session

        def done(result: Any) -> None:
            if session == self._session and on_done is not None:
                on_done(result)

        def failed(exc: Exception) -> None:
            if session != self._session or isinstance(exc, Locked):
                return
            if on_error is not None:
                on_error(exc)
            else:
                report_failure(self, exc)

        StoreOp(self, fn, runner=self.runner).success(done).failure(failed).run()

    def show_error(self, exc: Exception) -> None:
        """The window's place for a refusal (operations.show_error lands here): the status bar."""
        if isinstance(exc, LeerrechtError):
            message = str(exc)
        else:
            message = tr("Dat is niet gelukt. Probeer het opnieuw; lukt het niet, neem dan contact op met je "
                         "coördinator.")
        self.statusBar().showMessage(message, 10_000)

    # -- defined by a later part (see the module docstring) ---------------------------------------------

    # A case opened at something (a search hit's entry, a Te doen action): what to do once it is loaded.
    _after_load: tuple[str, Callable[[CaseFile], object]] | None = None

    def open_case(self, case_id: str, then: Callable[[CaseFile], object] | None = None) -> None:
        raise NotImplementedError  # case_pane.py

    def load_conflicts(self) -> None:
        raise NotImplementedError  # sync_actions.py

    def _update_sync_actions(self) -> None:
        raise NotImplementedError  # sync_actions.py

    def lock(self) -> None:
        raise NotImplementedError  # locking.py
