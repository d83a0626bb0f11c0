"""Reading means reading (issue 14): a double-click on a timeline row opens the entry read-only with its
whole text; *Bewerken* opens the form from there; *Verwijderen…* asks first and then deletes it as a
change that syncs (a tombstone in the outbox), after which the timeline shows the row as removed, by whom
and when. *Concept weggooien* in a form asks before it throws away what was typed."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from leerrecht_desktop.models.enums import Kind
from leerrecht_desktop.store.casefiles import CaseFiles, RemovedEntry
from leerrecht_desktop.ui.entry_view import EntryView
from leerrecht_desktop.ui.forms import EntryForm, open_forms
from leerrecht_desktop.ui.main_window import MainWindow
from leerrecht_desktop.ui.models import EntryColumn

from .conftest import Sample


def _open_bram(qtbot: QtBot, window: MainWindow, sample: Sample) -> None:
    window.open_case(sample.ids["Bram"])
    qtbot.waitUntil(lambda: window.case_view.case_file is not None)


def _note_row(window: MainWindow) -> int:
    model = window.case_view.timeline.model
    return next(row for row in range(model.rowCount()) if model.record_at(row).kind == Kind.NOTE)


def _double_click(qtbot: QtBot, window: MainWindow, row: int) -> None:
    view = window.case_view.timeline.view
    rect = view.visualRect(view.model().index(row, EntryColumn.SUMMARY))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_an_entry_opens_to_read_and_edits_from_there(qtbot: QtBot, main_window: MainWindow, sample: Sample) -> None:
    _open_bram(qtbot, main_window, sample)
    _double_click(qtbot, main_window, _note_row(main_window))
    view = main_window.dialogs.get("entry", EntryView)
    assert view is not None and view.text.isReadOnly()
    assert "Gesprek over stage." in view.text.toPlainText()
    assert not [f for f in open_forms() if isinstance(f, EntryForm)]  # reading opened no form
    view.edit_button.click()
    qtbot.waitUntil(lambda: bool(open_forms()))


@pytest.mark.parametrize("answer", [False, True])
def test_deleting_an_entry_asks_first_then_syncs_as_a_deletion_the_timeline_shows(
        qtbot: QtBot, main_window: MainWindow, case_files: CaseFiles, sample: Sample,
        monkeypatch: pytest.MonkeyPatch, answer: bool) -> None:
    case_id = sample.ids["Bram"]
    _open_bram(qtbot, main_window, sample)
    notes_before = len(case_files.load_case(case_id).of_kind(Kind.NOTE))
    pending_before = case_files.pending_changes()
    _double_click(qtbot, main_window, _note_row(main_window))
    view = main_window.dialogs.get("entry", EntryView)
    assert view is not None
    monkeypatch.setattr(EntryView, "confirm_delete", lambda self: answer)
    view.delete_button.click()
    if not answer:
        assert view.isVisible() and len(case_files.load_case(case_id).of_kind(Kind.NOTE)) == notes_before
        return
    qtbot.waitUntil(lambda: main_window.dialogs.get("entry", EntryView) is None)
    case = case_files.load_case(case_id)
    assert len(case.of_kind(Kind.NOTE)) == notes_before - 1
    assert [r.kind for r in case.removed] == [Kind.NOTE] and case.removed[0].author_name == "Fictieve Werker"
    assert case_files.pending_changes() == pending_before + 1  # the deletion waits to be sent
    model = main_window.case_view.timeline.model

    def removed_rows() -> list[int]:
        return [row for row in range(model.rowCount()) if isinstance(model.record_at(row), RemovedEntry)]

    qtbot.waitUntil(lambda: len(removed_rows()) == 1)
    (row,) = removed_rows()
    assert model.index(row, EntryColumn.SUMMARY).data() == "Verwijderd"
    assert model.index(row, EntryColumn.KIND).data() == Kind.NOTE.label
    assert "verwijderd op" in model.index(row, EntryColumn.SUMMARY).data(Qt.ItemDataRole.ToolTipRole)
    _double_click(qtbot, main_window, row)  # nothing to open in a removed row
    assert main_window.dialogs.get("entry", EntryView) is None


def test_discarding_a_draft_asks_first(qtbot: QtBot, main_window: MainWindow, sample: Sample,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    _open_bram(qtbot, main_window, sample)
    main_window.add_entry(Kind.NOTE)
    qtbot.waitUntil(lambda: bool(open_forms()))
    (form,) = open_forms()
    qtbot.keyClicks(form.note_text, "Fictief concept")  # type: ignore[attr-defined]
    monkeypatch.setattr(EntryForm, "confirm_discard", lambda self: False)
    form.discard_draft_button.click()
    assert form.note_text.toPlainText() == "Fictief concept"  # type: ignore[attr-defined]
    monkeypatch.setattr(EntryForm, "confirm_discard", lambda self: True)
    form.discard_draft_button.click()
    assert form.note_text.toPlainText() == ""  # type: ignore[attr-defined]
    form.reject()
