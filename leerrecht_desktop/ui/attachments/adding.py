"""Adding attachments from what the user brings: files chosen in the file dialog, files dropped on the
case, or an image pasted from the clipboard. A pasted image becomes PNG bytes in memory and goes into the
store as a file object: it is never written to a temporary file, where it would lie unencrypted.

The sealing runs as a StoreOp (25 MB takes a moment; the window stays responsive). A refusal of the
store (too big, wrong type, empty) comes back as its sentence; nothing else changes."""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMimeData, QObject, Signal
from PySide6.QtGui import QImage, QImageWriter

from leerrecht_core.errors import LeerrechtError
from leerrecht_core.i18n import tr
from leerrecht_desktop.store.attachments import AttachmentInfo, Attachments
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.ui.operations import StoreOp, report_failure
from leerrecht_desktop.ui.tasks import TaskRunner


def dropped_files(mime: QMimeData) -> list[Path]:
    """The local files among what was dropped or copied (a link to a web page is not a file)."""
    if not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile() and url.toLocalFile()]


def image_png(mime: QMimeData) -> bytes | None:
    """A copied image (a screenshot, a photo copied in a viewer) as PNG bytes, in memory; None when the
    clipboard holds no image."""
    if not mime.hasImage():
        return None
    image = mime.imageData()
    if not isinstance(image, QImage) or image.isNull():
        return None
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    ok = QImageWriter(buffer, QByteArray(b"PNG")).write(image)
    buffer.close()
    return bytes(data.data()) if ok else None


class Adder(QObject):
    """Adds to one case, on the store thread; says what came of it by its signals."""

    added = Signal(object)  # AttachmentInfo
    refused = Signal(str)  # the store's sentence (or why a file could not be read)
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject, runner: TaskRunner | None = None):
        super().__init__(parent)
        self.runner = runner
        self.pending = 0

    def add_files(self, case_files: CaseFiles, case_id: str, paths: list[Path], title: str = "") -> None:
        """Each file is its own add: one refused (too big) does not keep the others out."""
        store = Attachments(case_files)
        for path in paths:
            self._run(functools.partial(store.add, case_id, path, title))

    def add_image(self, case_files: CaseFiles, case_id: str, png: bytes, title: str = "") -> None:
        # The name "bijlage.png" comes from the store: a file object without a name is named after its type.
        self._run(lambda: Attachments(case_files).add(case_id, io.BytesIO(png), title))

    def _run(self, job: Callable[[], AttachmentInfo]) -> None:
        self.pending += 1
        self.busy_changed.emit(True)
        StoreOp(self, job, runner=self.runner).success(self._done).failure(self._failed).run()

    def _done(self, info: AttachmentInfo) -> None:
        self._finish()
        self.added.emit(info)

    def _failed(self, exc: Exception) -> None:
        self._finish()
        if isinstance(exc, LeerrechtError):
            self.refused.emit(str(exc))
        elif isinstance(exc, OSError):  # unreadable, vanished meanwhile: say it, it is not a bug
            self.refused.emit(tr("Het bestand kon niet gelezen worden. Kijk na of het er nog is en probeer opnieuw."))
        else:
            report_failure(self, exc)

    def _finish(self) -> None:
        self.pending -= 1
        if not self.pending:
            self.busy_changed.emit(False)
