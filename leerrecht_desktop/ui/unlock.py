"""The two doors into the app: the first-start window (make a profile) and the unlock window.

Both run the deliberately slow Argon2id key derivation on the TaskRunner, so the window stays
responsive and shows that it is working."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from leerrecht_core.crypto.errors import WrongPassphrase
from leerrecht_core.errors import LeerrechtError
from leerrecht_core.i18n import seconds, tr
from leerrecht_desktop.models.enums import Role
from leerrecht_desktop.models.validation import ValidationError
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.errors import ProfileExists, UnlockThrottled
from leerrecht_desktop.store.workspace import Workspace
from leerrecht_desktop.ui.models import FIRST_PART
from leerrecht_desktop.ui.operations import StoreOp
from leerrecht_desktop.ui.screen import fit_on_screen
from leerrecht_desktop.ui.style import mark
from leerrecht_desktop.ui.tasks import TaskRunner


def error_label() -> QLabel:
    label = QLabel()
    label.setObjectName("fieldError")
    label.setWordWrap(True)
    label.setVisible(False)
    return label


def when_edited(field: QWidget, then: Callable[[], None]) -> None:
    """Call `then` each time the person changes `field` (typing, choosing, ticking): an error message
    about what was there must not stay once it is being put right. Connected once per field."""
    if field.property("clearsError"):
        return
    field.setProperty("clearsError", True)
    for name in ("textEdited", "textChanged", "currentIndexChanged", "toggled", "dateChanged", "valueChanged",
                 "changed"):
        signal = getattr(field, name, None)
        if signal is not None and hasattr(signal, "connect"):
            signal.connect(lambda *_args: then())
            return


def show_error(label: QLabel, message: str | None, field: QWidget | None = None) -> None:
    label.setText(message or "")
    label.setVisible(bool(message))
    if field is not None:
        mark(field, "invalid", bool(message))
        field.setAccessibleDescription(message or "")
        if message:
            when_edited(field, lambda: show_error(label, None, field) if label.isVisible() else None)
    window = label.window()
    if isinstance(window, QDialog):
        fit_height(window)


def fit_height(window: QWidget) -> None:
    """Make a window tall enough for its wrapped text. Qt grows a window for its layout's minimum
    size, but word-wrapped labels count only one line there, so new error lines squeeze the fields."""
    layout = window.layout()
    if layout is None or not layout.hasHeightForWidth():
        return
    needed = layout.totalHeightForWidth(window.width())
    if needed > window.height():
        window.resize(window.width(), needed)
        fit_on_screen(window)  # grown for an error line: still all on the screen


def field_grid(rows: list[tuple[str, QWidget, QLabel]]) -> QGridLayout:
    """Label and field side by side, the field's error line under the field. A grid row of its own
    per error line: a form layout does not count nested lines in its height and squeezes the fields."""
    grid = QGridLayout()
    grid.setHorizontalSpacing(14)
    grid.setVerticalSpacing(2)
    grid.setColumnStretch(1, 1)
    for i, (text, field, error) in enumerate(rows):
        label = QLabel(text)
        label.setBuddy(field)
        grid.addWidget(label, 2 * i, 0)
        grid.addWidget(field, 2 * i, 1)
        grid.addWidget(error, 2 * i + 1, 1)
        grid.setRowMinimumHeight(2 * i + 1, 6)  # a little air between the fields when there is no error
    return grid


def passphrase_edit() -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    # No autocomplete, no input method history: a passphrase must not linger anywhere.
    edit.setInputMethodHints(Qt.InputMethodHint.ImhSensitiveData | Qt.InputMethodHint.ImhNoPredictiveText
                             | Qt.InputMethodHint.ImhHiddenText)
    return edit


def busy_bar(*, visible: bool = False) -> QProgressBar:
    """An indeterminate bar, shown while a dialog's work runs on the worker thread."""
    bar = QProgressBar()
    bar.setRange(0, 0)
    bar.setTextVisible(False)
    bar.setVisible(visible)
    return bar


