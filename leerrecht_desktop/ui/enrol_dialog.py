"""Linking this laptop to a server ("Koppelen aan server…"): server address, user name, the one-time
enrolment code and the passphrase. Enrolment talks to the network, which may take long: it runs as a
NetworkOp (ui/operations.py), on the network pool, never on the store thread."""


from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from leerrecht_core.crypto.errors import WrongPassphrase
from leerrecht_core.i18n import tr
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.workspace import Workspace
from leerrecht_desktop.sync.account import enrol
from leerrecht_desktop.sync.errors import SyncError
from leerrecht_desktop.sync.transport import (
    BadResponse,
    CertificateProblem,
    EnrolmentInvalid,
    InsecureServerAddress,
    Unauthorized,
    Unreachable,
)
from leerrecht_desktop.ui.operations import NetworkOp
from leerrecht_desktop.ui.tasks import TaskRunner
from leerrecht_desktop.ui.unlock import (
    action_buttons,
    busy_bar,
    error_label,
    field_grid,
    passphrase_edit,
    show_error,
)


def enrol_error_field(exc: BaseException) -> str:
    """Which field an enrolment error belongs next to: server, username, code, passphrase or general."""
    if isinstance(exc, InsecureServerAddress | CertificateProblem | Unreachable | BadResponse):
        return "server"
    if isinstance(exc, EnrolmentInvalid):
        return "code"
    if isinstance(exc, WrongPassphrase):
        return "passphrase"
    if isinstance(exc, Unauthorized):
        return "username"
    return "general"


class EnrolDialog(QDialog):
    """Server address, user name, enrolment code and the worker's own passphrase → `account.enrol`."""

    enrolled = Signal()
    # After a reset, a fresh profile took the account's user id: its session is locked (unlock again).
    rebound = Signal()

    def __init__(self, workspace: Workspace, case_files: CaseFiles, parent: QWidget | None = None,
                 enrol_fn: Callable[..., Any] = enrol, *, runner: TaskRunner | None = None):
        super().__init__(parent)
        self.workspace = workspace
        self.case_files = case_files
        self.runner = runner
        self._enrol = enrol_fn
        self._busy = False
        self.setWindowTitle(tr("Koppelen aan server"))
        self.setMinimumWidth(560)

        intro = QLabel(tr("Je coördinator gaf je het adres van de server, je gebruikersnaam en een eenmalige "
                          "aanmeldcode. Je wachtwoordzin blijft op deze laptop: de server krijgt er alleen een "
                          "afgeleide sleutel van, waarmee hij niets kan ontcijferen."))
        intro.setWordWrap(True)
        intro.setObjectName("muted")
        self.server_edit = QLineEdit()
        self.server_edit.setPlaceholderText("https://leerrecht.voorbeeld.be")
        self.username_edit = QLineEdit()
        self.code_edit = QLineEdit()
        self.passphrase_edit = passphrase_edit()
        self.fields: dict[str, QLineEdit] = {"server": self.server_edit, "username": self.username_edit,
                                             "code": self.code_edit, "passphrase": self.passphrase_edit}
        self.errors = {key: error_label() for key in self.fields}
        labels = {"server": tr("Serveradres"), "username": tr("Gebruikersnaam"), "code": tr("Aanmeldcode"),
                  "passphrase": tr("Je wachtwoordzin")}
        grid = field_grid([(labels[key], field, self.errors[key]) for key, field in self.fields.items()])
        self.general_error = error_label()
        self.general_error.setObjectName("banner")
        self.progress = busy_bar()
        buttons, self.ok_button, self.cancel_button = action_buttons(tr("Koppelen"), self.submit, self.reject)
        self.passphrase_edit.returnPressed.connect(self.submit)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.addWidget(intro)
        layout.addSpacing(6)
        layout.addLayout(grid)
        layout.addWidget(self.general_error)
        layout.addWidget(self.progress)
        layout.addWidget(buttons)

    @property
    def busy(self) -> bool:
        return self._busy

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.progress.setVisible(busy)
        for field in self.fields.values():
            field.setEnabled(not busy)
        self.ok_button.setEnabled(not busy)

    def show_field_error(self, key: str, message: str) -> None:
        if key in self.errors:
            show_error(self.errors[key], message, self.fields[key])
        else:
            show_error(self.general_error, message)

    def submit(self) -> None:
        if self._busy:
            return
        for key, label in self.errors.items():
            show_error(label, None, self.fields[key])
        show_error(self.general_error, None)
        server, username = self.server_edit.text().strip(), self.username_edit.text().strip()
        code, passphrase = self.code_edit.text().strip(), self.passphrase_edit.text()
        missing = {"server": (server, tr("Vul het adres van de server in.")),
                   "username": (username, tr("Vul je gebruikersnaam in.")),
                   "code": (code, tr("Vul de aanmeldcode in die je van je coördinator kreeg.")),
                   "passphrase": (passphrase, tr("Typ je wachtwoordzin."))}
        empty = [key for key, (value, _m) in missing.items() if not value]
        for key in empty:
            self.show_field_error(key, missing[key][1])
        if empty:
            self.fields[empty[0]].setFocus()
            return
        self._set_busy(True)
        workspace, case_files, run = self.workspace, self.case_files, self._enrol
        # Network: neither the GUI nor the store thread waits for the server. An answer for a dialog
        # closed meanwhile (the app locked) is dropped.
        NetworkOp(self, lambda: run(workspace, case_files, server, username, code, passphrase),
                  runner=self.runner) \
            .success(lambda report: self._finished(None, bool(getattr(report, "rebound", False)))) \
            .failure(self._finished).run()

    def _finished(self, exc: BaseException | None, rebound: bool = False) -> None:
        self._set_busy(False)
        if exc is None:
            self.passphrase_edit.clear()
            self.code_edit.clear()
            # A rebound profile's session is locked: the window locks instead of starting the sync loop.
            (self.rebound if rebound else self.enrolled).emit()
            self.accept()
            return
        key = enrol_error_field(exc)
        if isinstance(exc, SyncError | WrongPassphrase):
            message = str(exc)
        else:
            message = tr("Koppelen is niet gelukt. Probeer het opnieuw; lukt het niet, neem dan contact op met "
                         "je coördinator.")
        self.show_field_error(key, message)
        # Input is kept; the passphrase too, except when it was the wrong one.
        if key == "passphrase":
            self.passphrase_edit.selectAll()
        field = self.fields.get(key)
        if field is not None:
            field.setFocus()
