"""Choosing between the two values of a field in conflict after a sync (the merge is sync/merge.py's;
keeping a value is store work, a StoreOp). `field_labels` names the fields of a case file for people,
also for the held-apart review."""


import json
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from leerrecht_core.i18n import tr
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.syncstore import StoredConflict
from leerrecht_desktop.sync.conflicts import keep_value
from leerrecht_desktop.sync.merge import MISSING, split_path
from leerrecht_desktop.ui.operations import StoreOp
from leerrecht_desktop.ui.tasks import TaskRunner
from leerrecht_desktop.ui.unlock import (
    error_label,
    show_error,
)


def field_labels() -> dict[str, str]:
    return {
        "first_name": tr("Voornaam"), "last_name": tr("Achternaam"), "birth_date": tr("Geboortedatum"),
        "gender": tr("Gender"), "school": tr("School"), "level": tr("Onderwijsniveau"), "class_name": tr("Klas"),
        "status": tr("Status"), "closed_reason": tr("Reden van afsluiten"), "address": tr("Adres"),
        "contacts": tr("Contactpersonen"), "referral": tr("Aanmelding"), "concern": tr("Bezorgdheid"),
        "source": tr("Aangemeld door"), "referred_on": tr("Aangemeld op"), "target_groups": tr("Doelgroepen"),
        "life_domains": tr("Levensdomeinen"), "network": tr("Netwerk"), "assigned": tr("Toegewezen aan"),
        "occurred_on": tr("Datum"), "text": tr("Tekst"), "action": tr("Actie"), "due_on": tr("Te doen tegen"),
        "notes": tr("Notities"), "purpose": tr("Doel"), "observations": tr("Observaties"),
        "agreements": tr("Afspraken"), "next_step": tr("Volgende stap"), "next_step_on": tr("Volgende stap op"),
        "channel": tr("Kanaal"), "with_whom": tr("Met wie"), "topics": tr("Onderwerpen"), "measure": tr("Maatregel"),
        "answers": tr("Antwoorden"), "place": tr("Plaats"), "author_name": tr("Geschreven door"),
        "done": tr("Gedaan"), "next_step_done": tr("Volgende stap gedaan"),
    }


def field_label(path: str) -> str:
    """A Dutch label for a conflict path where one is known ("referral.concern" → "Aanmelding › Bezorgdheid"),
    else the path itself."""
    if not path:
        return tr("Het hele onderdeel (aan één kant gewist)")
    labels = field_labels()
    return " › ".join(labels.get(key, key) for key in split_path(path))


def value_text(value: Any, limit: int = 300) -> str:
    if value is MISSING:
        return tr("(gewist)")
    if value is None or value == "" or value == []:
        return tr("(leeg)")
    if isinstance(value, str):
        text = value
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        text = ", ".join(value)
    else:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ConflictDialog(QDialog):
    """Every field of a case in conflict, each with both values and a "Deze houden" button per value."""

    resolved = Signal()  # after a choice was saved

    def __init__(self, case_files: CaseFiles, runner: TaskRunner, conflicts: list[StoredConflict],
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.case_files = case_files
        self.runner = runner
        self.keep_buttons: list[tuple[int, str, str, QPushButton]] = []  # (conflict id, path, side, button)
        self.setWindowTitle(tr("Velden in conflict"))
        self.setMinimumWidth(640)
        intro = QLabel(tr("Deze velden werden op twee plaatsen verschillend gewijzigd. Tot je kiest, tonen alle "
                          "laptops dezelfde voorlopige waarde. Kies per veld welke waarde blijft."))
        intro.setWordWrap(True)
        intro.setObjectName("muted")
        self.error = error_label()
        self.error.setObjectName("banner")

        body = QWidget()
        self.grid = QGridLayout(body)
        self.grid.setHorizontalSpacing(12)
        self.grid.setVerticalSpacing(6)
        self.grid.setColumnStretch(1, 1)
        self.grid.setColumnStretch(2, 1)
        row = 0
        for heading, col in ((tr("Veld"), 0), (tr("Op deze laptop"), 1), (tr("Van de server"), 2)):
            label = QLabel(heading)
            label.setObjectName("subtitle")
            self.grid.addWidget(label, row, col)
        row += 1
        for conflict in conflicts:
            for entry in conflict.details.get("conflicts", []):
                path = str(entry.get("path", ""))
                name = QLabel(field_label(path))
                name.setToolTip(path)
                name.setWordWrap(True)
                self.grid.addWidget(name, row, 0, Qt.AlignmentFlag.AlignTop)
                for col, side in ((1, "mine"), (2, "theirs")):
                    self.grid.addWidget(self._choice(conflict.conflict_id, path, side,
                                                     entry.get(side, MISSING)), row, col,
                                     Qt.AlignmentFlag.AlignTop)
                row += 1
                line = QFrame()
                line.setFrameShape(QFrame.Shape.HLine)
                self.grid.addWidget(line, row, 0, 1, 3)
                row += 1
        self.grid.setRowStretch(row, 1)  # rows keep their height; the rest of the space stays below them
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)

        buttons = QDialogButtonBox()
        close = buttons.addButton(tr("Later kiezen"), QDialogButtonBox.ButtonRole.RejectRole)
        close.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.addWidget(intro)
        layout.addWidget(self.error)
        layout.addWidget(scroll, 1)
        layout.addWidget(buttons)
        self.resize(720, min(640, 200 + 90 * max(1, row // 2)))

    def _choice(self, conflict_id: int, path: str, side: str, value: Any) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        text = QLabel(value_text(value))
        text.setWordWrap(True)
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        button = QPushButton(tr("Deze houden"))
        button.clicked.connect(lambda _c=False: self.keep(conflict_id, path, side))
        layout.addWidget(text)
        layout.addWidget(button, 0, Qt.AlignmentFlag.AlignLeft)
        self.keep_buttons.append((conflict_id, path, side, button))
        return box

    def keep(self, conflict_id: int, path: str, side: str) -> None:
        for cid, p, _side, button in self.keep_buttons:
            if cid == conflict_id and p == path:
                button.setEnabled(False)
        case_files = self.case_files

        def done(_result: object) -> None:
            for cid, p, s, button in self.keep_buttons:
                if cid == conflict_id and p == path:
                    button.setText(tr("Gekozen") if s == side else tr("Deze houden"))
            self.resolved.emit()
            if all(not b.isEnabled() for *_rest, b in self.keep_buttons):
                self.accept()

        def failed(exc: Exception) -> None:
            for cid, p, _s, button in self.keep_buttons:
                if cid == conflict_id and p == path:
                    button.setEnabled(True)
            show_error(self.error, tr("Die keuze kon niet bewaard worden: {reason}", reason=str(exc)))

        StoreOp(self, lambda: keep_value(case_files, conflict_id, path, side), runner=self.runner) \
            .success(done).failure(failed).run()
