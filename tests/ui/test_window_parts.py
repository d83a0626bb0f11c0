"""The main window's shared parts: one store_changed signal after a write (the list and the open case
follow it), the dialog manager (a dialog that exists once is raised, not made twice), and the menu
actions registered by decorator."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from leerrecht_desktop.models.entries import FollowUpNote
from leerrecht_desktop.models.enums import Kind
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.ui.dialogs import DialogManager
from leerrecht_desktop.ui.main_window import MainWindow
from leerrecht_desktop.ui.main_window.actions import ACTIONS

from .conftest import FormCalls, Sample


def test_a_saved_entry_is_one_store_changed_with_its_case(qtbot: QtBot, main_window: MainWindow,
                                                          fake_forms: FormCalls, case_files: CaseFiles,
                                                          sample: Sample) -> None:
    case_id = sample.ids["Bram"]
    main_window.open_case(case_id)
    qtbot.waitUntil(lambda: main_window.case_view.case_file is not None)
    main_window.add_entry(Kind.NOTE)
    form = fake_forms.entry_forms[-1]
    record = case_files.save(case_id, FollowUpNote(text="Fictieve notitie via het signaal"))
    with qtbot.waitSignal(main_window.store_events.store_changed) as changed:
        form.saved.emit(record)
    assert changed.args == [frozenset({case_id})]
    qtbot.waitUntil(lambda: main_window.case_view.timeline_model.rowCount() == 3)


def test_a_dialog_that_exists_once_is_raised_not_made_twice_and_forgotten_when_closed(qtbot: QtBot) -> None:
    dialogs = DialogManager()
    made: list[QDialog] = []

    def make() -> QDialog:
        dialog = QDialog()
        qtbot.addWidget(dialog)
        made.append(dialog)
        return dialog

    first = dialogs.open("settings", make)
    assert first is not None and dialogs.get("settings", QDialog) is first
    assert dialogs.open("settings", make) is None and len(made) == 1
    first.reject()
    assert dialogs.get("settings", QDialog) is None
    assert dialogs.open("settings", make) is not None and len(made) == 2


def test_every_registered_action_is_on_the_window_once(main_window: MainWindow) -> None:
    names = [spec.name for spec in ACTIONS]
    assert len(names) == len(set(names))
    for name in names:
        assert getattr(main_window, f"act_{name}") in main_window.actions()


def test_opening_a_case_in_the_window_is_in_the_access_log_once(qtbot: QtBot, main_window: MainWindow,
                                                                 case_files: CaseFiles, sample: Sample) -> None:
    from leerrecht_desktop.store.access_log import AccessLog

    access = AccessLog.of(case_files)
    assert access.pending_count() == 0
    for name in ("Bram", "Bram"):  # opened twice in a row: one entry
        main_window.open_case(sample.ids[name])
        qtbot.waitUntil(lambda: main_window.case_view.case_file is not None)
        main_window.case_view.clear()
    qtbot.waitUntil(lambda: access.pending_count() == 1)
    (entry,) = access.unsent(10)
    assert (entry.case_id, entry.action, entry.user_id) == (sample.ids["Bram"], "case_opened", case_files.user.user_id)
