""""Binnenkort te wissen…" (coordinators): the team's closed cases whose retention period ends within
the notice period, or has ended, and that the server erases everywhere at its next sweep. A coordinator
postpones one erasure with a reason and a day (a legal hold) or lifts the postponement; the server
checks who may and logs both. The list and the decisions are `sync/retention_review.py`'s, each run as
a NetworkOp; a refusal is shown with what was typed kept."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from leerrecht_core.errors import LeerrechtError
from leerrecht_core.i18n import tr
from leerrecht_core.protocol_retention import MAX_HOLD_REASON_LEN, RETENTION_NOTICE_DAYS
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.sync.retention import postponed
from leerrecht_desktop.sync.retention_review import DueListed, hold_erasure, lift_hold, list_due
from leerrecht_desktop.ui.forms.widgets import date_edit, pydate, qdate
from leerrecht_desktop.ui.models import format_date
from leerrecht_desktop.ui.operations import NetworkOp
from leerrecht_desktop.ui.style import mark
from leerrecht_desktop.ui.tasks import TaskRunner
from leerrecht_desktop.ui.unlock import busy_bar, error_label, field_grid, show_error

# A hold's default length: one school year, a common span for a procedure to run its course.
DEFAULT_HOLD_DAYS = 365


def erase_on_text(listed: DueListed, today: dt.date) -> str:
    due = listed.due
    if postponed(due):
        return tr("uitgesteld tot {day}", day=format_date(due.hold.until if due.hold else None))
    if due.erase_on <= today:
        return tr("nu (bij de volgende controle van de server)")
    return format_date(due.erase_on)


class HoldDialog(QDialog):
    """Until when, and why: the reason goes to the server's audit log, so no names."""

    def __init__(self, case_files: CaseFiles, listed: DueListed, parent: QWidget | None = None, *,
                 runner: TaskRunner | None = None):
        super().__init__(parent)
        self.case_files, self.listed, self.runner = case_files, listed, runner
        self.setWindowTitle(tr("Wissen uitstellen"))
        self.setMinimumWidth(480)
        name = listed.case_name or tr("dit dossier")
        intro = QLabel(tr("Het dossier van {name} wordt niet gewist tot de dag die je kiest. Doe dit alleen met een "
                          "reden, bv. een lopende gerechtelijke procedure; het uitstel en de reden komen in het "
                          "logboek van de server.", name=name))
        intro.setWordWrap(True)
        today = dt.date.today()
        self.until = date_edit(today + dt.timedelta(days=DEFAULT_HOLD_DAYS))
        self.until.setMinimumDate(qdate(today + dt.timedelta(days=1)))
        self.until.setAccessibleName(tr("Uitstellen tot"))
        self.reason = QLineEdit()
        self.reason.setMaxLength(MAX_HOLD_REASON_LEN)
        self.reason.setPlaceholderText(tr("bv. lopende gerechtelijke procedure"))
        self.reason.setAccessibleName(tr("Reden"))
        self.error = error_label()
        self.error.setVisible(False)
        grid = field_grid([(tr("Uitstellen tot"), self.until, error_label()),
                           (tr("Reden (geen namen)"), self.reason, self.error)])
        self.progress = busy_bar()
        buttons = QDialogButtonBox()
        self.ok: QPushButton = buttons.addButton(tr("Uitstellen"), QDialogButtonBox.ButtonRole.AcceptRole)
        mark(self.ok, "primary")
        self.ok.clicked.connect(self.submit)
        buttons.addButton(tr("Annuleren"), QDialogButtonBox.ButtonRole.RejectRole).clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.addWidget(intro)
        layout.addLayout(grid)
        layout.addWidget(self.progress)
        layout.addWidget(buttons)
        self.reason.setFocus()

    def submit(self) -> None:
        self.ok.setEnabled(False)
        self.progress.setVisible(True)
        show_error(self.error, None)
        work = partial(hold_erasure, self.case_files, self.listed.due.case_id, pydate(self.until.date()),
                       self.reason.text())
        NetworkOp(self, work, runner=self.runner).success(lambda _due: self.accept()).failure(self._failed).run()

    def _failed(self, exc: Exception) -> None:
        self.progress.setVisible(False)
        self.ok.setEnabled(True)
        show_error(self.error, str(exc) if isinstance(exc, LeerrechtError) else tr(
            "Het uitstel kon niet bewaard worden. Probeer het opnieuw."), self.reason)


