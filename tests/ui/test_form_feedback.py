"""What a form tells the person filling it in (issue 14): a long text field counts down the room it has
left, live; an error under a field goes as soon as that field is changed; the summary at the top names
the field of each line; and every field a person can fill in has an accessible name for screen readers,
checked through Qt's accessibility layer (QAccessible), the one screen readers read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from leerrecht_desktop.models.case import CaseProfile
from leerrecht_desktop.models.enums import Kind
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.workspace import Workspace
from leerrecht_desktop.ui.forms import EntryForm, close_all_forms, open_entry_form, open_new_concern_form
from leerrecht_desktop.ui.tasks import TaskRunner


@pytest.fixture
def tasks(qapp: QApplication, workspace: Workspace) -> Iterator[TaskRunner]:
    runner = TaskRunner()
    yield runner
    close_all_forms()
    runner.wait_idle()
    QApplication.processEvents()


@pytest.fixture
def case_id(case_files: CaseFiles) -> str:
    profile = CaseProfile(first_name="Fictief", last_name="Testkind", birth_date=dt.date.today().replace(year=2011),
                          level="graad2", school="Den Anker")
    return case_files.create_case(profile).case_id


def counter_of(field: QPlainTextEdit) -> QLabel:
    (counter,) = [label for label in field.parentWidget().findChildren(QLabel) if "tekens" in label.text()]
    return counter


def test_a_long_text_counts_down_the_room_it_has_left(qtbot: QtBot, case_files: CaseFiles, tasks: TaskRunner,
                                                      case_id: str) -> None:
    form = open_entry_form(None, case_files, tasks, case_id, Kind.NOTE)
    field = form.note_text  # type: ignore[attr-defined]
    assert counter_of(field).text() == "nog 20.000 tekens"
    qtbot.keyClicks(field, "Fictief")
    assert counter_of(field).text() == "nog 19.993 tekens"
    field.setPlainText("x" * 20_003)
    assert counter_of(field).text() == "3 tekens te veel"


def test_an_error_goes_once_its_field_is_changed_and_the_summary_names_the_field(
        qtbot: QtBot, case_files: CaseFiles, tasks: TaskRunner) -> None:
    form = open_new_concern_form(None, case_files, tasks)
    form.save()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: form.error_summary.isVisible(), timeout=10_000)
    name_error = form._slots["first_name"].error
    assert name_error.isVisible()
    assert any(line.startswith("• Voornaam: ") for line in form.error_summary_list.text().splitlines())
    qtbot.keyClicks(form.first_name, "N")  # type: ignore[attr-defined]
    assert not name_error.isVisible()
    assert form.first_name.text() == "N"  # type: ignore[attr-defined]  # what was typed stays


FILLABLE = (QLineEdit, QPlainTextEdit, QComboBox, QAbstractSpinBox, QAbstractButton)


def unnamed_fields(form: EntryForm) -> list[str]:
    missing = []
    for widget in form.findChildren(QWidget):
        if not isinstance(widget, FILLABLE) or not widget.isVisibleTo(form):
            continue
        if isinstance(widget, QLineEdit) and isinstance(widget.parentWidget(), QComboBox | QAbstractSpinBox):
            continue  # the editor inside a combo box or date field: the outer field carries the name
        iface = QAccessible.queryAccessibleInterface(widget)
        if iface is None or not iface.text(QAccessible.Text.Name).strip():
            missing.append(f"{type(widget).__name__} {widget.objectName()!r}")
    return missing


@pytest.mark.parametrize("kind", [Kind.HOME_VISIT, Kind.FAMILY_CONTACT, Kind.WELLBEING, Kind.NOTE, Kind.SUPPORT,
                                  Kind.CASE])
def test_every_field_of_every_form_has_an_accessible_name(qtbot: QtBot, case_files: CaseFiles, tasks: TaskRunner,
                                                          case_id: str, kind: Kind) -> None:
    form = open_entry_form(None, case_files, tasks, case_id, kind)
    qtbot.waitExposed(form)
    assert unnamed_fields(form) == []


def test_the_new_concern_form_names_every_field(qtbot: QtBot, case_files: CaseFiles, tasks: TaskRunner) -> None:
    form = open_new_concern_form(None, case_files, tasks)
    qtbot.waitExposed(form)
    assert unnamed_fields(form) == []


def test_a_contact_is_not_via_a_home_visit_and_every_partner_is_in_view(
        qtbot: QtBot, case_files: CaseFiles, tasks: TaskRunner, case_id: str) -> None:
    from leerrecht_desktop.models.catalog import pick_lists
    from leerrecht_desktop.models.entries import FamilyContact

    form = open_entry_form(None, case_files, tasks, case_id, Kind.FAMILY_CONTACT)
    channels = [form.channel.itemData(i) for i in range(form.channel.count())]  # type: ignore[attr-defined]
    assert "huisbezoek" not in channels and "telefoon" in channels  # the home visit has its own form
    referrals = form.referrals  # type: ignore[attr-defined]
    assert referrals.count() == len(pick_lists().partners)
    last = referrals.visualItemRect(referrals.item(referrals.count() - 1))
    assert referrals.viewport().rect().contains(last)  # the last partner shows without scrolling
    form.reject()
    # An old contact saved "via huisbezoek" still shows what it says.
    record = case_files.save(case_id, FamilyContact(occurred_on=dt.date.today(), channel="huisbezoek",
                                                    with_whom="moeder"))
    old = open_entry_form(None, case_files, tasks, case_id, Kind.FAMILY_CONTACT, record)
    assert old.channel.currentText() == "Huisbezoek"  # type: ignore[attr-defined]