def action_buttons(label: str, submit: Callable[[], None],
                   reject: Callable[[], None]) -> tuple[QDialogButtonBox, QPushButton, QPushButton]:
    """A dialog's primary button (the default, Enter) and "Annuleren": (box, primary, cancel)."""
    box = QDialogButtonBox()
    primary = box.addButton(label, QDialogButtonBox.ButtonRole.ActionRole)
    mark(primary, "primary")
    primary.setDefault(True)
    primary.clicked.connect(submit)
    cancel = box.addButton(tr("Annuleren"), QDialogButtonBox.ButtonRole.RejectRole)
    box.rejected.connect(reject)
    return box, primary, cancel


class Countdown(QObject):
    """Whole seconds left until a deadline on the monotonic clock. Counting timer ticks instead could end
    early (Qt lets ordinary timers fire up to 5 % sooner), and the store would refuse that try."""

    changed = Signal(int)  # seconds left; 0 when the wait is over

    MARGIN = 0.05

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._deadline = 0.0
        self._shown = 0
        self._timer = QTimer(self)
        self._timer.setInterval(200)
        self._timer.timeout.connect(self._tick)

    def start(self, wait_seconds: float) -> None:
        self._deadline = time.monotonic() + max(0.0, wait_seconds) + self.MARGIN
        self._shown = -1
        self._timer.start()
        self._tick()

    def remaining(self) -> int:
        return max(0, math.ceil(self._deadline - time.monotonic()))

    def _tick(self) -> None:
        left = self.remaining()
        if left <= 0:
            self._timer.stop()
        if left != self._shown:
            self._shown = left
            self.changed.emit(left)