class RetentionDialog(QDialog):
    def __init__(self, case_files: CaseFiles, parent: QWidget | None = None, *, runner: TaskRunner | None = None):
        super().__init__(parent)
        self.case_files = case_files
        self.runner = runner
        self.rows: list[DueListed] = []
        self._chosen: str | None = None
        self.today = dt.date.today()
        self.setWindowTitle(tr("Binnenkort te wissen"))
        self.resize(960, 460)
        self.intro = QLabel(tr("Afgesloten dossiers worden gewist als hun bewaartermijn voorbij is: op de server en op "
                               "elke laptop. Hier staan de dossiers van je team die de komende {n} dagen gewist "
                               "worden. Stel het wissen alleen uit met een reden.", n=RETENTION_NOTICE_DAYS))
        self.intro.setWordWrap(True)
        self.intro.setObjectName("muted")
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels([tr("Dossier"), tr("Afgesloten op"), tr("Wordt gewist"),
                                              tr("Uitstel: reden"), tr("Uitgesteld door")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)  # a long reason is elided, whole in its tip
        self.table.itemSelectionChanged.connect(self._selected)
        self.empty = QLabel(tr("De komende {n} dagen wordt geen dossier van je team gewist.", n=RETENTION_NOTICE_DAYS))
        self.empty.setVisible(False)
        self.error = error_label()
        self.error.setObjectName("banner")
        self.progress = busy_bar(visible=True)
        buttons = QDialogButtonBox()
        self.hold_button: QPushButton = buttons.addButton(tr("Wissen uitstellen…"),
                                                          QDialogButtonBox.ButtonRole.ActionRole)
        self.hold_button.clicked.connect(self._hold)
        self.lift_button: QPushButton = buttons.addButton(tr("Uitstel opheffen"),
                                                          QDialogButtonBox.ButtonRole.ActionRole)
        self.lift_button.clicked.connect(self._lift)
        buttons.addButton(tr("Sluiten"), QDialogButtonBox.ButtonRole.RejectRole).clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        for widget in (self.intro, self.table, self.empty, self.error, self.progress, buttons):
            layout.addWidget(widget)
        self._selected()
        self.reload()

    def _run(self, work: Callable[[], Any], shown: Callable[[Any], None]) -> None:
        self.progress.setVisible(True)
        NetworkOp(self, work, runner=self.runner).success(shown).failure(shown).run()

    def reload(self) -> None:
        self.hold_button.setEnabled(False)
        self.lift_button.setEnabled(False)
        self._run(partial(list_due, self.case_files), self._show)

    def _show(self, outcome: Any) -> None:
        self.progress.setVisible(False)
        if isinstance(outcome, Exception):
            show_error(self.error, str(outcome) if isinstance(outcome, LeerrechtError)
                       else tr("De lijst kon niet opgehaald worden. Probeer het opnieuw."))
            return
        show_error(self.error, None)
        listed, self.rows = outcome
        self.today = listed.today
        self.table.setRowCount(len(self.rows))
        for i, row in enumerate(self.rows):
            hold = row.due.hold
            cells = (row.case_name or tr("(niet op deze laptop)"), format_date(row.due.closed_on),
                     erase_on_text(row, self.today), hold.reason if hold else "", hold.held_by if hold else "")
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(i, col, item)
        self.table.setVisible(bool(self.rows))
        self.empty.setVisible(not self.rows)
        # The case chosen before a reload stays chosen (after a hold, the row it was set on).
        ids = [row.due.case_id for row in self.rows]
        if self.rows:
            self.table.selectRow(ids.index(self._chosen) if self._chosen in ids else 0)
        self._selected()

    def current(self) -> DueListed | None:
        selected = self.table.selectionModel().selectedRows()
        row = selected[0].row() if selected else -1
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def _selected(self) -> None:
        listed = self.current()
        if listed is not None:
            self._chosen = listed.due.case_id
        self.hold_button.setEnabled(listed is not None)
        self.lift_button.setEnabled(listed is not None and listed.due.hold is not None)

    def _hold(self) -> None:
        listed = self.current()
        if listed is None:
            return
        dialog = HoldDialog(self.case_files, listed, self, runner=self.runner)
        dialog.accepted.connect(self.reload)
        dialog.open()

    def _lift(self) -> None:
        listed = self.current()
        if listed is None or listed.due.hold is None:
            return
        if QMessageBox.question(self, tr("Uitstel opheffen"), tr(
                "Het uitstel opheffen? Het dossier wordt dan gewist op {day}, of bij de volgende controle van de "
                "server als die dag voorbij is.", day=format_date(listed.due.erase_on))) != \
                QMessageBox.StandardButton.Yes:
            return
        self._run(partial(lift_hold, self.case_files, listed.due.case_id), self._lifted)

    def _lifted(self, outcome: Any) -> None:
        if isinstance(outcome, Exception):
            self._show(outcome)
            return
        self.reload()
