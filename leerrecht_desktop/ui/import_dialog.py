""""Dossier › Importeren…": last year's spreadsheet in one go, as `leerrecht import` does it
(store/importing/): the columns as recognised (each one changeable), what would happen to every row,
every problem row named, and only then, on *Importeren*, one batch of sealed, queued cases.

Reading and checking run as StoreOps (the file may hold a thousand rows); nothing is written before
the user presses *Importeren*, and rows with a problem are never written. With problems the import
waits until the user either fixes the file or ticks "import the good rows"."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from leerrecht_core.errors import LeerrechtError
from leerrecht_core.i18n import tr
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.importing.mapping import FIELDS, IGNORE, field_label, resolve
from leerrecht_desktop.store.importing.plan import Duplicates, Preview, Written, apply, preview
from leerrecht_desktop.store.importing.sheet import Sheet, read_sheet
from leerrecht_desktop.ui.folders import documents_folder
from leerrecht_desktop.ui.operations import StoreOp
from leerrecht_desktop.ui.style import mark
from leerrecht_desktop.ui.tasks import TaskRunner
from leerrecht_desktop.ui.unlock import busy_bar, error_label, show_error


@dataclass
class Look:
    """What the dialog shows of a file: its columns, how each is read, and the preview (or why not)."""
    sheet: Sheet
    columns: dict[int, str]
    plan: Preview | None
    refusal: str = ""

    @property
    def header(self) -> list[str]:
        return self.sheet.header


def look(case_files: CaseFiles, source: Path | Sheet, overrides: list[str], duplicates: Duplicates) -> Look:
    """Check the file (read once: a later look with other columns reuses the sheet), writing nothing.
    A file that can't be read raises (the sentence says why); columns that can't be used (no name
    column) come back as a refusal beside the header, so the user can point at the right column."""
    sheet = source if isinstance(source, Sheet) else read_sheet(source)
    mapping = resolve(case_files.workspace, sheet.header, overrides)
    try:
        plan = preview(case_files, sheet, overrides=overrides, duplicates=duplicates)
    except LeerrechtError as exc:
        return Look(sheet, mapping.columns, None, str(exc))
    return Look(sheet, plan.mapping.columns, plan)


def choose_file(parent: QWidget | None) -> Path | None:
    chosen, _filter = QFileDialog.getOpenFileName(
        parent, tr("Dossiers importeren"), str(documents_folder()),
        tr("Rekenbladen (*.csv *.xlsx);;Alle bestanden (*)"))
    return Path(chosen) if chosen else None


class ImportDialog(QDialog):
    """`imported(case_ids)` once the cases are written."""

    imported = Signal(list)

    def __init__(self, case_files: CaseFiles, path: Path, parent: QWidget | None = None, *,
                 runner: TaskRunner | None = None):
        super().__init__(parent)
        self.case_files, self.path, self.runner = case_files, path, runner
        self.current: Look | None = None
        self._filling = False
        self.setWindowTitle(tr("Dossiers importeren"))
        self.resize(900, 640)
        intro = QLabel(tr("Uit {name}. Kijk na hoe elke kolom gelezen wordt en wat er met elke rij gebeurt; er "
                          "wordt pas iets bewaard als je op Importeren drukt.", name=path.name))
        intro.setWordWrap(True)
        self.columns = QTableWidget(0, 2)
        self.columns.setHorizontalHeaderLabels([tr("Kolom in het bestand"), tr("Wordt gelezen als")])
        self.columns.verticalHeader().setVisible(False)
        self.columns.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.columns.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.columns.setAccessibleName(tr("Kolommen"))
        self.duplicates = QComboBox()
        self.duplicates.addItem(tr("overslaan"), Duplicates.SKIP.value)
        self.duplicates.addItem(tr("lege velden aanvullen"), Duplicates.MERGE.value)
        self.duplicates.setAccessibleName(tr("Als het dossier al bestaat"))
        self.duplicates.currentIndexChanged.connect(self.refresh)
        same = QHBoxLayout()
        same_label = QLabel(tr("Als het dossier al bestaat (zelfde naam en geboortedatum):"))
        same_label.setBuddy(self.duplicates)
        same.addWidget(same_label)
        same.addWidget(self.duplicates)
        same.addStretch(1)
        self.counts = QLabel()
        self.counts.setWordWrap(True)
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setAccessibleName(tr("Wat er met de rijen gebeurt"))
        self.good_rows = QCheckBox(tr("Importeer de goede rijen, ook al hebben andere rijen een probleem"))
        self.good_rows.toggled.connect(self._update_button)
        self.error = error_label()
        self.error.setObjectName("banner")
        self.progress = busy_bar(visible=True)
        buttons = QDialogButtonBox()
        self.import_button: QPushButton = buttons.addButton(tr("Importeren"), QDialogButtonBox.ButtonRole.AcceptRole)
        mark(self.import_button, "primary")
        self.import_button.clicked.connect(self.submit)
        buttons.addButton(tr("Annuleren"), QDialogButtonBox.ButtonRole.RejectRole).clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.addWidget(intro)
        layout.addWidget(self.columns, 2)
        layout.addLayout(same)
        layout.addWidget(self.counts)
        layout.addWidget(self.details, 3)
        layout.addWidget(self.good_rows)
        layout.addWidget(self.error)
        layout.addWidget(self.progress)
        layout.addWidget(buttons)
        self._update_button()
        self.refresh()

    # -- looking ------------------------------------------------------------------------------------

    def overrides(self) -> list[str]:
        """The user's choice per column, as `--map` would say it (empty before the first look)."""
        out: list[str] = []
        for row in range(self.columns.rowCount()):
            combo = self.columns.cellWidget(row, 1)
            name_item = self.columns.item(row, 0)
            if isinstance(combo, QComboBox) and name_item is not None and name_item.text():
                out.append(f"{name_item.text()}={combo.currentData()}")
        return out

    def refresh(self, *_args: object) -> None:
        if self._filling:
            return
        self.progress.setVisible(True)
        self.import_button.setEnabled(False)
        show_error(self.error, None)
        source = self.current.sheet if self.current is not None else self.path
        work = partial(look, self.case_files, source, self.overrides(),
                       Duplicates(str(self.duplicates.currentData())))
        StoreOp(self, work, runner=self.runner).success(self._looked).failure(self._failed).run()

    def _looked(self, result: Look) -> None:
        self.progress.setVisible(False)
        self.current = result
        if self.columns.rowCount() != len(result.header):
            self._fill_columns(result)
        if result.plan is None:
            self.counts.setText("")
            self.details.setPlainText("")
            show_error(self.error, result.refusal)
        else:
            self._show_plan(result.plan)
        self._update_button()

    def _failed(self, exc: Exception) -> None:
        self.progress.setVisible(False)
        show_error(self.error, str(exc) if isinstance(exc, LeerrechtError) else tr(
            "Dit bestand kon niet gelezen worden. Sla het op als .xlsx of .csv en probeer opnieuw."))
        self._update_button()

    def _fill_columns(self, result: Look) -> None:
        self._filling = True
        self.columns.setRowCount(len(result.header))
        for row, name in enumerate(result.header):
            self.columns.setItem(row, 0, QTableWidgetItem(name))
            combo = QComboBox()
            combo.addItem(tr("(niet inlezen)"), IGNORE)
            for field in FIELDS:
                combo.addItem(field_label(field), field)
            combo.setCurrentIndex(max(0, combo.findData(result.columns.get(row, IGNORE))))
            combo.setAccessibleName(tr("Kolom {name} wordt gelezen als", name=name))
            combo.setEnabled(bool(name))
            combo.currentIndexChanged.connect(self.refresh)
            self.columns.setCellWidget(row, 1, combo)
        self._filling = False

    def _show_plan(self, plan: Preview) -> None:
        self.counts.setText(tr(
            "{rows} rijen: {new} nieuwe dossiers, {merged} bestaande aangevuld, {skipped} overgeslagen (bestaan al), "
            "{bad} met een probleem.", rows=plan.rows, new=len(plan.new), merged=len(plan.merges),
            skipped=len(plan.skipped), bad=len(plan.bad_rows)))
        lines = [*plan.problems, *plan.skipped, *plan.filled]
        self.details.setPlainText("\n".join(lines) if lines else tr("Elke rij wordt een nieuw dossier."))
        self.good_rows.setVisible(bool(plan.bad_rows))

    def _update_button(self, *_args: object) -> None:
        plan = self.current.plan if self.current is not None else None
        ready = plan is not None and plan.writes > 0 and (not plan.bad_rows or self.good_rows.isChecked())
        self.import_button.setEnabled(ready and not self.progress.isVisible())

    # -- writing ------------------------------------------------------------------------------------

    def submit(self) -> None:
        plan = self.current.plan if self.current is not None else None
        if plan is None:
            return
        self.import_button.setEnabled(False)
        self.progress.setVisible(True)
        StoreOp(self, partial(apply, self.case_files, plan), runner=self.runner) \
            .success(self._written).failure(self._write_failed).run()

    def _written(self, written: Written) -> None:
        self.progress.setVisible(False)
        self.imported.emit([*written.created, *written.merged])
        self.accept()

    def _write_failed(self, exc: Exception) -> None:
        self.progress.setVisible(False)
        self._update_button()
        show_error(self.error, str(exc) if isinstance(exc, LeerrechtError) else tr(
            "Het importeren is niet gelukt; er is niets bewaard. Probeer het opnieuw."))
