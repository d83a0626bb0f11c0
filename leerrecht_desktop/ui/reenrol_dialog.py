""""Wachtwoordzin vergeten": enrolling again on this data folder after the beheerder reset the account,
the same flow as `leerrecht enroll --reset-profile` (sync/reenrol.py): an explicit confirmation, then
the old profile's unsent changes are delivered, then it is set aside in backups/, then the new profile
with the new passphrase takes its place.

The old profile can't be unlocked, so this runs without a session: the caller closes its workspace
(`before`) and opens the data folder again afterwards (the `replaced` signal). Counting the unsent
changes is store work (a StoreOp); the enrolment and delivery talk to the server (a NetworkOp)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QDialog, QLabel, QLineEdit, QVBoxLayout, QWidget

from leerrecht_core.errors import LeerrechtError
from leerrecht_core.i18n import tr
from leerrecht_desktop.models.passphrase import passphrase_problem
from leerrecht_desktop.sync.reenrol import Reenrolled, reenrol_forgotten, unsent_changes
from leerrecht_desktop.ui.operations import NetworkOp, StoreOp
from leerrecht_desktop.ui.tasks import TaskRunner
from leerrecht_desktop.ui.unlock import action_buttons, busy_bar, error_label, field_grid, passphrase_edit, show_error


class ResetProfileDialog(QDialog):
    """Server, user name, the new code and a new passphrase (twice), and the confirmation → `reenrol_forgotten`."""

    replaced = Signal(str)  # the new profile is in place; the argument: where the old one was set aside

    def __init__(self, data_dir: Path, parent: QWidget | None = None, *, runner: TaskRunner | None = None,
                 reenrol_fn: Callable[..., Reenrolled] = reenrol_forgotten,
                 count_fn: Callable[[Path], int] = unsent_changes, before: Callable[[], Any] | None = None):
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        self.runner = runner
        self._reenrol = reenrol_fn
        self._before = before
        self._busy = False
        self.setWindowTitle(tr("Wachtwoordzin vergeten"))
        self.setMinimumWidth(580)

        intro = QLabel(tr("Je oude profiel kan zonder je wachtwoordzin niet meer open. Met een nieuwe aanmeldcode "
                          "van de beheerder maak je een nieuw profiel met een nieuwe wachtwoordzin; je dossiers "
                          "komen terug zodra de beheerder ze hersteld heeft."))
        intro.setWordWrap(True)
        intro.setObjectName("muted")
        self.unsent_label = QLabel(tr("Niet-verstuurde wijzigingen tellen…"))
        self.unsent_label.setWordWrap(True)
        self.server_edit = QLineEdit()
        self.server_edit.setPlaceholderText("https://leerrecht.voorbeeld.be")
        self.username_edit = QLineEdit()
        self.code_edit = QLineEdit()
        self.passphrase_edit = passphrase_edit()
        self.confirm_edit = passphrase_edit()
        self.fields: dict[str, QLineEdit] = {"server": self.server_edit, "username": self.username_edit,
                                             "code": self.code_edit, "passphrase": self.passphrase_edit,
                                             "confirm": self.confirm_edit}
        self.errors = {key: error_label() for key in self.fields}
        labels = {"server": tr("Serveradres"), "username": tr("Gebruikersnaam"), "code": tr("Nieuwe aanmeldcode"),
                  "passphrase": tr("Nieuwe wachtwoordzin"), "confirm": tr("Nieuwe wachtwoordzin nog een keer")}
        grid = field_grid([(labels[key], field, self.errors[key]) for key, field in self.fields.items()])
        # A checkbox does not wrap: the short confirmation, and what it does in a label above it.
        self.steps_label = QLabel(tr("Eerst wordt verstuurd wat nog niet verstuurd was. Pas als alles aangekomen is, "
                                     "gaat het oude profiel naar {path}: er wordt niets gewist.",
                                     path=str(self.data_dir / "backups")))
        self.steps_label.setWordWrap(True)
        self.confirm_check = QCheckBox(tr("Ik ben mijn wachtwoordzin vergeten: vervang mijn profiel."))
        self.general_error = error_label()
        self.general_error.setObjectName("banner")
        self.progress = busy_bar()
        buttons, self.ok_button, self.cancel_button = action_buttons(tr("Nieuw profiel maken"), self.submit,
                                                                     self.reject)
        self.ok_button.setEnabled(False)  # only after the explicit confirmation
        self.confirm_check.toggled.connect(lambda on: self.ok_button.setEnabled(on and not self._busy))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.addWidget(intro)
        layout.addWidget(self.unsent_label)
        layout.addSpacing(6)
        layout.addLayout(grid)
        layout.addWidget(self.steps_label)
        layout.addWidget(self.confirm_check)
        layout.addWidget(self.general_error)
        layout.addWidget(self.progress)
        layout.addWidget(buttons)
        data_dir = self.data_dir
        StoreOp(self, lambda: count_fn(data_dir), runner=runner).success(self._show_unsent) \
            .failure(lambda _exc: self.unsent_label.setText("")).run()

    def _show_unsent(self, n: int) -> None:
        self.unsent_label.setText(
            tr("Er is niets dat nog verstuurd moet worden.") if n == 0 else
            tr("{n} wijzigingen zijn nog niet verstuurd: ze worden eerst verstuurd, met je nieuwe aanmelding.", n=n))

    @property
    def busy(self) -> bool:
        return self._busy

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.progress.setVisible(busy)
        for field in self.fields.values():
            field.setEnabled(not busy)
        self.confirm_check.setEnabled(not busy)
        self.ok_button.setEnabled(not busy and self.confirm_check.isChecked())

    def submit(self) -> None:
        if self._busy or not self.confirm_check.isChecked():
            return
        for key, label in self.errors.items():
            show_error(label, None, self.fields[key])
        show_error(self.general_error, None)
        values = {key: field.text() if key in ("passphrase", "confirm") else field.text().strip()
                  for key, field in self.fields.items()}
        missing = {"server": tr("Vul het adres van de server in."), "username": tr("Vul je gebruikersnaam in."),
                   "code": tr("Vul de nieuwe aanmeldcode in die je van de beheerder kreeg."),
                   "passphrase": tr("Kies een nieuwe wachtwoordzin."), "confirm": tr("Typ de nieuwe wachtwoordzin "
                                                                                   "nog een keer.")}
        problems = {key: message for key, message in missing.items() if not values[key]}
        if not problems:
            problem = passphrase_problem(values["passphrase"], name=values["username"])
            if problem:
                problems["passphrase"] = problem
            elif values["confirm"] != values["passphrase"]:
                problems["confirm"] = tr("De twee wachtwoordzinnen zijn niet gelijk. Typ ze opnieuw.")
        for key, message in problems.items():
            show_error(self.errors[key], message, self.fields[key])
        if problems:
            self.fields[next(iter(problems))].setFocus()
            return
        self._set_busy(True)
        run, data_dir, before = self._reenrol, self.data_dir, self._before

        def work() -> Reenrolled:
            if before is not None:
                before()  # the app lets go of the old database before it moves
            return run(data_dir, values["server"], values["username"], values["code"], values["passphrase"])

        NetworkOp(self, work, runner=self.runner).success(self._done).failure(self._failed).run()

    def _done(self, result: Reenrolled) -> None:
        self._set_busy(False)
        self.passphrase_edit.clear()
        self.confirm_edit.clear()
        self.replaced.emit(str(result.set_aside))
        self.accept()

    def _failed(self, exc: Exception) -> None:
        self._set_busy(False)
        # A refusal of ours is worded for the user (DeliveryFailed says nothing was set aside); anything
        # else gets a general sentence, never its own text (it could hold a path or a value).
        message = str(exc) if isinstance(exc, LeerrechtError) else \
            tr("Het nieuwe profiel maken is niet gelukt. Er is niets opzij gezet; probeer het opnieuw.")
        show_error(self.general_error, message)
