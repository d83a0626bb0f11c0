""""Toegangslogboek…" (issue 13 item 6): who opened, printed, exported, shared, handed over or erased
the case on screen, and when, read from the server (`GET /v1/cases/{id}/access-log`, a NetworkOp) and
listed newest first in plain words. The server decides who may read it (the team's coordinators; in a
team without one, the case's own worker) and the dialog says so plainly when it refuses. What a laptop
did shows here after that laptop's next sync: the entries wait, sealed, on the laptop until then."""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from leerrecht_core.errors import LeerrechtError
from leerrecht_core.i18n import tr
from leerrecht_core.protocol_access import MAX_ACCESS_LOG, CaseAccessEntry, CaseAccessLog
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.sync.engine import SyncEngine
from leerrecht_desktop.sync.errors import SyncError
from leerrecht_desktop.sync.transport import Forbidden, NotFound
from leerrecht_desktop.ui.operations import NetworkOp
from leerrecht_desktop.ui.tasks import TaskRunner
from leerrecht_desktop.ui.unlock import busy_bar, error_label, show_error


class AccessLogRefused(SyncError):
    """The server would not show this case's access log; the sentence says why and what to do."""


def fetch_access_log(case_files: CaseFiles, case_id: str) -> CaseAccessLog:
    """The case's access log from the server, with its own engine and connection (on the network pool).
    Refusals in words that fit them; an unreachable server keeps the transport's own sentence."""
    engine = SyncEngine.for_case_files(case_files)
    try:
        return engine.transport.get(f"/cases/{case_id}/access-log", CaseAccessLog)
    except Forbidden:
        raise AccessLogRefused(tr("Alleen een coördinator van het team kan het toegangslogboek van dit dossier "
                                  "bekijken (in een team zonder coördinator: de begeleider van het dossier). "
                                  "Vraag het aan je coördinator.")) from None
    except NotFound:
        raise AccessLogRefused(tr("De server kent dit dossier niet, of je hebt er geen toegang meer toe. Is het "
                                  "nieuw, synchroniseer dan eerst en probeer het opnieuw.")) from None
    finally:
        engine.transport.close()


def action_text(entry: CaseAccessEntry) -> str:
    """What happened, in words (looked up each time, so in the language chosen now)."""
    subject = entry.subject_name
    if entry.action == "member_add":
        return tr("gaf {name} toegang", name=subject) if subject else tr("gaf een collega toegang")
    if entry.action == "member_remove":
        return (tr("nam {name} de toegang af (nieuwe sleutel)", name=subject) if subject
                else tr("nam een collega de toegang af (nieuwe sleutel)"))
    words = {
        # On a laptop
        "case_opened": tr("opende het dossier"),
        "case_printed": tr("drukte de samenvatting af"),
        "case_summary_saved": tr("bewaarde de samenvatting als PDF"),
        "case_exported": tr("exporteerde het dossier"),
        "case_shared": tr("deelde het dossier met een collega"),
        "case_unshared": tr("nam een collega de toegang af"),
        "case_handed_over": tr("droeg het dossier over"),
        "case_erased_local": tr("wiste het dossier van een laptop"),
        "attachment_opened": tr("bekeek een bijlage"),
        "attachment_saved": tr("bewaarde een bijlage als bestand"),
        # On the server
        "case_register": tr("zette het dossier op de server"),
        "case_transfer": tr("droeg het dossier over aan een ander team"),
        "history": tr("haalde de hele geschiedenis van het dossier op"),
        "held_apart_show": tr("bekeek een apart gezette wijziging"),
        "held_apart_accept": tr("nam een apart gezette wijziging over"),
        "held_apart_discard": tr("gooide een apart gezette wijziging weg"),
        "case_erased": tr("wiste het dossier overal"),
        "retention_erase": tr("wiste het dossier na de bewaartermijn"),
    }
    return words.get(entry.action, entry.action)  # a newer server's word: shown as it is


def who_text(entry: CaseAccessEntry) -> str:
    if entry.display_name:
        return entry.display_name
    return tr("de beheerder") if entry.user_id is None else tr("een gebruiker die niet meer bestaat")


def when_text(at: str) -> str:
    """The time in this computer's time zone ("2026-12-03 14:32"), as the other lists show it."""
    try:
        return dt.datetime.fromisoformat(at).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return at[:16].replace("T", " ")


def where_text(entry: CaseAccessEntry) -> str:
    return tr("op een laptop") if entry.source == "laptop" else tr("op de server")


