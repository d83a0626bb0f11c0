"""The window's side of "Te doen": the dialog (ui/todo_dialog.py, Ctrl+T), the overdue count in the
status bar, and the one notice after unlocking.

The count is read from the case summaries the list just loaded (store/actions.count_overdue), so it
costs no decryption and follows every save, sync and tick. The notice is said once per unlock: a
worker who comes back to the laptop hears what is late, and is not told again at every save."""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import QPushButton, QStatusBar

from leerrecht_core.i18n import tr
from leerrecht_desktop.models.summary import CaseSummary
from leerrecht_desktop.store.actions import count_overdue
from leerrecht_desktop.store.casefiles import CaseFile, CaseFiles
from leerrecht_desktop.ui.main_window.locking import LockingMixin
from leerrecht_desktop.ui.style import mark
from leerrecht_desktop.ui.todo_dialog import OPEN, OVERDUE, TodoDialog


def overdue_text(n: int) -> str:
    return tr("1 actie over tijd") if n == 1 else tr("{n} acties over tijd", n=n)


class TodoMixin(LockingMixin):
    """Te doen in the window (see the module docstring)."""

    overdue_button: QPushButton
    overdue_count: int = 0
    _announce_overdue: bool = True  # until the first list of this unlock is counted
    _read_after_load: tuple[str, str] | None = None

    def _build_overdue_button(self, bar: QStatusBar) -> None:
        self.overdue_button = QPushButton()
        self.overdue_button.setFlat(True)
        self.overdue_button.setObjectName("overdueButton")
        mark(self.overdue_button, "danger")
        self.overdue_button.setToolTip(tr("Toon wat over tijd is in Te doen (Ctrl+T)"))
        self.overdue_button.setVisible(False)
        self.overdue_button.clicked.connect(lambda: self.open_todo(OVERDUE))
        bar.addPermanentWidget(self.overdue_button)

    def _list_loaded(self, summaries: list[CaseSummary], pending: int, select_case: str | None = None) -> None:
        super()._list_loaded(summaries, pending, select_case=select_case)
        self.show_overdue(count_overdue(summaries, dt.date.today()))

    def show_overdue(self, n: int) -> None:
        self.overdue_count = n
        self.overdue_button.setText(overdue_text(n))
        self.overdue_button.setAccessibleName(overdue_text(n))
        self.overdue_button.setVisible(n > 0 and not self.is_locked)
        if self._announce_overdue:
            self._announce_overdue = False
            if n:
                self.statusBar().showMessage(
                    tr("{late}. Bekijk ze in Dossier › Te doen… (Ctrl+T).", late=overdue_text(n)), 20_000)

    def resume(self, case_files: CaseFiles) -> None:
        self._announce_overdue = True
        super().resume(case_files)

    def lock(self) -> None:
        self.overdue_button.setVisible(False)
        super().lock()

    # -- the dialog ---------------------------------------------------------------------------------

    def open_todo(self, when: str = OPEN) -> None:
        if self.is_locked or self.in_handover:
            return

        def make() -> TodoDialog:
            dialog = TodoDialog(self.case_files, self, runner=self.runner, when=when)
            dialog.open_requested.connect(self.open_case_at)
            dialog.changed.connect(self._ticked_off)
            return dialog

        existing = self.todo_dialog
        if existing is not None and existing.when.findData(when) >= 0 and when != OPEN:
            existing.when.setCurrentIndex(existing.when.findData(when))
        self.dialogs.open("todo", make)

    @property
    def todo_dialog(self) -> TodoDialog | None:
        return self.dialogs.get("todo", TodoDialog)

    def _ticked_off(self, case_ids: list[str]) -> None:
        self.store_events.changed(case_ids)
        self.statusBar().showMessage(tr("Afgevinkt. Het gaat mee met de volgende synchronisatie."), 8000)

    def open_case_at(self, case_id: str, record_id: str) -> None:
        """Open a case and show one of its entries (from Te doen): the entry's read view once loaded."""
        self._read_after_load = (case_id, record_id)
        self.open_case(case_id)

    def _case_loaded(self, case_file: CaseFile) -> None:
        super()._case_loaded(case_file)
        wanted = self._read_after_load
        if wanted is None or wanted[0] != case_file.case_id:
            return  # an earlier case's late load: the wanted one is still coming
        self._read_after_load = None
        if case_file.case_id != self._current_case_id:
            return
        record = next((r for r in case_file.entries if r.record_id == wanted[1]), None)
        if record is not None:
            self.read_record(record)
