"""Operations (ui/operations.py): store work on the one store thread, network work on its own pool so a
slow server never holds up a save, and one way for a failure to reach the user."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from types import TracebackType

import pytest
from PySide6.QtWidgets import QLineEdit, QMainWindow
from pytestqt.qtbot import QtBot

from leerrecht_core.errors import LeerrechtError
from leerrecht_desktop.ui.operations import NetworkOp, StoreOp
from leerrecht_desktop.ui.tasks import TaskRunner


class Window(QMainWindow):
    def __init__(self, runner: TaskRunner):
        super().__init__()
        self.runner = runner
        self.errors: list[str] = []

    def show_error(self, exc: Exception) -> None:
        self.errors.append(str(exc))


@pytest.fixture
def runner() -> Iterator[TaskRunner]:
    made = TaskRunner()
    yield made
    made.wait_idle()


def test_network_work_does_not_wait_for_the_store_thread(qtbot: QtBot, runner: TaskRunner) -> None:
    window = Window(runner)
    qtbot.addWidget(window)
    release = threading.Event()
    answers: list[str] = []
    StoreOp(window, lambda: release.wait(10) and "bewaard").success(answers.append).run()
    NetworkOp(window, lambda: "server").success(answers.append).run()
    qtbot.waitUntil(lambda: answers == ["server"])  # the store thread is still blocked
    release.set()
    qtbot.waitUntil(lambda: answers == ["server", "bewaard"])


def test_a_refusal_goes_to_the_windows_show_error_and_a_failure_callback_takes_precedence(
        qtbot: QtBot, runner: TaskRunner) -> None:
    window = Window(runner)
    qtbot.addWidget(window)
    field = QLineEdit(window)

    def refuse() -> None:
        raise LeerrechtError("Dat dossier bestaat niet meer.")

    StoreOp(field, refuse).run()  # found through the field's window
    qtbot.waitUntil(lambda: window.errors == ["Dat dossier bestaat niet meer."])
    handled: list[str] = []
    NetworkOp(window, refuse).failure(lambda exc: handled.append(str(exc))).run()
    qtbot.waitUntil(lambda: handled == ["Dat dossier bestaat niet meer."])
    assert window.errors == ["Dat dossier bestaat niet meer."]


def test_anything_else_goes_to_the_crash_report(qtbot: QtBot, runner: TaskRunner,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    window = Window(runner)
    qtbot.addWidget(window)
    reported: list[BaseException] = []

    def hook(_t: type[BaseException], exc: BaseException, _tb: TracebackType | None) -> None:
        reported.append(exc)

    monkeypatch.setattr(sys, "excepthook", hook)

    def bug() -> None:
        raise ValueError("fictief")

    StoreOp(window, bug).run()
    qtbot.waitUntil(lambda: len(reported) == 1)
    assert isinstance(reported[0], ValueError) and window.errors == []


def test_an_answer_for_a_deleted_parent_is_dropped(qtbot: QtBot, runner: TaskRunner) -> None:
    window = Window(runner)
    qtbot.addWidget(window)
    gone = QLineEdit(window)
    release = threading.Event()
    answers: list[str] = []
    StoreOp(gone, lambda: release.wait(10) and "klaar").success(answers.append).run()
    StoreOp(window, lambda: "nog hier").success(answers.append).run()
    gone.deleteLater()
    qtbot.waitUntil(lambda: not _valid(gone))
    release.set()
    qtbot.waitUntil(lambda: answers == ["nog hier"])


def _valid(widget: QLineEdit) -> bool:
    import shiboken6

    return shiboken6.isValid(widget)


def test_a_refusal_outside_a_main_window_gets_a_message_box_on_its_window(qtbot: QtBot, runner: TaskRunner) -> None:
    from PySide6.QtWidgets import QDialog, QMessageBox

    dialog = QDialog()
    qtbot.addWidget(dialog)

    def refuse() -> None:
        raise LeerrechtError("Fictieve weigering.")

    StoreOp(dialog, refuse, runner=runner).run()
    qtbot.waitUntil(lambda: bool(dialog.findChildren(QMessageBox)))
    box = dialog.findChildren(QMessageBox)[0]
    assert box.text() == "Fictieve weigering."
    box.accept()
