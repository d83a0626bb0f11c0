"""Handing cases over in the window: "Dossier overdragen…" (the open case to a colleague) and, for a
coordinator, "Alle dossiers van een collega overdragen…" (a leaver's caseload in one action). The
list of colleagues and the hand-over itself are `sync/handover.py`'s, each run as a NetworkOp (the
server is asked for the people list; offline the last list seen is used and the hand-over queues).
The dialog says how many cases move and asks for a confirmation before anything changes."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from leerrecht_core.errors import LeerrechtError
from leerrecht_core.i18n import tr
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.sync.handover import HandoverChoices, HandoverOutcome, hand_over_cases, handover_choices
from leerrecht_desktop.ui.operations import NetworkOp
from leerrecht_desktop.ui.style import mark
from leerrecht_desktop.ui.tasks import TaskRunner
from leerrecht_desktop.ui.unlock import busy_bar, error_label, show_error


class AssignDialog(QDialog):
    """With `case_id`: that case to a colleague. Without: every case of one colleague to another."""

    assigned = Signal(object)  # HandoverOutcome

    def __init__(self, case_files: CaseFiles, case_id: str | None = None, parent: QWidget | None = None, *,
                 runner: TaskRunner | None = None):
        super().__init__(parent)
        self.case_files = case_files
        self.case_id = case_id
        self.runner = runner
        self.choices: HandoverChoices | None = None
        self.setWindowTitle(tr("Dossier overdragen") if case_id else tr("Alle dossiers van een collega overdragen"))
        self.setMinimumWidth(480)
        intro = QLabel(tr("'Toegewezen aan' wordt de nieuwe begeleider, die het dossier krijgt. De vorige begeleider "
                          "verliest het bij de volgende synchronisatie; wat daarna bewaard wordt, krijgt een nieuwe "
                          "sleutel."))
        intro.setWordWrap(True)
        intro.setObjectName("muted")
        self.from_combo = QComboBox()
        self.to_combo = QComboBox()
        self.count_label = QLabel()
        self.count_label.setWordWrap(True)
        self.keep_check = QCheckBox(tr("De vorige begeleider houdt toegang"))
        self.confirm_check = QCheckBox()
        self.error = error_label()
        self.error.setObjectName("banner")
        self.progress = busy_bar(visible=True)
        form = QFormLayout()
        if case_id is None:
            form.addRow(tr("Van"), self.from_combo)
        form.addRow(tr("Naar"), self.to_combo)
        buttons = QDialogButtonBox()
        self.ok_button: QPushButton = buttons.addButton(tr("Overdragen"), QDialogButtonBox.ButtonRole.ActionRole)
        mark(self.ok_button, "primary")
        self.ok_button.setEnabled(False)
        self.ok_button.clicked.connect(self.submit)
        buttons.addButton(tr("Annuleren"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.count_label)
        layout.addWidget(self.keep_check)
        layout.addWidget(self.confirm_check)
        layout.addWidget(self.error)
        layout.addWidget(self.progress)
        layout.addWidget(buttons)
        for signal in (self.from_combo.currentIndexChanged, self.to_combo.currentIndexChanged):
            signal.connect(self._update)
        self.confirm_check.toggled.connect(self._update)
        for hidden in (self.count_label, self.keep_check, self.confirm_check):
            hidden.setVisible(False)  # until the colleagues are known (_update)
        self._run(partial(handover_choices, case_files), self._show_choices)

    def _run(self, work: Callable[[], Any], shown: Callable[[Any], None]) -> None:
        self.progress.setVisible(True)
        NetworkOp(self, work, runner=self.runner).success(shown).failure(shown).run()

    def _show_choices(self, outcome: Any) -> None:
        self.progress.setVisible(False)
        if isinstance(outcome, Exception):
            show_error(self.error, str(outcome) if isinstance(outcome, LeerrechtError) else tr(
                "De lijst van collega's kon niet opgehaald worden. Probeer het opnieuw."))
            return
        self.choices = outcome
        for person in outcome.colleagues:
            label = f"{person.display_name} ({person.username})"
            self.to_combo.addItem(label, person.user_id)
            if outcome.counts.get(person.user_id):
                self.from_combo.addItem(label, person.user_id)
        if self.case_id is None and not outcome.is_coordinator:
            show_error(self.error, tr("Alleen een coördinator kan alle dossiers van een collega overdragen."))
        elif not outcome.colleagues:
            show_error(self.error, tr("Er zijn nog geen andere collega's in je team op de server."))
        elif not outcome.online:
            show_error(self.error, tr("Geen verbinding met de server: de overdracht wordt klaargezet en gaat mee met "
                                      "de volgende synchronisatie."))
        self._update()

    def case_count(self) -> int:
        if self.case_id is not None:
            return 1
        if self.choices is None or self.from_combo.currentData() is None:
            return 0
        return self.choices.counts.get(str(self.from_combo.currentData()), 0)

    def _update(self) -> None:
        n, to = self.case_count(), self.to_combo.currentText()
        moving = self.case_id is not None or (self.from_combo.currentData() not in (None, self.to_combo.currentData()))
        self.count_label.setText(tr("{n} dossier(s) gaan naar {name}.", n=n, name=to) if n and to else "")
        self.confirm_check.setText(tr("Ja, draag {n} dossier(s) over aan {name}.", n=n, name=to))
        # Nothing to confirm or keep until there is someone to hand over to: no empty check box.
        ready = bool(n and to)
        self.count_label.setVisible(ready)
        self.confirm_check.setVisible(ready)
        self.keep_check.setVisible(self.choices is not None)
        allowed = self.choices is not None and (self.case_id is not None or self.choices.is_coordinator)
        self.ok_button.setEnabled(bool(allowed and n and to and moving and self.confirm_check.isChecked()))

    def submit(self) -> None:
        self.ok_button.setEnabled(False)
        work = partial(hand_over_cases, self.case_files, str(self.to_combo.currentData()), case_id=self.case_id,
                       from_user_id=None if self.case_id else str(self.from_combo.currentData()),
                       keep_previous=self.keep_check.isChecked(), send=False)  # the window's loop sends it
        self._run(work, self._done)

    def _done(self, outcome: Any) -> None:
        self.progress.setVisible(False)
        if isinstance(outcome, Exception):
            self.ok_button.setEnabled(True)
            show_error(self.error, str(outcome) if isinstance(outcome, LeerrechtError) else tr(
                "Overdragen is niet gelukt. Probeer het opnieuw."))
            return
        assert isinstance(outcome, HandoverOutcome)
        self.assigned.emit(outcome)
        self.accept()
