"""Sharing a case with colleagues and taking them off ("Delen…"): the colleague list comes from the
server (a NetworkOp); the change itself is sync/sharing.py's."""


from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from leerrecht_core.i18n import tr
from leerrecht_desktop.models.enums import Role
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.errors import CaseNotFound
from leerrecht_desktop.sync.errors import SyncError
from leerrecht_desktop.sync.sharing import change_members, fetch_colleagues
from leerrecht_desktop.ui.operations import NetworkOp
from leerrecht_desktop.ui.style import mark
from leerrecht_desktop.ui.tasks import TaskRunner
from leerrecht_desktop.ui.unlock import (
    busy_bar,
    error_label,
    show_error,
)


def _role_label(role: str) -> str:
    try:
        return Role(role).label
    except ValueError:
        return role


class ShareDialog(QDialog):
    """"Delen met collega…": tick the colleagues of the team who work on this case. The team list comes
    from the server (its directory); the changes themselves queue locally and go out with the next sync,
    so saving works offline once the list was fetched. Network: a NetworkOp, never the store thread."""

    shared = Signal()

    def __init__(self, case_files: CaseFiles, case_id: str, parent: QWidget | None = None, *,
                 runner: TaskRunner | None = None):
        super().__init__(parent)
        self.case_files = case_files
        self.case_id = case_id
        self.runner = runner
        self._members: set[str] = set()
        self.setWindowTitle(tr("Delen met collega"))
        self.setMinimumWidth(460)
        intro = QLabel(tr("Vink de collega's van je team aan die dit dossier mogen zien. Wie je afvinkt, verliest "
                          "het dossier bij de volgende synchronisatie; wat daarna bewaard wordt, krijgt een nieuwe "
                          "sleutel."))
        intro.setWordWrap(True)
        intro.setObjectName("muted")
        self.list = QListWidget()
        self.error = error_label()
        self.error.setObjectName("banner")
        self.progress = busy_bar(visible=True)
        buttons = QDialogButtonBox()
        self.ok_button: QPushButton = buttons.addButton(tr("Bewaren"), QDialogButtonBox.ButtonRole.ActionRole)
        mark(self.ok_button, "primary")
        self.ok_button.setEnabled(False)
        self.ok_button.clicked.connect(self.submit)
        buttons.addButton(tr("Annuleren"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.addWidget(intro)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.progress)
        layout.addWidget(buttons)
        self._run(partial(fetch_colleagues, case_files, case_id), self._show_list)

    def _run(self, work: Callable[[], Any], shown: Callable[[Any], None]) -> None:
        """Network work for this dialog; its outcome (a result, or the exception) goes to `shown`."""
        self.progress.setVisible(True)
        NetworkOp(self, work, runner=self.runner).success(shown).failure(shown).run()

    def _show_list(self, outcome: Any) -> None:
        self.progress.setVisible(False)
        if isinstance(outcome, Exception):
            show_error(self.error, str(outcome) if isinstance(outcome, SyncError) else tr(
                "De lijst van collega's kon niet opgehaald worden. Probeer het opnieuw."))
            return
        colleagues, members = outcome
        self._members = set(members)
        for entry in colleagues:
            item = QListWidgetItem(f"{entry.display_name} · {_role_label(entry.role)}")
            item.setData(Qt.ItemDataRole.UserRole, entry.user_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if entry.user_id in self._members else Qt.CheckState.Unchecked)
            self.list.addItem(item)
        if not colleagues:
            show_error(self.error, tr("Er zijn nog geen andere collega's in je team op de server."))
        self.ok_button.setEnabled(bool(colleagues))

    def checked(self) -> dict[str, bool]:
        out: dict[str, bool] = {}
        for row in range(self.list.count()):
            item = self.list.item(row)
            out[str(item.data(Qt.ItemDataRole.UserRole))] = item.checkState() == Qt.CheckState.Checked
        return out

    def submit(self) -> None:
        choice = self.checked()
        add = [uid for uid, on in choice.items() if on and uid not in self._members]
        remove = [uid for uid, on in choice.items() if not on and uid in self._members]
        if not add and not remove:
            self.accept()
            return
        self.ok_button.setEnabled(False)
        self._run(partial(change_members, self.case_files, self.case_id, add, remove), self._done)

    def _done(self, outcome: Any) -> None:
        self.progress.setVisible(False)
        if isinstance(outcome, Exception):
            self.ok_button.setEnabled(True)
            show_error(self.error, str(outcome) if isinstance(outcome, SyncError | CaseNotFound) else tr(
                "Delen is niet gelukt. Probeer het opnieuw."))
            return
        self.shared.emit()
        self.accept()
