"""PDF pages as images, for the print preview and for printing, without a file on disk.

QtPdf is not part of PySide6-Essentials, so pages are rasterised with PDFium (pypdfium2) straight from
the bytes in memory into QImages. QImage (unlike QPixmap) may be made and painted on any thread, and so
may a QPrinter: the rasterising and the printing both run on the TaskRunner's worker thread, and only
the finished images reach the GUI thread.

pypdfium2 is not thread-safe; this module is only ever used on the one worker thread."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pypdfium2 as pdfium
from PySide6.QtCore import QRect, QRectF, Qt
from PySide6.QtGui import QImage, QPainter, QPixmap
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from leerrecht_core.i18n import tr

# The preview is for reading on screen: 90 dpi makes an A4 page about 745 px wide (sharp enough for the
# 8.5 pt table text) and keeps a 40-page summary under 100 MB of images.
PREVIEW_DPI = 90
# Printing: at least 200 dpi so small text stays crisp on paper; at most 300, as more only costs memory
# and time (an A4 page at 300 dpi is a 26 MB image; one page is held at a time).
PRINT_DPI_MIN = 200
PRINT_DPI_MAX = 300


class PrintFailed(Exception):
    """The printer could not be opened or refused a page; the message is for the user."""


def _pages(pdf: bytes, password: str | None, dpi: float) -> Iterator[QImage]:
    doc = pdfium.PdfDocument(pdf, password=password)
    try:
        for index in range(len(doc)):
            page = doc[index]
            try:
                # RGBx, 4 bytes a pixel: QImage takes it as it is, no conversion.
                bitmap = page.render(scale=dpi / 72, rev_byteorder=True, prefer_bgrx=True)
                try:
                    image = QImage(bitmap.buffer, bitmap.width, bitmap.height, bitmap.stride,
                                   QImage.Format.Format_RGBX8888)
                    # copy(): the QImage above only borrows PDFium's buffer, which close() frees.
                    yield image.copy()
                finally:
                    bitmap.close()
            finally:
                page.close()
    finally:
        doc.close()


def rasterise(pdf: bytes, *, dpi: float = PREVIEW_DPI, password: str | None = None) -> list[QImage]:
    """Every page of `pdf` as an image at `dpi`. Runs on the worker thread."""
    return list(_pages(pdf, password, dpi))


def print_dpi(printer: QPrinter) -> int:
    return max(PRINT_DPI_MIN, min(PRINT_DPI_MAX, printer.resolution()))


def print_pdf(pdf: bytes, printer: QPrinter, *, password: str | None = None,
              progress: Callable[[int], None] | None = None) -> int:
    """Print every page of `pdf` on `printer` (already set up by the print dialog), each page rendered
    at `print_dpi` and scaled to fit the printer's page rectangle, centred, keeping its proportions.
    Returns the number of pages printed. Runs on the worker thread."""
    painter = QPainter()
    if not painter.begin(printer):
        raise PrintFailed(tr("De printer kon niet geopend worden. Kijk na of hij aanstaat en probeer opnieuw."))
    printed = 0
    try:
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        dpi = print_dpi(printer)
        for image in _pages(pdf, password, dpi):
            if printed and not printer.newPage():
                raise PrintFailed(tr("De printer weigerde een nieuwe pagina. Er is maar een deel afgedrukt."))
            area = printer.pageRect(QPrinter.Unit.DevicePixel)
            # The painter's origin is the top left of the printable area: fit the page in (0, 0, w, h).
            target = _fit(image.width(), image.height(), int(area.width()), int(area.height()))
            painter.drawImage(QRectF(target), image)
            printed += 1
            if progress is not None:
                progress(printed)
    finally:
        painter.end()
    return printed


def _fit(width: int, height: int, room_w: int, room_h: int) -> QRect:
    scale = min(room_w / width, room_h / height)
    w, h = round(width * scale), round(height * scale)
    return QRect((room_w - w) // 2, (room_h - h) // 2, w, h)


class PreviewPages(QScrollArea):
    """The pages one below the other, as on paper, each with a thin border and a shadow of grey around."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("previewPages")
        self.setWidgetResizable(True)
        self.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.setStyleSheet("QScrollArea#previewPages, QWidget#previewSheet { background: #8c959d; }"
                           "QLabel#previewPage { background: white; border: 1px solid #5b6b78; }")
        self._sheet = QWidget()
        self._sheet.setObjectName("previewSheet")
        self._layout = QVBoxLayout(self._sheet)
        self._layout.setContentsMargins(16, 16, 16, 16)
        self._layout.setSpacing(14)
        self._layout.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.setWidget(self._sheet)
        self.page_labels: list[QLabel] = []

    def set_pages(self, images: list[QImage]) -> None:
        self.clear()
        for number, image in enumerate(images, start=1):
            label = QLabel()
            label.setObjectName("previewPage")
            label.setFrameShape(QFrame.Shape.NoFrame)
            label.setPixmap(QPixmap.fromImage(image))
            label.setFixedSize(image.width() + 2, image.height() + 2)
            label.setAccessibleName(tr("Pagina {page} van {pages}", page=number, pages=len(images)))
            self._layout.addWidget(label)
            self.page_labels.append(label)
        self.verticalScrollBar().setValue(0)

    def clear(self) -> None:
        """Drop the pages (they show case content): on close, on lock, before new ones."""
        for label in self.page_labels:
            label.clear()
            self._layout.removeWidget(label)
            label.deleteLater()
        self.page_labels = []

    @property
    def page_count(self) -> int:
        return len(self.page_labels)
