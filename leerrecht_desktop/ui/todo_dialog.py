""""Te doen" (Ctrl+T): one list of every open action across the cases, from store/actions.py.

Filters: whose (mine, or everyone's on this laptop: the team's as far as this user may read it) and
when (all open, overdue, up to and including this Sunday). Overdue rows are red. *Gedaan* ticks the
chosen action off (a new revision of its entry, which syncs); a double-click or *Dossier openen*
opens the case with the entry in view and closes the list. Gathering runs as a StoreOp: it opens only
the cases whose summary holds an open action."""

from __future__ import annotations

import datetime as dt
from functools import partial

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from leerrecht_core.errors import LeerrechtError
from leerrecht_core.i18n import tr
from leerrecht_desktop.store.actions import Action, gather, mark_done, week_end
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.ui import style
from leerrecht_desktop.ui.models import format_date, one_line
from leerrecht_desktop.ui.operations import StoreOp
from leerrecht_desktop.ui.style import mark
from leerrecht_desktop.ui.tasks import TaskRunner
from leerrecht_desktop.ui.unlock import busy_bar, error_label, show_error

MINE, TEAM = "mine", "team"
OPEN, OVERDUE, THIS_WEEK = "open", "overdue", "week"
COLUMNS = 5  # Tegen, Dossier, Actie, Wie, Uit


def shown(actions: list[Action], whose: str, when: str, today: dt.date, user_id: str, name: str) -> list[Action]:
    """The actions the filters let through, in the list's order (soonest first)."""
    out = [a for a in actions if whose == TEAM or a.is_mine(user_id, name)]
    if when == OVERDUE:
        out = [a for a in out if a.overdue(today)]
    elif when == THIS_WEEK:  # what must be done by Sunday: this week's and what is already late
        out = [a for a in out if a.due_on <= week_end(today)]
    return out


