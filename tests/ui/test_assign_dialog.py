"""The hand-over dialog against a real server: a coordinator hands a leaver's whole caseload to a
colleague from Extra › "Alle dossiers van een collega overdragen…" (the dialog lists the colleagues,
says how many cases move, and waits for a confirmation); a worker does not get that menu action."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from leerrecht_desktop.store.syncstore import SyncStore
from leerrecht_desktop.ui.assign_dialog import AssignDialog
from leerrecht_desktop.ui.main_window import MainWindow
from leerrecht_desktop.ui.tasks import TaskRunner
from tests.kits.synckit import Laptop, ServerProcess, enrolled

from .conftest import SERVER_TEAM

WAIT = 60_000  # a real server and Argon2id; never asserted as a duration
TEAM = SERVER_TEAM


def synced(window: MainWindow) -> bool:
    return window.sync_label.text().startswith("Gesynchroniseerd om")


@pytest.mark.slow
def test_a_coordinator_hands_a_leavers_cases_over_in_one_action(qtbot: QtBot, server: ServerProcess,
                                                                tmp_path: Path) -> None:
    coord = enrolled(server, tmp_path / "c", "coord", "Fictieve Coordinator", "coordinator", TEAM)
    leaver = enrolled(server, tmp_path / "x", "vertrekker", "Fictieve Vertrekker", "netsterk", TEAM, before=2)
    other = enrolled(server, tmp_path / "y", "opvolger", "Fictieve Opvolger", "netsterk", TEAM)
    laptops: list[Laptop] = [coord, leaver, other]
    runner = TaskRunner()
    window = MainWindow(coord.workspace, coord.case_files, runner)
    window.sync.interval = 3600.0
    qtbot.addWidget(window)
    try:
        assert leaver.sync().errors == []
        window.show()
        qtbot.waitUntil(lambda: synced(window) and len(coord.case_files.summaries()) == 2, timeout=WAIT)
        # One case: "Overdragen…" on the open case (shown once enrolled) opens the dialog for that case.
        case_id = coord.case_files.summaries()[0].case_id
        window.open_case(case_id)
        qtbot.waitUntil(lambda: window.case_view.case_file is not None, timeout=WAIT)
        assert not window.case_view.assign_button.isHidden()
        window.case_view.assign_button.click()
        one = window.dialogs.get("assign", AssignDialog)
        assert one is not None and one.case_id == case_id
        qtbot.waitUntil(lambda: one.to_combo.count() == 2, timeout=WAIT)
        assert one.case_count() == 1
        one.reject()
        qtbot.waitUntil(lambda: window.dialogs.get("assign", AssignDialog) is None, timeout=WAIT)

        assert window.act_assign_all.isVisible()
        window.act_assign_all.trigger()
        dialog = window.dialogs.get("assign", AssignDialog)
        assert dialog is not None
        qtbot.waitUntil(lambda: dialog.from_combo.count() == 1, timeout=WAIT)
        assert dialog.from_combo.currentText() == "Fictieve Vertrekker (vertrekker)"
        assert {dialog.to_combo.itemText(i) for i in range(dialog.to_combo.count())} == {
            "Fictieve Vertrekker (vertrekker)", "Fictieve Opvolger (opvolger)"}
        dialog.to_combo.setCurrentIndex(dialog.to_combo.findText("Fictieve Opvolger (opvolger)"))
        assert dialog.count_label.text() == "2 dossier(s) gaan naar Fictieve Opvolger (opvolger)."
        assert not dialog.ok_button.isEnabled()  # not before the confirmation
        dialog.confirm_check.setChecked(True)
        assert dialog.ok_button.isEnabled()
        dialog.ok_button.click()
        qtbot.waitUntil(lambda: window.dialogs.get("assign", AssignDialog) is None, timeout=WAIT)
        qtbot.waitUntil(lambda: not SyncStore(coord.case_files).pending_member_changes()
                        and SyncStore(coord.case_files).pending_count() == 0, timeout=WAIT)
        assert other.sync().errors == []
        assert len(other.case_files.summaries()) == 2
        assert all(s.assigned_ids == [other.user_id] for s in other.case_files.summaries())
        leaver.sync()
        assert leaver.case_files.summaries() == []
    finally:
        window.hide()
        window.dispose()
        runner.wait_idle()
        for laptop in laptops:
            laptop.close()


def test_only_a_coordinator_sees_the_action_for_all_cases(qtbot: QtBot, tmp_path: Path) -> None:
    from tests.kits.synckit import new_profile

    worker = new_profile(tmp_path / "w", "Fictieve Werker", "netsterk", TEAM)
    runner = TaskRunner()
    window = MainWindow(worker.workspace, worker.case_files, runner)
    qtbot.addWidget(window)
    try:
        assert not window.act_assign_all.isVisible()
        assert window.act_assign_case.text() == "Dossier overdragen…"  # one case: for whoever it is assigned to
    finally:
        window.dispose()
        runner.wait_idle()
        worker.close()


def test_an_unenrolled_laptop_gets_the_reason_and_no_empty_check_box(qtbot: QtBot, tmp_path: Path) -> None:
    """Seen on a screenshot: before the colleagues were known, the confirmation showed as a box without text."""
    from tests.kits.synckit import new_profile

    worker = new_profile(tmp_path / "w", "Fictieve Coordinator", "coordinator", TEAM)
    runner = TaskRunner()
    dialog = AssignDialog(worker.case_files, None, runner=runner)
    qtbot.addWidget(dialog)
    try:
        dialog.show()
        qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=WAIT)
        assert "nog niet aangemeld" in dialog.error.text()
        assert not dialog.confirm_check.isVisible() and not dialog.keep_check.isVisible()
        assert not dialog.ok_button.isEnabled()
    finally:
        runner.wait_idle()
        worker.close()
