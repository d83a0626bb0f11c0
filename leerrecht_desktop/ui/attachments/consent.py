"""The consent's link to its scan (Consent.attachment_id, models/case.py): the choice "Scan van het
formulier" in the profile form, the check that it names an attachment of the same case, and the link
on the case's profile page that opens the preview."""

from __future__ import annotations

import html

from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QComboBox, QWidget

from leerrecht_core.i18n import tr
from leerrecht_desktop.models.validation import FieldError, ValidationError
from leerrecht_desktop.store.attachments import AttachmentInfo, Attachments
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.errors import CaseNotFound
from leerrecht_desktop.ui import style
from leerrecht_desktop.ui.operations import StoreOp
from leerrecht_desktop.ui.tasks import TaskRunner

FIELD = "consent.attachment_id"
LINK_SCHEME = "bijlage"


def scan_link(attachment_id: str) -> str:
    """The profile page's row with a link to the consent's scan ("" when none is linked)."""
    if not attachment_id:
        return ""
    href = html.escape(f"{LINK_SCHEME}:{attachment_id}", quote=True)
    return (f"<tr><td width='190' style='color:{style.MUTED}; padding:3px 12px 3px 0'>"
            f"{html.escape(tr('Scan van het formulier'))}</td>"
            f"<td style='padding:3px 0'><a href='{href}'>{html.escape(tr('Bekijken'))}</a></td></tr>")


def linked_attachment(url: QUrl) -> str | None:
    """The attachment id of a link made by scan_link, else None."""
    return url.path() if url.scheme() == LINK_SCHEME and url.path() else None


def check_consent_scan(case_files: CaseFiles, case_id: str | None, attachment_id: str) -> None:
    """On the store thread, before the profile is saved: the scan must be an attachment of this very case
    (a link to another case's scan would show one family's form in another's file)."""
    if not attachment_id:
        return
    problem = tr("De gekozen scan is geen bijlage van dit dossier (meer). Kies een andere of 'geen'.")
    if case_id is None:
        raise ValidationError([FieldError(FIELD, problem)])
    try:
        info = Attachments(case_files).info(attachment_id)
    except CaseNotFound:
        raise ValidationError([FieldError(FIELD, problem)]) from None
    if info.case_id != case_id:
        raise ValidationError([FieldError(FIELD, problem)])


class ConsentScanField(QComboBox):
    """"Scan van het formulier": none, or one of this case's attachments (read on the store thread)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._value = ""
        self.addItem(tr("geen"), "")

    def load(self, case_files: CaseFiles, case_id: str | None, runner: TaskRunner | None = None) -> None:
        if case_id is None:  # a new case has no attachments yet
            return
        StoreOp(self, lambda: Attachments(case_files).list(case_id), runner=runner).success(self.set_choices).run()

    def set_choices(self, infos: list[AttachmentInfo]) -> None:
        wanted = self.value()
        self.blockSignals(True)
        self.clear()
        self.addItem(tr("geen"), "")
        for info in infos:
            if not info.refused:
                self.addItem(info.label, info.attachment_id)
        self.blockSignals(False)
        self.set_value(wanted)

    def set_value(self, attachment_id: str) -> None:
        self._value = attachment_id
        index = self.findData(attachment_id)
        if index < 0 and attachment_id:  # linked, but not (any more) on this laptop: kept and said
            self.addItem(tr("(een bijlage die niet op deze laptop staat)"), attachment_id)
            index = self.count() - 1
        self.setCurrentIndex(max(0, index))

    def value(self) -> str:
        data = self.currentData()
        return str(data) if data else ""
