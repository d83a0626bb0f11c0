"""Changes the server refused ("Geweigerde wijzigingen…"): try again or leave out, each a StoreOp."""



from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from leerrecht_core.i18n import tr
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.queries import discard_quarantined, load_quarantined, retry_quarantined
from leerrecht_desktop.store.syncstore import Quarantined
from leerrecht_desktop.ui.operations import StoreOp
from leerrecht_desktop.ui.style import mark
from leerrecht_desktop.ui.tasks import TaskRunner


class QuarantineDialog(QDialog):
    """Changes the server refused (with its reason): send again, or leave out (the record's previous
    version becomes current again)."""

    changed = Signal(bool)  # True when something was put back in the queue

    def __init__(self, case_files: CaseFiles, runner: TaskRunner, parent: QWidget | None = None):
        super().__init__(parent)
        self.case_files = case_files
        self.runner = runner
        self.rows: list[Quarantined] = []
        self.setWindowTitle(tr("Geweigerde wijzigingen"))
        self.setMinimumWidth(720)
        intro = QLabel(tr("De server weigerde deze wijzigingen. Ze staan nog op deze laptop. Probeer ze opnieuw "
                          "te versturen, of laat ze weg: dan geldt weer de vorige versie."))
        intro.setWordWrap(True)
        intro.setObjectName("muted")
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels([tr("Dossier"), tr("Reden"), tr("Sinds")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.empty = QLabel(tr("Er zijn geen geweigerde wijzigingen."))
        self.empty.setVisible(False)
        buttons = QDialogButtonBox()
        self.retry_button = buttons.addButton(tr("Opnieuw proberen"), QDialogButtonBox.ButtonRole.ActionRole)
        self.retry_button.clicked.connect(lambda _c=False: self._act(retry=True))
        self.discard_button = buttons.addButton(tr("Weglaten"), QDialogButtonBox.ButtonRole.ActionRole)
        mark(self.discard_button, "danger")
        self.discard_button.clicked.connect(lambda _c=False: self._act(retry=False))
        close = buttons.addButton(tr("Sluiten"), QDialogButtonBox.ButtonRole.RejectRole)
        close.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        layout.addWidget(buttons)
        self.reload()

    def reload(self) -> None:
        case_files = self.case_files
        StoreOp(self, lambda: load_quarantined(case_files), runner=self.runner).success(self._show).run()

    def _show(self, rows: list[tuple[Quarantined, str]]) -> None:
        self.rows = [q for q, _name in rows]
        self.table.setRowCount(len(rows))
        for i, (q, name) in enumerate(rows):
            for col, text in enumerate((name, q.reason, q.queued_at[:16].replace("T", " "))):
                self.table.setItem(i, col, QTableWidgetItem(text))
        if rows:
            self.table.selectRow(0)
        self.table.setVisible(bool(rows))
        self.empty.setVisible(not rows)
        self.retry_button.setEnabled(bool(rows))
        self.discard_button.setEnabled(bool(rows))

    def _act(self, *, retry: bool) -> None:
        row = self.table.currentRow()
        if not 0 <= row < len(self.rows):
            return
        revision_id, case_files = self.rows[row].revision_id, self.case_files
        act = retry_quarantined if retry else discard_quarantined

        def done(_result: object) -> None:
            self.changed.emit(retry)
            self.reload()

        StoreOp(self, lambda: act(case_files, revision_id), runner=self.runner).success(done).run()
