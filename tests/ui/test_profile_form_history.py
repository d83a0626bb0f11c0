"""The profile form asks when a change of status or school took effect and why (issue 13, item 2): the
step lands in the case's history with that date, reason and the worker; a date in the future is said
next to the field and nothing is saved."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication

from leerrecht_desktop.models.case import CaseProfile
from leerrecht_desktop.models.enums import Kind
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.ui.forms import ProfileForm, close_all_forms, open_entry_form
from leerrecht_desktop.ui.tasks import TaskRunner


@pytest.fixture(autouse=True)
def _close_forms(runner: TaskRunner, case_files: CaseFiles) -> Iterator[None]:
    # Before the engine closes: a form left open by a failing test must not write into a closed store.
    yield
    close_all_forms()
    runner.wait_idle()
    QApplication.processEvents()


@pytest.fixture
def case_id(case_files: CaseFiles) -> str:
    profile = CaseProfile(first_name="Fictief", last_name="Testkind", school="Den Anker")
    return case_files.create_case(profile, changed_on=dt.date.today() - dt.timedelta(days=40)).case_id


def test_a_status_change_is_recorded_with_the_date_and_reason_the_worker_gave(qtbot, case_files, runner,  # type: ignore[no-untyped-def]
                                                                              case_id) -> None:
    form = open_entry_form(None, case_files, runner, case_id, Kind.CASE)
    assert isinstance(form, ProfileForm)
    assert form.changed_on.value() == dt.date.today()
    effective = dt.date.today() - dt.timedelta(days=7)
    form.status.set_key("actief")
    form.changed_on.set_value(effective)
    form.change_reason.setText("Intake gedaan met het gezin")
    with qtbot.waitSignal(form.saved, timeout=10_000):
        form.save_button.click()
    history = case_files.load_case(case_id).content.history
    step = history[-1] if history[-1].field == "status" else next(c for c in history if c.value == "actief")
    assert (step.field, step.value, step.on, step.reason, step.by_name) == (
        "status", "actief", effective, "Intake gedaan met het gezin", case_files.user.name)


def test_a_change_dated_in_the_future_is_refused_next_to_the_date(qtbot, case_files, runner,  # type: ignore[no-untyped-def]
                                                                  case_id) -> None:
    form = open_entry_form(None, case_files, runner, case_id, Kind.CASE)
    form.status.set_key("actief")
    form.changed_on.set_value(dt.date.today() + dt.timedelta(days=3))
    form.save_button.click()
    qtbot.waitUntil(lambda: bool(form.error_text("changed_on")), timeout=10_000)
    assert "toekomst" in form.error_text("changed_on")
    assert case_files.load_case(case_id).profile.revision == 1
