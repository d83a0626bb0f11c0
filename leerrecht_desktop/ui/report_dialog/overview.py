"""The team overview dialog ("Teamoverzicht…"): a period, then the counts over every readable case
saved as PDF or CSV, counted on the TaskRunner's worker thread, with a progress dialog that can stop it
(a coordinator's 2,000 cases take seconds: every record is verified and decrypted)."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGroupBox,
    QLabel,
    QProgressDialog,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from leerrecht_core.crypto.errors import CryptoError
from leerrecht_core.i18n import tr
from leerrecht_desktop.reports.files import write_private
from leerrecht_desktop.reports.loading import Cancelled, load_readable_cases
from leerrecht_desktop.reports.overview import compute_overview, render_overview
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.errors import CaseNotFound
from leerrecht_desktop.ui.operations import StoreOp
from leerrecht_desktop.ui.report_dialog.period import PeriodFields, school_year
from leerrecht_desktop.ui.report_dialog.saving import documents_folder, failure_text
from leerrecht_desktop.ui.style import mark
from leerrecht_desktop.ui.tasks import TaskRunner
from leerrecht_desktop.ui.unlock import error_label, show_error


class _Progress(QObject):
    """Carries the worker's progress to the GUI thread (a queued signal): (steps done, steps in all)."""

    moved = Signal(int, int)


