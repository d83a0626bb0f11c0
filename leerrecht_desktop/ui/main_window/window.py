"""The main window: the case list (search, filters, sort) on the left, the open case on the right,
menus, a status bar that says where the data stands, and locking (on demand and when idle).

Every piece of store work runs as a StoreOp (base._submit). Results carry the session they were asked
in; after a lock the session changes, so a late result never paints case data on a locked screen.

Assembled from one part per concern: case_list → case_pane → sync_actions → locking → todo (each a
subclass of the one before, all on base.WindowBase); the menu actions are registered in actions.py."""

from __future__ import annotations

import contextlib

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QLabel,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from leerrecht_core.i18n import set_language, tr
from leerrecht_desktop.models.enums import Role
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.syncstore import StoredConflict
from leerrecht_desktop.store.workspace import Workspace
from leerrecht_desktop.ui.about import AboutDialog
from leerrecht_desktop.ui.case_view import CaseView
from leerrecht_desktop.ui.conflict_dialog import ConflictDialog
from leerrecht_desktop.ui.dialogs import DialogManager
from leerrecht_desktop.ui.enrol_dialog import EnrolDialog
from leerrecht_desktop.ui.main_window.actions import build_actions, build_menus
from leerrecht_desktop.ui.main_window.locking import ActivityWatcher
from leerrecht_desktop.ui.main_window.sync_actions import sync_state_text
from leerrecht_desktop.ui.main_window.todo import TodoMixin
from leerrecht_desktop.ui.qt_translations import install_qt_translations
from leerrecht_desktop.ui.quarantine_dialog import QuarantineDialog
from leerrecht_desktop.ui.screen import fit_on_screen
from leerrecht_desktop.ui.settings_dialog import ChangePassphraseDialog, SettingsDialog
from leerrecht_desktop.ui.share_dialog import ShareDialog
from leerrecht_desktop.ui.store_events import StoreEvents
from leerrecht_desktop.ui.style import apply_text_size
from leerrecht_desktop.ui.sync_status import SyncController
from leerrecht_desktop.ui.tasks import TaskRunner


