"""Dates that can be typed (issue 14): every way of writing a date the issue names is taken, shown back as
31/12/2026; anything else gets a message under the field, the text stays as typed, and the form refuses to
save with that field named; the calendar popup shows every day and every weekday in full."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from leerrecht_desktop.models.case import CaseProfile
from leerrecht_desktop.models.enums import Kind
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.workspace import Workspace
from leerrecht_desktop.ui.forms import close_all_forms, open_entry_form
from leerrecht_desktop.ui.forms.date_field import DateField
from leerrecht_desktop.ui.forms.widgets import date_edit
from leerrecht_desktop.ui.tasks import TaskRunner

TODAY = dt.date.today()


def _type(qtbot: QtBot, field: DateField, text: str) -> None:
    """Typed as a person does, in the active window, and Tab on to the next field."""
    window = field.window()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    field.line.setFocus()
    field.line.selectAll()
    qtbot.keyClicks(field.line, text)
    qtbot.keyClick(field.line, Qt.Key.Key_Tab)


@pytest.mark.parametrize(("typed", "day"), [
    ("31122026", dt.date(2026, 12, 31)), ("31/12/2026", dt.date(2026, 12, 31)), ("31-12-26", dt.date(2026, 12, 31)),
    ("31/12", dt.date(TODAY.year, 12, 31)), ("vandaag", TODAY), ("morgen", TODAY + dt.timedelta(days=1)),
    ("09122026", dt.date(2026, 12, 9)),
])
def test_a_typed_date_is_taken_and_shown_back(qtbot: QtBot, typed: str, day: dt.date) -> None:
    holder = QWidget()
    qtbot.addWidget(holder)
    field = date_edit(dt.date(2020, 1, 1))
    field.setParent(holder)
    date_edit().setParent(holder)  # somewhere for Tab to go
    holder.show()
    with qtbot.waitSignal(field.dateChanged, timeout=2000):
        field.line.setFocus()
        _type(qtbot, field, typed)
    assert field.date() == QDate(day.year, day.month, day.day)
    assert field.line.text() == day.strftime("%d/%m/%Y") and not field.message.isVisible()


def test_anything_else_keeps_the_text_and_says_what_to_type(qtbot: QtBot) -> None:
    holder = QWidget()
    qtbot.addWidget(holder)
    field = date_edit(dt.date(2020, 1, 1))
    field.setParent(holder)
    date_edit().setParent(holder)  # somewhere for Tab to go
    holder.show()
    field.line.setFocus()
    _type(qtbot, field, "31/02/2026")
    assert field.line.text() == "31/02/2026"  # never silently back to today
    assert field.message.isVisible() and "geen datum" in field.message.text()
    assert field.date() == QDate(2020, 1, 1) and field.problem() is not None
    _type(qtbot, field, "1/3/2026")
    assert not field.message.isVisible() and field.problem() is None


def test_the_calendar_shows_every_day_in_full(qtbot: QtBot) -> None:
    field = date_edit(dt.date(2026, 12, 3))
    qtbot.addWidget(field)
    field.show()
    calendar = field.calendar
    calendar.show()
    calendar.resize(calendar.minimumSizeHint().expandedTo(calendar.minimumSize()))
    QApplication.processEvents()
    view = calendar.findChild(QWidget, "qt_calendar_calendarview")
    assert view is not None
    metrics = view.fontMetrics()
    cell = view.width() / 8  # seven days and the week number
    assert metrics.horizontalAdvance("30") < cell and metrics.horizontalAdvance("wo") < cell


@pytest.fixture
def tasks(qapp: QApplication, workspace: Workspace) -> Iterator[TaskRunner]:
    runner = TaskRunner()
    yield runner
    close_all_forms()
    runner.wait_idle()


def test_a_form_with_a_date_that_is_no_date_is_not_saved_and_names_the_field(
        qtbot: QtBot, case_files: CaseFiles, tasks: TaskRunner) -> None:
    case_id = case_files.create_case(CaseProfile(first_name="Fictief", last_name="Testkind")).case_id
    form = open_entry_form(None, case_files, tasks, case_id, Kind.NOTE)
    qtbot.keyClicks(form.note_text, "Fictieve notitie")  # type: ignore[attr-defined]
    field = form.occurred_on  # type: ignore[attr-defined]
    field.line.setText("00009122026")
    form.save()
    assert form.error_summary.isVisible()
    assert any(line.startswith("• Datum: ") for line in form.error_summary_list.text().splitlines())
    assert field.line.text() == "00009122026"
    assert case_files.load_case(case_id).entries == []
