"""Opslaan als…: a copy of an attachment as a file the user chose, through the store's save_as (mode
0600, a temporary file beside the target, never a half file under its name), on the store thread. The
access log notes it, as saving a summary is noted."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QMainWindow, QWidget

from leerrecht_core.i18n import tr
from leerrecht_desktop.store.access_log import AccessLog
from leerrecht_desktop.store.attachments import AttachmentInfo, Attachments
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.ui.attachments import asking
from leerrecht_desktop.ui.operations import StoreOp
from leerrecht_desktop.ui.tasks import TaskRunner


def save_to(case_files: CaseFiles, attachment_id: str, path: Path) -> Path:
    """On the store thread. The file dialog already asked before replacing a file, so it may be replaced."""
    info = Attachments(case_files).save_as(attachment_id, path, overwrite=True)
    AccessLog.of(case_files).record(info.case_id, "attachment_saved")
    return path


def save_copy(parent: QWidget, case_files: CaseFiles, info: AttachmentInfo, runner: TaskRunner | None = None,
              saved: Callable[[Path], object] | None = None) -> None:
    path = asking.choose_save_path(parent, info)
    if path is None:
        return

    def done(written: Path) -> None:
        window = parent.window()
        if isinstance(window, QMainWindow):
            window.statusBar().showMessage(
                tr("Bewaard in {path}. Dit bestand is niet versleuteld.", path=str(written)), 10000)
        if saved is not None:
            saved(written)

    StoreOp(parent, lambda: save_to(case_files, info.attachment_id, path), runner=runner).success(done).run()
