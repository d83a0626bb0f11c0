""""Inzage-export…": one young person's case file for an access request (GDPR art. 15), saved as a PDF
for the family or as JSON for portability.

The file dialog asks where (and before replacing a file); the file is made and written on the store
thread (a StoreOp, in order with every save), atomically and readable by the user only; the status bar
says where it went, and a failure is said in a sentence, never with the file's content."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from leerrecht_core.errors import LeerrechtError
from leerrecht_core.i18n import tr
from leerrecht_desktop.reports.access_request import AccessRequest, make_access_request
from leerrecht_desktop.reports.files import write_private
from leerrecht_desktop.store.access_log import AccessLog
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.ui.operations import StoreOp, report_failure
from leerrecht_desktop.ui.report_dialog.saving import documents_folder, failure_text
from leerrecht_desktop.ui.tasks import TaskRunner


def suggested_file_name(today: dt.date) -> str:
    # No name of the young person in the file name: file names show in folders, recent-file lists and
    # mail attachments without opening the file.
    return tr("inzage") + f"-{today.isoformat()}.pdf"


def chosen_file(parent: QWidget | None) -> Path | None:
    """Where to save, from the file dialog; the suffix (.pdf or .json) chooses the kind of file, and a
    name without one gets that of the chosen filter."""
    pdf_filter, json_filter = tr("PDF voor de jongere of het gezin (*.pdf)"), tr("JSON om over te dragen (*.json)")
    chosen, selected = QFileDialog.getSaveFileName(
        parent, tr("Inzage-export opslaan"), str(documents_folder() / suggested_file_name(dt.date.today())),
        f"{pdf_filter};;{json_filter}")
    if not chosen:
        return None
    out = Path(chosen)
    if out.suffix.lower() not in (".pdf", ".json"):
        out = out.with_name(out.name + (".json" if selected == json_filter else ".pdf"))
    return out


def export_for_access(parent: QWidget | None, case_files: CaseFiles, case_id: str, runner: TaskRunner,
                      on_done: Callable[[str], None] | None = None) -> None:
    """Ask where, then make and write the file off the GUI thread; `on_done(message)` gets the status line."""
    out = chosen_file(parent)
    if out is None:
        return

    def job() -> AccessRequest:
        made = make_access_request(case_files, case_id, out.suffix, made_at=dt.datetime.now())
        write_private(out, made.data, overwrite=True)  # the file dialog asked before replacing
        if out.suffix.lower() != ".json":  # the JSON is CaseFiles.export's, which records it
            AccessLog.of(case_files).record(case_id, "case_exported")
        return made

    def done(made: AccessRequest) -> None:
        text = tr("Inzage bewaard in {path}. Het bestand is niet versleuteld: geef het alleen aan wie erom vroeg.",
                  path=str(out))
        if made.refused:
            text += " " + tr("{n} onderdelen van dit dossier konden niet veilig geopend worden en staan er niet in. "
                             "Meld dit aan je coördinator.", n=made.refused)
        if on_done is not None:
            on_done(text)

    def failed(exc: Exception) -> None:
        if isinstance(exc, OSError) and not isinstance(exc, LeerrechtError):
            box = QMessageBox(QMessageBox.Icon.Warning, tr("Inzage-export"), failure_text(exc),
                              QMessageBox.StandardButton.Ok, parent)
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()  # not exec(): no nested event loop inside a result callback
            return
        report_failure(parent, exc)  # a refusal to the status bar, a bug to the crash report

    StoreOp(parent, job, runner=runner).success(done).failure(failed).run()
