""""Apart gezette wijzigingen…" (coordinators): what a revoked laptop or a removed member handed in
(sync/held_apart.py) waits on the server until a coordinator takes each change into its case or
throws it away. The list, the opening (signature and key checked on this laptop) and the decision are
`sync/held_apart_review.py`'s, each run as a NetworkOp; nothing changes before the coordinator chooses."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from leerrecht_core.errors import LeerrechtError
from leerrecht_core.i18n import tr
from leerrecht_desktop.models.enums import Kind
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.sync.held_apart_review import (
    ListedItem,
    OpenedItem,
    decide_held_apart,
    list_held_apart,
    open_held_apart,
    reason_word,
    received_text,
)
from leerrecht_desktop.ui.entry_view import readable_payload
from leerrecht_desktop.ui.operations import NetworkOp
from leerrecht_desktop.ui.style import mark
from leerrecht_desktop.ui.tasks import TaskRunner
from leerrecht_desktop.ui.unlock import busy_bar, error_label, show_error


def readable(opened: OpenedItem) -> str:
    """The held change as labelled lines for a person to judge (`readable_payload`)."""
    if opened.payload is None:
        return tr("Deze wijziging verwijdert dit onderdeel uit het dossier.")
    return readable_payload(opened.payload)



class HeldApartDialog(QDialog):
    changed = Signal(list)  # the case ids a change was taken into

    def __init__(self, case_files: CaseFiles, parent: QWidget | None = None, *, runner: TaskRunner | None = None):
        super().__init__(parent)
        self.case_files = case_files
        self.runner = runner
        self.rows: list[ListedItem] = []
        self.setWindowTitle(tr("Apart gezette wijzigingen"))
        self.resize(760, 520)
        intro = QLabel(tr("Wijzigingen die een ingetrokken laptop of een uit het dossier verwijderde collega nog "
                          "niet had verstuurd. Niets ervan staat al in een dossier: kies per wijziging of je ze "
                          "overneemt (als jouw wijziging, met de sleutel van nu) of weggooit."))
        intro.setWordWrap(True)
        intro.setObjectName("muted")
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels([tr("Ontvangen"), tr("Dossier"), tr("Soort"), tr("Van"), tr("Waarom")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._selected)
        self.preview = QPlainTextEdit()
        self.preview.setReadOnly(True)
        self.preview.setPlaceholderText(tr("Kies een wijziging om ze te bekijken."))
        self.empty = QLabel(tr("Er staan geen wijzigingen apart voor je team."))
        self.empty.setVisible(False)
        self.error = error_label()
        self.error.setObjectName("banner")
        self.progress = busy_bar(visible=True)
        buttons = QDialogButtonBox()
        self.accept_button: QPushButton = buttons.addButton(tr("Overnemen in het dossier"),
                                                            QDialogButtonBox.ButtonRole.ActionRole)
        mark(self.accept_button, "primary")
        self.accept_button.clicked.connect(lambda _c=False: self._decide(accept=True))
        self.discard_button: QPushButton = buttons.addButton(tr("Weggooien…"), QDialogButtonBox.ButtonRole.ActionRole)
        mark(self.discard_button, "danger")
        self.discard_button.clicked.connect(lambda _c=False: self._decide(accept=False))
        close = buttons.addButton(tr("Sluiten"), QDialogButtonBox.ButtonRole.RejectRole)
        close.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.addWidget(intro)
        layout.addWidget(self.table, 2)
        layout.addWidget(self.empty)
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.progress)
        layout.addWidget(buttons)
        self._enable(False)
        self.reload()

    def _run(self, work: Callable[[], Any], shown: Callable[[Any], None]) -> None:
        self.progress.setVisible(True)
        NetworkOp(self, work, runner=self.runner).success(shown).failure(shown).run()

    def _failed(self, outcome: Any, fallback: str) -> bool:
        self.progress.setVisible(False)
        if not isinstance(outcome, Exception):
            return False
        show_error(self.error, str(outcome) if isinstance(outcome, LeerrechtError) else fallback)
        return True

    def _enable(self, on: bool) -> None:
        self.accept_button.setEnabled(on)
        self.discard_button.setEnabled(on)

    def reload(self) -> None:
        self._enable(False)
        self._run(partial(list_held_apart, self.case_files), self._show)

    def _show(self, outcome: Any) -> None:
        if self._failed(outcome, tr("De lijst kon niet opgehaald worden. Probeer het opnieuw.")):
            return
        self.rows = list(outcome)
        # Filled and the first row selected with the table quiet, then that row opened once by hand: a
        # row that stayed selected through the reload emits no selection change, so nothing opened.
        self.table.blockSignals(True)
        self.table.clearSelection()
        self.table.setRowCount(len(self.rows))
        for i, row in enumerate(self.rows):
            item = row.item
            cells = (received_text(item), row.case_name or tr("(niet op deze laptop)"),
                     Kind(item.kind).label + (" " + tr("(verwijderd)") if item.deleted else ""),
                     item.author_name, reason_word(item.reason))
            for col, text in enumerate(cells):
                self.table.setItem(i, col, QTableWidgetItem(text))
        if self.rows:
            self.table.selectRow(0)
        self.table.blockSignals(False)
        self.table.resizeColumnsToContents()
        self.table.setVisible(bool(self.rows))
        self.preview.setVisible(bool(self.rows))
        self.empty.setVisible(not self.rows)
        self._selected()

    def current(self) -> ListedItem | None:
        # The selected row, not currentRow(): while the selection changes, the current index may still
        # point at the row before (or at none, after a reload).
        selected = self.table.selectionModel().selectedRows()
        row = selected[0].row() if selected else -1
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def _selected(self) -> None:
        listed = self.current()
        self._enable(False)
        self.preview.clear()
        if listed is None:
            return
        if not listed.item.openable:
            self.preview.setPlainText(tr("Deze wijziging hoort bij een dossier dat de server nooit kende; alleen de "
                                         "beheerder kan ze openen met de herstelsleutel."))
            self.discard_button.setEnabled(True)
            return
        self._run(partial(open_held_apart, self.case_files, listed.item.item_id),
                  partial(self._opened, listed.item.item_id))

    def _opened(self, item_id: int, outcome: Any) -> None:
        listed = self.current()
        if listed is None or listed.item.item_id != item_id:
            self.progress.setVisible(False)
            return  # another row was chosen meanwhile; its own opening follows
        if self._failed(outcome, tr("Deze wijziging kon niet geopend worden. Probeer het opnieuw.")):
            self.discard_button.setEnabled(True)
            return
        assert isinstance(outcome, OpenedItem)
        self.preview.setPlainText(readable(outcome))
        self._enable(True)

    def _decide(self, *, accept: bool) -> None:
        listed = self.current()
        if listed is None:
            return
        if not accept and QMessageBox.question(
                self, tr("Wijziging weggooien"),
                tr("Deze wijziging van {name} weggooien? Ze komt dan nooit in het dossier.",
                   name=listed.item.author_name)) != QMessageBox.StandardButton.Yes:
            return
        self._enable(False)
        self._run(partial(decide_held_apart, self.case_files, listed.item.item_id, accept=accept),
                  partial(self._decided, listed.item.case_id, accept))

    def _decided(self, case_id: str, accepted: bool, outcome: Any) -> None:
        if self._failed(outcome, tr("Dat is niet gelukt. Probeer het opnieuw.")):
            self._enable(self.current() is not None)
            return
        if accepted:
            self.changed.emit([case_id])
        self.reload()
