"""An attachment shown inside the app: a photo through Qt's image readers, a PDF through PDFium
(ui/print_preview.py), its pages one below the other, as wide as the window (or at their own size).

The bytes are streamed from the store into memory (Attachments.open_to into a BytesIO, on the store
thread, every chunk checked) and decoded there; there is never a plaintext file on disk, not even a
temporary one. HEIC is shown only when Qt has an image plugin that reads it; otherwise the dialog says
so and offers Opslaan als…. Closing drops the bytes and the images."""

from __future__ import annotations

import io

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QImage, QImageReader, QResizeEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from leerrecht_core.errors import LeerrechtError
from leerrecht_core.i18n import tr
from leerrecht_desktop.models.attachment_types import HEIC, PDF, size_text, type_label
from leerrecht_desktop.store.access_log import AccessLog
from leerrecht_desktop.store.attachments import AttachmentInfo, Attachments
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.ui.attachments.labels import added_text
from leerrecht_desktop.ui.attachments.saving import save_copy
from leerrecht_desktop.ui.operations import StoreOp, report_failure
from leerrecht_desktop.ui.print_preview import PreviewPages, rasterise
from leerrecht_desktop.ui.screen import fit_on_screen
from leerrecht_desktop.ui.tasks import TaskRunner
from leerrecht_desktop.ui.unlock import error_label, show_error

# A scan's page at this many dots per inch: sharp when fitted to a laptop's width, a few MB per page.
PDF_DPI = 110


def heic_readable() -> bool:
    """Qt reads HEIC only through an image plugin (kimageformats with libheif), which most laptops lack."""
    formats = {bytes(f.data()).lower() for f in QImageReader.supportedImageFormats()}
    return bool({b"heic", b"heif"} & formats)


def decode(data: bytes, media_type: str) -> list[QImage]:
    """The pages (a PDF) or the one image of an attachment's bytes; [] when Qt can't read it. On the
    store thread: QImage may be made there, and PDFium is only used on it (ui/print_preview.py)."""
    if media_type == PDF.media_type:
        return rasterise(data, dpi=PDF_DPI)
    image = QImage()
    return [image] if image.loadFromData(data) else []


def load_pages(case_files: CaseFiles, attachment_id: str) -> list[QImage]:
    """Open, check and decode an attachment in memory; the access log notes the opening."""
    sink = io.BytesIO()
    info = Attachments(case_files).open_to(attachment_id, sink)
    data = sink.getvalue()
    sink.close()
    AccessLog.of(case_files).record(info.case_id, "attachment_opened")
    if info.media_type == HEIC.media_type and not heic_readable():
        return []
    return decode(data, info.media_type)


class PreviewDialog(QDialog):
    def __init__(self, case_files: CaseFiles, info: AttachmentInfo, parent: QWidget | None = None, *,
                 runner: TaskRunner | None = None):
        super().__init__(parent)
        self.case_files, self.info, self.runner = case_files, info, runner
        self.images: list[QImage] = []
        self.setWindowTitle(info.label or tr("Bijlage"))
        self.setMinimumSize(520, 420)

        title = QLabel(info.label)
        title.setObjectName("caseName")
        title.setWordWrap(True)
        facts = " · ".join(x for x in (info.file_name if info.title else "", type_label(info.media_type),
                                        size_text(info.size), added_text(info)) if x)
        details = QLabel(facts)
        details.setObjectName("muted")
        details.setWordWrap(True)
        self.status_label = QLabel(tr("De bijlage wordt geopend…"))
        self.status_label.setWordWrap(True)
        self.error_banner = error_label()
        self.error_banner.setObjectName("banner")

        # The print preview's page view (pages one below the other on grey), fed pages scaled to fit.
        self.pages_area = PreviewPages()

        self.fit_box = QCheckBox(tr("Passend in de breedte"))
        self.fit_box.setChecked(True)
        self.fit_box.toggled.connect(lambda _on: self._show_pages())
        self.save_button = QPushButton(tr("Opslaan als…"))
        self.save_button.clicked.connect(self.save_as)
        close = QPushButton(tr("Sluiten"))
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.fit_box)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(close)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 12)
        layout.addWidget(title)
        layout.addWidget(details)
        layout.addWidget(self.status_label)
        layout.addWidget(self.error_banner)
        layout.addWidget(self.pages_area, 1)
        layout.addLayout(buttons)
        self.resize(900, 760)
        fit_on_screen(self)
        self._load()

    def _load(self) -> None:
        case_files, attachment_id = self.case_files, self.info.attachment_id
        StoreOp(self, lambda: load_pages(case_files, attachment_id), runner=self.runner) \
            .success(self._loaded).failure(self._failed).run()

    def _loaded(self, images: list[QImage]) -> None:
        self.images = images
        if not images:
            if self.info.media_type == HEIC.media_type:
                text = tr("Deze HEIC-foto kan de app hier niet tonen: op deze laptop ontbreekt een lezer voor "
                          "HEIC. Bewaar ze met Opslaan als… en open ze met een fotoprogramma.")
            else:
                text = tr("Deze bijlage kan de app niet tonen. Bewaar ze met Opslaan als… en open ze met een "
                          "ander programma.")
            self.status_label.setText(text)
            return
        n = len(images)
        self.status_label.setText(
            "" if self.info.media_type != PDF.media_type else tr("1 pagina") if n == 1 else tr("{n} pagina's", n=n))
        self.status_label.setVisible(self.info.media_type == PDF.media_type)
        self._show_pages()

    def _failed(self, exc: Exception) -> None:
        self.status_label.setVisible(False)
        if isinstance(exc, LeerrechtError):  # TamperedAttachment among them: its sentence, nothing shown
            show_error(self.error_banner, str(exc))
            self.save_button.setEnabled(False)
        else:
            report_failure(self, exc)

    @property
    def page_labels(self) -> list[QLabel]:
        return self.pages_area.page_labels

    def _page_width(self) -> int:
        # The room beside the vertical scroll bar, whether it shows yet or not: a page fitted to the
        # width without it would get a horizontal scroll bar once the bar appears.
        sheet = self.pages_area.widget()
        layout = sheet.layout() if sheet is not None else None
        margins = layout.contentsMargins() if layout is not None else None
        sides = margins.left() + margins.right() if margins is not None else 32
        bar = self.pages_area.verticalScrollBar().sizeHint().width()
        room = self.pages_area.contentsRect().width() - bar - sides - 4
        return max(200, room)

    def _show_pages(self) -> None:
        fit = self.fit_box.isChecked()
        self.pages_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff if fit
                                                     else Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        room = self._page_width()
        pages = [image.scaledToWidth(room, Qt.TransformationMode.SmoothTransformation)
                 if fit and image.width() != room else image for image in self.images]
        bar = self.pages_area.verticalScrollBar()
        where = bar.value() / bar.maximum() if bar.maximum() else 0.0
        self.pages_area.set_pages(pages)
        # Where the reader was, once the new pages are laid out (a resize re-fits them).
        QTimer.singleShot(0, bar, lambda: bar.setValue(round(where * bar.maximum())))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.images and self.fit_box.isChecked():
            self._show_pages()

    def save_as(self) -> None:
        save_copy(self, self.case_files, self.info, self.runner)

    def done(self, result: int) -> None:
        """Closing (also when the app locks) forgets the images."""
        self.images = []
        self.pages_area.clear()
        super().done(result)
