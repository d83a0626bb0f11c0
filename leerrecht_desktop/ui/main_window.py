"""The main window: the case list (search, filters, sort) on the left, the open case on the right,
menus, a status bar that says where the data stands, and locking (on demand and when idle).

Every piece of store work goes through the TaskRunner. Results carry the session they were asked
in; after a lock the session changes, so a late result never paints case data on a locked screen."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QFont, QFontMetrics, QKeyEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from leerrecht_core.errors import LeerrechtError
from leerrecht_core.i18n import set_language, tr
from leerrecht_desktop.models.catalog import pick_lists
from leerrecht_desktop.models.enums import CaseStatus, Kind, Role
from leerrecht_desktop.models.records import Record
from leerrecht_desktop.models.summary import CaseSummary
from leerrecht_desktop.store.casefiles import CaseFile, CaseFiles
from leerrecht_desktop.store.errors import Locked
from leerrecht_desktop.store.queries import case_conflicts, case_list, is_enrolled, last_sync_if_enrolled
from leerrecht_desktop.store.syncstore import StoredConflict
from leerrecht_desktop.store.workspace import Workspace
from leerrecht_desktop.ui.about import AboutDialog
from leerrecht_desktop.ui.case_view import CaseView
from leerrecht_desktop.ui.models import CaseColumn, CaseFilterProxy, CaseListModel, SortMode, case_column_titles
from leerrecht_desktop.ui.operations import StoreOp, report_failure
from leerrecht_desktop.ui.settings_dialog import ChangePassphraseDialog, SettingsDialog
from leerrecht_desktop.ui.style import mark
from leerrecht_desktop.ui.sync_dialogs import ConflictDialog, EnrolDialog, QuarantineDialog, ShareDialog
from leerrecht_desktop.ui.sync_status import SyncController
from leerrecht_desktop.ui.tasks import TaskRunner

_INPUT_EVENTS = frozenset({
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.Wheel,
    QEvent.Type.TouchBegin, QEvent.Type.TabletPress,
})


class ActivityWatcher(QObject):
    """Application-wide event filter: any keyboard, mouse or touch input restarts the idle timer."""

    def __init__(self, timer: QTimer, parent: QObject | None = None):
        super().__init__(parent)
        self.timer = timer

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _INPUT_EVENTS and self.timer.isActive():
            self.timer.start()
        return False


def sync_state_text(pending: int) -> str:
    # Sync arrives in a later version; until then the honest state is "not linked" plus the queue.
    if pending == 0:
        return tr("Niet gekoppeld aan een server · alles is bewaard op deze laptop")
    if pending == 1:
        return tr("Niet gekoppeld aan een server · 1 wijziging wacht op synchronisatie")
    return tr("Niet gekoppeld aan een server · {n} wijzigingen wachten op synchronisatie", n=pending)


class MainWindow(QMainWindow):
    locked = Signal()
    language_changed = Signal()

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
        self._hidden_forms: list[QWidget] = []
        self.erase_box: QMessageBox | None = None
        self.settings_dialog: SettingsDialog | None = None
        self.passphrase_dialog: ChangePassphraseDialog | None = None
        # Sync (issue 3): the loop runs while unlocked and enrolled; the indicator polls it (ui/sync_status.py).
        self.enrol_dialog: EnrolDialog | None = None
        self.conflict_dialog: ConflictDialog | None = None
        self.share_dialog: ShareDialog | None = None
        self.quarantine_dialog: QuarantineDialog | None = None
        self.about_dialog: AboutDialog | None = None
        # Printing (issue 4): ui/report_dialog.py, imported when first used (it loads reportlab and PDFium).
        self.summary_dialog: QDialog | None = None
        self.overview_dialog: QDialog | None = None
        self.revoked_box: QMessageBox | None = None
        self._conflicts: list[StoredConflict] = []
        self.sync = SyncController(sync_state_text, self)

        self.setWindowTitle(tr("Leerrecht"))
        self.resize(1360, 840)
        self._build_actions()
        self._build_menus()
        self._build_central()
        self._build_status_bar()
        self.sync.text_changed.connect(self._show_sync_text)
        self.sync.synced.connect(self._synced)
        self.sync.stopped.connect(self._sync_stopped)

        self.idle_timer = QTimer(self)
        self.idle_timer.setSingleShot(True)
        self.idle_timer.timeout.connect(self.lock)
        self.set_idle_minutes(workspace.idle_lock_minutes)
        self._watcher = ActivityWatcher(self.idle_timer, self)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self._watcher)

        self.runner.busy_changed.connect(self._show_busy)
        self._update_case_actions()
        self.reload_list()
        self.check_enrolment()
        self.idle_timer.start()

    # -- construction -------------------------------------------------------------------------------

    def _action(self, text: str, slot: Callable[[], Any],
                shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setToolTip(tip)
            action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)  # shortcuts keep working while menus and toolbar are hidden
        return action

    def _build_actions(self) -> None:
        self.act_new = self._action(tr("Nieuwe aanmelding"), self.new_concern, QKeySequence.StandardKey.New,
                                    tr("Noteer snel een nieuwe bezorgdheid (Ctrl+N)"))
        self.act_find = self._action(tr("Zoeken"), self.focus_search, QKeySequence.StandardKey.Find)
        self.act_edit_profile = self._action(tr("Profiel bewerken"), self.edit_profile)
        self.act_erase = self._action(tr("Dossier wissen…"), self.erase_current_case)
        self.act_print_summary = self._action(tr("Samenvatting afdrukken…"), self.print_summary,
                                              QKeySequence.StandardKey.Print,
                                              tr("Druk een samenvatting van dit dossier af of bewaar ze als PDF "
                                                 "(Ctrl+P)"))
        self.act_overview = self._action(tr("Teamoverzicht…"), self.open_overview, None,
                                         tr("Aantallen van het team voor een periode, zonder namen (PDF of CSV)"))
        # The team's figures are the coordinator's task; others see only their own cases anyway.
        self.act_overview.setVisible(self.case_files.user.role == Role.COORDINATOR)
        self.act_lock = self._action(tr("Vergrendelen"), self.lock, "Ctrl+L",
                                     tr("Vergrendel Leerrecht nu (Ctrl+L)"))
        self.act_quit = self._action(tr("Afsluiten"), self.close, QKeySequence.StandardKey.Quit)
        self.act_passphrase = self._action(tr("Wachtwoordzin wijzigen…"), self.change_passphrase)
        self.act_settings = self._action(tr("Instellingen…"), self.open_settings)
        self.act_sync_now = self._action(tr("Nu synchroniseren"), self.sync_now, "F5",
                                         tr("Wissel nu wijzigingen uit met de server (F5)"))
        self.act_sync_now.setEnabled(False)  # until the store says this laptop is enrolled
        self.act_enrol = self._action(tr("Koppelen aan server…"), self.open_enrol)
        self.act_quarantine = self._action(tr("Geweigerde wijzigingen…"), self.open_quarantine)
        self.act_quarantine.setEnabled(False)
        self.act_about = self._action(tr("Over Leerrecht…"), self.open_about)
        self.act_about.setMenuRole(QAction.MenuRole.AboutRole)  # macOS puts it in the application menu

    def _build_menus(self) -> None:
        case_menu = self.menuBar().addMenu(tr("&Dossier"))
        case_menu.addAction(self.act_new)
        case_menu.addAction(self.act_find)
        case_menu.addSeparator()
        case_menu.addAction(self.act_edit_profile)
        case_menu.addAction(self.act_print_summary)
        case_menu.addAction(self.act_erase)
        case_menu.addSeparator()
        case_menu.addAction(self.act_lock)
        case_menu.addAction(self.act_quit)
        extra_menu = self.menuBar().addMenu(tr("&Extra"))
        extra_menu.addAction(self.act_passphrase)
        extra_menu.addAction(self.act_settings)
        extra_menu.addSeparator()
        extra_menu.addAction(self.act_sync_now)
        extra_menu.addAction(self.act_enrol)
        extra_menu.addAction(self.act_quarantine)
        extra_menu.addSeparator()
        extra_menu.addAction(self.act_overview)
        extra_menu.addSeparator()
        extra_menu.addAction(self.act_about)

        self.toolbar = QToolBar(tr("Werkbalk"))
        self.toolbar.setObjectName("mainToolbar")
        self.toolbar.setMovable(False)
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.toolbar.addAction(self.act_new)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.toolbar.addWidget(spacer)
        self.toolbar.addAction(self.act_sync_now)
        self.toolbar.addAction(self.act_settings)
        self.toolbar.addAction(self.act_lock)
        self.addToolBar(self.toolbar)

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
        self.case_view.edit_profile_requested.connect(self.edit_profile)
        self.case_view.handover_requested.connect(self.start_handover)
        self.case_view.conflicts_requested.connect(self.open_conflicts)
        self.case_view.share_requested.connect(self.open_share)
        self.case_view.print_requested.connect(self.print_summary)
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

    def _build_list_panel(self) -> QWidget:
        panel = QWidget()
        panel.setMinimumWidth(420)
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(12, 12, 6, 12)
        layout.setSpacing(8)

        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText(tr("Zoek op naam, school of klas  (Ctrl+F)"))
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setAccessibleName(tr("Zoeken in dossiers"))
        self.search_edit.textChanged.connect(self._search_changed)
        self.search_edit.returnPressed.connect(self._open_from_search)
        self.search_edit.installEventFilter(self)
        layout.addWidget(self.search_edit)

        self.status_combo = QComboBox()
        self.status_combo.addItem(tr("Alle statussen"), "")
        for status in CaseStatus:
            self.status_combo.addItem(status.label, status.value)
        self.status_combo.setAccessibleName(tr("Filter op status"))
        self.school_combo = QComboBox()
        self.school_combo.addItem(tr("Alle scholen"), "")
        self.school_combo.setAccessibleName(tr("Filter op school"))
        self.school_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.school_combo.setMinimumContentsLength(12)
        self.group_combo = QComboBox()
        self.group_combo.addItem(tr("Alle doelgroepen"), "")
        for choice in pick_lists().target_groups:
            self.group_combo.addItem(choice.label, choice.key)
        self.group_combo.setAccessibleName(tr("Filter op doelgroep"))
        self.mine_check = QCheckBox(tr("Mijn dossiers"))
        self.mine_check.setToolTip(tr("Toon alleen de dossiers waaraan jij toegewezen bent."))
        filters = QHBoxLayout()
        filters.setSpacing(6)
        filters.addWidget(self.status_combo, 1)
        filters.addWidget(self.school_combo, 1)
        filters.addWidget(self.group_combo, 1)
        layout.addLayout(filters)

        self.sort_combo = QComboBox()
        # Plain ints as item data: an IntEnum would not be found again by findData.
        self.sort_combo.addItem(tr("Volgende actie"), int(SortMode.NEXT_ACTION))
        self.sort_combo.addItem(tr("Laatste contact"), int(SortMode.LAST_CONTACT))
        self.sort_combo.addItem(tr("Naam"), int(SortMode.NAME))
        sort_label = QLabel(tr("Sorteer op"))
        sort_label.setBuddy(self.sort_combo)
        self.count_label = QLabel()
        self.count_label.setObjectName("muted")
        second = QHBoxLayout()
        second.addWidget(self.mine_check)
        second.addSpacing(12)
        second.addWidget(sort_label)
        second.addWidget(self.sort_combo)
        second.addStretch(1)
        second.addWidget(self.count_label)
        layout.addLayout(second)

        self.case_model = CaseListModel(self)
        self.proxy = CaseFilterProxy(self)
        self.proxy.setSourceModel(self.case_model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setSortingEnabled(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 14)
        self.table.setAccessibleName(tr("Dossiers"))
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(CaseColumn.NAME, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(40)
        fm = self.fontMetrics()
        bold = QFont(self.font())
        bold.setBold(True)
        hm = QFontMetrics(bold)
        titles = case_column_titles()

        def fit(col: CaseColumn, *samples: str) -> int:
            words = titles[col].split(" ", 1) if col >= CaseColumn.LAST_CONTACT else [titles[col]]
            return max([hm.horizontalAdvance(w) for w in words] + [fm.horizontalAdvance(x) for x in samples]) + 22

        widths = {
            CaseColumn.SCHOOL: fit(CaseColumn.SCHOOL, "Maurits Sabbe"),
            CaseColumn.CLASS: fit(CaseColumn.CLASS, "5C"),
            CaseColumn.STATUS: fit(CaseColumn.STATUS, *(s.label for s in CaseStatus)),
            CaseColumn.LAST_CONTACT: fit(CaseColumn.LAST_CONTACT, "00/00/00"),
            CaseColumn.NEXT_ACTION: fit(CaseColumn.NEXT_ACTION, "00/00/00"),
        }
        for col, width in widths.items():
            self.table.setColumnWidth(col, width)
        self._list_min_width = sum(widths.values()) + 150 + 26
        self.table.activated.connect(self._open_index)
        self.table.clicked.connect(self._open_index)
        layout.addWidget(self.table, 1)

        self.empty_label = QLabel()
        self.empty_label.setObjectName("placeholder")
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setVisible(False)
        layout.addWidget(self.empty_label, 1)

        self.status_combo.currentIndexChanged.connect(self._filters_changed)
        self.school_combo.currentIndexChanged.connect(self._filters_changed)
        self.group_combo.currentIndexChanged.connect(self._filters_changed)
        self.mine_check.toggled.connect(self._filters_changed)
        self.sort_combo.currentIndexChanged.connect(self._sort_changed)
        header.sortIndicatorChanged.connect(self._header_sorted)
        self._sort_changed()
        return panel

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        bar.setSizeGripEnabled(False)
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

    def _show_busy(self, busy: bool) -> None:
        self.busy_label.setVisible(busy)

    # -- case list ----------------------------------------------------------------------------------

    def reload_list(self, select_case: str | None = None) -> None:
        case_files = self.case_files
        self._submit(lambda: case_list(case_files),
                     lambda result: self._list_loaded(result[0], result[1], select_case=select_case))

    def _list_loaded(self, summaries: list[CaseSummary], pending: int, select_case: str | None = None) -> None:
        self.case_model.set_summaries(summaries)
        self._refresh_school_filter(summaries)
        self.sync.note_waiting(pending)  # the indicator (linked or not) shows the outbox as counted now
        self._update_count()
        target = select_case or self._current_case_id
        if target:
            self.select_case(target)
        if select_case:
            self.open_case(select_case)

    def _refresh_school_filter(self, summaries: list[CaseSummary]) -> None:
        current = self.school_combo.currentData()
        schools = sorted({s.school for s in summaries if s.school}, key=str.casefold)
        self.school_combo.blockSignals(True)
        self.school_combo.clear()
        self.school_combo.addItem(tr("Alle scholen"), "")
        for school in schools:
            self.school_combo.addItem(school, school)
        index = self.school_combo.findData(current) if current else 0
        self.school_combo.setCurrentIndex(max(0, index))
        self.school_combo.blockSignals(False)
        if current and index < 0:
            self._filters_changed()

    def _search_changed(self, text: str) -> None:
        self.proxy.set_search_text(text)
        self._update_count()

    def _filters_changed(self, *_args: object) -> None:
        self.proxy.set_status(str(self.status_combo.currentData() or ""))
        self.proxy.set_school(str(self.school_combo.currentData() or ""))
        self.proxy.set_target_group(str(self.group_combo.currentData() or ""))
        self.proxy.set_mine_only(self.case_files.user.user_id if self.mine_check.isChecked() else None)
        self._update_count()

    def _sort_changed(self, *_args: object) -> None:
        mode = SortMode(self.sort_combo.currentData())
        column, order = {
            SortMode.NEXT_ACTION: (CaseColumn.NEXT_ACTION, Qt.SortOrder.AscendingOrder),
            SortMode.LAST_CONTACT: (CaseColumn.LAST_CONTACT, Qt.SortOrder.DescendingOrder),
            SortMode.NAME: (CaseColumn.NAME, Qt.SortOrder.AscendingOrder),
        }[mode]
        self.table.sortByColumn(column, order)

    def _header_sorted(self, column: int, order: Qt.SortOrder) -> None:
        # Clicking a column header is another way to sort; keep the combo truthful when it matches.
        match = {
            (CaseColumn.NEXT_ACTION, Qt.SortOrder.AscendingOrder): SortMode.NEXT_ACTION,
            (CaseColumn.LAST_CONTACT, Qt.SortOrder.DescendingOrder): SortMode.LAST_CONTACT,
            (CaseColumn.NAME, Qt.SortOrder.AscendingOrder): SortMode.NAME,
        }.get((CaseColumn(column), order))
        if match is not None:
            self.sort_combo.blockSignals(True)
            self.sort_combo.setCurrentIndex(self.sort_combo.findData(int(match)))
            self.sort_combo.blockSignals(False)

    def _update_count(self) -> None:
        shown, total = self.proxy.rowCount(), self.case_model.rowCount()
        if total == 0:
            self.count_label.setText("")
            self.empty_label.setText(tr("Nog geen dossiers op deze laptop. Begin met een nieuwe aanmelding (Ctrl+N)."))
        elif shown == total:
            self.count_label.setText(tr("{n} dossiers", n=total) if total != 1 else tr("1 dossier"))
        else:
            self.count_label.setText(tr("{shown} van {total} dossiers", shown=shown, total=total))
            if shown == 0:
                self.empty_label.setText(tr("Geen dossiers gevonden. Pas je zoekopdracht of filters aan."))
        self.table.setVisible(shown > 0)
        self.empty_label.setVisible(shown == 0)

    def visible_summaries(self) -> list[CaseSummary]:
        """The cases in the list as the user sees them: filtered and sorted."""
        return [self.proxy.summary_at(row) for row in range(self.proxy.rowCount())]

    def select_case(self, case_id: str) -> None:
        source_row = self.case_model.row_of(case_id)
        if source_row < 0:
            return
        index = self.proxy.mapFromSource(self.case_model.index(source_row, 0))
        if index.isValid():
            self.table.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
            self.table.scrollTo(index)

    def focus_search(self) -> None:
        if self.stack.currentWidget() is not self.normal_page:
            return
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    def _open_from_search(self) -> None:
        if self.proxy.rowCount() == 0:
            return
        current = self.table.currentIndex()
        row = current.row() if current.isValid() else 0
        self._open_index(self.proxy.index(row, 0))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Arrow down in the search box moves into the list, so search-pick-open needs no mouse.
        if watched is self.search_edit and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() == Qt.Key.Key_Down and self.proxy.rowCount():
                self.table.setFocus()
                if not self.table.currentIndex().isValid():
                    self.table.setCurrentIndex(self.proxy.index(0, 0))
                return True
        return super().eventFilter(watched, event)

    def _open_index(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_case(self.proxy.summary_at(index.row()).case_id)

    # -- the open case ------------------------------------------------------------------------------

    @property
    def current_case_id(self) -> str | None:
        return self._current_case_id

    def open_case(self, case_id: str) -> None:
        if case_id != self._current_case_id or self.case_view.case_file is None:
            self.case_view.show_loading()
        self._current_case_id = case_id
        self._update_case_actions()
        case_files = self.case_files
        self._submit(lambda: case_files.load_case(case_id), self._case_loaded,
                     lambda exc: self._case_failed(case_id, exc))

    def _case_loaded(self, case_file: CaseFile) -> None:
        if case_file.case_id != self._current_case_id:
            return  # the user already moved on to another case
        self.case_view.set_case_file(case_file)
        self.select_case(case_file.case_id)  # the list shows which case is open, however it was opened
        self._update_case_actions()
        self.load_conflicts()

    def _case_failed(self, case_id: str, exc: Exception) -> None:
        if case_id != self._current_case_id:
            return
        self._current_case_id = None
        self.case_view.clear()
        self._update_case_actions()
        report_failure(self, exc)

    def reload_current_case(self) -> None:
        if self._current_case_id:
            self.open_case(self._current_case_id)

    def _update_case_actions(self) -> None:
        has_case = self._current_case_id is not None and not self.is_locked
        self.act_edit_profile.setEnabled(has_case)
        self.act_erase.setEnabled(has_case)
        # Printing needs the case itself on screen, not only its id (it prints what the view holds).
        case_file = self.case_view.case_file
        self.act_print_summary.setEnabled(has_case and case_file is not None
                                          and case_file.case_id == self._current_case_id)
        self.case_view.print_button.setEnabled(self.act_print_summary.isEnabled())
        self.act_overview.setEnabled(not self.is_locked)

    # -- forms (written by the forms package; imported late so the shell runs without them) -------------

    def _track_form(self, form: QWidget) -> None:
        saved = getattr(form, "saved", None)
        if saved is not None:
            saved.connect(self._record_saved)

    def add_entry(self, kind: Kind) -> None:
        if self._current_case_id is None:
            return
        from leerrecht_desktop.ui.forms import open_entry_form

        self._track_form(open_entry_form(self, self.case_files, self.runner, self._current_case_id, kind))

    def edit_record(self, record: Record) -> None:
        from leerrecht_desktop.ui.forms import open_entry_form

        self._track_form(open_entry_form(self, self.case_files, self.runner, record.case_id, record.kind, record))

    def edit_profile(self) -> None:
        case_file = self.case_view.case_file
        if case_file is None or case_file.case_id != self._current_case_id:
            return
        self.edit_record(case_file.profile)

    def new_concern(self) -> None:
        if self.is_locked or self.stack.currentWidget() is not self.normal_page:
            return
        from leerrecht_desktop.ui.forms import open_new_concern_form

        form = open_new_concern_form(self, self.case_files, self.runner)
        saved = getattr(form, "saved", None)
        if saved is not None:
            saved.connect(self._concern_saved)

    def _record_saved(self, record: Record) -> None:
        if self.is_locked:
            return
        self.reload_list()
        if record.case_id == self._current_case_id:
            self.open_case(record.case_id)

    def _concern_saved(self, record: Record) -> None:
        if self.is_locked:
            return
        # A new case must be visible, whatever filters were on.
        self.search_edit.clear()
        self.status_combo.setCurrentIndex(0)
        self.school_combo.setCurrentIndex(0)
        self.group_combo.setCurrentIndex(0)
        self._current_case_id = record.case_id
        self.reload_list(select_case=record.case_id)

    # -- hand-over of the laptop to the young person -------------------------------------------------------

    def start_handover(self) -> None:
        if self._current_case_id is None:
            return
        from leerrecht_desktop.ui.handover import start_handover

        start_handover(self, self.workspace, self.case_files, self.runner, self._current_case_id)

    @property
    def in_handover(self) -> bool:
        return self._handover_widget is not None

    def show_handover_page(self, widget: QWidget) -> None:
        """Give the whole window to `widget`: no case list, no menus, nothing about other cases."""
        if self._handover_widget is not None:
            self._discard_handover_widget()
        self._handover_widget = widget
        self.handover_layout.addWidget(widget)
        self.stack.setCurrentWidget(self.handover_page)
        self.menuBar().setVisible(False)
        self.toolbar.setVisible(False)
        self.statusBar().setVisible(False)
        for action in (self.act_new, self.act_find, self.act_edit_profile, self.act_erase,
                       self.act_passphrase, self.act_settings, self.act_sync_now, self.act_enrol,
                       self.act_quarantine):
            action.setEnabled(False)
        widget.setFocus()

    def end_handover(self) -> None:
        self._discard_handover_widget()
        self._restore_normal_page()
        self.reload_list()
        self.reload_current_case()

    def _discard_handover_widget(self) -> None:
        widget = self._handover_widget
        self._handover_widget = None
        if widget is not None:
            self.handover_layout.removeWidget(widget)
            widget.hide()
            widget.deleteLater()

    def _restore_normal_page(self) -> None:
        self.stack.setCurrentWidget(self.normal_page)
        self.menuBar().setVisible(True)
        self.toolbar.setVisible(True)
        self.statusBar().setVisible(True)
        for action in (self.act_new, self.act_find, self.act_passphrase, self.act_settings):
            action.setEnabled(True)
        self._update_case_actions()
        self._update_sync_actions()

    # -- erase ---------------------------------------------------------------------------------------

    def erase_current_case(self) -> None:
        case_file = self.case_view.case_file
        if case_file is None or case_file.case_id != self._current_case_id:
            return
        name = case_file.content.full_name
        n = len(case_file.entries)
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(tr("Dossier wissen"))
        box.setText(tr("Het dossier van {name} wissen?", name=name))
        lost = tr("het profiel en 1 notitie") if n == 1 else tr("het profiel en {n} notities", n=n)
        if self.sync.enrolled:
            box.setInformativeText(tr(
                "Dan verdwijnen {lost}, met alle eerdere versies en concepten, van deze laptop. Op de server "
                "en bij de collega's met wie je het dossier deelt, blijft het bestaan. Wat je nog niet "
                "gesynchroniseerd hebt, gaat verloren. Dit kan je niet ongedaan maken.", lost=lost))
        else:
            box.setInformativeText(tr(
                "Dan verdwijnen {lost}, met alle eerdere versies en concepten, voorgoed van deze laptop. "
                "Leerrecht is nog niet met een server gekoppeld: er bestaat dus geen andere kopie. "
                "Dit kan je niet ongedaan maken.", lost=lost))
        erase = box.addButton(tr("Dossier wissen"), QMessageBox.ButtonRole.DestructiveRole)
        mark(erase, "danger")
        cancel = box.addButton(tr("Annuleren"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(cancel)
        box.setEscapeButton(cancel)
        case_id = case_file.case_id
        session = self._session

        def finished(_result: int) -> None:
            clicked = box.clickedButton()
            self.erase_box = None
            box.deleteLater()
            if clicked is erase and session == self._session:
                self._erase(case_id)

        box.finished.connect(finished)
        self.erase_box = box
        box.open()

    def _erase(self, case_id: str) -> None:
        case_files = self.case_files

        def done(_result: object) -> None:
            if self._current_case_id == case_id:
                self._current_case_id = None
                self.case_view.clear()
            self._update_case_actions()
            self.statusBar().showMessage(tr("Het dossier is gewist van deze laptop."), 8000)
            self.reload_list()

        self._submit(lambda: case_files.erase_case(case_id), done)

    # -- sync (issue 3; the loop and the indicator live in ui/sync_status.py, dialogs in ui/sync_dialogs.py) --

    def check_enrolment(self) -> None:
        """Ask the store whether this laptop is enrolled; if so, start the background loop for this session."""
        case_files = self.case_files

        def done(last_success_at: str | None) -> None:
            if self.is_locked:
                return
            if last_success_at is None:
                self.sync.set_not_enrolled()
            else:
                self.sync.start(case_files, last_success_at or None)
            self._update_sync_actions()

        self._submit(lambda: last_sync_if_enrolled(case_files), done)

    def _update_sync_actions(self) -> None:
        normal = not self.is_locked and not self.in_handover
        self.act_sync_now.setEnabled(normal and self.sync.enrolled)
        self.act_enrol.setEnabled(normal and not self.sync.enrolled)
        self.act_enrol.setVisible(not self.sync.enrolled)
        self.case_view.share_button.setVisible(self.sync.enrolled)
        self.act_quarantine.setEnabled(normal and self.sync.enrolled)

    def _show_sync_text(self, text: str) -> None:
        self.sync_label.setText(text)
        if self.sync.enrolled:
            error = self.sync.status.last_error
            tip = tr("Je wijzigingen gaan versleuteld naar de server van je team; die kan ze niet lezen.")
            self.sync_label.setToolTip(tip + ("\n" + error if error else ""))
        else:
            self.sync_label.setToolTip(tr(
                "Alles wat je bewaart staat versleuteld op deze laptop. "
                "Koppel Leerrecht aan de server van je team via Extra › Koppelen aan server…"))

    def sync_now(self) -> None:
        """"Nu synchroniseren" (F5): wake the loop; a laptop that is not linked yet is offered the link."""
        if self.is_locked or self.in_handover:
            return
        if not self.sync.enrolled:
            self.open_enrol()
            return
        self.sync.sync_now()
        self.statusBar().showMessage(tr("Synchroniseren…"), 3000)

    def open_enrol(self) -> None:
        if self.is_locked or self.sync.enrolled or self.enrol_dialog is not None:
            return
        dialog = EnrolDialog(self.workspace, self.case_files, self)
        dialog.enrolled.connect(self._enrolled)
        dialog.finished.connect(lambda _r: self._forget_dialog("enrol_dialog", dialog))
        self.enrol_dialog = dialog
        dialog.open()

    def _enrolled(self) -> None:
        self.statusBar().showMessage(tr("Deze laptop is gekoppeld aan de server."), 8000)
        self.check_enrolment()

    def _synced(self, pulled_new: bool) -> None:
        """A round finished: show what it brought (new cases, new versions of the open one, conflicts)."""
        if self.is_locked:
            return
        self.reload_list()
        if pulled_new:
            self.reload_current_case()  # also reloads its conflicts
        else:
            self.load_conflicts()

    def _sync_stopped(self, reason: str) -> None:
        """The loop gave up. A revoked device has been wiped by the engine: say so and lock."""
        case_files = self.case_files

        def done(enrolled: bool) -> None:
            if enrolled:  # the server refused the login: linking again (a new code) is the way out
                loop = self.sync.detach()
                if loop is not None:
                    self.runner.submit(loop.stop)
                self.sync.set_not_enrolled()
                self._update_sync_actions()
                self.statusBar().showMessage(reason, 0)
                return
            self.sync.set_not_enrolled()
            self.lock()
            box = QMessageBox(QMessageBox.Icon.Warning, tr("Leerrecht"), tr(
                "Deze laptop is losgekoppeld van de server. De dossiers op deze laptop zijn gewist; je collega's "
                "en de server hebben ze nog. Vraag je coördinator om deze laptop opnieuw te koppelen."))
            if reason:
                box.setInformativeText(reason)
            box.finished.connect(lambda _r: setattr(self, "revoked_box", None))
            self.revoked_box = box
            box.open()

        self._submit(lambda: is_enrolled(case_files), done)

    def load_conflicts(self) -> None:
        """The banner of the open case: how many of its fields are in conflict."""
        case_id = self._current_case_id
        if case_id is None or self.is_locked:
            return
        case_files = self.case_files

        def done(conflicts: list[StoredConflict]) -> None:
            if case_id != self._current_case_id:
                return
            self._conflicts = conflicts
            self.case_view.set_conflict_count(sum(len(c.details.get("conflicts", [])) for c in conflicts))

        self._submit(lambda: case_conflicts(case_files, case_id), done)

    def open_conflicts(self) -> None:
        if not self._conflicts or self.conflict_dialog is not None:
            return
        dialog = ConflictDialog(self.case_files, self.runner, self._conflicts, self)
        dialog.resolved.connect(self._conflict_resolved)
        dialog.finished.connect(lambda _r: self._forget_dialog("conflict_dialog", dialog))
        self.conflict_dialog = dialog
        dialog.open()

    def open_share(self) -> None:
        """"Delen met collega…": the sharing changes queue locally and go out with the next round."""
        case_id = self._current_case_id
        if case_id is None or not self.sync.enrolled or self.share_dialog is not None:
            return
        dialog = ShareDialog(self.case_files, case_id, self)
        dialog.shared.connect(self._shared)
        dialog.finished.connect(lambda _r: self._forget_dialog("share_dialog", dialog))
        self.share_dialog = dialog
        dialog.open()

    def _shared(self) -> None:
        self.statusBar().showMessage(tr("Bewaard. Het delen gaat mee met de volgende synchronisatie."), 8000)
        self.sync.sync_now()

    def open_quarantine(self) -> None:
        """Changes the server refused: retry or leave out."""
        if self.is_locked or self.quarantine_dialog is not None:
            return
        dialog = QuarantineDialog(self.case_files, self.runner, self)
        dialog.changed.connect(self._quarantine_changed)
        dialog.finished.connect(lambda _r: self._forget_dialog("quarantine_dialog", dialog))
        self.quarantine_dialog = dialog
        dialog.open()

    def _quarantine_changed(self, retried: bool) -> None:
        if self.is_locked:
            return
        self.reload_list()
        self.reload_current_case()
        if retried:
            self.sync.sync_now()

    def _conflict_resolved(self) -> None:
        if self.is_locked:
            return
        self.reload_list()
        self.reload_current_case()

    # -- passphrase and settings ------------------------------------------------------------------------

    def change_passphrase(self) -> None:
        dialog = ChangePassphraseDialog(self.workspace, self.runner, self, self.case_files)
        dialog.changed.connect(
            lambda: self.statusBar().showMessage(tr("Je wachtwoordzin is gewijzigd."), 8000))
        dialog.changed.connect(lambda: self.sync.sync_now() if self.sync.enrolled else None)
        dialog.finished.connect(lambda _r: self._forget_dialog("passphrase_dialog", dialog))
        self.passphrase_dialog = dialog
        dialog.open()

    def open_about(self) -> None:
        dialog = AboutDialog(self.workspace.data_dir, self)
        dialog.finished.connect(lambda _r: self._forget_dialog("about_dialog", dialog))
        self.about_dialog = dialog
        dialog.open()

    def open_settings(self) -> None:
        dialog = SettingsDialog(self.workspace, self, runner=self.runner, case_files=self.case_files)
        dialog.accepted.connect(lambda: self._apply_settings(dialog.chosen_language(), dialog.chosen_idle_minutes()))
        dialog.server_changed.connect(self._server_moved)
        dialog.finished.connect(lambda _r: self._forget_dialog("settings_dialog", dialog))
        self.settings_dialog = dialog
        dialog.open()

    def _server_moved(self, url: str) -> None:
        # The loop reads the address at each round; a round now shows at once that the new one works.
        self.statusBar().showMessage(tr("Het nieuwe serveradres {url} is bewaard.", url=url), 8000)
        if self.sync.enrolled and not self.is_locked:
            self.sync.sync_now()

    def _forget_dialog(self, attr: str, dialog: QDialog) -> None:
        if getattr(self, attr) is dialog:
            setattr(self, attr, None)
        dialog.deleteLater()

    def _apply_settings(self, language: str, idle_minutes: int) -> None:
        workspace = self.workspace
        language_changed = language != workspace.language

        def store() -> None:
            workspace.set_setting("language", language)
            workspace.set_setting("idle_lock_minutes", str(idle_minutes))

        def done(_result: object) -> None:
            self.set_idle_minutes(idle_minutes)
            if language_changed:
                set_language(language)
                self.language_changed.emit()
            elif not self.statusBar().currentMessage():  # don't hide "the new server address is saved"
                self.statusBar().showMessage(tr("Instellingen bewaard."), 5000)

        self._submit(store, done)

    def set_idle_minutes(self, minutes: int) -> None:
        self.set_idle_interval_ms(max(1, minutes) * 60_000)

    def set_idle_interval_ms(self, msecs: int) -> None:
        """The idle time before the app locks itself (tests use a short one)."""
        active = self.idle_timer.isActive()
        self.idle_timer.setInterval(msecs)
        if active:
            self.idle_timer.start()

    # -- printing (issue 4) -------------------------------------------------------------------------------

    def print_summary(self) -> None:
        """"Samenvatting afdrukken…": options, preview, print or save; rendering runs on the worker."""
        case_file = self.case_view.case_file
        if (self.is_locked or case_file is None or case_file.case_id != self._current_case_id
                or self.stack.currentWidget() is not self.normal_page):
            return
        if self.summary_dialog is not None:
            self.summary_dialog.raise_()
            return
        from leerrecht_desktop.ui.report_dialog import SummaryDialog

        dialog = SummaryDialog(case_file, self.runner, made_by=self.case_files.me.name, parent=self)
        dialog.saved.connect(lambda path: self.statusBar().showMessage(tr("Bewaard in {path}.", path=path), 8000))
        dialog.finished.connect(lambda _r: self._forget_dialog("summary_dialog", dialog))
        self.summary_dialog = dialog
        dialog.open()

    def open_overview(self) -> None:
        if self.is_locked or self.case_files.user.role != Role.COORDINATOR:
            return
        if self.overview_dialog is not None:
            self.overview_dialog.raise_()
            return
        from leerrecht_desktop.ui.report_dialog import OverviewDialog

        dialog = OverviewDialog(self.case_files, self.runner, made_by=self.case_files.me.name, parent=self)
        dialog.finished.connect(lambda _r: self._forget_dialog("overview_dialog", dialog))
        self.overview_dialog = dialog
        dialog.open()

    # -- lock and unlock ---------------------------------------------------------------------------------

    def open_forms(self) -> list[QWidget]:
        """Open entry forms (anything that can save a draft), also those inside the hand-over page."""
        found: list[QWidget] = [d for d in self.findChildren(QDialog) if hasattr(d, "save_draft_now")]
        if self._handover_widget is not None and hasattr(self._handover_widget, "save_draft_now"):
            found.append(self._handover_widget)
        return found

    def close_dialogs(self) -> list[QWidget]:
        """Save the drafts of open forms, then hide every dialog. Returns the forms, to delete once
        their draft saves (queued on the runner before anything else) have run."""
        forms = self.open_forms()
        for form in forms:
            # A failed draft save must not keep case data on screen.
            with contextlib.suppress(Exception):
                form.save_draft_now()  # type: ignore[attr-defined]
        for dialog in self.findChildren(QDialog):
            if dialog in forms:
                dialog.hide()
            elif dialog.isVisible():
                dialog.reject()
                dialog.hide()
        return [f for f in forms if f is not self._handover_widget]

    def lock(self) -> None:
        """Hide all case data, drop the keys, and hand over to the unlock window (via `locked`)."""
        if self.is_locked:
            return
        self.is_locked = True
        self._session += 1  # results still on their way belong to the old session
        self.idle_timer.stop()
        forms = self.close_dialogs()
        if self._handover_widget is not None:
            self._discard_handover_widget()
            self._restore_normal_page()
        self.case_view.clear()
        self.case_model.clear()
        self.search_edit.clear()
        self._update_count()
        case_files = self.case_files

        def dropped(_result: object = None) -> None:
            for form in forms:
                form.deleteLater()

        loop = self.sync.detach()  # the indicator forgets the session at once

        def drop_keys() -> None:
            # The sync thread must never use the keys after a lock: end it (join) BEFORE dropping them.
            # On the worker, so the GUI does not wait for a round that is still talking to the server.
            if loop is not None:
                loop.stop()
            case_files.lock()

        # Queued after any draft saves the forms just asked for, so those still have their key.
        self.runner.submit(drop_keys, dropped, lambda _exc: dropped())
        self._update_case_actions()
        self._update_sync_actions()
        self.locked.emit()  # the unlock window takes this window's place before it hides
        self.hide()

    def resume(self, case_files: CaseFiles) -> None:
        """After unlock: the same window, fresh data, the case that was open before."""
        self.case_files = case_files
        self.is_locked = False
        self._filters_changed()
        self.reload_list()
        if self._current_case_id:
            self.open_case(self._current_case_id)
        self._update_case_actions()
        self.check_enrolment()
        self.idle_timer.start()

    def view_state(self) -> dict[str, Any]:
        """What to carry over when the window is rebuilt (e.g. for a new language)."""
        return {
            "case_id": self._current_case_id,
            "status": self.status_combo.currentData(),
            "school": self.school_combo.currentData(),
            "group": self.group_combo.currentData(),
            "mine": self.mine_check.isChecked(),
            "sort": self.sort_combo.currentData(),
            "tab": self.case_view.tabs.currentIndex(),
            "geometry": self.saveGeometry(),
            "splitter": self.splitter.saveState(),
        }

    def restore_view_state(self, state: dict[str, Any]) -> None:
        for combo, key in ((self.status_combo, "status"), (self.group_combo, "group"), (self.sort_combo, "sort")):
            index = combo.findData(state.get(key))
            if index >= 0:
                combo.setCurrentIndex(index)
        self.mine_check.setChecked(bool(state.get("mine")))
        if state.get("school"):
            self.school_combo.addItem(str(state["school"]), state["school"])
            self.school_combo.setCurrentIndex(self.school_combo.count() - 1)
        if state.get("geometry") is not None:
            self.restoreGeometry(state["geometry"])
        if state.get("splitter") is not None:
            self.splitter.restoreState(state["splitter"])
        if state.get("case_id"):
            self._current_case_id = str(state["case_id"])
            self.reload_list(select_case=self._current_case_id)
            tab = int(state.get("tab") or 0)
            QTimer.singleShot(0, lambda: self.case_view.tabs.setCurrentIndex(tab))

    def dispose(self) -> None:
        """Before the window goes away (rebuild or quit): stop watching input, ignore late results."""
        self._session += 1
        self.idle_timer.stop()
        loop = self.sync.detach()
        if loop is not None:  # joined on the worker, before anything queued after it (shutdown locks then)
            self.runner.submit(loop.stop)
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self._watcher)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._sized:
            self._sized = True
            QTimer.singleShot(0, self._size_splitter)

    def _size_splitter(self) -> None:
        # Once the real width is known: the list gets what its columns need, the case view the rest.
        total = self.splitter.width()
        left = min(max(self._list_min_width, int(total * 0.42)), int(total * 0.5))
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
