"""The case view's "Geschiedenis" tab (issue 13, item 2): every change of a case's status, school and
assignment, newest first, with its date, what changed, the reason and who made it."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from leerrecht_core.i18n import tr
from leerrecht_desktop.models.case import CaseProfile, ProfileChange, history_key, known_names
from leerrecht_desktop.models.catalog import pick_lists
from leerrecht_desktop.models.enums import CaseStatus
from leerrecht_desktop.ui.models import format_date, status_label


def change_text(change: ProfileChange, names: dict[str, str]) -> str:
    """What one step changed, in words: the status's or school's label, the workers' names."""
    if change.field == "status":
        return tr("Status: {status}", status=status_label(change.value))
    if change.field == "school":
        school = pick_lists().label("schools", change.value) if change.value else tr("geen school")
        return tr("School: {school}", school=school)
    if change.field == "assigned":
        workers = ", ".join(names.get(key) or tr("een vorige medewerker") for key in change.value.split())
        workers = workers or tr("niemand")
        return tr("Toegewezen aan: {workers}", workers=workers)
    return change.field


def reason_text(change: ProfileChange) -> str:
    if change.field == "status" and change.value == CaseStatus.AFGESLOTEN and change.reason:
        return pick_lists().label("closed_reasons", change.reason)
    return change.reason


class HistoryPanel(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.empty_label = QLabel(tr("Nog geen wijzigingen van status, school of toewijzing."))
        self.empty_label.setObjectName("placeholder")
        self.empty_label.setWordWrap(True)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels([tr("Datum"), tr("Wijziging"), tr("Reden"), tr("Door")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setWordWrap(True)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.table, 1)

    def set_profile(self, profile: CaseProfile | None) -> None:
        """Show the profile's history (derived by the store for a case saved before it), newest first."""
        steps = [] if profile is None else sorted(profile.history, key=history_key, reverse=True)
        names = {} if profile is None else known_names(profile)
        self.table.setRowCount(len(steps))
        for row, change in enumerate(steps):
            cells = (format_date(change.on), change_text(change, names), reason_text(change),
                     change.by_name or names.get(change.by_id, ""))
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.resizeRowsToContents()
        self.empty_label.setVisible(not steps)
        self.table.setVisible(bool(steps))

    def rows(self) -> list[tuple[str, ...]]:
        """The table's text, row by row (for tests and screen readers' sake, as shown)."""
        def text(row: int, column: int) -> str:
            item = self.table.item(row, column)
            return item.text() if item is not None else ""

        return [tuple(text(r, c) for c in range(self.table.columnCount())) for r in range(self.table.rowCount())]
