"""The window's side of "Te doen": the dialog (ui/todo_dialog.py, Ctrl+T), the overdue count in the
status bar, and the one notice after unlocking.

The count is read from the case summaries the list just loaded (store/actions.count_overdue), so it
costs no decryption and follows every save, sync and tick; it counts every case on this laptop (a
summary does not know an action's owner), so its button opens the list on everyone's overdue actions,
which shows the same number. The notice is a banner above the case list, once per unlock: a worker who
comes back to the laptop sees what is late, and is not told again at every save; it goes when closed,
when the list is opened, or at the lock."""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import QBoxLayout, QFrame, QHBoxLayout, QLabel, QPushButton, QStatusBar, QToolButton

from leerrecht_core.i18n import tr
from leerrecht_desktop.models.summary import CaseSummary
from leerrecht_desktop.store.actions import count_overdue
from leerrecht_desktop.store.casefiles import CaseFile, CaseFiles
from leerrecht_desktop.ui import style
from leerrecht_desktop.ui.main_window.locking import LockingMixin
from leerrecht_desktop.ui.style import mark
from leerrecht_desktop.ui.todo_dialog import MINE, OPEN, OVERDUE, TEAM, TodoDialog


def overdue_text(n: int) -> str:
    return tr("1 actie over tijd") if n == 1 else tr("{n} acties over tijd", n=n)


class TodoMixin(LockingMixin):
    """Te doen in the window (see the module docstring)."""

    overdue_button: QPushButton
    overdue_banner: QFrame
    overdue_banner_label: QLabel
    overdue_count: int = 0
    _announce_overdue: bool = True  # until the first list of this unlock is counted

    def _build_overdue_button(self, bar: QStatusBar) -> None:
        self.overdue_button = QPushButton()
        self.overdue_button.setFlat(True)
        self.overdue_button.setObjectName("overdueButton")
        mark(self.overdue_button, "danger")
        self.overdue_button.setToolTip(tr("Acties over tijd in de dossiers op deze laptop: toon ze in Te doen"))
        self.overdue_button.setVisible(False)
        self.overdue_button.clicked.connect(lambda: self.open_todo(OVERDUE, TEAM))
        bar.addPermanentWidget(self.overdue_button)
        self._build_overdue_banner()

    def _build_overdue_banner(self) -> None:
        """Above the case list: said once after unlocking, with a way to the list and a way to close it."""
        self.overdue_banner = QFrame()
        self.overdue_banner.setObjectName("overdueBanner")
        self.overdue_banner.setStyleSheet(
            f"QFrame#overdueBanner {{ background: {style.ERROR_SOFT}; border: 1px solid #e9b9b5; "
            f"border-radius: 6px; }} QFrame#overdueBanner QLabel {{ color: {style.ERROR}; font-weight: bold; }}")
        row = QHBoxLayout(self.overdue_banner)
        row.setContentsMargins(10, 4, 4, 4)
        self.overdue_banner_label = QLabel()
        self.overdue_banner_label.setWordWrap(True)
        show = QPushButton(tr("Bekijken"))
        show.setToolTip(tr("Te doen, op wat over tijd is (Ctrl+T)"))
        show.clicked.connect(lambda: self.open_todo(OVERDUE, TEAM))
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip(tr("Melding sluiten"))
        close.setAccessibleName(tr("Melding sluiten"))
        close.clicked.connect(lambda: self.overdue_banner.setVisible(False))
        row.addWidget(self.overdue_banner_label, 1)
        row.addWidget(show)
        row.addWidget(close)
        self.overdue_banner.setVisible(False)
        panel = self.search_edit.parentWidget()  # the list panel (case_list.py), a QVBoxLayout
        layout = panel.layout() if panel is not None else None
        assert isinstance(layout, QBoxLayout)
        layout.insertWidget(0, self.overdue_banner)

    def _list_loaded(self, summaries: list[CaseSummary], pending: int, select_case: str | None = None) -> None:
        super()._list_loaded(summaries, pending, select_case=select_case)
        # Counted on the store thread: at 2,000 cases that is 60,000 contributions, not GUI work.
        today = dt.date.today()
        self._submit(lambda: count_overdue(summaries, today), self.show_overdue)

    def show_overdue(self, n: int) -> None:
        self.overdue_count = n
        self.overdue_button.setText(overdue_text(n))
        self.overdue_button.setAccessibleName(overdue_text(n))
        self.overdue_button.setVisible(n > 0 and not self.is_locked)
        if self._announce_overdue:
            self._announce_overdue = False
            self.overdue_banner.setVisible(n > 0)
        if self.overdue_banner.isVisible():
            self.overdue_banner_label.setText(
                tr("{late} in je dossiers.", late=overdue_text(n)) if n else tr("Niets meer over tijd."))

    def resume(self, case_files: CaseFiles) -> None:
        self._announce_overdue = True
        super().resume(case_files)

    def lock(self) -> None:
        self.overdue_button.setVisible(False)
        self.overdue_banner.setVisible(False)
        super().lock()

    # -- the dialog ---------------------------------------------------------------------------------

    def open_todo(self, when: str = OPEN, whose: str = MINE) -> None:
        if self.is_locked or self.in_handover:
            return
        self.overdue_banner.setVisible(False)  # seen

        def make() -> TodoDialog:
            dialog = TodoDialog(self.case_files, self, runner=self.runner, when=when, whose=whose)
            dialog.open_requested.connect(self.open_case_at)
            dialog.changed.connect(self._ticked_off)
            return dialog

        self.dialogs.open("todo", make)

    @property
    def todo_dialog(self) -> TodoDialog | None:
        return self.dialogs.get("todo", TodoDialog)

    def _ticked_off(self, case_ids: list[str]) -> None:
        self.store_events.changed(case_ids)
        self.statusBar().showMessage(tr("Afgevinkt. Het gaat mee met de volgende synchronisatie."), 8000)

    def open_case_at(self, case_id: str, record_id: str) -> None:
        """Open a case and show one of its entries (from Te doen): the entry's read view once loaded."""
        def read(case_file: CaseFile) -> None:
            record = next((r for r in case_file.entries if r.record_id == record_id), None)
            if record is not None:
                self.read_record(record)

        self.open_case(case_id, read)
