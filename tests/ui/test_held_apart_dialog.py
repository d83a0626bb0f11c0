"""The held-apart review in the window against a real server: a coordinator opens Extra › "Apart gezette
wijzigingen…", sees a removed member's note with its case's name and author, reads it, takes it into the
case (it appears in the open case), and throws another away after a confirmation. A worker has no such
menu action."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from leerrecht_desktop.models.entries import FollowUpNote
from leerrecht_desktop.ui.held_apart_dialog import HeldApartDialog
from leerrecht_desktop.ui.main_window import MainWindow
from leerrecht_desktop.ui.tasks import TaskRunner
from tests.kits.synckit import DAY, Laptop, ServerProcess, enrolled, make_case, new_profile

from .conftest import SERVER_TEAM

WAIT = 60_000  # a real server and Argon2id; never asserted as a duration
TEAM = SERVER_TEAM


@pytest.mark.slow
def test_a_coordinator_takes_one_held_change_in_and_throws_another_away(
        qtbot: QtBot, server: ServerProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    coord = enrolled(server, tmp_path / "c", "coord", "Fictieve Coordinator", "coordinator", TEAM)
    a = enrolled(server, tmp_path / "a", "werkera", "Fictieve Werker A", "netsterk", TEAM)
    b = enrolled(server, tmp_path / "b", "werkerb", "Fictieve Werker B", "netsterk", TEAM)
    laptops = [coord, a, b]
    case_id = make_case(a.case_files, notes=0)
    a.sync()
    a.engine().share_case(case_id, b.user_id)
    a.sync()
    b.sync()
    coord.sync()
    b.case_files.save(case_id, FollowUpNote(occurred_on=DAY, text="Fictief, over te nemen"), today=DAY)
    b.case_files.save(case_id, FollowUpNote(occurred_on=DAY, text="Fictief, weg te gooien"), today=DAY)
    a.engine().unshare_case(case_id, b.user_id)
    a.sync()
    assert b.sync().held_apart == 2
    runner = TaskRunner()
    window = MainWindow(coord.workspace, coord.case_files, runner)
    window.sync.interval = 3600.0
    qtbot.addWidget(window)
    try:
        window.show()
        qtbot.waitUntil(lambda: window.act_held_apart.isEnabled(), timeout=WAIT)
        assert window.act_held_apart.isVisible()
        window.act_held_apart.trigger()
        dialog = window.dialogs.get("held_apart", HeldApartDialog)
        assert dialog is not None
        qtbot.waitUntil(lambda: len(dialog.rows) == 2, timeout=WAIT)
        name = coord.case_files.summary(case_id).full_name
        assert {dialog.table.item(i, 1).text() for i in range(2)} == {name}
        assert {dialog.table.item(i, 3).text() for i in range(2)} == {"Fictieve Werker B"}
        assert {dialog.table.item(i, 4).text() for i in range(2)} == {"uit het dossier verwijderd"}

        def pick(text: str) -> None:
            for row in range(2):
                dialog.table.selectRow(row)
                qtbot.waitUntil(lambda: dialog.accept_button.isEnabled() or dialog.error.isVisible(), timeout=WAIT)
                if text in dialog.preview.toPlainText():
                    return
            raise AssertionError(f"{text!r} not in any preview")

        pick("Fictief, over te nemen")
        assert "Fictief, over te nemen" not in _texts(coord, case_id)  # nothing went in by looking
        dialog.accept_button.click()
        qtbot.waitUntil(lambda: (len(dialog.rows) == 1 and not dialog.progress.isVisible())
                        or dialog.error.isVisible(), timeout=WAIT)
        assert not dialog.error.isVisible(), dialog.error.text()
        assert "Fictief, over te nemen" in _texts(coord, case_id)

        # The one left is opened by itself, whichever row was taken in.
        qtbot.waitUntil(lambda: dialog.accept_button.isEnabled(), timeout=WAIT)
        assert "Fictief, weg te gooien" in dialog.preview.toPlainText()
        monkeypatch.setattr(QMessageBox, "question", lambda *args, **kw: QMessageBox.StandardButton.No)
        dialog.discard_button.click()
        assert len(dialog.rows) == 1  # not without the confirmation
        monkeypatch.setattr(QMessageBox, "question", lambda *args, **kw: QMessageBox.StandardButton.Yes)
        dialog.discard_button.click()
        qtbot.waitUntil(lambda: dialog.empty.isVisible(), timeout=WAIT)
        assert "Fictief, weg te gooien" not in _texts(coord, case_id)
        assert a.sync().errors == []
        assert "Fictief, over te nemen" in _texts(a, case_id)
    finally:
        window.hide()
        window.dispose()
        runner.wait_idle()
        for laptop in laptops:
            laptop.close()


def _texts(laptop: Laptop, case_id: str) -> list[str]:
    return [getattr(r.content, "text", "") for r in laptop.case_files.load_case(case_id).entries]


def test_a_worker_has_no_held_apart_action(qtbot: QtBot, tmp_path: Path) -> None:
    worker = new_profile(tmp_path / "w", "Fictieve Werker", "netsterk", TEAM)
    runner = TaskRunner()
    window = MainWindow(worker.workspace, worker.case_files, runner)
    qtbot.addWidget(window)
    try:
        assert not window.act_held_apart.isVisible()
    finally:
        window.dispose()
        runner.wait_idle()
        worker.close()