class AccessLogDialog(QDialog):
    def __init__(self, case_files: CaseFiles, case_id: str, name: str | None, parent: QWidget | None = None,
                 *, runner: TaskRunner | None = None):
        super().__init__(parent)
        self.case_files, self.case_id, self.runner = case_files, case_id, runner
        self.log: CaseAccessLog | None = None
        self.setWindowTitle(tr("Toegangslogboek"))
        self.resize(920, 560)  # fits a 1366x768 screen with room to spare
        heading = (tr("Wie het dossier van {name} opende, afdrukte, exporteerde, deelde of overdroeg, en wanneer. "
                      "De nieuwste staan bovenaan.", name=name) if name else
                   tr("Wie dit dossier opende, afdrukte, exporteerde, deelde of overdroeg, en wanneer. De nieuwste "
                      "staan bovenaan."))
        self.intro = QLabel(heading)
        self.intro.setWordWrap(True)
        note = QLabel(tr("Wat op een laptop gebeurde, staat hier pas na de volgende synchronisatie van die laptop. "
                         "Er staat geen inhoud van het dossier in."))
        note.setWordWrap(True)
        note.setObjectName("muted")
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels([tr("Wanneer"), tr("Wie"), tr("Wat"), tr("Waar")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        for col in (0, 1, 3):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)  # what happened gets the room
        self.table.setAccessibleName(tr("Toegangslogboek"))
        self.empty = QLabel(tr("Er staat nog niets in het toegangslogboek van dit dossier."))
        self.empty.setVisible(False)
        self.more = QLabel(tr("Alleen de {n} recentste stappen staan hier.", n=MAX_ACCESS_LOG))
        self.more.setObjectName("muted")
        self.more.setVisible(False)
        self.error = error_label()
        self.error.setVisible(False)
        self.progress = busy_bar(visible=True)
        buttons = QDialogButtonBox()
        self.reload_button: QPushButton = buttons.addButton(tr("Vernieuwen"), QDialogButtonBox.ButtonRole.ActionRole)
        self.reload_button.clicked.connect(self.reload)
        close = buttons.addButton(tr("Sluiten"), QDialogButtonBox.ButtonRole.RejectRole)
        close.clicked.connect(self.reject)
        close.setDefault(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.addWidget(self.intro)
        layout.addWidget(note)
        layout.addWidget(self.table, 1)
        widgets: tuple[QWidget, ...] = (self.empty, self.more, self.error, self.progress)
        for widget in widgets:
            layout.addWidget(widget)
        layout.addStretch(0)  # takes the room only while the table is hidden (a refusal, nothing yet)
        layout.addWidget(buttons)
        self.reload()

    @property
    def busy(self) -> bool:
        return not self.progress.isHidden()

    def reload(self) -> None:
        self.reload_button.setEnabled(False)
        self.progress.setVisible(True)
        show_error(self.error, None)
        work = partial(fetch_access_log, self.case_files, self.case_id)
        NetworkOp(self, work, runner=self.runner).success(self._show).failure(self._failed).run()

    def rows(self) -> list[tuple[str, ...]]:
        """What the table shows, row by row (for tests and screen readers alike)."""
        return [tuple(item.text() if (item := self.table.item(r, c)) is not None else ""
                      for c in range(self.table.columnCount()))
                for r in range(self.table.rowCount())]

    def _show(self, log: CaseAccessLog) -> None:
        self.log = log
        self.progress.setVisible(False)
        self.reload_button.setEnabled(True)
        self.table.setRowCount(len(log.entries))
        for i, entry in enumerate(log.entries):  # newest first, as the server sends them
            cells = (when_text(entry.at), who_text(entry), action_text(entry), where_text(entry))
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)  # a narrow window cuts a long line short
                self.table.setItem(i, col, item)
        self.table.setVisible(bool(log.entries))
        self.empty.setVisible(not log.entries)
        self.more.setVisible(log.more)

    def _failed(self, exc: Exception) -> None:
        self.progress.setVisible(False)
        self.reload_button.setEnabled(True)
        self.table.setRowCount(0)
        self.table.setVisible(False)
        show_error(self.error, str(exc) if isinstance(exc, LeerrechtError) else tr(
            "Het toegangslogboek kon niet opgehaald worden. Probeer het opnieuw; lukt het niet, neem dan contact "
            "op met je coördinator."))


def open_access_log(window: Any, case_id: str) -> None:
    """Open the dialog for the case on screen (one at a time, the window's DialogManager)."""
    case_file = window.case_view.case_file
    name = case_file.content.full_name if case_file is not None and case_file.case_id == case_id else None
    window.dialogs.open("access_log", lambda: AccessLogDialog(window.case_files, case_id, name, window,
                                                              runner=window.runner))
