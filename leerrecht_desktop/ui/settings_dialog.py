"""Settings (language, auto-lock time, where the data lives) and changing the passphrase."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from leerrecht_desktop.crypto.errors import WrongPassphrase
from leerrecht_desktop.models.i18n import SUPPORTED_LANGUAGES, seconds, tr
from leerrecht_desktop.models.validation import ValidationError
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.errors import UnlockThrottled
from leerrecht_desktop.store.workspace import Workspace
from leerrecht_desktop.ui.style import mark
from leerrecht_desktop.ui.tasks import TaskRunner
from leerrecht_desktop.ui.unlock import Countdown, error_label, field_grid, passphrase_edit, show_error

MIN_IDLE_MINUTES = 1
MAX_IDLE_MINUTES = 120


class SettingsDialog(QDialog):
    """Collects the settings; the main window stores and applies them (off the GUI thread)."""

    def __init__(self, workspace: Workspace, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(tr("Instellingen"))
        self.setMinimumWidth(560)
        form = QFormLayout()
        form.setVerticalSpacing(10)

        self.language_combo = QComboBox()
        for code, name in SUPPORTED_LANGUAGES.items():
            self.language_combo.addItem(name, code)
        self.language_combo.setCurrentIndex(max(0, self.language_combo.findData(workspace.language)))
        form.addRow(tr("Taal"), self.language_combo)

        self.idle_spin = QSpinBox()
        self.idle_spin.setRange(MIN_IDLE_MINUTES, MAX_IDLE_MINUTES)
        self.idle_spin.setSuffix(" " + tr("minuten"))
        self.idle_spin.setValue(min(MAX_IDLE_MINUTES, workspace.idle_lock_minutes))
        idle_help = QLabel(tr("Leerrecht vergrendelt zichzelf als je zo lang niets doet."))
        idle_help.setObjectName("muted")
        idle_help.setWordWrap(True)
        form.addRow(tr("Automatisch vergrendelen na"), self.idle_spin)
        form.addRow(idle_help)

        self.data_dir_edit = QLineEdit(str(workspace.data_dir))
        self.data_dir_edit.setReadOnly(True)
        self.data_dir_edit.setCursorPosition(0)
        data_help = QLabel(tr("Alles in deze map is versleuteld. Maak er geen kopie van op een USB-stick."))
        data_help.setObjectName("muted")
        data_help.setWordWrap(True)
        form.addRow(tr("Gegevensmap"), self.data_dir_edit)
        form.addRow(data_help)

        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton(tr("Bewaren"), QDialogButtonBox.ButtonRole.AcceptRole)
        mark(self.save_button, "primary")
        buttons.addButton(tr("Annuleren"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.addLayout(form)
        layout.addSpacing(8)
        layout.addWidget(buttons)

    def chosen_language(self) -> str:
        return str(self.language_combo.currentData())

    def chosen_idle_minutes(self) -> int:
        return int(self.idle_spin.value())


class ChangePassphraseDialog(QDialog):
    """Old passphrase, new one twice. The secrets are re-wrapped off the GUI thread."""

    changed = Signal()

    def __init__(self, workspace: Workspace, runner: TaskRunner, parent: QWidget | None = None,
                 case_files: CaseFiles | None = None):
        super().__init__(parent)
        self.workspace = workspace
        self.runner = runner
        self.case_files = case_files
        self._busy = False
        self.setWindowTitle(tr("Wachtwoordzin wijzigen"))
        self.setMinimumWidth(520)

        intro = QLabel(tr("Je nieuwe wachtwoordzin geldt meteen. Je dossiers blijven zoals ze zijn."))
        intro.setWordWrap(True)
        intro.setObjectName("muted")
        self.old_edit = passphrase_edit()
        self.new_edit = passphrase_edit()
        self.confirm_edit = passphrase_edit()
        self.errors = {"old": error_label(), "passphrase": error_label(), "confirm": error_label()}
        self.fields: dict[str, QWidget] = {"old": self.old_edit, "passphrase": self.new_edit,
                                           "confirm": self.confirm_edit}
        labels = {"old": tr("Huidige wachtwoordzin"), "passphrase": tr("Nieuwe wachtwoordzin"),
                  "confirm": tr("Herhaal nieuwe wachtwoordzin")}
        form = field_grid([(labels[key], field, self.errors[key]) for key, field in self.fields.items()])
        self.general_error = error_label()
        self.general_error.setObjectName("banner")

        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setTextVisible(False)
        self.progress.setVisible(False)

        buttons = QDialogButtonBox()
        self.ok_button: QPushButton = buttons.addButton(tr("Wijzigen"), QDialogButtonBox.ButtonRole.ActionRole)
        mark(self.ok_button, "primary")
        self.ok_button.setDefault(True)
        self.ok_button.clicked.connect(self.submit)
        self.cancel_button = buttons.addButton(tr("Annuleren"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.rejected.connect(self.reject)
        self.confirm_edit.returnPressed.connect(self.submit)

        self.countdown = Countdown(self)
        self.countdown.changed.connect(self._show_remaining)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.addWidget(intro)
        layout.addSpacing(6)
        layout.addLayout(form)
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
        self.ok_button.setEnabled(not busy and self.countdown.remaining() <= 0)
        self.cancel_button.setEnabled(not busy)

    def submit(self) -> None:
        if self._busy or self.countdown.remaining() > 0:
            return
        for key, label in self.errors.items():
            show_error(label, None, self.fields[key])
        show_error(self.general_error, None)
        old, new, confirm = self.old_edit.text(), self.new_edit.text(), self.confirm_edit.text()
        if not old:
            show_error(self.errors["old"], tr("Typ je huidige wachtwoordzin."), self.old_edit)
            return
        workspace, case_files = self.workspace, self.case_files
        self._set_busy(True)

        def change() -> None:
            workspace.change_passphrase(old, new, confirm)
            if case_files is not None:
                # An enrolled laptop tells the server at its next sync, so a further laptop logs in with
                # the new passphrase; queued here, sent by the background loop (never network on this thread).
                from leerrecht_desktop.sync.account import queue_passphrase_change

                queue_passphrase_change(workspace, case_files, new)

        self.runner.submit(change, self._done, self._failed)

    def _done(self, _result: object) -> None:
        self._set_busy(False)
        for field in (self.old_edit, self.new_edit, self.confirm_edit):
            field.clear()
        self.changed.emit()
        self.accept()

    def _failed(self, exc: Exception) -> None:
        self._set_busy(False)
        if isinstance(exc, ValidationError):
            for key in ("passphrase", "confirm"):
                show_error(self.errors[key], exc.for_field(key), self.fields[key])
            (self.new_edit if exc.for_field("passphrase") else self.confirm_edit).setFocus()
        elif isinstance(exc, WrongPassphrase):
            show_error(self.errors["old"], str(exc), self.old_edit)
            self.old_edit.setFocus()
            self.old_edit.selectAll()
            if isinstance(exc, UnlockThrottled) and exc.wait_seconds > 0:
                self.countdown.start(exc.wait_seconds)
        else:
            show_error(self.general_error, tr(
                "De wachtwoordzin kon niet gewijzigd worden. Je oude wachtwoordzin blijft gelden. "
                "Probeer het opnieuw."))

    def _show_remaining(self, left: int) -> None:
        if left > 0:
            self.ok_button.setEnabled(False)
            self.ok_button.setText(tr("Wacht nog {wait}", wait=seconds(left)))
        else:
            self.ok_button.setText(tr("Wijzigen"))
            self.ok_button.setEnabled(not self._busy)

    def reject(self) -> None:
        if self._busy:  # the re-wrap is one transaction; let it finish rather than leave the user guessing
            return
        super().reject()