class OverviewDialog(QDialog):
    """The team overview: a period, then save as PDF or CSV. Counting reads every case: on the worker."""

    saved = Signal(str)

    def __init__(self, case_files: CaseFiles, runner: TaskRunner, *, made_by: str, today: dt.date | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.case_files: CaseFiles | None = case_files
        self.runner = runner
        self.made_by = made_by
        self.today = today or dt.date.today()
        self._token = 0
        self._busy = False
        self.progress: QProgressDialog | None = None  # while an overview is being made
        self._bridge = _Progress()  # no parent: the worker's emits outlive nothing they need
        self._bridge.moved.connect(self._show_progress)
        self.setWindowTitle(tr("Teamoverzicht"))
        self.setMinimumWidth(560)

        intro = QLabel(tr("Aantallen voor een periode over alle dossiers die je mag lezen, zonder namen: per "
                          "status, school, niveau, doelgroep en begeleider; aanmeldingen, huisbezoeken, "
                          "contacten, doorverwijzingen, steunmaatregelen en welbevinden. Aantallen van 1 tot 4 "
                          "staan er als <5 in. Als PDF met grafieken of als CSV voor een rekenblad."))
        intro.setWordWrap(True)
        intro.setObjectName("muted")
        self.period = PeriodFields(*school_year(self.today))
        period_box = QGroupBox(tr("Periode"))
        QVBoxLayout(period_box).addWidget(self.period)
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.error_banner = error_label()
        self.error_banner.setObjectName("banner")

        buttons = QDialogButtonBox()
        self.pdf_button: QPushButton = buttons.addButton(tr("Opslaan als PDF…"), QDialogButtonBox.ButtonRole.ActionRole)
        mark(self.pdf_button, "primary")
        self.csv_button: QPushButton = buttons.addButton(tr("Opslaan als CSV…"), QDialogButtonBox.ButtonRole.ActionRole)
        close = buttons.addButton(tr("Sluiten"), QDialogButtonBox.ButtonRole.RejectRole)
        close.clicked.connect(self.reject)
        self.pdf_button.clicked.connect(lambda: self.save(".pdf"))
        self.csv_button.clicked.connect(lambda: self.save(".csv"))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.addWidget(intro)
        layout.addWidget(period_box)
        layout.addWidget(self.status_label)
        layout.addWidget(self.error_banner)
        layout.addStretch(1)
        layout.addWidget(buttons)

    @property
    def busy(self) -> bool:
        return self._busy

    def _set_busy(self, busy: bool, text: str) -> None:
        self._busy = busy
        self.pdf_button.setEnabled(not busy)
        self.csv_button.setEnabled(not busy)
        self.status_label.setText(text)

    def suggested_file_name(self, suffix: str) -> str:
        return tr("teamoverzicht") + f"-{self.period.start.isoformat()}-{self.period.end.isoformat()}{suffix}"

    def save(self, suffix: str) -> None:
        if self._busy or self.case_files is None or not self.period.check():
            return
        show_error(self.error_banner, None)
        filters = tr("PDF-bestanden (*.pdf)") if suffix == ".pdf" else tr("CSV-bestanden (*.csv)")
        chosen, _filter = QFileDialog.getSaveFileName(
            self, tr("Teamoverzicht opslaan"), str(documents_folder() / self.suggested_file_name(suffix)), filters)
        if not chosen:
            return
        out = Path(chosen)
        if out.suffix.lower() != suffix:
            out = out.with_name(out.name + suffix)
        start, end = self.period.start, self.period.end
        case_files, made_by = self.case_files, self.made_by
        self._token += 1
        token = self._token
        self._set_busy(True, tr("De dossiers worden geteld…"))
        stop = threading.Event()
        self._open_progress(stop)
        bridge = self._bridge

        def gathered(done: int, total: int) -> bool:
            bridge.moved.emit(done, total + 1)  # one step more: the counting and the file
            return not stop.is_set()

        def job() -> tuple[int, int, int]:
            readable = load_readable_cases(case_files, unreadable=(CaseNotFound, CryptoError), progress=gathered)
            overview = compute_overview(readable.cases, start=start, end=end)
            data = render_overview(overview, out.suffix, made_by=made_by, made_at=dt.datetime.now())
            if stop.is_set():  # stopped while counting: nothing is written
                raise Cancelled
            write_private(out, data, overwrite=True)  # the file dialog asked before replacing
            steps = len(readable.cases) + readable.skipped_cases + 1
            bridge.moved.emit(steps, steps)
            return len(readable.cases), readable.skipped_cases, readable.refused_records

        StoreOp(self, job, runner=self.runner).success(lambda result: self._saved(token, out, result)) \
            .failure(lambda exc: self._failed(token, exc)).run()

    def _open_progress(self, stop: threading.Event) -> None:
        progress = QProgressDialog(tr("De dossiers worden gelezen…"), tr("Stoppen"), 0, 0, self)
        progress.setWindowTitle(tr("Teamoverzicht"))
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(300)  # a handful of cases is done before it would show
        progress.setAutoClose(False)
        progress.setAutoReset(False)
        progress.canceled.connect(stop.set)
        progress.canceled.connect(lambda: self.status_label.setText(tr("Wordt gestopt…")))
        self.progress = progress

    def _show_progress(self, done: int, total: int) -> None:
        progress = self.progress
        if progress is None or progress.wasCanceled():
            return
        progress.setMaximum(total)
        progress.setValue(done)
        if done < total:
            progress.setLabelText(tr("{done} van {total} dossiers gelezen…", done=done, total=total - 1))
        else:
            progress.setLabelText(tr("Het teamoverzicht is klaar."))

    def _close_progress(self) -> None:
        if self.progress is not None:
            self.progress.close()
            self.progress.deleteLater()
            self.progress = None

    def _saved(self, token: int, out: Path, result: tuple[int, int, int]) -> None:
        if token != self._token:
            return
        self._close_progress()
        counted, skipped, refused = result
        text = tr("Bewaard in {path} ({n} dossiers gelezen).", path=str(out), n=counted)
        if skipped or refused:
            text += " " + tr("{cases} dossiers en {parts} onderdelen konden niet veilig geopend worden en zijn "
                             "niet meegeteld. Meld dit aan je coördinator.", cases=skipped, parts=refused)
        self._set_busy(False, text)
        self.saved.emit(str(out))

    def _failed(self, token: int, exc: Exception) -> None:
        if token != self._token:
            return
        self._close_progress()
        if isinstance(exc, Cancelled):
            self._set_busy(False, tr("Gestopt: er is niets bewaard."))
            return
        self._set_busy(False, "")
        show_error(self.error_banner, failure_text(exc))

    def done(self, result: int) -> None:
        if self.progress is not None:
            self.progress.canceled.emit()  # the worker stops at its next case; its result is ignored
        self._close_progress()
        self._token += 1
        self.case_files = None
        super().done(result)
