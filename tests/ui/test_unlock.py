"""First start and unlock, as a field worker meets them."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from leerrecht_core.crypto.errors import WrongPassphrase
from leerrecht_desktop.models.enums import Role
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.workspace import Workspace
from leerrecht_desktop.ui.application import Shell
from leerrecht_desktop.ui.tasks import TaskRunner
from leerrecht_desktop.ui.unlock import FirstStartWindow, UnlockWindow

PASSPHRASE = "blauwe fiets op de markt"  # the one tests/conftest.py gives the `case_files` profile


def fill_first_start(qtbot, window: FirstStartWindow, *, name: str, role: Role | None,  # type: ignore[no-untyped-def]
                     passphrase: str, confirm: str) -> None:
    qtbot.keyClicks(window.name_edit, name)
    if role is not None:
        window.role_combo.setCurrentIndex(window.role_combo.findData(role.value))
    qtbot.keyClicks(window.team_edit, "Team Zuid")
    qtbot.keyClicks(window.passphrase_edit, passphrase)
    qtbot.keyClicks(window.confirm_edit, confirm)


def test_first_start_creates_the_profile_and_opens_the_main_window(qtbot, shell: Shell,  # type: ignore[no-untyped-def]
                                                                   workspace: Workspace) -> None:
    shell.start()
    window = shell.first_start
    assert window is not None and window.isVisible()
    assert shell.unlock_window is None
    labels = [window.role_combo.itemText(i) for i in range(window.role_combo.count())]
    assert all(role.label in labels for role in Role)

    fill_first_start(qtbot, window, name="Fictieve Brugfiguur", role=Role.BRUGFIGUUR,
                     passphrase="groene boot in de haven", confirm="groene boot in de haven")
    qtbot.mouseClick(window.button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: shell.main_window is not None and shell.main_window.isVisible())
    assert workspace.has_profile()
    assert shell.main_window is not None
    assert "Fictieve Brugfiguur" in shell.main_window.user_label.text()
    assert Role.BRUGFIGUUR.label in shell.main_window.user_label.text()
    assert shell.first_start is None  # the door is gone once inside


def test_weak_passphrase_says_why_and_keeps_what_was_typed(qtbot, workspace: Workspace,  # type: ignore[no-untyped-def]
                                                           runner: TaskRunner) -> None:
    window = FirstStartWindow(workspace, runner)
    qtbot.addWidget(window)
    window.show()
    fill_first_start(qtbot, window, name="Fictieve Werker", role=Role.NETSTERK, passphrase="kort", confirm="kort")
    qtbot.mouseClick(window.button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: not window.busy and window.errors["passphrase"].isVisible())
    assert "te kort" in window.errors["passphrase"].text()
    assert window.name_edit.text() == "Fictieve Werker"
    assert window.team_edit.text() == "Team Zuid"
    assert window.role_combo.currentData() == Role.NETSTERK.value
    assert window.passphrase_edit.text() == "kort"
    assert not window.errors["name"].isVisible()
    assert not workspace.has_profile()


def test_every_problem_is_shown_next_to_its_field(qtbot, workspace: Workspace,  # type: ignore[no-untyped-def]
                                                  runner: TaskRunner) -> None:
    window = FirstStartWindow(workspace, runner)
    qtbot.addWidget(window)
    window.show()
    fill_first_start(qtbot, window, name="", role=None, passphrase="groene boot in de haven",
                     confirm="groene boot in het bos")
    qtbot.mouseClick(window.button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: not window.busy and window.errors["name"].isVisible())
    assert window.errors["name"].text() == "Vul je naam in."
    assert "Kies je rol" in window.errors["role"].text()
    assert "niet gelijk" in window.errors["confirm"].text()
    assert not window.errors["passphrase"].isVisible()
    assert not workspace.has_profile()


def test_wrong_passphrase_shows_the_message_and_disables_the_button_until_the_wait_is_over(
        qtbot, workspace: Workspace, case_files: CaseFiles, runner: TaskRunner) -> None:  # type: ignore[no-untyped-def]
    window = UnlockWindow(workspace, runner)
    qtbot.addWidget(window)
    window.show()
    window.prepare()
    assert window.button.isEnabled()

    qtbot.keyClicks(window.passphrase_edit, "rode fiets op de markt")
    qtbot.keyClick(window.passphrase_edit, Qt.Key.Key_Return)

    qtbot.waitUntil(lambda: not window.busy and window.error.isVisible())
    assert "klopt niet" in window.error.text()
    assert not window.button.isEnabled()
    assert window.button.text().startswith("Wacht nog")
    qtbot.waitUntil(window.button.isEnabled, timeout=10_000)  # the countdown ends by itself
    assert window.button.text() == "Ontgrendelen"


def test_right_passphrase_unlocks(qtbot, workspace: Workspace, case_files: CaseFiles,  # type: ignore[no-untyped-def]
                                  runner: TaskRunner) -> None:
    window = UnlockWindow(workspace, runner)
    qtbot.addWidget(window)
    window.show()
    window.prepare()
    qtbot.keyClicks(window.passphrase_edit, PASSPHRASE)
    with qtbot.waitSignal(window.unlocked) as blocker:
        qtbot.mouseClick(window.button, Qt.MouseButton.LeftButton)
    unlocked = blocker.args[0]
    assert isinstance(unlocked, CaseFiles)
    assert not unlocked.is_locked
    assert unlocked.user.name == case_files.user.name
    assert window.passphrase_edit.text() == ""  # the passphrase does not linger in the field


def test_a_wait_left_over_from_earlier_tries_still_holds_after_restart(qtbot, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                       runner: TaskRunner) -> None:
    frozen = Workspace(tmp_path / "frozen", create=True, clock=lambda: 1_000_000.0)
    try:
        frozen.create_profile(name="Fictieve Werker", role="netsterk", team="", passphrase=PASSPHRASE)
        for _ in range(3):
            with pytest.raises(WrongPassphrase):
                frozen.unlock("rode fiets op de markt")
        window = UnlockWindow(frozen, runner)
        qtbot.addWidget(window)
        window.show()
        window.prepare()
        assert not window.button.isEnabled()
        assert window.button.text().startswith("Wacht nog")
        assert window.error.isVisible()
    finally:
        runner.wait_idle()
        frozen.close()


def test_empty_passphrase_is_not_tried(qtbot, workspace: Workspace, case_files: CaseFiles,  # type: ignore[no-untyped-def]
                                       runner: TaskRunner) -> None:
    window = UnlockWindow(workspace, runner)
    qtbot.addWidget(window)
    window.show()
    window.prepare()
    qtbot.mouseClick(window.button, Qt.MouseButton.LeftButton)
    assert window.error.text() == "Typ je wachtwoordzin."
    assert not window.busy
    assert workspace.unlock_wait_seconds() == 0  # no failed attempt was counted


def test_run_gui_opens_the_first_start_window_on_an_empty_folder(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from leerrecht_desktop.ui.application import run_gui

    seen: list[str] = []

    def look_and_quit() -> None:
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        seen.extend(type(w).__name__ for w in app.topLevelWidgets() if w.isVisible())
        seen.append(app.applicationName())
        for window in app.topLevelWidgets():
            if isinstance(window, FirstStartWindow):
                window.hide()
        app.exit(0)

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    look = (app.styleSheet(), app.font(), app.palette(), app.style().name())
    QTimer.singleShot(0, look_and_quit)
    try:
        assert run_gui(tmp_path / "new") == 0
    finally:  # run_gui styles the shared QApplication; later tests get it back as it was
        app.setStyleSheet(look[0])
        app.setFont(look[1])
        app.setPalette(look[2])
        app.setStyle(look[3])
    assert "FirstStartWindow" in seen and "UnlockWindow" not in seen
    assert "Leerrecht" in seen
    assert (tmp_path / "new").exists()


def test_a_damaged_profile_is_said_as_such_and_not_as_a_wrong_passphrase(  # type: ignore[no-untyped-def]
        qtbot, workspace: Workspace, case_files: CaseFiles, runner: TaskRunner) -> None:
    from tests.kits.storekit import raw_execute

    case_files.lock()
    raw_execute(workspace.data_dir, "UPDATE vault SET kdf = ?", ("{",))
    window = UnlockWindow(workspace, runner)
    qtbot.addWidget(window)
    window.show()
    window.prepare()
    qtbot.keyClicks(window.passphrase_edit, PASSPHRASE)
    qtbot.keyClick(window.passphrase_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.busy and window.general_error.isVisible())
    assert "beschadigd" in window.general_error.text()
    assert "kon niet ontgrendeld worden" not in window.general_error.text()
    assert not window.error.isVisible()  # nothing said next to the passphrase: it was not the passphrase