class _DoorWindow(QWidget):
    """A calm page with one centred card, a busy line and a general error line."""

    unlocked = Signal(object)  # CaseFiles

    def __init__(self, workspace: Workspace, runner: TaskRunner, title: str, subtitle: str):
        super().__init__()
        self.workspace = workspace
        self.runner = runner
        self.setObjectName("page")
        self.setWindowTitle(tr("Leerrecht"))
        self._busy = False

        outer = QVBoxLayout(self)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        self.card = QFrame()
        self.card.setObjectName("card")
        self.card.setMinimumWidth(460)
        self.card.setMaximumWidth(560)
        row.addWidget(self.card, 4)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)

        self.card_layout = QVBoxLayout(self.card)
        self.card_layout.setContentsMargins(32, 28, 32, 28)
        self.card_layout.setSpacing(10)
        heading = QLabel(title)
        heading.setObjectName("title")
        self.card_layout.addWidget(heading)
        intro = QLabel(subtitle)
        intro.setObjectName("subtitle")
        intro.setWordWrap(True)
        self.card_layout.addWidget(intro)
        self.card_layout.addSpacing(8)

        self.body = QVBoxLayout()
        self.card_layout.addLayout(self.body)

        self.general_error = error_label()
        self.general_error.setObjectName("banner")
        self.card_layout.addWidget(self.general_error)

        self.progress = busy_bar()
        self.busy_label = QLabel()
        self.busy_label.setObjectName("muted")
        self.busy_label.setVisible(False)
        self.card_layout.addWidget(self.busy_label)
        self.card_layout.addWidget(self.progress)

        self.button = QPushButton()
        mark(self.button, "primary")
        self.button.setDefault(True)
        self.button.setMinimumHeight(38)
        self.button.clicked.connect(self.submit)
        self.button_row = QHBoxLayout()
        self.button_row.addStretch(1)
        self.button_row.addWidget(self.button)
        self.card_layout.addSpacing(6)
        self.card_layout.addLayout(self.button_row)

    @property
    def busy(self) -> bool:
        return self._busy

    def set_busy(self, busy: bool, message: str = "") -> None:
        self._busy = busy
        self.progress.setVisible(busy)
        self.busy_label.setText(message)
        self.busy_label.setVisible(busy)
        for child in self.card.findChildren(QLineEdit) + self.card.findChildren(QComboBox):
            child.setEnabled(not busy)
        self.button.setEnabled(not busy)

    def submit(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def closeEvent(self, event: QCloseEvent) -> None:
        # Closing the door while the key derivation runs would leave its result with nowhere to go.
        if self._busy:
            event.ignore()
        else:
            super().closeEvent(event)


class FirstStartWindow(_DoorWindow):
    """Make the one local profile of this laptop: who you are and the passphrase that protects it all."""

    def __init__(self, workspace: Workspace, runner: TaskRunner):
        super().__init__(
            workspace, runner, tr("Welkom bij Leerrecht"),
            tr("Maak je profiel aan. Je wachtwoordzin beschermt alle dossiers op deze laptop: "
               "kies een zin van minstens 12 tekens die alleen jij kent, bv. vier losse woorden."),
        )

        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText(tr("Voornaam en familienaam"))
        self.role_combo = QComboBox()
        self.role_combo.addItem(tr("Kies je rol…"), "")
        for role in Role:
            self.role_combo.addItem(role.label, role.value)
        self.team_edit = QLineEdit()
        self.team_edit.setPlaceholderText(tr("bv. Netsterk Noord, Arktos"))
        self.passphrase_edit = passphrase_edit()
        self.confirm_edit = passphrase_edit()
        self.show_check = QCheckBox(tr("Wachtwoordzin tonen"))
        self.show_check.toggled.connect(self._toggle_visible)

        self.errors = {name: error_label() for name in ("name", "role", "team", "passphrase", "confirm")}
        self.fields: dict[str, QWidget] = {
            "name": self.name_edit, "role": self.role_combo, "team": self.team_edit,
            "passphrase": self.passphrase_edit, "confirm": self.confirm_edit,
        }
        labels = {
            "name": tr("Naam"), "role": tr("Rol"), "team": tr("Team of organisatie"),
            "passphrase": tr("Wachtwoordzin"), "confirm": tr("Herhaal wachtwoordzin"),
        }
        form = field_grid([(labels[key], field, self.errors[key]) for key, field in self.fields.items()])
        form.addWidget(self.show_check, 2 * len(self.fields), 1)
        self.body.addLayout(form)

        self.button.setText(tr("Profiel aanmaken"))
        self.confirm_edit.returnPressed.connect(self.submit)
        self.name_edit.setFocus()

    def _toggle_visible(self, visible: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if visible else QLineEdit.EchoMode.Password
        self.passphrase_edit.setEchoMode(mode)
        self.confirm_edit.setEchoMode(mode)

    def _clear_errors(self) -> None:
        for key, label in self.errors.items():
            show_error(label, None, self.fields[key])
        show_error(self.general_error, None)

    def submit(self) -> None:
        if self.busy:
            return
        self._clear_errors()
        name, role, team = self.name_edit.text(), str(self.role_combo.currentData() or ""), self.team_edit.text()
        passphrase, confirm = self.passphrase_edit.text(), self.confirm_edit.text()
        workspace = self.workspace
        self.set_busy(True, tr("Je profiel wordt aangemaakt en beveiligd…"))
        StoreOp(self, lambda: workspace.create_profile(name=name, role=role, team=team, passphrase=passphrase,
                                                       confirm=confirm), runner=self.runner) \
            .success(self._done).failure(self._failed).run()

    def _done(self, case_files: CaseFiles) -> None:
        self.set_busy(False)
        self.passphrase_edit.clear()
        self.confirm_edit.clear()
        self.unlocked.emit(case_files)

    def _failed(self, exc: Exception) -> None:
        self.set_busy(False)
        if isinstance(exc, ValidationError):
            first: QWidget | None = None
            for key, label in self.errors.items():
                message = exc.for_field(key)
                show_error(label, message, self.fields[key])
                if message and first is None:
                    first = self.fields[key]
            unknown = [e.message for e in exc.errors if e.field not in self.errors]
            if unknown:
                show_error(self.general_error, " ".join(unknown))
            if first is not None:
                first.setFocus()
        elif isinstance(exc, ProfileExists):
            show_error(self.general_error, str(exc))
        else:
            show_error(self.general_error, tr(
                "Het profiel kon niet aangemaakt worden. Probeer het opnieuw; lukt het niet, "
                "neem dan contact op met je coördinator."))


class UnlockWindow(_DoorWindow):
    """Ask the passphrase. After a wrong one, the store makes you wait; the button counts down."""

    forgot = Signal()  # "Wachtwoordzin vergeten…": the Shell offers a new profile (ui/reenrol_dialog.py)

    def __init__(self, workspace: Workspace, runner: TaskRunner):
        super().__init__(
            workspace, runner, tr("Leerrecht is vergrendeld"),
            tr("Typ je wachtwoordzin om je dossiers te openen."),
        )
        label = QLabel(tr("Wachtwoordzin"))
        self.passphrase_edit = passphrase_edit()
        label.setBuddy(self.passphrase_edit)
        self.error = error_label()
        self.show_check = QCheckBox(tr("Wachtwoordzin tonen"))
        self.show_check.toggled.connect(
            lambda on: self.passphrase_edit.setEchoMode(
                QLineEdit.EchoMode.Normal if on else QLineEdit.EchoMode.Password))
        self.body.addWidget(label)
        self.body.addWidget(self.passphrase_edit)
        self.body.addWidget(self.error)
        self.body.addWidget(self.show_check)
        self.forgot_button = QPushButton(tr("Wachtwoordzin vergeten…"))
        mark(self.forgot_button, "link")  # a way out, not an action beside "Ontgrendelen"
        self.forgot_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.forgot_button.clicked.connect(self.forgot.emit)
        self.button_row.insertWidget(0, self.forgot_button)
        self.button.setText(tr("Ontgrendelen"))
        self.passphrase_edit.returnPressed.connect(self.submit)

        self.countdown = Countdown(self)
        self.countdown.changed.connect(self._show_remaining)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.passphrase_edit.clear)

    @property
    def waiting(self) -> bool:
        return self.countdown.remaining() > 0

    def prepare(self) -> None:
        """Before showing: a wait left over from wrong tries (also from an earlier run) still counts."""
        self.passphrase_edit.clear()
        show_error(self.general_error, None)
        try:
            wait = self.workspace.unlock_wait_seconds()
        except Exception:  # no profile or unreadable: the unlock attempt itself will say what is wrong
            wait = 0.0
        if wait > 0:
            show_error(self.error, tr("Na foute pogingen moet je even wachten."), self.passphrase_edit)
            self.start_countdown(wait)
        else:
            show_error(self.error, None, self.passphrase_edit)
        self.passphrase_edit.setFocus()

    def start_countdown(self, wait_seconds: float) -> None:
        self.countdown.start(wait_seconds)

    def _show_remaining(self, left: int) -> None:
        if left > 0:
            self.button.setEnabled(False)
            self.button.setText(tr("Wacht nog {wait}", wait=seconds(left)))
        else:
            self.button.setText(tr("Ontgrendelen"))
            self.button.setEnabled(not self.busy)
            self.passphrase_edit.setFocus()
            self.passphrase_edit.selectAll()

    def set_busy(self, busy: bool, message: str = "") -> None:
        super().set_busy(busy, message)
        if self.waiting:
            self.button.setEnabled(False)

    def submit(self) -> None:
        if self.busy or self.waiting:
            return
        passphrase = self.passphrase_edit.text()
        if not passphrase:
            show_error(self.error, tr("Typ je wachtwoordzin."), self.passphrase_edit)
            return
        show_error(self.error, None, self.passphrase_edit)
        show_error(self.general_error, None)
        workspace = self.workspace

        def unlock() -> CaseFiles:
            case_files = workspace.unlock(passphrase)
            # The case list's first part, off the GUI thread; the window brings in the rest behind it.
            case_files.read_summaries(FIRST_PART)
            return case_files

        self.set_busy(True, tr("Bezig met ontgrendelen…"))
        StoreOp(self, unlock, runner=self.runner).success(self._done).failure(self._failed).run()

    def _done(self, case_files: CaseFiles) -> None:
        self.set_busy(False)
        self.passphrase_edit.clear()
        self.unlocked.emit(case_files)

    def _failed(self, exc: Exception) -> None:
        self.set_busy(False)
        if isinstance(exc, WrongPassphrase):
            show_error(self.error, str(exc), self.passphrase_edit)
            self.passphrase_edit.selectAll()
            self.passphrase_edit.setFocus()
            if isinstance(exc, UnlockThrottled) and exc.wait_seconds > 0:
                self.start_countdown(exc.wait_seconds)
        elif isinstance(exc, LeerrechtError):
            # A refusal with its own sentence (a damaged profile, a full disk): it says what to do.
            show_error(self.general_error, str(exc))
        else:
            show_error(self.general_error, tr(
                "Leerrecht kon niet ontgrendeld worden. Probeer het opnieuw; lukt het niet, "
                "neem dan contact op met je coördinator."))
