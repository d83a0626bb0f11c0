"""Dialogs of sync: linking this laptop to a server ("Koppelen aan server…") and choosing between the
two values of a field in conflict.

Enrolment and the colleague list talk to the network, which may take long: they run as a NetworkOp
(ui/operations.py), on the network pool, never on the store thread. Resolving a conflict and the
refused changes are store work and run as a StoreOp like every save."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from leerrecht_core.crypto.errors import WrongPassphrase
from leerrecht_core.i18n import tr
from leerrecht_desktop.models.enums import Role
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.errors import CaseNotFound
from leerrecht_desktop.store.queries import discard_quarantined, load_quarantined, retry_quarantined
from leerrecht_desktop.store.syncstore import Quarantined, StoredConflict
from leerrecht_desktop.store.workspace import Workspace
from leerrecht_desktop.sync.account import enrol
from leerrecht_desktop.sync.conflicts import keep_value
from leerrecht_desktop.sync.errors import SyncError
from leerrecht_desktop.sync.merge import MISSING, split_path
from leerrecht_desktop.sync.sharing import change_members, fetch_colleagues
from leerrecht_desktop.sync.transport import (
    BadResponse,
    CertificateProblem,
    EnrolmentInvalid,
    InsecureServerAddress,
    Unauthorized,
    Unreachable,
)
from leerrecht_desktop.ui.operations import NetworkOp, StoreOp
from leerrecht_desktop.ui.style import mark
from leerrecht_desktop.ui.tasks import TaskRunner
from leerrecht_desktop.ui.unlock import (
    action_buttons,
    busy_bar,
    error_label,
    field_grid,
    passphrase_edit,
    show_error,
)

# -- enrolment -------------------------------------------------------------------------------------


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


# -- conflicts -------------------------------------------------------------------------------------


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
        "done": tr("Gedaan"),
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


# -- sharing ---------------------------------------------------------------------------------------


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


# -- quarantine ------------------------------------------------------------------------------------


class QuarantineDialog(QDialog):
    """Changes the server refused (with its reason): send again, or leave out (the record's previous
    version becomes current again)."""

    changed = Signal(bool)  # True when something was put back in the queue

    def __init__(self, case_files: CaseFiles, runner: TaskRunner, parent: QWidget | None = None):
        super().__init__(parent)
        self.case_files = case_files
        self.runner = runner
        self.rows: list[Quarantined] = []
        self.setWindowTitle(tr("Geweigerde wijzigingen"))
        self.setMinimumWidth(720)
        intro = QLabel(tr("De server weigerde deze wijzigingen. Ze staan nog op deze laptop. Probeer ze opnieuw "
                          "te versturen, of laat ze weg: dan geldt weer de vorige versie."))
        intro.setWordWrap(True)
        intro.setObjectName("muted")
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels([tr("Dossier"), tr("Reden"), tr("Sinds")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.empty = QLabel(tr("Er zijn geen geweigerde wijzigingen."))
        self.empty.setVisible(False)
        buttons = QDialogButtonBox()
        self.retry_button = buttons.addButton(tr("Opnieuw proberen"), QDialogButtonBox.ButtonRole.ActionRole)
        self.retry_button.clicked.connect(lambda _c=False: self._act(retry=True))
        self.discard_button = buttons.addButton(tr("Weglaten"), QDialogButtonBox.ButtonRole.ActionRole)
        mark(self.discard_button, "danger")
        self.discard_button.clicked.connect(lambda _c=False: self._act(retry=False))
        close = buttons.addButton(tr("Sluiten"), QDialogButtonBox.ButtonRole.RejectRole)
        close.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        layout.addWidget(buttons)
        self.reload()

    def reload(self) -> None:
        case_files = self.case_files
        StoreOp(self, lambda: load_quarantined(case_files), runner=self.runner).success(self._show).run()

    def _show(self, rows: list[tuple[Quarantined, str]]) -> None:
        self.rows = [q for q, _name in rows]
        self.table.setRowCount(len(rows))
        for i, (q, name) in enumerate(rows):
            for col, text in enumerate((name, q.reason, q.queued_at[:16].replace("T", " "))):
                self.table.setItem(i, col, QTableWidgetItem(text))
        if rows:
            self.table.selectRow(0)
        self.table.setVisible(bool(rows))
        self.empty.setVisible(not rows)
        self.retry_button.setEnabled(bool(rows))
        self.discard_button.setEnabled(bool(rows))

    def _act(self, *, retry: bool) -> None:
        row = self.table.currentRow()
        if not 0 <= row < len(self.rows):
            return
        revision_id, case_files = self.rows[row].revision_id, self.case_files
        act = retry_quarantined if retry else discard_quarantined

        def done(_result: object) -> None:
            self.changed.emit(retry)
            self.reload()

        StoreOp(self, lambda: act(case_files, revision_id), runner=self.runner).success(done).run()
