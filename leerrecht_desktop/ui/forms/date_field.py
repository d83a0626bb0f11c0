"""A date a person can type (issue 14): `31122026`, `31/12/2026`, `31-12-26`, `31/12`, `vandaag`, `morgen`
(models/dates.py), or pick in a calendar that shows every day. Qt's QDateEdit edits a date by sections:
typing "09122026" gave "00009122026", and a wrong date went silently back to today. Here the text stays as
typed until it is a date; until then the field says what to type, and `problem()` lets the form refuse to
save with the field named.

The API is the part of QDateEdit the app uses (`date`, `setDate`, `dateChanged`, minimum and maximum), so
the forms, the period fields and the hand-over page take it unchanged."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QCalendarWidget,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QToolButton,
    QVBoxLayout,
    QWidget,
    QWidgetAction,
)

from leerrecht_core.i18n import tr
from leerrecht_desktop.models.dates import date_text, parse_date
from leerrecht_desktop.ui.style import mark


def _q(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _py(day: QDate) -> dt.date:
    return dt.date(day.year(), day.month(), day.day())


class DateField(QWidget):
    dateChanged = Signal(QDate)

    def __init__(self, value: dt.date | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self._date = value or dt.date.today()
        self._min: dt.date | None = None
        self._max: dt.date | None = None
        self.line = QLineEdit(date_text(self._date))
        self.line.setPlaceholderText(tr("dd/mm/jjjj"))
        self.line.setMinimumWidth(self.line.fontMetrics().horizontalAdvance("00/00/00000") + 24)
        self.line.setToolTip(tr("Typ een datum (31/12/2026, 31122026, 31/12) of 'vandaag', 'morgen'."))
        self.line.editingFinished.connect(self.commit)
        self.button = QToolButton()
        self.button.setText("▾")
        self.button.setToolTip(tr("Kies in de kalender"))
        self.button.setAccessibleName(tr("Kalender"))
        self.button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.button.setStyleSheet("QToolButton::menu-indicator { image: none; }")  # the ▾ says it already
        self.calendar = QCalendarWidget()
        self.calendar.setGridVisible(False)
        # Wide enough for every day and weekday heading in full (a narrow popup showed "…").
        self.calendar.setMinimumWidth(self.line.fontMetrics().horizontalAdvance("ma  di  wo  do  vr  za  zo ") * 2)
        self.calendar.setMinimumHeight(self.line.fontMetrics().height() * 13)  # six weeks, headings, month bar
        self.calendar.clicked.connect(self._picked)
        menu = QMenu(self.button)
        holder = QWidgetAction(menu)
        holder.setDefaultWidget(self.calendar)
        menu.addAction(holder)
        menu.aboutToShow.connect(self._prepare_calendar)
        self.button.setMenu(menu)
        self.message = QLabel()
        self.message.setObjectName("fieldError")
        self.message.setWordWrap(True)
        self.message.setVisible(False)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(2)
        row.addWidget(self.line)
        row.addWidget(self.button)
        row.addStretch(1)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addLayout(row)
        column.addWidget(self.message)
        self.setFocusProxy(self.line)
        self._problem: str | None = None

    # -- QDateEdit's API ------------------------------------------------------------------------------

    def date(self) -> QDate:
        """The last date the field held (what was typed, once it is a date)."""
        return _q(self._date)

    def setDate(self, value: QDate) -> None:
        self._set(_py(value))

    def setMinimumDate(self, value: QDate) -> None:
        self._min = _py(value)

    def setMaximumDate(self, value: QDate) -> None:
        self._max = _py(value)

    def setReadOnly(self, on: bool) -> None:
        self.line.setReadOnly(on)
        self.button.setEnabled(not on)

    # -- typing ----------------------------------------------------------------------------------------

    def problem(self) -> str | None:
        """What is wrong with the typed text (None when it is a date the field takes)."""
        self.commit()
        return self._problem

    def commit(self) -> None:
        """Take what was typed: a date is shown as 31/12/2026; anything else stays, with a message."""
        typed = self.line.text()
        day = parse_date(typed, dt.date.today())
        if day is None:
            self._show(tr("'{typed}' is geen datum. Typ een datum als 31/12/2026, of 'vandaag'.", typed=typed.strip())
                       if typed.strip() else tr("Typ een datum als 31/12/2026, of 'vandaag'."))
            return
        if self._min is not None and day < self._min:
            self._show(tr("Kies een datum vanaf {day}.", day=date_text(self._min)))
            return
        if self._max is not None and day > self._max:
            self._show(tr("Kies een datum tot en met {day}.", day=date_text(self._max)))
            return
        self._set(day)

    def _show(self, message: str) -> None:
        self._problem = message
        self.message.setText(message)
        self.message.setVisible(True)
        mark(self.line, "invalid", True)
        self.line.setAccessibleDescription(message)

    def _set(self, day: dt.date) -> None:
        self._problem = None
        self.message.setVisible(False)
        mark(self.line, "invalid", False)
        self.line.setAccessibleDescription("")
        if self.line.text() != date_text(day):
            self.line.setText(date_text(day))
        if day != self._date:
            self._date = day
            self.dateChanged.emit(_q(day))

    def _prepare_calendar(self) -> None:
        self.calendar.setSelectedDate(self.date())
        if self._min is not None:
            self.calendar.setMinimumDate(_q(self._min))
        if self._max is not None:
            self.calendar.setMaximumDate(_q(self._max))

    def _picked(self, day: QDate) -> None:
        self.line.setText(date_text(_py(day)))
        self.commit()
        menu = self.button.menu()
        if menu is not None:
            menu.hide()
        self.line.setFocus(Qt.FocusReason.PopupFocusReason)
