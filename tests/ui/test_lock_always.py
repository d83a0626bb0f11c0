"""Locking that always locks (issue 14 item 4): Ctrl+L and the idle lock with a form, the print preview or a
hand-over open; nothing of the case stays on screen, the keys go, the passphrase goes to the unlock field, and
after unlock what was open comes back as it was. Every name and note here is fictitious."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from leerrecht_desktop.models.enums import Kind
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.ui.application import Shell
from leerrecht_desktop.ui.forms import open_forms
from leerrecht_desktop.ui.forms.entries import HomeVisitForm
from leerrecht_desktop.ui.handover import HandoverWidget
from leerrecht_desktop.ui.main_window import MainWindow
from leerrecht_desktop.ui.report_dialog import SummaryDialog
from tests.conftest import PASSPHRASE

from .conftest import Sample

TYPED = "Moeder was thuis; de jongere sliep nog om elf uur."


@pytest.fixture(autouse=True)
def no_forms_left() -> Iterator[None]:
    """The forms' registry is module-wide: what one test leaves open must not count in the next."""
    yield
    for form in open_forms():
        form.hide()
        form.deleteLater()
    QApplication.processEvents()


def home_visit_of(window: MainWindow) -> HomeVisitForm | None:
    forms = [f for f in open_forms() if isinstance(f, HomeVisitForm) and f.parent() is window and f.isVisible()]
    assert len(forms) <= 1
    return forms[0] if forms else None


def entered(qtbot, shell: Shell, case_files: CaseFiles, sample: Sample) -> MainWindow:  # type: ignore[no-untyped-def]
    shell.enter(case_files)
    window = shell.main_window
    assert window is not None
    qtbot.waitUntil(lambda: window.case_model.rowCount() == len(sample.ids))
    window.open_case(sample.ids["Amira"])
    qtbot.waitUntil(lambda: window.case_view.case_file is not None
                    and window.case_view.case_id == sample.ids["Amira"])
    return window


def home_visit_form(qtbot, window: MainWindow) -> HomeVisitForm:  # type: ignore[no-untyped-def]
    window.add_entry(Kind.HOME_VISIT)
    form = home_visit_of(window)
    assert form is not None
    qtbot.waitUntil(form.isVisible)
    form.observations.setFocus()
    qtbot.keyClicks(form.observations, TYPED)
    return form


def press_ctrl_l(qtbot, widget: QWidget) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClick(widget, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)


def assert_locked_screen(qtbot, shell: Shell, case_files: CaseFiles) -> None:  # type: ignore[no-untyped-def]
    """Only the unlock window shows, the store has dropped its keys, the passphrase goes to its field."""
    qtbot.waitUntil(lambda: shell.unlock_window is not None and shell.unlock_window.isVisible())
    door = shell.unlock_window
    assert door is not None
    qtbot.waitUntil(lambda: case_files.is_locked)
    QApplication.processEvents()
    shown = [w for w in QApplication.topLevelWidgets() if w.isVisible() and w is not door]
    assert shown == [], [type(w).__name__ for w in shown]
    assert QApplication.activeModalWidget() is None
    assert all(not f.isVisible() for f in open_forms())
    door.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is door.passphrase_edit)


def unlock_by_typing(qtbot, shell: Shell) -> MainWindow:  # type: ignore[no-untyped-def]
    """Type the passphrase 'blind', where the focus is, and press Enter."""
    door = shell.unlock_window
    assert door is not None
    focus = QApplication.focusWidget()
    assert focus is door.passphrase_edit
    qtbot.keyClicks(focus, PASSPHRASE)
    assert door.passphrase_edit.text() == PASSPHRASE
    qtbot.keyClick(focus, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: shell.main_window is not None and shell.main_window.isVisible()
                    and not shell.main_window.is_locked, timeout=20_000)
    assert shell.main_window is not None
    return shell.main_window


