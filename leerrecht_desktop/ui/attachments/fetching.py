"""Fetching an attachment now, when the person asks for one whose bytes are not on this laptop yet
("Nu ophalen", or opening a "remote" one): `sync/blobs.fetch_attachment` on the network pool (as the
sync round runs off the window too), with its progress in bytes, then the list is read again. The
background sync would fetch it within a few rounds anyway (docs/attachments.md, the fetch policy); this
is for the person who needs it now."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from leerrecht_core.errors import LeerrechtError
from leerrecht_core.i18n import tr
from leerrecht_desktop.store.attachments import AttachmentInfo
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.sync.blobs import fetch_attachment
from leerrecht_desktop.ui.operations import NetworkOp, report_failure
from leerrecht_desktop.ui.tasks import TaskRunner


def progress_text(done: int, total: int) -> str:
    percent = 0 if total <= 0 else min(100, done * 100 // total)
    return tr("Bijlage wordt opgehaald… {percent} %", percent=percent)


class Fetcher(QObject):
    """One fetch per attachment at a time; says what came of it by its signals (on the GUI thread)."""

    progressed = Signal(str, int, int)  # attachment id, bytes done, bytes total (emitted from the pool)
    fetched = Signal(object)  # AttachmentInfo, now on this laptop
    refused = Signal(str)  # the sentence: offline, no access any more, changed on the server

    def __init__(self, parent: QObject, runner: TaskRunner | None = None):
        super().__init__(parent)
        self.runner = runner
        self.running: set[str] = set()

    def fetch(self, case_files: CaseFiles, attachment_id: str) -> bool:
        """Start fetching; False when that attachment is already being fetched."""
        if attachment_id in self.running:
            return False
        self.running.add(attachment_id)

        def job() -> AttachmentInfo:
            # A queued signal: the callback runs on a pool thread, the label lives on the GUI thread.
            return fetch_attachment(case_files, attachment_id,
                                    lambda done, total: self.progressed.emit(attachment_id, done, total))

        NetworkOp(self, job, runner=self.runner).success(lambda info: self._done(attachment_id, info)) \
            .failure(lambda exc: self._failed(attachment_id, exc)).run()
        return True

    def _done(self, attachment_id: str, info: AttachmentInfo) -> None:
        self.running.discard(attachment_id)
        self.fetched.emit(info)

    def _failed(self, attachment_id: str, exc: Exception) -> None:
        self.running.discard(attachment_id)
        if isinstance(exc, LeerrechtError):
            self.refused.emit(str(exc))
        else:
            report_failure(self, exc)