class MainWindow(TodoMixin):
    """The main window (see the module docstring for where each part lives)."""

    def __init__(self, workspace: Workspace, case_files: CaseFiles, runner: TaskRunner,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.workspace = workspace
        self.case_files = case_files
        self.runner = runner
        self.is_locked = False
        self._session = 0
        self._current_case_id: str | None = None
        self._handover_widget: QWidget | None = None
        self._reopen_after_unlock = []  # set by lock, used by resume (locking.py)
        self._handover_after_unlock = None
        # Dialogs that exist once (settings, about, enrolment, conflicts, sharing, printing, the erase
        # question...): opened, raised and forgotten by the manager; the properties below name them.
        self.dialogs = DialogManager()
        # After every write: the list, the open case and the status bar follow (ui/store_events.py).
        self.store_events = StoreEvents(self)
        self._conflicts: list[StoredConflict] = []
        self.sync = SyncController(sync_state_text, self)

        self.setWindowTitle(tr("Leerrecht"))
        self.resize(1360, 840)
        self.toolbar = build_menus(self, build_actions(self))
        self._build_central()
        self._build_status_bar()
        self.sync.text_changed.connect(self._show_sync_text)
        self.sync.synced.connect(self._synced)
        self.sync.stopped.connect(self._sync_stopped)
        self.store_events.store_changed.connect(self._store_changed)

        self.idle_timer = QTimer(self)
        self.idle_timer.setSingleShot(True)
        self.idle_timer.timeout.connect(self.lock)
        self.set_idle_minutes(workspace.idle_lock_minutes)
        self._watcher = ActivityWatcher(self.idle_timer, self, on_lock_key=self.lock)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self._watcher)

        self.runner.busy_changed.connect(self._show_busy)
        self._update_case_actions()
        self.reload_list()
        self.check_enrolment()
        self.idle_timer.start()

    def _build_central(self) -> None:
        self.stack = QStackedWidget()
        self.normal_page = QWidget()
        self.handover_page = QWidget()
        self.handover_layout = QVBoxLayout(self.handover_page)
        self.handover_layout.setContentsMargins(0, 0, 0, 0)
        self.stack.addWidget(self.normal_page)
        self.stack.addWidget(self.handover_page)
        self.setCentralWidget(self.stack)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self._build_list_panel())
        self.case_view = CaseView()
        self.case_view.add_entry_requested.connect(self.add_entry)
        self.case_view.edit_record_requested.connect(self.edit_record)
        self.case_view.read_record_requested.connect(self.read_record)
        self.case_view.edit_profile_requested.connect(self.edit_profile)
        self.case_view.handover_requested.connect(self.start_handover)
        self.case_view.conflicts_requested.connect(self.open_conflicts)
        self.case_view.share_requested.connect(self.open_share)
        self.case_view.assign_requested.connect(self.act_assign_case.trigger)
        self.case_view.print_requested.connect(self.print_summary)
        self.case_view.attachments.changed.connect(lambda case_id: self.store_events.changed([case_id]))
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(4, 12, 10, 12)
        right_layout.addWidget(self.case_view)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        self.splitter = splitter
        self._sized = False
        layout = QVBoxLayout(self.normal_page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        bar.setSizeGripEnabled(False)
        self._build_overdue_button(bar)
        self.busy_label = QLabel(tr("Bezig…"))
        self.busy_label.setVisible(False)
        self.sync_label = QLabel(sync_state_text(0))
        self.sync_label.setToolTip(tr(
            "Alles wat je bewaart staat versleuteld op deze laptop. "
            "Koppel Leerrecht aan de server van je team via Extra › Koppelen aan server…"))
        user = self.case_files.user
        try:
            role = Role(user.role).label
        except ValueError:
            role = user.role
        self.user_label = QLabel(" · ".join(x for x in (user.name, role, user.team) if x))
        bar.addPermanentWidget(self.busy_label)
        bar.addPermanentWidget(self.sync_label)
        bar.addPermanentWidget(self.user_label)

    def _show_busy(self, busy: bool) -> None:
        self.busy_label.setVisible(busy)

    def change_passphrase(self) -> None:
        def make() -> ChangePassphraseDialog:
            dialog = ChangePassphraseDialog(self.workspace, self.runner, self, self.case_files)
            dialog.changed.connect(
                lambda: self.statusBar().showMessage(tr("Je wachtwoordzin is gewijzigd."), 8000))
            dialog.changed.connect(lambda: self.sync.sync_now() if self.sync.enrolled else None)
            return dialog

        self.dialogs.open("passphrase", make)

    def open_about(self) -> None:
        self.dialogs.open("about", lambda: AboutDialog(self.workspace.data_dir, self))

    def open_settings(self) -> None:
        def make() -> SettingsDialog:
            dialog = SettingsDialog(self.workspace, self, runner=self.runner, case_files=self.case_files)
            dialog.accepted.connect(
                lambda: self._apply_settings(dialog.chosen_language(), dialog.chosen_idle_minutes(),
                                             dialog.chosen_text_size()))
            dialog.server_changed.connect(self._server_moved)
            return dialog

        self.dialogs.open("settings", make)

    def _server_moved(self, url: str) -> None:
        # The loop reads the address at each round; a round now shows at once that the new one works.
        self.statusBar().showMessage(tr("Het nieuwe serveradres {url} is bewaard.", url=url), 8000)
        if self.sync.enrolled and not self.is_locked:
            self.sync.sync_now()

    def _apply_settings(self, language: str, idle_minutes: int, text_size: int = 100) -> None:
        workspace = self.workspace
        language_changed = language != workspace.language

        def store() -> None:
            workspace.set_setting("language", language)
            workspace.set_setting("idle_lock_minutes", str(idle_minutes))
            workspace.set_setting("text_size", str(text_size))

        def done(_result: object) -> None:
            self.set_idle_minutes(idle_minutes)
            app = QApplication.instance()
            if isinstance(app, QApplication):
                apply_text_size(app, text_size)
            if language_changed:
                set_language(language)
                install_qt_translations(language)
                self.language_changed.emit()
            elif not self.statusBar().currentMessage():  # don't hide "the new server address is saved"
                self.statusBar().showMessage(tr("Instellingen bewaard."), 5000)

        self._submit(store, done)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._sized:
            self._sized = True
            fit_on_screen(self)  # 1360×840 wanted; a 1366×768 laptop gets what it has
            QTimer.singleShot(0, self._size_splitter)

    def _size_splitter(self) -> None:
        fit_on_screen(self)  # again once laid out: the first show may come before the layout's sizes
        # Once the real width is known: the list gets what its columns need, the case view the rest.
        total = self.splitter.width()
        # The list gets what its columns need (up to 60 %), the case view the rest but never less than it needs.
        room = total - self.case_view.minimumSizeHint().width()
        left = max(300, min(max(self._list_min_width, int(total * 0.42)), int(total * 0.6), room))
        self.splitter.setSizes([left, max(300, total - left)])

    def closeEvent(self, event: QCloseEvent) -> None:
        # During a hand-over the young person holds the laptop: closing needs the worker's passphrase,
        # which the hand-over page asks for; it closes the window again once the worker is back.
        request_close = getattr(self._handover_widget, "request_close", None)
        if request_close is not None and not request_close():
            event.ignore()
            return
        for form in self.open_forms():
            with contextlib.suppress(Exception):
                form.save_draft_now()  # type: ignore[attr-defined]
        self.dispose()
        super().closeEvent(event)

    # -- the dialogs that exist once, by name (tests and the screenshots script look at them) ------------

    @property
    def settings_dialog(self) -> SettingsDialog | None:
        return self.dialogs.get("settings", SettingsDialog)

    @property
    def passphrase_dialog(self) -> ChangePassphraseDialog | None:
        return self.dialogs.get("passphrase", ChangePassphraseDialog)

    @property
    def about_dialog(self) -> AboutDialog | None:
        return self.dialogs.get("about", AboutDialog)

    @property
    def enrol_dialog(self) -> EnrolDialog | None:
        return self.dialogs.get("enrol", EnrolDialog)

    @property
    def conflict_dialog(self) -> ConflictDialog | None:
        return self.dialogs.get("conflicts", ConflictDialog)

    @property
    def share_dialog(self) -> ShareDialog | None:
        return self.dialogs.get("share", ShareDialog)

    @property
    def quarantine_dialog(self) -> QuarantineDialog | None:
        return self.dialogs.get("quarantine", QuarantineDialog)

    @property
    def summary_dialog(self) -> QDialog | None:
        return self.dialogs.get("summary", QDialog)

    @property
    def overview_dialog(self) -> QDialog | None:
        return self.dialogs.get("overview", QDialog)

    @property
    def erase_box(self) -> QMessageBox | None:
        return self.dialogs.get("erase", QMessageBox)

    @property
    def revoked_box(self) -> QMessageBox | None:
        return self.dialogs.get("revoked", QMessageBox)
