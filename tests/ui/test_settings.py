"""Instellingen: the data folder shown with a button to open it, and the sync server's address, which
is checked against a real `leerrecht-server` process before it is stored: a bad address keeps what was
typed and says why, an unreachable one says so, the right one is stored and the next sync uses it.
Every name is fictitious; no timing assertions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from pytestqt.qtbot import QtBot

from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.syncstore import SyncStore
from leerrecht_desktop.store.workspace import Workspace
from leerrecht_desktop.sync.engine import SyncEngine
from leerrecht_desktop.ui.settings_dialog import SettingsDialog
from leerrecht_desktop.ui.tasks import TaskRunner
from tests.kits.synckit import Laptop, ServerProcess, enrolled, free_port

from .conftest import SERVER_TEAM

WAIT = 60_000  # generous: a real server; never asserted as a duration
TEAM = SERVER_TEAM


@pytest.fixture
def laptop(server: ServerProcess, tmp_path: Path) -> Iterator[Laptop]:
    made = enrolled(server, tmp_path / "laptop", "sofie", "Fictieve Sofie", "onderwijsassistent", TEAM)
    yield made
    made.close()


@pytest.fixture
def runner(qapp: object) -> Iterator[TaskRunner]:
    task_runner = TaskRunner()
    yield task_runner
    task_runner.wait_idle()


def open_dialog(qtbot: QtBot, workspace: Workspace, runner: TaskRunner, case_files: CaseFiles | None) -> SettingsDialog:
    dialog = SettingsDialog(workspace, None, runner=runner, case_files=case_files)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def type_address(qtbot: QtBot, dialog: SettingsDialog, url: str) -> None:
    dialog.server_edit.selectAll()
    dialog.server_edit.del_()
    qtbot.keyClicks(dialog.server_edit, url)


def stored_url(laptop: Laptop) -> str:
    return SyncStore(laptop.case_files).state().server_url


def test_the_server_address_is_checked_before_it_is_saved_and_the_next_sync_uses_it(
        qtbot: QtBot, server: ServerProcess, laptop: Laptop, runner: TaskRunner, tmp_path: Path) -> None:
    dialog = open_dialog(qtbot, laptop.workspace, runner, laptop.case_files)
    qtbot.waitUntil(dialog.server_edit.isEnabled, timeout=WAIT)
    assert dialog.server_edit.text() == server.url
    dialog.grab().save(str(tmp_path / "settings-enrolled.png"))

    # Not an address at all: refused at once, what was typed stays.
    type_address(qtbot, dialog, "leerrecht punt mechelen")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.server_error.isVisible() and "geen geldig serveradres" in dialog.server_error.text()
    assert dialog.server_edit.text() == "leerrecht punt mechelen" and dialog.isVisible()

    # Plain http:// to another machine: refused, with the reason.
    type_address(qtbot, dialog, "http://leerrecht.voorbeeld.be")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy, timeout=WAIT)
    assert "Onbeveiligde verbinding geweigerd" in dialog.server_error.text()
    assert dialog.server_edit.text() == "http://leerrecht.voorbeeld.be"

    # Nobody answers there.
    nowhere = f"http://127.0.0.1:{free_port()}"
    type_address(qtbot, dialog, nowhere)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.busy and dialog.check_label.isVisible() and dialog.check_label.text() == "Bezig met controleren…"
    dialog.grab().save(str(tmp_path / "settings-checking.png"))
    qtbot.waitUntil(lambda: not dialog.busy, timeout=WAIT)
    assert dialog.server_error.text().startswith(f"Op {nowhere} antwoordt geen server.")
    assert dialog.server_edit.text() == nowhere and dialog.isVisible()
    dialog.grab().save(str(tmp_path / "settings-unreachable.png"))
    assert stored_url(laptop) == server.url  # nothing stored so far

    # The same server under another name: checked, stored, and the dialog closes.
    moved = f"http://localhost:{server.port}/"
    type_address(qtbot, dialog, moved)
    with qtbot.waitSignal(dialog.server_changed, timeout=WAIT) as saved:
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert saved.args == [f"http://localhost:{server.port}"]
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)
    assert stored_url(laptop) == f"http://localhost:{server.port}"

    engine = SyncEngine.for_case_files(laptop.case_files)
    try:
        assert engine.transport.server_url == f"http://localhost:{server.port}"
        report = engine.sync_once()
    finally:
        engine.transport.close()
    assert not report.errors and not report.refused
    assert SyncStore(laptop.case_files).state().last_success_at


def test_a_server_that_does_not_know_this_laptop_is_refused(
        qtbot: QtBot, server: ServerProcess, laptop: Laptop, runner: TaskRunner, tmp_path: Path) -> None:
    other = ServerProcess(tmp_path / "other-server")  # another Leerrecht server: it doesn't know the token
    other.start()
    try:
        dialog = open_dialog(qtbot, laptop.workspace, runner, laptop.case_files)
        qtbot.waitUntil(dialog.server_edit.isEnabled, timeout=WAIT)
        type_address(qtbot, dialog, other.url)
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not dialog.busy, timeout=WAIT)
        assert dialog.server_error.text() == (
            f"De server op {other.url} kent deze laptop niet. Is het wel de Leerrecht-server van je team?")
        assert dialog.isVisible() and stored_url(laptop) == server.url
    finally:
        other.stop()


def test_a_laptop_that_is_not_linked_sees_the_address_field_disabled_with_a_hint(
        qtbot: QtBot, workspace: Workspace, case_files: CaseFiles, runner: TaskRunner,
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    dialog = open_dialog(qtbot, workspace, runner, case_files)
    qtbot.waitUntil(lambda: "nog niet gekoppeld" in dialog.server_help.text(), timeout=WAIT)
    assert not dialog.server_edit.isEnabled() and dialog.server_edit.text() == ""
    assert dialog.data_dir_edit.text() == str(workspace.data_dir) and dialog.data_dir_edit.isReadOnly()
    dialog.grab().save(str(tmp_path / "settings-not-linked.png"))

    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    qtbot.mouseClick(dialog.open_folder_button, Qt.MouseButton.LeftButton)
    assert [u.toLocalFile() for u in opened] == [str(workspace.data_dir)]

    # Nothing to check: Bewaren closes at once, with the other settings.
    dialog.idle_spin.setValue(25)
    with qtbot.waitSignal(dialog.accepted, timeout=WAIT):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.chosen_idle_minutes() == 25
