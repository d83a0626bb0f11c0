"""Hand-over mode: the young person fills in the wellbeing scale on a screen that shows nothing of the
case, and only the worker's passphrase leads back. Every name here is fictitious."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QLabel,
    QLineEdit,
    QMainWindow,
    QStackedWidget,
    QWidget,
)

from leerrecht_desktop.models.case import CaseProfile
from leerrecht_desktop.models.entries import WellbeingScale
from leerrecht_desktop.models.enums import Kind
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.workspace import Workspace
from leerrecht_desktop.ui.forms import close_all_forms, open_entry_form
from leerrecht_desktop.ui.handover import HandoverWidget, start_handover
from leerrecht_desktop.ui.tasks import TaskRunner

PASSPHRASE = "blauwe fiets op de markt"  # as in tests/conftest.py
FIRST, LAST = "Fictieve", "Overhandiging"
ANSWERS = [4, 3, 5, 2, 4, 1, 3, 5]


class StubWindow(QMainWindow):
    """The two methods the real main window offers, a shortcut that would leave the case, and the
    close routing the real window does."""

    def __init__(self) -> None:
        super().__init__()
        self.stack = QStackedWidget()
        self.case_page = QLabel(f"Dossier van {FIRST} {LAST}")
        self.stack.addWidget(self.case_page)
        self.setCentralWidget(self.stack)
        self.page: HandoverWidget | None = None
        self.ended = 0
        self.shortcut_hits: list[str] = []
        for keys in ("Ctrl+W", "Escape", "Ctrl+F"):
            action = QAction(self)
            action.setShortcut(QKeySequence(keys))
            action.triggered.connect(lambda _c=False, k=keys: self.shortcut_hits.append(k))
            self.addAction(action)

    def show_handover_page(self, widget: QWidget) -> None:
        assert isinstance(widget, HandoverWidget)
        self.page = widget
        self.stack.addWidget(widget)
        self.stack.setCurrentWidget(widget)
        widget.setFocus()

    def end_handover(self) -> None:
        self.ended += 1
        if self.page is not None:
            self.stack.removeWidget(self.page)
            self.page.deleteLater()
            self.page = None
        self.stack.setCurrentWidget(self.case_page)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.page is not None and not self.page.request_close():
            event.ignore()
            return
        event.accept()


@pytest.fixture
def tasks(qapp: QApplication, workspace: Workspace) -> Iterator[TaskRunner]:
    runner = TaskRunner()
    yield runner
    runner.wait_idle()


@pytest.fixture
def case_id(case_files: CaseFiles) -> str:
    born = dt.date.today().replace(year=dt.date.today().year - 14) - dt.timedelta(days=10)
    return case_files.create_case(CaseProfile(first_name=FIRST, last_name=LAST, birth_date=born)).case_id


@pytest.fixture
def window(qtbot, tasks: TaskRunner, case_files: CaseFiles) -> Iterator[StubWindow]:  # type: ignore[no-untyped-def]
    win = StubWindow()
    qtbot.addWidget(win)
    win.resize(1200, 800)
    win.show()
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    yield win
    if win.page is not None:
        win.page.returned = True  # let the fixture close the window
    close_all_forms()
    tasks.wait_idle()


def visible_texts(widget: QWidget) -> list[str]:
    texts = []
    for child in widget.findChildren(QWidget):
        if not child.isVisibleTo(widget):
            continue
        if isinstance(child, QLabel | QAbstractButton | QLineEdit):
            texts.append(child.text())
    texts.append(widget.window().windowTitle())
    return texts


def start(window: StubWindow, workspace: Workspace, case_files: CaseFiles, tasks: TaskRunner,
          case_id: str) -> HandoverWidget:
    start_handover(window, workspace, case_files, tasks, case_id)
    assert window.page is not None
    return window.page


def answer_all(qtbot, page: HandoverWidget, answers: list[int]) -> None:  # type: ignore[no-untyped-def]
    """Half by mouse, half with the number keys, as a young person might."""
    for index, value in enumerate(answers):
        assert page.current_question() == index
        if index % 2 == 0:
            qtbot.mouseClick(page.answer_buttons[index][value - 1], Qt.MouseButton.LeftButton)
        else:
            qtbot.keyClick(page, Qt.Key(Qt.Key.Key_0 + value))
        qtbot.waitUntil(lambda i=index: page.current_question() != i)


def test_young_person_fills_in_the_scale_and_only_the_passphrase_returns(qtbot, workspace, case_files, tasks,
                                                                         case_id, window) -> None:
    # Before the hand-over the window's shortcuts work (so their silence later means something).
    qtbot.keyClick(window.case_page, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert window.shortcut_hits == ["Ctrl+W"]
    window.shortcut_hits.clear()

    page = start(window, workspace, case_files, tasks, case_id)
    assert window.stack.currentWidget() is page
    shown = " ".join(visible_texts(page))
    assert FIRST not in shown and LAST not in shown
    assert page.age.number() == 14 and page.age.text() == "14"

    # Escape and the window's shortcuts do nothing while the young person has the laptop.
    for key, mods in ((Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier),
                      (Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier),
                      (Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)):
        qtbot.keyClick(page, key, mods)
    assert window.shortcut_hits == [] and window.ended == 0 and window.stack.currentWidget() is page

    qtbot.mouseClick(page.gender_buttons["v"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(page.place_buttons["school"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    answer_all(qtbot, page, ANSWERS)
    assert page.stack.currentWidget() is page.review_page and page.done_button.isEnabled()
    qtbot.mouseClick(page.done_button, Qt.MouseButton.LeftButton)  # "Klaar": saved now, not on return
    qtbot.waitUntil(lambda: page.saved_record is not None, timeout=10_000)
    assert page.stack.currentWidget() is page.thanks_page

    scales = case_files.load_case(case_id).of_kind(Kind.WELLBEING)
    assert len(scales) == 1
    scale = scales[0].content
    assert isinstance(scale, WellbeingScale)
    assert scale.answers == {f"q{i}": v for i, v in enumerate(ANSWERS, start=1)}
    assert (scale.filled_in_by, scale.gender, scale.place, scale.age) == ("jongere", "v", "school", 14)
    assert scale.occurred_on == dt.date.today()
    assert case_files.load_draft(f"handover:{case_id}") is None

    # A wrong passphrase is refused; the page stays.
    qtbot.mouseClick(page.return_button, Qt.MouseButton.LeftButton)
    assert page.stack.currentWidget() is page.passphrase_page
    qtbot.keyClicks(page.passphrase_edit, "fout wachtwoord van een kind")
    qtbot.mouseClick(page.passphrase_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "klopt niet" in page.passphrase_message.text(), timeout=10_000)
    assert window.ended == 0 and window.stack.currentWidget() is page
    assert page.passphrase_edit.text() == ""

    # The store makes the next try wait a moment after a wrong one; move its clock past that.
    workspace.clock = lambda: time.time() + 3600
    qtbot.waitUntil(page.passphrase_button.isEnabled, timeout=10_000)
    qtbot.keyClicks(page.passphrase_edit, PASSPHRASE)
    qtbot.keyClick(page.passphrase_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.ended == 1, timeout=10_000)
    assert window.stack.currentWidget() is window.case_page

    # Back with the worker: the window's shortcuts work again.
    qtbot.keyClick(window.case_page, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert window.shortcut_hits == ["Ctrl+W"]


def test_closing_the_window_is_refused_until_the_worker_types_the_passphrase(qtbot, workspace, case_files, tasks,
                                                                             case_id, window) -> None:
    page = start(window, workspace, case_files, tasks, case_id)
    assert page.request_close() is False
    assert page.stack.currentWidget() is page.passphrase_page
    window.close()
    assert window.isVisible() and window.ended == 0

    qtbot.keyClick(page.passphrase_edit, Qt.Key.Key_Escape)  # back to the scale, still handed over
    assert page.stack.currentWidget() is page.intro_page and window.ended == 0

    window.close()  # asks again; this time the worker answers
    qtbot.keyClicks(page.passphrase_edit, PASSPHRASE)
    qtbot.mouseClick(page.passphrase_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.ended == 1, timeout=10_000)
    qtbot.waitUntil(lambda: not window.isVisible())


def test_keyboard_only_with_a_change_of_mind(qtbot, workspace, case_files, tasks, case_id, window) -> None:
    page = start(window, workspace, case_files, tasks, case_id)
    qtbot.keyClick(page, Qt.Key.Key_Return)  # start
    assert page.current_question() == 0
    qtbot.keyClick(page, Qt.Key.Key_2)
    qtbot.waitUntil(lambda: page.current_question() == 1)
    qtbot.keyClick(page, Qt.Key.Key_Left)  # back to question 1
    assert page.current_question() == 0 and page.answer_buttons[0][1].isChecked()
    qtbot.keyClick(page, Qt.Key.Key_5)  # changes the answer
    qtbot.waitUntil(lambda: page.current_question() == 1)
    for index in range(1, 8):
        qtbot.keyClick(page, Qt.Key.Key_3)
        qtbot.waitUntil(lambda i=index: page.current_question() != i)
    qtbot.keyClick(page, Qt.Key.Key_Return)  # Klaar
    qtbot.waitUntil(lambda: page.saved_record is not None, timeout=10_000)
    scale = case_files.load_case(case_id).of_kind(Kind.WELLBEING)[0].content
    assert scale.answers == {"q1": 5, **{f"q{i}": 3 for i in range(2, 9)}}


def test_klaar_waits_for_every_answer(qtbot, workspace, case_files, tasks, case_id, window) -> None:
    page = start(window, workspace, case_files, tasks, case_id)
    page.go_to_question(7)
    qtbot.keyClick(page, Qt.Key.Key_4)
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.review_page)
    assert not page.done_button.isEnabled()
    assert page.review_text.text() == "Je hebt vraag 1, 2, 3, 4, 5, 6, 7 nog niet beantwoord."
    qtbot.mouseClick(page.missing_button, Qt.MouseButton.LeftButton)
    assert page.current_question() == 0
    assert case_files.load_case(case_id).of_kind(Kind.WELLBEING) == []


def test_an_interrupted_hand_over_keeps_its_answers_sealed(qtbot, workspace, case_files, tasks, case_id,
                                                           window) -> None:
    page = start(window, workspace, case_files, tasks, case_id)
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    answer_all(qtbot, page, ANSWERS[:3])
    # What the main window does before it locks: seal the drafts of whatever is open.
    page.save_draft_now()
    tasks.wait_idle()
    case_files.lock()
    window.end_handover()

    unlocked = workspace.unlock(PASSPHRASE)
    again = start(window, workspace, unlocked, tasks, case_id)
    assert not again.resume_note.isHidden()
    assert [again.answer_buttons[i][v - 1].isChecked() for i, v in enumerate(ANSWERS[:3])] == [True] * 3
    assert again.missing() == [4, 5, 6, 7, 8]
    assert unlocked.load_case(case_id).of_kind(Kind.WELLBEING) == []


def test_open_forms_are_hidden_during_the_hand_over_and_come_back(qtbot, workspace, case_files, tasks, case_id,
                                                                  window) -> None:
    form = open_entry_form(window, case_files, tasks, case_id, Kind.NOTE)
    qtbot.keyClicks(form.note_text, "Fictieve notitie van de begeleider.")
    page = start(window, workspace, case_files, tasks, case_id)
    assert not form.isVisible()
    assert case_files.load_draft(form.draft_id) is not None  # hiding sealed the draft

    page.ask_passphrase()
    qtbot.keyClicks(page.passphrase_edit, PASSPHRASE)
    qtbot.keyClick(page.passphrase_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.ended == 1, timeout=10_000)
    assert form.isVisible()
    assert form.note_text.toPlainText() == "Fictieve notitie van de begeleider."
