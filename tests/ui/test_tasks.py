"""The one worker thread (ui/tasks.py): an answer that arrives after its widget was deleted (a dialog
closed, the window rebuilt in another language) is dropped instead of raising in the event loop."""

from __future__ import annotations

import threading

from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from leerrecht_desktop.ui.tasks import TaskRunner


class Receiver(QLineEdit):
    def show_answer(self, text: str) -> None:
        self.setText(text)

    def show_error(self, exc: Exception) -> None:
        self.setText(type(exc).__name__)


def test_an_answer_for_a_deleted_widget_is_dropped_and_live_ones_still_get_theirs(qtbot: QtBot) -> None:
    runner = TaskRunner()
    gone, alive = Receiver(), Receiver()
    qtbot.addWidget(alive)
    release = threading.Event()

    def slow() -> str:
        release.wait(10)
        return "klaar"

    def broken() -> str:
        release.wait(10)
        raise ValueError("fictief")

    runner.submit(slow, gone.show_answer)
    runner.submit(broken, None, gone.show_error)
    runner.submit(slow, alive.show_answer)
    gone.deleteLater()
    qtbot.waitUntil(lambda: not _valid(gone))
    release.set()
    qtbot.waitUntil(lambda: alive.text() == "klaar")  # no "already deleted" error in the event loop
    runner.wait_idle()


def _valid(widget: QLineEdit) -> bool:
    import shiboken6

    return shiboken6.isValid(widget)