def test_ctrl_l_in_an_open_form_locks_and_the_form_comes_back_with_its_text(  # type: ignore[no-untyped-def]
        qtbot, shell: Shell, case_files: CaseFiles, sample: Sample) -> None:
    window = entered(qtbot, shell, case_files, sample)
    form = home_visit_form(qtbot, window)

    press_ctrl_l(qtbot, form.observations)  # the focus is in the form, not in the main window
    assert_locked_screen(qtbot, shell, case_files)

    window = unlock_by_typing(qtbot, shell)
    qtbot.waitUntil(lambda: home_visit_of(window) is not None)
    again = home_visit_of(window)
    assert again is not None
    assert again.case_id == sample.ids["Amira"]
    assert again.observations.toPlainText() == TYPED
    assert window.case_files is not case_files and not window.case_files.is_locked


def test_ctrl_l_with_the_print_preview_open(qtbot, shell: Shell, case_files: CaseFiles,  # type: ignore[no-untyped-def]
                                            sample: Sample) -> None:
    window = entered(qtbot, shell, case_files, sample)
    form = home_visit_form(qtbot, window)
    window.act_print_summary.trigger()
    dialog = window.summary_dialog
    assert isinstance(dialog, SummaryDialog)
    qtbot.waitUntil(dialog.isVisible)
    qtbot.mouseClick(dialog.preview_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.page_count > 0 and not dialog.busy, timeout=30_000)
    assert form.isVisible()

    press_ctrl_l(qtbot, dialog)  # a window-modal dialog: the main window's own shortcut can't fire
    assert_locked_screen(qtbot, shell, case_files)

    window = unlock_by_typing(qtbot, shell)
    qtbot.waitUntil(lambda: home_visit_of(window) is not None)
    again = home_visit_of(window)
    assert again is not None
    assert again.observations.toPlainText() == TYPED


def test_ctrl_l_in_hand_over_mode_locks_and_the_answers_come_back(  # type: ignore[no-untyped-def]
        qtbot, shell: Shell, case_files: CaseFiles, sample: Sample) -> None:
    window = entered(qtbot, shell, case_files, sample)
    window.start_handover()
    page = window._handover_widget
    assert isinstance(page, HandoverWidget)
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(page.answer_buttons[0][3], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.current_question() == 1)

    press_ctrl_l(qtbot, page)
    assert_locked_screen(qtbot, shell, case_files)
    assert window._handover_widget is None

    window = unlock_by_typing(qtbot, shell)
    qtbot.waitUntil(lambda: isinstance(window._handover_widget, HandoverWidget))
    again = window._handover_widget
    assert isinstance(again, HandoverWidget) and again is not page
    assert again.case_id == sample.ids["Amira"]
    assert again.answer_buttons[0][3].isChecked()


def test_the_idle_lock_with_a_form_and_a_dialog_open(qtbot, shell: Shell, case_files: CaseFiles,  # type: ignore[no-untyped-def]
                                                     sample: Sample) -> None:
    window = entered(qtbot, shell, case_files, sample)
    home_visit_form(qtbot, window)
    window.open_about()
    qtbot.waitUntil(lambda: window.about_dialog is not None and window.about_dialog.isVisible())

    window.set_idle_interval_ms(50)  # nobody touches anything
    assert_locked_screen(qtbot, shell, case_files)
    window.set_idle_interval_ms(600_000)  # back to a worker's pace, for after the unlock

    window = unlock_by_typing(qtbot, shell)
    qtbot.waitUntil(lambda: home_visit_of(window) is not None)
    again = home_visit_of(window)
    assert again is not None
    assert again.observations.toPlainText() == TYPED


def test_print_sync_and_lock_work_from_a_non_modal_dialog(main_window: MainWindow) -> None:
    for action in (main_window.act_lock, main_window.act_print_summary, main_window.act_sync_now):
        assert action.shortcutContext() == Qt.ShortcutContext.ApplicationShortcut
