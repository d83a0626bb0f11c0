"""'Binnenkort te wissen…' against a real server: a coordinator sees the team's case closed longer than the
retention period, with its name and days; postpones its erasure (a missing reason is refused and what was
typed stays), after which a retention run keeps it; lifts the postponement, after which the run erases
it. The status bar says how many cases are erased soon."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from leerrecht_core.protocol_retention import DEFAULT_RETENTION_CLOSED_DAYS
from leerrecht_desktop.sync.retention import NOTICE_CHECKED_KEY
from leerrecht_desktop.ui.main_window import MainWindow
from leerrecht_desktop.ui.retention_dialog import HoldDialog, RetentionDialog
from leerrecht_desktop.ui.tasks import TaskRunner
from tests.kits.synckit import ServerProcess, enrolled

from .conftest import SERVER_TEAM

WAIT = 60_000  # a real server and Argon2id; never asserted as a duration
LONG_AGO = dt.date.today() - dt.timedelta(days=DEFAULT_RETENTION_CLOSED_DAYS + 5)


@pytest.mark.slow
def test_a_coordinator_postpones_and_lifts_an_erasure_from_the_list(
        qtbot: QtBot, server: ServerProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    worker = enrolled(server, tmp_path / "w", "werker", "Fictieve Werker", "netsterk", SERVER_TEAM, before=1)
    coord = enrolled(server, tmp_path / "c", "coord", "Fictieve Coordinator", "coordinator", SERVER_TEAM)
    runner = TaskRunner()
    try:
        (case_id,) = [s.case_id for s in worker.case_files.summaries()]
        case = worker.case_files.load_case(case_id)
        worker.case_files.save(case_id, dataclasses.replace(case.content, status="afgesloten",
                                                            closed_reason="doel_bereikt"),
                               record_id=case.profile.record_id, changed_on=LONG_AGO)
        assert worker.sync().errors == []
        coord.case_files.workspace.set_setting(NOTICE_CHECKED_KEY, "")
        window = MainWindow(coord.workspace, coord.case_files, runner)
        window.sync.interval = 3600.0
        qtbot.addWidget(window)
        window.show()
        qtbot.waitUntil(lambda: window.act_retention.isEnabled(), timeout=WAIT)
        assert window.act_retention.isVisible()
        # The first round of the day counts it: the status bar says so.
        qtbot.waitUntil(lambda: "binnenkort gewist" in window.sync_label.text(), timeout=WAIT)
        assert "1 dossier wordt binnenkort gewist" in window.sync_label.text()

        window.act_retention.trigger()
        dialog = window.dialogs.get("retention", RetentionDialog)
        assert dialog is not None
        qtbot.waitUntil(lambda: dialog.table.rowCount() == 1, timeout=WAIT)
        name = coord.case_files.summary(case_id).full_name
        assert dialog.table.item(0, 0).text() == name
        assert dialog.table.item(0, 1).text() == LONG_AGO.strftime("%d/%m/%Y")
        assert "volgende controle" in dialog.table.item(0, 2).text()  # overdue: at the next sweep
        assert not dialog.lift_button.isEnabled()

        dialog.hold_button.click()
        hold = dialog.findChild(HoldDialog)
        assert hold is not None
        hold.ok.click()
        qtbot.waitUntil(lambda: hold.error.isVisible(), timeout=WAIT)
        assert "Geef een reden" in hold.error.text()
        hold.reason.setText("Lopende procedure (fictief)")
        hold.ok.click()
        qtbot.waitUntil(lambda: "uitgesteld tot" in (dialog.table.item(0, 2).text() if dialog.table.item(0, 2)
                                                      else ""), timeout=WAIT)
        assert dialog.table.item(0, 3).text() == "Lopende procedure (fictief)"
        assert dialog.table.item(0, 4).text() == "coord"
        assert case_id not in server.admin("run-retention")
        assert worker.sync().errors == [] and worker.case_files.summaries()

        monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
        qtbot.waitUntil(lambda: dialog.lift_button.isEnabled(), timeout=WAIT)
        dialog.lift_button.click()
        qtbot.waitUntil(lambda: dialog.table.rowCount() == 1 and dialog.table.item(0, 3).text() == "", timeout=WAIT)
        assert case_id in server.admin("run-retention")
        worker.sync()
        assert worker.case_files.summaries() == []
    finally:
        runner.wait_idle()
        worker.close()
        coord.close()


def test_the_list_is_for_coordinators_only(qtbot: QtBot, tmp_path: Path) -> None:
    from tests.kits.synckit import new_profile

    laptop = new_profile(tmp_path / "w", "Fictieve Werker", "netsterk", SERVER_TEAM)
    window = MainWindow(laptop.workspace, laptop.case_files, TaskRunner())
    qtbot.addWidget(window)
    try:
        assert not window.act_retention.isVisible() and not window.act_retention.isEnabled()
    finally:
        laptop.close()
