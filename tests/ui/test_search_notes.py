"""Searching all text from the case list (issue 14): a word that stands only in an entry finds its
case, the list says where, and the case opens at that entry. Every name and note is fictitious."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt

from leerrecht_desktop.models.entries import FollowUpNote, HomeVisit
from leerrecht_desktop.models.records import Record
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.workspace import Workspace
from leerrecht_desktop.ui.main_window import MainWindow, notes_search
from leerrecht_desktop.ui.models import SUMMARY_ROLE
from leerrecht_desktop.ui.tasks import TaskRunner

from .conftest import Sample


def shown(window: MainWindow) -> list[str]:
    return [s.first_name for s in window.visible_summaries()]


def type_search(qtbot, window: MainWindow, text: str) -> None:  # type: ignore[no-untyped-def]
    window.search_edit.clear()
    qtbot.keyClicks(window.search_edit, text)


def test_a_word_from_a_home_visit_finds_the_case_and_says_where(qtbot, main_window: MainWindow,  # type: ignore[no-untyped-def]
                                                                sample: Sample) -> None:
    assert "in de notities" in main_window.search_edit.placeholderText()
    type_search(qtbot, main_window, "WEKKER")  # "Amira zet een wekker." in her home visit's agreements

    assert shown(main_window) == ["Amira"]
    assert main_window.count_label.text() == "1 van 6 dossiers"
    visit_day = (sample.today - dt.timedelta(days=40)).strftime("%d/%m/%Y")
    expected = f"Gevonden in: Huisbezoek van {visit_day}, Afspraken — “Amira zet een wekker.”"
    assert main_window.found_label.isVisible()
    assert main_window.found_label.text() == expected
    tip = main_window.proxy.data(main_window.proxy.index(0, 0), Qt.ItemDataRole.ToolTipRole)
    assert tip == expected


def test_a_name_search_says_nothing_about_entries_and_the_filters_still_apply(  # type: ignore[no-untyped-def]
        qtbot, main_window: MainWindow) -> None:
    type_search(qtbot, main_window, "amira")
    assert shown(main_window) == ["Amira"]  # her notes name her too: still the one case
    assert not main_window.found_label.isVisible()

    type_search(qtbot, main_window, "gesprek")  # Bram's note, Dries's closing visit
    assert sorted(shown(main_window)) == ["Bram", "Dries"]
    main_window.status_combo.setCurrentIndex(main_window.status_combo.findData("afgesloten"))
    assert shown(main_window) == ["Dries"]
    assert main_window.count_label.text() == "1 van 6 dossiers"


def test_accents_and_every_word_count(qtbot, main_window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    type_search(qtbot, main_window, "chloe boterhammen")  # her name without the diaeresis, her referral's concern
    assert shown(main_window) == ["Chloë"]
    type_search(qtbot, main_window, "boterhammen wekker")  # in two different cases: none has both
    assert shown(main_window) == []
    assert main_window.empty_label.isVisible()


def test_opening_a_case_from_the_search_selects_the_entry_found(qtbot, main_window: MainWindow,  # type: ignore[no-untyped-def]
                                                                case_files: CaseFiles, sample: Sample) -> None:
    type_search(qtbot, main_window, "terugkoppelen")  # the action of Amira's follow-up note
    assert shown(main_window) == ["Amira"]
    qtbot.keyClick(main_window.search_edit, Qt.Key.Key_Return)  # Enter opens the first case
    view = main_window.case_view
    qtbot.waitUntil(lambda: view.case_file is not None and view.case_id == sample.ids["Amira"])

    assert view.tabs.currentWidget() is view.timeline
    selected = view.timeline.view.selectionModel().selectedRows()
    assert len(selected) == 1
    record = view.timeline_model.record_at(selected[0].row())
    assert isinstance(record, Record) and isinstance(record.content, FollowUpNote)
    assert record.content.action == "Terugkoppelen aan CLB"


def test_opening_from_a_profile_hit_shows_the_profile(qtbot, main_window: MainWindow, sample: Sample) -> None:  # type: ignore[no-untyped-def]
    type_search(qtbot, main_window, "fictiefstraat")  # Amira's address
    assert shown(main_window) == ["Amira"]
    assert main_window.found_label.text().startswith("Gevonden in: Profiel, Adres — ")
    qtbot.keyClick(main_window.search_edit, Qt.Key.Key_Down)
    qtbot.keyClick(main_window.table, Qt.Key.Key_Return)
    view = main_window.case_view
    qtbot.waitUntil(lambda: view.case_id == sample.ids["Amira"])
    assert view.tabs.currentWidget() is view.profile_view


def test_a_saved_note_is_found_and_an_edit_replaces_it(qtbot, main_window: MainWindow, case_files: CaseFiles,  # type: ignore[no-untyped-def]
                                                       sample: Sample) -> None:
    finn = sample.ids["Finn"]
    record = case_files.save(finn, FollowUpNote(occurred_on=sample.today, text="Fietsenstalling besproken."))
    main_window.store_events.changed([finn])
    type_search(qtbot, main_window, "fietsenstalling")
    qtbot.waitUntil(lambda: shown(main_window) == ["Finn"])

    case_files.save(finn, FollowUpNote(occurred_on=sample.today, text="Zwembad besproken."), record_id=record.record_id)
    main_window.store_events.changed([finn])
    qtbot.waitUntil(lambda: shown(main_window) == [])
    type_search(qtbot, main_window, "zwembad")
    assert shown(main_window) == ["Finn"]


def test_a_sync_round_that_pulled_reindexes_what_changed(qtbot, main_window: MainWindow,  # type: ignore[no-untyped-def]
                                                         case_files: CaseFiles, sample: Sample) -> None:
    case_files.save(sample.ids["Elif"], HomeVisit(occurred_on=sample.today, purpose="Kennismaking met oma Ayşe"))
    main_window.store_events.changed(None)  # a write that names no case: compared by head revisions
    type_search(qtbot, main_window, "ayse")
    qtbot.waitUntil(lambda: shown(main_window) == ["Elif"])


def test_locking_drops_the_index(qtbot, main_window: MainWindow, case_files: CaseFiles) -> None:  # type: ignore[no-untyped-def]
    type_search(qtbot, main_window, "wekker")
    assert len(main_window.notes_search.index) == 6
    main_window.lock()
    assert len(main_window.notes_search.index) == 0
    assert not main_window.notes_search.started
    assert main_window.notes_search.search("wekker") == {}
    qtbot.waitUntil(lambda: case_files.is_locked)


# -- while the index is being built ---------------------------------------------------------------------


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Hold every batch of the index on the store thread until the test opens the gate; one case per batch."""
    opened = threading.Event()
    real = notes_search.read_cases

    def held(*args: Any, **kwargs: Any) -> Any:
        assert opened.wait(20)
        return real(*args, **kwargs)

    monkeypatch.setattr(notes_search, "read_cases", held)
    monkeypatch.setattr(notes_search, "BATCH_SECONDS", 0)
    yield opened
    opened.set()  # never leave the store thread waiting


def test_the_list_says_the_notes_are_still_being_searched_until_the_index_is_built(  # type: ignore[no-untyped-def]
        qtbot, workspace: Workspace, case_files: CaseFiles, runner: TaskRunner, sample: Sample,
        gate: threading.Event) -> None:
    window = MainWindow(workspace, case_files, runner)
    qtbot.addWidget(window)
    window.show()
    try:
        qtbot.waitUntil(lambda: window.case_model.rowCount() == 6)
        type_search(qtbot, window, "wekker")

        assert window.notes_search.building
        assert shown(window) == []
        assert window.count_label.text() == "0 van 6 dossiers (notities nog bezig)"
        assert window.found_label.text() == ("Zoeken in de notities is nog bezig (0 van 6 dossiers); "
                                             "de lijst vult zich vanzelf aan.")

        gate.set()
        qtbot.waitUntil(lambda: not window.notes_search.building)
        assert shown(window) == ["Amira"]
        assert window.count_label.text() == "1 van 6 dossiers"
        assert window.found_label.text().startswith("Gevonden in: Huisbezoek")
        assert window.proxy.index(0, 0).data(SUMMARY_ROLE).first_name == "Amira"
    finally:
        gate.set()
        window.dispose()
        runner.wait_idle()
