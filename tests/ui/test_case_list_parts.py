"""The case list after unlock comes in parts (ui/main_window/case_list.py): its count, search and
filters say "(lijst nog bezig)" while it is partial, and are exact once it is whole. Fictitious data."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.workspace import Workspace
from leerrecht_desktop.ui import models
from leerrecht_desktop.ui.main_window import MainWindow
from leerrecht_desktop.ui.main_window import case_list as case_list_module
from leerrecht_desktop.ui.tasks import TaskRunner
from tests.conftest import PASSPHRASE
from tests.ui.conftest import Sample


@pytest.fixture
def parts(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[int, int, str]]]:
    """(rows in the model, rows shown, count text) after every part that came in; parts of two cases."""
    monkeypatch.setattr(case_list_module, "LIST_PART", 2)
    seen: list[tuple[int, int, str]] = []
    original = MainWindow._part_loaded

    def recorded(self: MainWindow, *args: object) -> None:
        original(self, *args)  # type: ignore[arg-type]
        seen.append((self.case_model.rowCount(), self.proxy.rowCount(), self.count_label.text()))
        if len(seen) == 1:
            self.search_edit.setText("Amira")  # searching while the list is still partial

    monkeypatch.setattr(MainWindow, "_part_loaded", recorded)
    yield seen


def test_the_list_comes_in_parts_says_so_and_ends_exact(qtbot, workspace: Workspace, case_files: CaseFiles,  # type: ignore[no-untyped-def]
                                                        runner: TaskRunner, sample: Sample,
                                                        parts: list[tuple[int, int, str]]) -> None:
    fresh = workspace.unlock(PASSPHRASE)
    first, complete = fresh.read_summaries(1)  # what the unlock window opens (FIRST_PART) before the window
    assert len(first) == 1 and not complete
    window = MainWindow(workspace, fresh, runner)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: fresh.summaries_complete and not window._list_partial)
    qtbot.waitUntil(lambda: window.count_label.text() == "1 van 6 dossiers" and window.notes_search.started)
    partial = [p for p in parts if p[0] < 6]
    assert partial, parts
    assert [p[0] for p in parts] == sorted(p[0] for p in parts)  # rows only ever added while it comes in
    assert all(text.endswith("(lijst nog bezig)") for _rows, _shown, text in partial)
    # The search typed after the first part: over the part that is in, and said so.
    assert partial[-1] == (5, 1, "1 van 5 dossiers (lijst nog bezig)")
    assert "nog bezig" not in window.count_label.text()
    # Whole: the search is over every case, the school filter knows every school.
    assert [s.case_id for s in window.visible_summaries()] == [sample.ids["Amira"]]
    window.search_edit.setText("")
    assert window.count_label.text() == "6 dossiers"
    assert {s.case_id for s in window.case_model.summaries()} == set(sample.ids.values())
    schools = {window.school_combo.itemData(i) for i in range(1, window.school_combo.count())}
    assert schools == {s.school for s in case_files.summaries() if s.school}
    window.dispose()
    runner.wait_idle()


def test_the_parts_are_sized_for_a_first_screen() -> None:
    assert 0 < models.FIRST_PART <= models.LIST_PART
