"""Settings (language, auto-lock time, the sync server's address, where the data lives) and changing
the passphrase."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from leerrecht_core.crypto.errors import WrongPassphrase
from leerrecht_core.i18n import SUPPORTED_LANGUAGES, seconds, tr
from leerrecht_desktop.models.validation import ValidationError
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.errors import UnlockThrottled
from leerrecht_desktop.store.queries import stored_server_url
from leerrecht_desktop.store.workspace import Workspace
from leerrecht_desktop.sync.server_address import ServerCheckFailed, check_and_save_server_url
from leerrecht_desktop.ui.operations import StoreOp
from leerrecht_desktop.ui.tasks import TaskRunner
from leerrecht_desktop.ui.unlock import (
    Countdown,
    action_buttons,
    busy_bar,
    error_label,
    field_grid,
    passphrase_edit,
    show_error,
)

MIN_IDLE_MINUTES = 1
MAX_IDLE_MINUTES = 120


class SettingsDialog(QDialog):
    """Collects the settings; the main window stores and applies language and auto-lock (off the GUI
    thread). A changed server address is checked and stored by the dialog itself before it closes."""

    server_changed = Signal(str)

    def __init__(self, workspace: Workspace, parent: QWidget | None = None, *, runner: TaskRunner | None = None,
                 case_files: CaseFiles | None = None):
        super().__init__(parent)
        self.workspace = workspace
        self.runner = runner
        self.case_files = case_files
        self.current_server_url: str | None = None
        self._busy = False
        self.setWindowTitle(tr("Instellingen"))
        self.setMinimumWidth(600)
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

        self.text_size_combo = QComboBox()
        for percent, name in ((100, tr("Normaal")), (115, tr("Groter")), (130, tr("Het grootst"))):
            self.text_size_combo.addItem(f"{name} ({percent} %)", percent)
        self.text_size_combo.setCurrentIndex(max(0, self.text_size_combo.findData(workspace.text_size)))
        form.addRow(tr("Tekstgrootte"), self.text_size_combo)

        # The server: shown for every laptop, editable only for one that is linked (linking itself has
        # its own dialog, with the code from the administrator).
        self.server_edit = QLineEdit()
        self.server_edit.setEnabled(False)
        self.server_edit.returnPressed.connect(self.submit)
        self.server_error = error_label()
        self.server_help = QLabel(tr("Even kijken of deze laptop gekoppeld is…"))
        self.server_help.setObjectName("muted")
        self.server_help.setWordWrap(True)
        form.addRow(tr("Serveradres"), self.server_edit)
        form.addRow("", self.server_error)
        form.addRow(self.server_help)

        self.data_dir_edit = QLineEdit(str(workspace.data_dir))
        self.data_dir_edit.setReadOnly(True)
        self.data_dir_edit.setCursorPosition(0)
        self.open_folder_button = QPushButton(tr("Map openen"))
        self.open_folder_button.setAutoDefault(False)
        self.open_folder_button.clicked.connect(self.open_data_folder)
        data_row = QHBoxLayout()
        data_row.addWidget(self.data_dir_edit, 1)
        data_row.addWidget(self.open_folder_button)
        data_help = QLabel(tr("Alles in deze map is versleuteld. Maak er geen kopie van op een USB-stick."))
        data_help.setObjectName("muted")
        data_help.setWordWrap(True)
        form.addRow(tr("Gegevensmap"), data_row)
        form.addRow(data_help)

        self.check_label = QLabel(tr("Bezig met controleren…"))
        self.check_label.setObjectName("muted")
        self.check_label.setVisible(False)
        self.progress = busy_bar()
        buttons, self.save_button, self.cancel_button = action_buttons(tr("Bewaren"), self.submit, self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.addLayout(form)
        layout.addSpacing(8)
        layout.addWidget(self.check_label)
        layout.addWidget(self.progress)
        layout.addWidget(buttons)
        self._load_server()

    # -- the server address ----------------------------------------------------------------------------

    def _load_server(self) -> None:
        case_files, runner = self.case_files, self.runner
        if case_files is None or runner is None:
            self._show_server(None)
            return

        StoreOp(self, partial(stored_server_url, case_files), runner=runner) \
            .success(self._show_server).failure(self._server_unknown).run()

    def _server_unknown(self, _exc: Exception) -> None:
        self._show_server(None)

    def _show_server(self, url: str | None) -> None:
        self.current_server_url = url
        if url is None:
            self.server_edit.setEnabled(False)
            self.server_edit.clear()
            self.server_help.setText(tr("Deze laptop is nog niet gekoppeld aan een server. Koppelen doe je via "
                                        "Extra › Koppelen aan server…, met de code van je beheerder."))
            return
        self.server_edit.setText(url)
        self.server_edit.setPlaceholderText(tr("bv. https://leerrecht.voorbeeld.be"))
        self.server_edit.setEnabled(not self._busy)
        self.server_help.setText(tr("Verander dit alleen als de IT-dienst je een nieuw adres geeft. Leerrecht "
                                    "controleert het nieuwe adres voor het bewaard wordt."))

    def chosen_server_url(self) -> str | None:
        """The typed address when it differs from the stored one (None: nothing to check)."""
        if self.current_server_url is None:
            return None
        typed = self.server_edit.text().strip()
        return None if typed.rstrip("/") == self.current_server_url.rstrip("/") else typed

    @property
    def busy(self) -> bool:
        return self._busy

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.progress.setVisible(busy)
        self.check_label.setVisible(busy)
        self.server_edit.setEnabled(not busy and self.current_server_url is not None)
        self.save_button.setEnabled(not busy)
        self.cancel_button.setEnabled(not busy)

    def submit(self) -> None:
        if self._busy:
            return
        show_error(self.server_error, None, self.server_edit)
        new_url = self.chosen_server_url()
        if new_url is None:
            self.accept()
            return
        if not new_url:
            show_error(self.server_error, tr("Vul het adres van de server in."), self.server_edit)
            self.server_edit.setFocus()
            return
        from leerrecht_desktop.sync.errors import SyncError
        from leerrecht_desktop.sync.transport import check_server_url

        try:  # the address's form is checked at once; only the request goes to the worker
            check_server_url(new_url)
        except SyncError as exc:
            show_error(self.server_error, str(exc), self.server_edit)
            self.server_edit.setFocus()
            return
        case_files, runner = self.case_files, self.runner
        assert case_files is not None and runner is not None  # a stored address was loaded through them
        self._set_busy(True)
        # On the store thread, not the network pool: it ends in a store write, and a short timeout
        # (sync/server_address.py) keeps queued saves waiting seconds at most.
        StoreOp(self, partial(check_and_save_server_url, case_files, new_url), runner=runner) \
            .success(self._server_saved).failure(self._server_refused).run()

    def _server_saved(self, url: str) -> None:
        self._set_busy(False)
        self.current_server_url = url
        self.server_edit.setText(url)
        self.server_changed.emit(url)
        self.accept()

    def _server_refused(self, exc: Exception) -> None:
        self._set_busy(False)
        message = str(exc) if isinstance(exc, ServerCheckFailed) else tr(
            "Het nieuwe adres kon niet gecontroleerd worden. Het oude adres blijft gelden; probeer het opnieuw.")
        # What was typed stays, so a typo is fixed rather than typed again.
        show_error(self.server_error, message, self.server_edit)
        self.server_edit.setFocus()

    def reject(self) -> None:
        if self._busy:  # the check ends in a store write: let it finish rather than leave it half-known
            return
        super().reject()

    # -- the rest ---------------------------------------------------------------------------------------

    def open_data_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.workspace.data_dir)))

    def chosen_language(self) -> str:
        return str(self.language_combo.currentData())

    def chosen_idle_minutes(self) -> int:
        return int(self.idle_spin.value())

    def chosen_text_size(self) -> int:
        return int(self.text_size_combo.currentData())


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

        self.progress = busy_bar()
        buttons, self.ok_button, self.cancel_button = action_buttons(tr("Wijzigen"), self.submit, self.reject)
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
            if case_files is None:
                workspace.change_passphrase(old, new, confirm)
                return
            # An enrolled laptop tells the server at its next sync (proven with the old passphrase), so a
            # further laptop logs in with the new one; queued here, sent by the background loop (never
            # network on this thread).
            from leerrecht_desktop.sync.account import change_passphrase

            change_passphrase(workspace, case_files, old, new, confirm)

        StoreOp(self, change, runner=self.runner).success(self._done).failure(self._failed).run()

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
