"""The small questions around an attachment: its title when adding, where to save it, whether to delete
it. Each is one function so a test replaces it (a modal dialog in a test waits for ever)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QInputDialog, QLineEdit, QMessageBox, QWidget

from leerrecht_core.i18n import tr
from leerrecht_desktop.models.attachment_types import safe_file_name
from leerrecht_desktop.store.attachments import AttachmentInfo
from leerrecht_desktop.ui.folders import documents_folder
from leerrecht_desktop.ui.style import mark

# What the file dialog shows when adding: the types the store accepts (models/attachment_types.py).
OPEN_FILTER = "{images} (*.jpg *.jpeg *.jpe *.png *.heic *.heif *.hif *.pdf)"


def open_filter() -> str:
    return OPEN_FILTER.format(images=tr("Foto's en scans"))


def choose_files(parent: QWidget) -> list[Path]:
    chosen, _filter = QFileDialog.getOpenFileNames(parent, tr("Bijlage toevoegen"), str(documents_folder()),
                                                   open_filter())
    return [Path(p) for p in chosen]


def ask_title(parent: QWidget, file_name: str) -> str | None:
    """The optional title of a new attachment; None when the user cancels (nothing is added)."""
    text, ok = QInputDialog.getText(
        parent, tr("Bijlage toevoegen"),
        tr("Titel voor {name} (mag leeg blijven, bv. 'Toestemming ouders'):", name=file_name),
        QLineEdit.EchoMode.Normal, "")
    return text.strip() if ok else None


def choose_save_path(parent: QWidget, info: AttachmentInfo) -> Path | None:
    """Where to save a copy; the file dialog asks before replacing a file."""
    suggested = documents_folder() / safe_file_name(info.file_name)
    chosen, _filter = QFileDialog.getSaveFileName(parent, tr("Bijlage opslaan als"), str(suggested))
    return Path(chosen) if chosen else None


def confirm_delete(parent: QWidget, info: AttachmentInfo) -> bool:
    box = QMessageBox(QMessageBox.Icon.Warning, tr("Bijlage verwijderen"),
                      tr("De bijlage {name} verwijderen?", name=info.label or tr("zonder naam")),
                      QMessageBox.StandardButton.NoButton, parent)
    box.setInformativeText(tr("Ze verdwijnt van deze laptop. Wil je ze bijhouden, bewaar ze dan eerst met "
                              "Opslaan als…"))
    delete = box.addButton(tr("Verwijderen"), QMessageBox.ButtonRole.DestructiveRole)
    mark(delete, "danger")
    cancel = box.addButton(tr("Annuleren"), QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(cancel)
    box.exec()
    return box.clickedButton() is delete
