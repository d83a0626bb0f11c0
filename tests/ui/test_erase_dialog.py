"""'Dossier wissen…' on an enrolled laptop, against a real server: the window asks a reason, keeps what
was typed when the server refuses, and a coordinator's erasure leaves the server no revision of the
case and the colleague's laptop without it after its sync."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from leerrecht_desktop.ui.erase_dialog import EraseDialog
from leerrecht_desktop.ui.main_window import MainWindow
from leerrecht_desktop.ui.tasks import TaskRunner
from tests.kits.synckit import Laptop, ServerProcess, enrolled

from .conftest import SERVER_TEAM

WAIT = 60_000  # a real server and Argon2id; never asserted as a duration
TEAM = SERVER_TEAM


def _window(qtbot: QtBot, laptop: Laptop, runner: TaskRunner) -> MainWindow:
    window = MainWindow(laptop.workspace, laptop.case_files, runner)
    window.sync.interval = 3600.0
    qtbot.addWidget(window)
    window.show()
    return window


def _erase_dialog(qtbot: QtBot, window: MainWindow, case_id: str) -> EraseDialog:
    window.open_case(case_id)
    qtbot.waitUntil(lambda: window.case_view.case_file is not None, timeout=WAIT)
    window.erase_current_case()
    dialog = window.dialogs.get("erase", EraseDialog)
    assert dialog is not None
    return dialog


@pytest.mark.slow
def test_erasing_a_case_everywhere_from_the_window(qtbot: QtBot, server: ServerProcess, tmp_path: Path) -> None:
    worker = enrolled(server, tmp_path / "w", "werker", "Fictieve Werker", "netsterk", TEAM, before=1)
    coord = enrolled(server, tmp_path / "c", "coord", "Fictieve Coordinator", "coordinator", TEAM)
    runner = TaskRunner()
    try:
        assert worker.sync().errors == [] and coord.sync().errors == []
        (case_id,) = [s.case_id for s in worker.case_files.summaries()]

        # The worker, in a team with a coordinator, may not: the sentence says why, the reason stays.
        mine = _window(qtbot, worker, runner)
        dialog = _erase_dialog(qtbot, mine, case_id)
        dialog.erase_button.click()
        qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=WAIT)
        assert "Geef een reden" in dialog.error.text()
        dialog.reason.setText("Fictief verzoek van de ouders")
        dialog.erase_button.click()
        qtbot.waitUntil(lambda: "Alleen een coördinator" in dialog.error.text(), timeout=WAIT)
        assert dialog.reason.text() == "Fictief verzoek van de ouders" and dialog.erase_button.isEnabled()
        dialog.reject()
        assert server.query("SELECT COUNT(*) FROM revisions WHERE case_id = ?", (case_id,))[0][0] > 0

        theirs = _window(qtbot, coord, runner)
        dialog = _erase_dialog(qtbot, theirs, case_id)
        dialog.reason.setText("Fictief verzoek van de ouders")
        dialog.erase_button.click()
        qtbot.waitUntil(lambda: theirs.dialogs.get("erase", EraseDialog) is None, timeout=WAIT)
        qtbot.waitUntil(lambda: "gewist op de server" in theirs.statusBar().currentMessage(), timeout=WAIT)
        assert coord.case_files.summaries() == [] and theirs.case_view.case_file is None
        for table in ("revisions", "key_grants", "memberships"):
            assert server.query(f"SELECT COUNT(*) FROM {table} WHERE case_id = ?", (case_id,))[0][0] == 0
        assert worker.sync().errors  # the report says the case was erased, by whom and why
        assert worker.case_files.summaries() == []
    finally:
        runner.wait_idle()
        worker.close()
        coord.close()
