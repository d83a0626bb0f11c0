"""The case summary dialog ("Samenvatting afdrukken…"): options, then a preview of the pages, from which
the user prints or saves the PDF (see the package docstring for what stays on disk)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QImage, QKeySequence, QPageSize, QShortcut
from PySide6.QtPrintSupport import QAbstractPrintDialog, QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from leerrecht_core.i18n import tr
from leerrecht_desktop.reports.case_summary import (
    ALL_SECTIONS,
    MIN_PASSWORD_LENGTH,
    AttachmentLine,
    Section,
    SummaryOptions,
    render_case_summary,
)
from leerrecht_desktop.reports.files import write_private
from leerrecht_desktop.store.casefiles import CaseFile
from leerrecht_desktop.ui.operations import StoreOp
from leerrecht_desktop.ui.print_preview import PreviewPages, PrintFailed, print_pdf, rasterise
from leerrecht_desktop.ui.report_dialog.period import PeriodFields, case_span
from leerrecht_desktop.ui.report_dialog.saving import documents_folder, failure_text
from leerrecht_desktop.ui.screen import fit_on_screen
from leerrecht_desktop.ui.style import mark
from leerrecht_desktop.ui.tasks import TaskRunner
from leerrecht_desktop.ui.unlock import error_label, passphrase_edit, show_error


class SummaryDialog(QDialog):
    """Options, then a preview; from the preview print or save. `printed` and `saved` say it happened."""

    printed = Signal(int)  # pages
    saved = Signal(str)  # path

    def __init__(self, case_file: CaseFile, runner: TaskRunner, *, made_by: str, today: dt.date | None = None,
                 attachments: Callable[[], list[AttachmentLine]] | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.case_file: CaseFile | None = case_file
        # Reads the case's attachments on the store thread, when "Bijlagen" is chosen (ui/attachments).
        self.load_attachments = attachments
        self.runner = runner
        self.made_by = made_by
        self.today = today or dt.date.today()
        self._token = 0  # a result of an earlier render (the user went back meanwhile) is dropped
        self._pdf: bytes | None = None
        self._options: SummaryOptions | None = None
        self._busy = False
        self._printer_in_use: QPrinter | None = None
        self.setWindowTitle(tr("Samenvatting afdrukken"))
        self.setMinimumWidth(620)

        self.stack = QStackedWidget()
        self.options_page = self._build_options()
        self.preview_page = self._build_preview()
        self.stack.addWidget(self.options_page)
        self.stack.addWidget(self.preview_page)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 14)
        layout.addWidget(self.stack)

    # -- options page ---------------------------------------------------------------------------------

    def _build_options(self) -> QWidget:
        assert self.case_file is not None
        page = QWidget()
        self.span = case_span(self.case_file, self.today)
        self.period = PeriodFields(*self.span)
        period_box = QGroupBox(tr("Periode"))
        period_layout = QVBoxLayout(period_box)
        period_layout.addWidget(self.period)
        hint = QLabel(tr("Standaard het hele dossier. Wat buiten de periode valt, komt niet in de samenvatting."))
        hint.setObjectName("muted")
        hint.setWordWrap(True)
        period_layout.addWidget(hint)

        sections_box = QGroupBox(tr("Onderdelen"))
        grid = QGridLayout(sections_box)
        self.section_boxes: dict[Section, QCheckBox] = {}
        for i, section in enumerate(Section):
            box = QCheckBox(section.label)
            box.setChecked(section in ALL_SECTIONS)
            self.section_boxes[section] = box
            grid.addWidget(box, i // 2, i % 2)
        always = QLabel(tr("De hoofding (wie, school, status, periode) staat er altijd in."))
        always.setObjectName("muted")
        grid.addWidget(always, (len(Section) + 1) // 2, 0, 1, 2)

        self.pseudonymise_box = QCheckBox(tr("Gepseudonimiseerd (voor casusoverleg)"))
        pseudo_hint = QLabel(tr("Namen worden \"de jongere\", \"moeder\", …; adres, telefoonnummers en "
                                "geboortedatum verdwijnen, ook in de notities. Lees de samenvatting toch na "
                                "voor je ze deelt: een naam die niet in het dossier staat, wordt niet herkend."))
        pseudo_hint.setObjectName("muted")
        pseudo_hint.setWordWrap(True)

        self.password_edit = passphrase_edit()
        self.password_edit.setPlaceholderText(tr("leeg laten voor geen wachtwoord"))
        self.password_edit.setAccessibleName(tr("Wachtwoord voor de PDF"))
        self.show_password = QCheckBox(tr("Toon"))
        self.show_password.toggled.connect(lambda on: self.password_edit.setEchoMode(
            QLineEdit.EchoMode.Normal if on else QLineEdit.EchoMode.Password))
        self.password_error = error_label()
        self.password_edit.textChanged.connect(lambda _t: show_error(self.password_error, None, self.password_edit))
        password_row = QHBoxLayout()
        password_label = QLabel(tr("Wachtwoord (optioneel)"))
        password_label.setBuddy(self.password_edit)
        password_row.addWidget(password_label)
        password_row.addWidget(self.password_edit, 1)
        password_row.addWidget(self.show_password)
        password_hint = QLabel(tr("Wie de bewaarde PDF opent, moet dit wachtwoord intypen. Geef het apart door, "
                                  "niet in dezelfde mail."))
        password_hint.setObjectName("muted")
        password_hint.setWordWrap(True)

        buttons = QDialogButtonBox()
        self.preview_button: QPushButton = buttons.addButton(tr("Voorbeeld tonen"),
                                                             QDialogButtonBox.ButtonRole.AcceptRole)
        mark(self.preview_button, "primary")
        self.preview_button.setDefault(True)
        cancel = buttons.addButton(tr("Annuleren"), QDialogButtonBox.ButtonRole.RejectRole)
        cancel.clicked.connect(self.reject)
        self.preview_button.clicked.connect(self.show_preview)

        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(period_box)
        layout.addWidget(sections_box)
        layout.addWidget(self.pseudonymise_box)
        layout.addWidget(pseudo_hint)
        layout.addSpacing(6)
        layout.addLayout(password_row)
        layout.addWidget(self.password_error)
        layout.addWidget(password_hint)
        layout.addStretch(1)
        layout.addWidget(buttons)
        return page

    def chosen_options(self) -> SummaryOptions | None:
        """The options as chosen, or None after saying next to the field what is wrong."""
        ok = self.period.check()
        password = self.password_edit.text()
        if password and len(password) < MIN_PASSWORD_LENGTH:
            show_error(self.password_error, tr("Kies een wachtwoord van minstens {n} tekens, of laat het leeg.",
                                               n=MIN_PASSWORD_LENGTH), self.password_edit)
            ok = False
        if not ok:
            return None
        start, end = self.period.start, self.period.end
        whole = start <= self.span[0] and end >= self.span[1]
        return SummaryOptions(
            period_from=None if whole else start,
            period_to=None if whole else end,
            sections=frozenset(s for s, box in self.section_boxes.items() if box.isChecked()),
            pseudonymise=self.pseudonymise_box.isChecked(),
            password=password or None,
        )

    # -- preview page ---------------------------------------------------------------------------------

    def _build_preview(self) -> QWidget:
        page = QWidget()
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.pages_view = PreviewPages()
        self.error_banner = error_label()
        self.error_banner.setObjectName("banner")

        buttons = QHBoxLayout()
        self.back_button = QPushButton(tr("Terug"))
        self.back_button.clicked.connect(self.back_to_options)
        self.print_button = QPushButton(tr("Afdrukken…"))
        mark(self.print_button, "primary")
        self.print_button.clicked.connect(self.print_document)
        self.save_button = QPushButton(tr("Opslaan als PDF…"))
        self.save_button.clicked.connect(self.save_pdf)
        close = QPushButton(tr("Sluiten"))
        close.clicked.connect(self.reject)
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.print_button)
        buttons.addWidget(close)

        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.status_label)
        layout.addWidget(self.pages_view, 1)
        layout.addWidget(self.error_banner)
        layout.addLayout(buttons)
        # Ctrl+P on the preview prints, as in every viewer.
        shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Print), page)
        shortcut.activated.connect(self.print_document)
        return page

    @property
    def page_count(self) -> int:
        return self.pages_view.page_count

    @property
    def busy(self) -> bool:
        return self._busy

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self._busy = busy
        for button in (self.print_button, self.save_button, self.back_button):
            button.setEnabled(not busy and (button is self.back_button or self._pdf is not None))
        if text:
            self.status_label.setText(text)

    def show_preview(self) -> None:
        options = self.chosen_options()
        if options is None or self.case_file is None:
            return
        self._options = options
        self._pdf = None
        self.pages_view.clear()
        show_error(self.error_banner, None)
        self.stack.setCurrentWidget(self.preview_page)
        # The pages need room, but never more than the screen has: the preview scrolls instead.
        fit_on_screen(self, max(self.width(), 880), max(self.height(), 820))
        self._set_busy(True, tr("De samenvatting wordt opgemaakt…"))
        self._token += 1
        token = self._token
        profile, entries = self.case_file.content, list(self.case_file.entries)
        made_by, today, made_at = self.made_by, self.today, dt.datetime.now()
        load_attachments = self.load_attachments

        def render() -> tuple[bytes, list[QImage]]:
            # On the worker thread: the layout (reportlab) and the rasterising (PDFium) both take a while.
            chosen = options
            if Section.ATTACHMENTS in options.sections and load_attachments is not None:
                chosen = dataclasses.replace(options, attachments=tuple(load_attachments()))
            pdf = render_case_summary(profile, entries, chosen, made_by=made_by, made_at=made_at, today=today)
            return pdf, rasterise(pdf, password=options.password)

        StoreOp(self, render, runner=self.runner).success(lambda result: self._rendered(token, result)) \
            .failure(lambda exc: self._failed(token, exc)).run()

    def _rendered(self, token: int, result: tuple[bytes, list[QImage]]) -> None:
        if token != self._token or self.case_file is None:
            return  # closed, locked or asked again meanwhile
        pdf, images = result
        self._pdf = pdf
        self.pages_view.set_pages(images)
        n = len(images)
        text = tr("1 pagina") if n == 1 else tr("{n} pagina's", n=n)
        if self._options is not None and self._options.pseudonymise:
            text += " · " + tr("gepseudonimiseerd")
        if self._options is not None and self._options.password:
            text += " · " + tr("bewaarde PDF met wachtwoord")
        self._set_busy(False, text)
        self.print_button.setFocus()

    def _failed(self, token: int, exc: Exception) -> None:
        if token != self._token or self.case_file is None:
            return
        self._set_busy(False, "")
        self.status_label.clear()
        show_error(self.error_banner, failure_text(exc))

    def back_to_options(self) -> None:
        self._token += 1  # a render still running is not wanted any more
        self._pdf = None
        self.pages_view.clear()
        self._busy = False
        self.stack.setCurrentWidget(self.options_page)

    # -- print and save -------------------------------------------------------------------------------

    def new_printer(self) -> QPrinter:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
        # The spooler shows the job's name to everyone with access to the print queue: no names.
        printer.setDocName(tr("Dossiersamenvatting"))
        printer.setCreator("Leerrecht Desktop")
        return printer

    def print_document(self) -> None:
        if self._pdf is None or self._busy:
            return
        printer = self.new_printer()
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle(tr("Afdrukken"))
        dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintToFile, True)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        pdf, password, token = self._pdf, self._options.password if self._options else None, self._token
        self._set_busy(True, tr("Bezig met afdrukken…"))

        def job() -> int:
            return print_pdf(pdf, printer, password=password)

        def done(pages: int) -> None:
            self._printer_in_use = None
            if token != self._token:
                return
            self._set_busy(False, tr("Afgedrukt: {n} pagina's naar de printer gestuurd.", n=pages))
            self.printed.emit(pages)

        def failed(exc: Exception) -> None:
            self._printer_in_use = None
            if token != self._token:
                return
            self._set_busy(False, "")
            show_error(self.error_banner, str(exc) if isinstance(exc, PrintFailed) else failure_text(exc))

        self._printer_in_use = printer  # alive until the worker is done with it
        StoreOp(self, job, runner=self.runner).success(done).failure(failed).run()

    def suggested_file_name(self) -> str:
        # No name of the young person in the file name: file names show in folders, recent-file lists
        # and mail attachments without opening the file.
        pseudo = self._options is not None and self._options.pseudonymise
        stem = tr("casusoverleg") if pseudo else tr("dossiersamenvatting")
        return f"{stem}-{self.today.isoformat()}.pdf"

    def save_pdf(self) -> None:
        if self._pdf is None or self._busy:
            return
        chosen, _filter = QFileDialog.getSaveFileName(
            self, tr("Opslaan als PDF"), str(documents_folder() / self.suggested_file_name()),
            tr("PDF-bestanden (*.pdf)"))
        if not chosen:
            return
        out = Path(chosen)
        if out.suffix.lower() != ".pdf":
            out = out.with_name(out.name + ".pdf")
        pdf, token = self._pdf, self._token
        self._set_busy(True, tr("Bezig met bewaren…"))

        def done(_result: object) -> None:
            if token != self._token:
                return
            self._set_busy(False, tr("Bewaard in {path}.", path=str(out)))
            self.saved.emit(str(out))

        def failed(exc: Exception) -> None:
            if token != self._token:
                return
            self._set_busy(False, "")
            show_error(self.error_banner, failure_text(exc))

        # The file dialog asked before replacing an existing file.
        StoreOp(self, lambda: write_private(out, pdf, overwrite=True), runner=self.runner) \
            .success(done).failure(failed).run()

    # -- closing --------------------------------------------------------------------------------------

    def done(self, result: int) -> None:
        """Closing (also when the app locks) forgets the case, the PDF and the page images."""
        self._token += 1
        self._pdf = None
        self._options = None
        self.case_file = None
        self.pages_view.clear()
        self.password_edit.clear()
        super().done(result)