class TodoDialog(QDialog):
    """The list; `open_requested(case_id, record_id)` asks the window to open a case at an entry,
    `changed(case_ids)` tells it an action was ticked off."""

    open_requested = Signal(str, str)
    changed = Signal(list)

    def __init__(self, case_files: CaseFiles, parent: QWidget | None = None, *, runner: TaskRunner | None = None,
                 when: str = OPEN, whose: str = MINE):
        super().__init__(parent)
        self.case_files, self.runner = case_files, runner
        self.found: list[Action] = []
        self.rows: list[Action] = []
        self.today = dt.date.today()
        self.setWindowTitle(tr("Te doen"))
        self.resize(1240, 600)  # fit_on_screen narrows it on a small screen
        self.whose = QComboBox()
        self.whose.addItem(tr("Mijn acties"), MINE)
        self.whose.addItem(tr("Van iedereen (het team)"), TEAM)
        self.whose.setAccessibleName(tr("Van wie"))
        self.whose.setCurrentIndex(max(0, self.whose.findData(whose)))
        self.when = QComboBox()
        self.when.addItem(tr("Alle open acties"), OPEN)
        self.when.addItem(tr("Over tijd"), OVERDUE)
        self.when.addItem(tr("Tot en met zondag"), THIS_WEEK)
        self.when.setToolTip(tr("Tot en met zondag: wat deze week moet gebeuren, met wat al over tijd is"))
        self.when.setAccessibleName(tr("Wanneer"))
        self.when.setCurrentIndex(max(0, self.when.findData(when)))
        self.count = QLabel()
        self.count.setObjectName("muted")
        filters = QHBoxLayout()
        whose_label, when_label = QLabel(tr("Van wie")), QLabel(tr("Wanneer"))
        whose_label.setBuddy(self.whose)
        when_label.setBuddy(self.when)
        for widget in (whose_label, self.whose, when_label, self.when):
            filters.addWidget(widget)
        filters.addStretch(1)
        filters.addWidget(self.count)

        self.table = QTableWidget(0, COLUMNS)
        self.table.setHorizontalHeaderLabels([tr("Tegen"), tr("Dossier"), tr("Actie"), tr("Wie"), tr("Uit")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.setAccessibleName(tr("Open acties"))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)  # a long action is elided, whole in its tip
        self.table.itemSelectionChanged.connect(self._selected)
        self.table.cellDoubleClicked.connect(lambda row, _col: self._open_row(row))
        self.empty = QLabel()
        self.empty.setObjectName("placeholder")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setVisible(False)
        self.error = error_label()
        self.error.setObjectName("banner")
        self.progress = busy_bar(visible=True)

        buttons = QDialogButtonBox()
        self.done_button: QPushButton = buttons.addButton(tr("Gedaan"), QDialogButtonBox.ButtonRole.ActionRole)
        self.done_button.setToolTip(tr("Vink de gekozen actie af; het gaat mee met de volgende synchronisatie"))
        mark(self.done_button, "primary")
        self.done_button.clicked.connect(self._tick_off)
        self.open_button: QPushButton = buttons.addButton(tr("Dossier openen"),
                                                          QDialogButtonBox.ButtonRole.ActionRole)
        self.open_button.clicked.connect(lambda: self._open_row(self.table.currentRow()))
        buttons.addButton(tr("Sluiten"), QDialogButtonBox.ButtonRole.RejectRole).clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.addLayout(filters)
        layout.addWidget(self.error)
        layout.addWidget(self.progress)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty, 1)
        layout.addWidget(buttons)
        self.whose.currentIndexChanged.connect(self._fill)
        self.when.currentIndexChanged.connect(self._fill)
        self._selected()
        self.reload()

    # -- loading ------------------------------------------------------------------------------------

    def reload(self) -> None:
        self.progress.setVisible(True)
        StoreOp(self, partial(gather, self.case_files), runner=self.runner).success(self._loaded) \
            .failure(self._failed).run()

    def _loaded(self, actions: list[Action]) -> None:
        self.progress.setVisible(False)
        self.found = actions
        self._fill()

    def _failed(self, exc: Exception) -> None:
        self.progress.setVisible(False)
        show_error(self.error, str(exc) if isinstance(exc, LeerrechtError) else tr(
            "De lijst kon niet geladen worden. Sluit ze en probeer het opnieuw."))

    def _fill(self, *_args: object) -> None:
        user = self.case_files.user
        chosen = self.rows[self.table.currentRow()].record_id if 0 <= self.table.currentRow() < len(self.rows) else None
        self.rows = shown(self.found, str(self.whose.currentData()), str(self.when.currentData()), self.today,
                          user.user_id, user.name)
        self.table.setRowCount(len(self.rows))
        for row, action in enumerate(self.rows):
            for col, item in enumerate(self._items(action)):
                self.table.setItem(row, col, item)
        late = sum(a.overdue(self.today) for a in self.rows)
        self.count.setText(tr("{n} acties, waarvan {late} over tijd", n=len(self.rows), late=late)
                           if len(self.rows) != 1 else
                           (tr("1 actie, over tijd") if late else tr("1 actie")))
        if not self.rows:
            self.empty.setText(tr("Niets te doen met deze filters.") if self.found
                               else tr("Geen open acties. Een volgende stap of een actie in een huisbezoek, "
                                       "gezinscontact of opvolgnotitie komt hier."))
        self.table.setVisible(bool(self.rows))
        self.empty.setVisible(not self.rows)
        again = next((i for i, a in enumerate(self.rows) if a.record_id == chosen), 0 if self.rows else -1)
        if again >= 0:
            self.table.setCurrentCell(again, 0)
        self._selected()

    def _items(self, action: Action) -> list[QTableWidgetItem]:
        late = action.overdue(self.today)
        due = format_date(action.due_on) + (" · " + tr("over tijd") if late else "")
        texts = [due, action.case_name, one_line(action.text, 160), action.owner,
                 f"{action.kind.label} {format_date(action.written_on)}"]
        items = [QTableWidgetItem(text) for text in texts]
        items[2].setToolTip(action.text)
        if not action.dated:
            items[0].setToolTip(tr("Zonder datum: te doen vanaf de dag dat het genoteerd werd"))
        if late:
            bold = QFont(self.font())
            bold.setBold(True)
            items[0].setForeground(QColor(style.ERROR))
            items[0].setFont(bold)
        return items

    # -- acting -------------------------------------------------------------------------------------

    def current(self) -> Action | None:
        row = self.table.currentRow()
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def _selected(self) -> None:
        has = self.current() is not None and bool(self.table.selectedItems())
        self.done_button.setEnabled(has)
        self.open_button.setEnabled(has)

    def _tick_off(self) -> None:
        action = self.current()
        if action is None:
            return
        self.done_button.setEnabled(False)
        show_error(self.error, None)
        StoreOp(self, partial(mark_done, self.case_files, action), runner=self.runner) \
            .success(lambda _none: self._ticked(action)).failure(self._tick_failed).run()

    def _ticked(self, action: Action) -> None:
        self.found = [a for a in self.found if a.record_id != action.record_id]
        self._fill()
        self.changed.emit([action.case_id])

    def _tick_failed(self, exc: Exception) -> None:
        self._selected()
        show_error(self.error, str(exc) if isinstance(exc, LeerrechtError) else tr(
            "De actie kon niet afgevinkt worden. Probeer het opnieuw."))
        self.reload()

    def _open_row(self, row: int) -> None:
        if 0 <= row < len(self.rows):
            action = self.rows[row]
            self.open_requested.emit(action.case_id, action.record_id)
            self.accept()
