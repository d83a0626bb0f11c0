"""Reading an entry without editing it (issue 14): a double-click in the timeline opens the entry's whole
text, labelled, read-only. From there *Bewerken* opens the form and *Verwijderen…* deletes it after a
question: the store writes a deletion (a tombstone revision, synced like any change), and the timeline
shows the row as removed, with when and by whom."""

from __future__ import annotations

import re
from functools import partial
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QMessageBox, QPlainTextEdit, QVBoxLayout, QWidget

from leerrecht_core.errors import LeerrechtError
from leerrecht_core.i18n import tr
from leerrecht_desktop.models.records import Record, encode, saved_text
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.ui.conflict_dialog import field_labels
from leerrecht_desktop.ui.operations import StoreOp
from leerrecht_desktop.ui.style import mark
from leerrecht_desktop.ui.tasks import TaskRunner
from leerrecht_desktop.ui.unlock import error_label, show_error

_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def readable_payload(payload: dict[str, Any]) -> str:
    """An entry's fields as labelled lines for a person to read: each filled-in field, nested ones
    indented; ids left out, dates as on a Flemish form."""
    labels = field_labels()
    lines: list[str] = []

    def scalar(value: Any) -> str:
        if isinstance(value, bool):
            return tr("ja") if value else tr("nee")
        match = _ISO_DATE.match(str(value))
        return f"{match[3]}/{match[2]}/{match[1]}" if match else str(value)

    def walk(value: Any, depth: int, key: str | None) -> None:
        pad, label = "  " * depth, labels.get(key or "", key or "")
        if isinstance(value, dict):
            if key is not None:
                lines.append(f"{pad}{label}:")
            for inner_key, inner in value.items():
                if not str(inner_key).endswith("_id"):
                    walk(inner, depth + (key is not None), str(inner_key))
        elif isinstance(value, list):
            if value:
                lines.append(f"{pad}{label}:")
                for inner in value:
                    if isinstance(inner, dict | list):
                        walk(inner, depth + 1, None)
                    else:
                        lines.append(f"{pad}  - {scalar(inner)}")
        elif value not in (None, ""):
            lines.append(f"{pad}{label}: {scalar(value)}")

    walk(payload, 0, None)
    return "\n".join(lines)


def entry_text(record: Record) -> str:
    """The entry's fields as labelled lines, everything filled in, nothing cut."""
    payload = {k: v for k, v in encode(record.content).items() if k not in ("kind", "author_id", "author_name")}
    return readable_payload(payload)


class EntryView(QDialog):
    edit_requested = Signal(object)  # Record
    deleted = Signal(str)  # case id

    def __init__(self, case_files: CaseFiles, record: Record, parent: QWidget | None = None, *,
                 runner: TaskRunner | None = None):
        super().__init__(parent)
        self.case_files, self.record, self.runner = case_files, record, runner
        self.setWindowTitle(record.kind.label)
        self.resize(620, 520)
        author = getattr(record.content, "author_name", "")
        byline = tr("Geschreven door {name}, laatst opgeslagen op {moment}", name=author,
                    moment=saved_text(record)) if author else tr("Laatst opgeslagen op {moment}",
                                                                 moment=saved_text(record))
        self.byline = QLabel(byline)
        self.byline.setObjectName("muted")
        self.byline.setWordWrap(True)
        self.text = QPlainTextEdit(entry_text(record))
        self.text.setReadOnly(True)
        self.text.setAccessibleName(tr("Inhoud van {kind}", kind=record.kind.label))
        self.error = error_label()
        buttons = QDialogButtonBox()
        self.edit_button = buttons.addButton(tr("Bewerken"), QDialogButtonBox.ButtonRole.ActionRole)
        mark(self.edit_button, "primary")
        self.edit_button.clicked.connect(self._edit)
        self.delete_button = buttons.addButton(tr("Verwijderen…"), QDialogButtonBox.ButtonRole.DestructiveRole)
        mark(self.delete_button, "danger")
        self.delete_button.clicked.connect(self._delete)
        close = buttons.addButton(tr("Sluiten"), QDialogButtonBox.ButtonRole.RejectRole)
        close.setDefault(True)
        close.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        for widget in (self.byline, self.text, self.error, buttons):
            layout.addWidget(widget)

    def _edit(self) -> None:
        self.edit_requested.emit(self.record)
        self.accept()

    def confirm_delete(self) -> bool:
        """Asked first (a separate method, so tests can answer)."""
        return QMessageBox.question(
            self, tr("Verwijderen"),
            tr("Deze {kind} verwijderen uit het dossier? Ze verdwijnt ook bij je collega's na hun volgende "
               "synchronisatie; de tijdlijn toont dat ze verwijderd is.", kind=self.record.kind.label.lower()),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No) == QMessageBox.StandardButton.Yes

    def _delete(self) -> None:
        if not self.confirm_delete():
            return
        self.delete_button.setEnabled(False)
        work = partial(self.case_files.delete_entry, self.record.case_id, self.record.record_id)
        StoreOp(self, work, runner=self.runner).success(self._deleted).failure(self._failed).run()

    def _deleted(self, _result: Any) -> None:
        self.deleted.emit(self.record.case_id)
        self.accept()

    def _failed(self, exc: Exception) -> None:
        self.delete_button.setEnabled(True)
        show_error(self.error, str(exc) if isinstance(exc, LeerrechtError) else tr(
            "Verwijderen is niet gelukt. Probeer het opnieuw."))
