"""The period both print dialogs ask for: the Van … tot … fields, and the periods they start from (the
span of a case file, the school year)."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from leerrecht_core.i18n import tr
from leerrecht_desktop.store.casefiles import CaseFile
from leerrecht_desktop.ui import style
from leerrecht_desktop.ui.forms.date_field import DateField
from leerrecht_desktop.ui.forms.widgets import date_edit
from leerrecht_desktop.ui.style import mark
from leerrecht_desktop.ui.unlock import error_label, show_error

DATE_FORMAT = "dd/MM/yyyy"


def _qdate(value: dt.date) -> QDate:
    return QDate(value.year, value.month, value.day)


def _pydate(value: QDate) -> dt.date:
    return dt.date(value.year(), value.month(), value.day())


def _date_edit(value: dt.date) -> DateField:
    return date_edit(value)


def case_span(case_file: CaseFile, today: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day the case file speaks of: its referral and its entries."""
    days = [r.content.occurred_on for r in case_file.entries if hasattr(r.content, "occurred_on")]
    if case_file.content.referral.referred_on:
        days.append(case_file.content.referral.referred_on)
    if not days:
        return today, today
    return min(days), max(days)


def school_year(today: dt.date) -> tuple[dt.date, dt.date]:
    """The school year `today` lies in: 1 September to 31 August, as the city counts."""
    start_year = today.year if today.month >= 9 else today.year - 1
    return dt.date(start_year, 9, 1), dt.date(start_year + 1, 8, 31)


class PeriodFields(QWidget):
    """Van … tot … with the error under it. A wrong order is said at once, and the dates stay as typed."""

    changed = Signal()

    def __init__(self, start: dt.date, end: dt.date, parent: QWidget | None = None):
        super().__init__(parent)
        self.from_edit = _date_edit(start)
        self.to_edit = _date_edit(end)
        self.from_edit.setAccessibleName(tr("Van"))
        self.to_edit.setAccessibleName(tr("Tot en met"))
        self.error = error_label()
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        from_label = QLabel(tr("Van"))
        from_label.setBuddy(self.from_edit)
        to_label = QLabel(tr("tot en met"))
        to_label.setBuddy(self.to_edit)
        row.addWidget(from_label)
        row.addWidget(self.from_edit)
        row.addSpacing(8)
        row.addWidget(to_label)
        row.addWidget(self.to_edit)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(row)
        layout.addWidget(self.error)
        self.from_edit.dateChanged.connect(self._changed)
        self.to_edit.dateChanged.connect(self._changed)
        # The app's style marks invalid line edits; the period's wrong order marks the date fields' too.
        self.setStyleSheet(f'DateField[invalid="true"] QLineEdit {{ border: 2px solid {style.ERROR}; }}')

    @property
    def start(self) -> dt.date:
        return _pydate(self.from_edit.date())

    @property
    def end(self) -> dt.date:
        return _pydate(self.to_edit.date())

    def problem(self) -> str | None:
        if self.start > self.end:
            return tr("De begindatum ligt na de einddatum. Kies een begin vóór het einde.")
        return None

    def check(self) -> bool:
        problem = self.problem()
        show_error(self.error, problem, self.to_edit)
        mark(self.from_edit, "invalid", problem is not None)
        return problem is None

    def _changed(self) -> None:
        self.check()
        self.changed.emit()
