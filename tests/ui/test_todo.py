""""Te doen" in the window, as a worker uses it: the overdue count in the status bar and the notice
after unlocking, the list with its filters, ticking off, opening a case at its entry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QToolButton

from leerrecht_desktop.models.entries import FamilyContact, FollowUpNote, HomeVisit
from leerrecht_desktop.store.actions import gather, week_end
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.workspace import Workspace
from leerrecht_desktop.ui import style
from leerrecht_desktop.ui.entry_view import EntryView
from leerrecht_desktop.ui.main_window import MainWindow
from leerrecht_desktop.ui.tasks import TaskRunner
from leerrecht_desktop.ui.todo_dialog import OVERDUE, TEAM, THIS_WEEK, TodoDialog
from tests.kits.storekit import PASSPHRASE

from .conftest import Sample

TODAY = dt.date.today()


def ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


@pytest.fixture
def late(case_files: CaseFiles, sample: Sample) -> Sample:
    """The sample caseload plus three overdue actions: two of this worker, one of a colleague."""
    case_files.save(sample.ids["Bram"], FollowUpNote(occurred_on=ago(12), text="Fictief", action="Attest opvragen",
                                                     due_on=ago(5)), today=TODAY)
    case_files.save(sample.ids["Chloë"], FamilyContact(occurred_on=ago(2), channel="telefoon", with_whom="moeder",
                                                       next_step="Spreek volgende week opnieuw af",
                                                       next_step_on=ago(2)), today=TODAY)
    case_files.save(sample.ids["Dries"], FollowUpNote(occurred_on=ago(9), text="Fictief", action="Verslag CLB",
                                                      action_owner="Andere Collega", due_on=ago(1)), today=TODAY)
    return sample


@pytest.fixture
def window(qtbot, workspace: Workspace, case_files: CaseFiles, runner: TaskRunner,  # type: ignore[no-untyped-def]
           late: Sample) -> Iterator[MainWindow]:
    main = MainWindow(workspace, case_files, runner)
    qtbot.addWidget(main)
    main.show()
    qtbot.waitUntil(lambda: main.case_model.rowCount() == len(late.ids))
    yield main
    main.dispose()
    runner.wait_idle()


def open_list(qtbot, window: MainWindow) -> TodoDialog:  # type: ignore[no-untyped-def]
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)  # window shortcuts fire in the active window, as on a desktop
    qtbot.keyClick(window, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.todo_dialog is not None)
    dialog = window.todo_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: not dialog.progress.isVisible())
    return dialog


def column(dialog: TodoDialog, col: int) -> list[str]:
    return [dialog.table.item(row, col).text() for row in range(dialog.table.rowCount())]


def test_the_status_bar_counts_what_is_late_and_a_banner_says_so_once_after_unlock(
        qtbot, window: MainWindow, case_files: CaseFiles) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: window.overdue_button.isVisible())
    assert window.overdue_button.text() == "3 acties over tijd"
    assert window.overdue_banner.isVisible()
    assert window.overdue_banner_label.text() == "3 acties over tijd in je dossiers."
    assert "Te doen…" in [a.text() for a in window.menuBar().actions()[0].menu().actions()]
    assert window.act_todo.shortcut().toString() == "Ctrl+T"
    # Closed, it stays closed when the list loads again (after any save); the count still follows.
    close = next(b for b in window.overdue_banner.findChildren(QToolButton))
    close.click()
    window.reload_list()
    window.runner.wait_idle()
    QApplication.processEvents()
    assert not window.overdue_banner.isVisible() and window.overdue_button.isVisible()
    # The count button opens the list on every overdue action on this laptop: the same number.
    window.overdue_button.click()
    qtbot.waitUntil(lambda: window.todo_dialog is not None)
    dialog = window.todo_dialog
    assert dialog is not None and (dialog.when.currentData(), dialog.whose.currentData()) == (OVERDUE, TEAM)
    qtbot.waitUntil(lambda: not dialog.progress.isVisible())
    assert column(dialog, 2) == ["Attest opvragen", "Spreek volgende week opnieuw af", "Verslag CLB"]
    assert dialog.count.text() == "3 acties, waarvan 3 over tijd"
    dialog.reject()


def test_after_a_lock_the_banner_comes_once_more(qtbot, window: MainWindow, workspace: Workspace,  # type: ignore[no-untyped-def]
                                                 runner: TaskRunner) -> None:
    qtbot.waitUntil(lambda: window.overdue_banner.isVisible())
    window.act_todo.trigger()  # seen: the banner goes
    qtbot.waitUntil(lambda: window.todo_dialog is not None)
    assert not window.overdue_banner.isVisible()
    window.todo_dialog.reject()
    window.lock()
    assert not window.overdue_button.isVisible()
    runner.wait_idle()
    window.resume(workspace.unlock(PASSPHRASE))
    window.show()
    qtbot.waitUntil(lambda: window.overdue_button.isVisible() and window.overdue_banner.isVisible())
    assert window.overdue_banner_label.text().startswith("3 acties over tijd")


def test_the_list_filters_on_whose_and_when_and_marks_what_is_late(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    dialog = open_list(qtbot, window)
    # Mine, every open action, soonest first. The sample's plans lie ahead (3, 1, 20, 8 and 40 days).
    assert column(dialog, 2)[:2] == ["Attest opvragen", "Spreek volgende week opnieuw af"]
    assert "Verslag CLB" not in column(dialog, 2)  # a colleague's
    assert {"Bellen met de school", "Terugkoppelen aan CLB", "Stageplaats zoeken", "Huisbezoek plannen",
            "Ouders bellen"} <= set(column(dialog, 2))
    assert column(dialog, 0)[0] == f"{ago(5):%d/%m/%Y} · over tijd"
    assert dialog.table.item(0, 0).foreground().color().name() == style.ERROR.lower()
    assert dialog.table.item(0, 1).text() == "Bram Peeters"
    assert column(dialog, 4)[1] == f"Gezinscontact {ago(2):%d/%m/%Y}"
    assert dialog.table.item(1, 0).toolTip() == ""  # dated: no "Zonder datum" tip
    assert dialog.count.text().endswith("waarvan 2 over tijd")

    dialog.whose.setCurrentIndex(dialog.whose.findData(TEAM))
    assert "Verslag CLB" in column(dialog, 2)
    assert column(dialog, 3)[column(dialog, 2).index("Verslag CLB")] == "Andere Collega"
    dialog.when.setCurrentIndex(dialog.when.findData(OVERDUE))
    assert column(dialog, 2) == ["Attest opvragen", "Spreek volgende week opnieuw af", "Verslag CLB"]
    dialog.when.setCurrentIndex(dialog.when.findData(THIS_WEEK))
    sunday = week_end(TODAY)
    expected_week = [a.text for a in gather(window.case_files) if a.due_on <= sunday]
    assert column(dialog, 2) == expected_week
    assert len(expected_week) >= 3
    dialog.reject()


def test_gedaan_ticks_off_the_action_and_the_count_follows(qtbot, window: MainWindow,  # type: ignore[no-untyped-def]
                                                          case_files: CaseFiles, late: Sample) -> None:
    dialog = open_list(qtbot, window)
    dialog.table.selectRow(1)  # the family contact's step
    assert dialog.done_button.isEnabled()
    dialog.done_button.click()
    qtbot.waitUntil(lambda: "Spreek volgende week opnieuw af" not in column(dialog, 2))
    qtbot.waitUntil(lambda: window.overdue_button.text() == "2 acties over tijd")
    contact = case_files.load_case(late.ids["Chloë"]).of_kind(FamilyContact.kind)[0].content
    assert isinstance(contact, FamilyContact)
    assert contact.next_step_done and contact.next_step == "Spreek volgende week opnieuw af"
    assert window.statusBar().currentMessage().startswith("Afgevinkt.")
    dialog.reject()


def test_a_double_click_opens_the_case_at_its_entry(qtbot, window: MainWindow, late: Sample) -> None:  # type: ignore[no-untyped-def]
    dialog = open_list(qtbot, window)
    rect = dialog.table.visualItemRect(dialog.table.item(0, 2))
    qtbot.mouseClick(dialog.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(dialog.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: window.todo_dialog is None)
    qtbot.waitUntil(lambda: window.dialogs.get("entry", EntryView) is not None)
    view = window.dialogs.get("entry", EntryView)
    assert view is not None
    assert view.record.case_id == late.ids["Bram"]
    assert isinstance(view.record.content, FollowUpNote) and view.record.content.action == "Attest opvragen"
    assert window.case_view.case_file is not None and window.case_view.case_file.case_id == late.ids["Bram"]
    view.close()


def test_an_empty_list_says_where_actions_come_from(qtbot, workspace: Workspace, case_files: CaseFiles,  # type: ignore[no-untyped-def]
                                                    runner: TaskRunner) -> None:
    main = MainWindow(workspace, case_files, runner)
    qtbot.addWidget(main)
    main.show()
    dialog = open_list(qtbot, main)
    assert dialog.empty.isVisible() and not dialog.table.isVisible()
    assert "volgende stap" in dialog.empty.text()
    assert not dialog.done_button.isEnabled() and not main.overdue_button.isVisible()
    dialog.reject()
    main.dispose()
    runner.wait_idle()


def test_a_home_visits_next_step_can_be_ticked_off_in_its_form_too() -> None:
    visit = HomeVisit(occurred_on=ago(3), purpose="x", next_step="Bellen", next_step_on=ago(1))
    assert visit.open_action_due() == ago(1)
    visit.next_step_done = True
    assert visit.open_action_due() is None
