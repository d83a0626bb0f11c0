""""Dossier wissen…" on an enrolled laptop: the case is erased on the server and, at their next sync, on
every laptop that holds it (`sync/erasure.erase_everywhere`, a NetworkOp). The dialog asks the
reason (it goes into the server's audit log), says how many of this laptop's unsent changes go with the
case, and keeps what was typed when the server refuses or can't be reached."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from leerrecht_core.errors import LeerrechtError
from leerrecht_core.i18n import tr
from leerrecht_core.protocol_lifecycle import MAX_ERASURE_REASON_LEN
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.sync.engine import SyncEngine
from leerrecht_desktop.sync.erasure import erase_everywhere, erased_message
from leerrecht_desktop.ui.operations import NetworkOp
from leerrecht_desktop.ui.style import mark
from leerrecht_desktop.ui.tasks import TaskRunner
from leerrecht_desktop.ui.unlock import busy_bar, error_label, show_error


class EraseDialog(QDialog):
    erased = Signal(str, str)  # case id, what the user is told

    def __init__(self, case_files: CaseFiles, case_id: str, name: str, unsent: int,
                 parent: QWidget | None = None, *, runner: TaskRunner | None = None):
        super().__init__(parent)
        self.case_files, self.case_id, self.name, self.runner = case_files, case_id, name, runner
        self.setWindowTitle(tr("Dossier overal wissen"))
        self.setMinimumWidth(520)
        self.intro = intro = QLabel(tr(
            "Het dossier van {name} wordt voorgoed gewist: op de server, op deze laptop en op elke laptop die het "
            "heeft, bij zijn volgende synchronisatie. Dit kan je niet ongedaan maken.", name=name))
        intro.setWordWrap(True)
        self.unsent_label = QLabel(tr("{n} wijzigingen van deze laptop die nog niet verstuurd zijn, gaan mee "
                                      "verloren.", n=unsent))
        self.unsent_label.setWordWrap(True)
        self.unsent_label.setVisible(unsent > 0)
        reason_label = QLabel(tr("Reden (komt in het logboek van de server; geen namen):"))
        self.reason = QLineEdit()
        self.reason.setMaxLength(MAX_ERASURE_REASON_LEN)
        self.reason.setPlaceholderText(tr("bv. verzoek van de ouders"))
        reason_label.setBuddy(self.reason)
        self.reason.setAccessibleName(tr("Reden"))
        self.error = error_label()
        self.error.setVisible(False)
        self.progress = busy_bar()
        buttons = QDialogButtonBox()
        self.erase_button: QPushButton = buttons.addButton(tr("Dossier overal wissen"),
                                                           QDialogButtonBox.ButtonRole.DestructiveRole)
        mark(self.erase_button, "danger")
        self.erase_button.clicked.connect(self.submit)
        cancel = buttons.addButton(tr("Annuleren"), QDialogButtonBox.ButtonRole.RejectRole)
        cancel.setDefault(True)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        for widget in (intro, self.unsent_label, reason_label, self.reason, self.error, self.progress, buttons):
            layout.addWidget(widget)
        self.reason.setFocus()

    def submit(self) -> None:
        self.erase_button.setEnabled(False)
        self.progress.setVisible(True)
        show_error(self.error, None)
        work = partial(erase_case_everywhere, self.case_files, self.case_id, self.reason.text(), self.name)
        NetworkOp(self, work, runner=self.runner).success(self._done).failure(self._failed).run()

    def _done(self, message: str) -> None:
        self.progress.setVisible(False)
        self.erased.emit(self.case_id, message)
        self.accept()

    def _failed(self, exc: Exception) -> None:
        # The reason stays as typed; the sentence says what to do.
        self.progress.setVisible(False)
        self.erase_button.setEnabled(True)
        show_error(self.error, str(exc) if isinstance(exc, LeerrechtError) else tr(
            "Het dossier kon niet gewist worden. Er is niets gewist; probeer het opnieuw."), self.reason)


def erase_case_everywhere(case_files: CaseFiles, case_id: str, reason: str | None, name: str) -> str:
    """`erase_everywhere` with its own engine and connection (on the network pool); what the user is told."""
    engine = SyncEngine.for_case_files(case_files)
    try:
        return erased_message(erase_everywhere(engine, case_id, reason), name)
    finally:
        engine.transport.close()
