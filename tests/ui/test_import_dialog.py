"""Dossier › Importeren… as a coordinator uses it: the columns as recognised, every problem row named,
nothing written before Importeren, the good rows on request, a column pointed at by hand."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QComboBox

from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.ui.import_dialog import ImportDialog
from leerrecht_desktop.ui.tasks import TaskRunner

ROWS = [
    "Voornaam;Familienaam;Geboortedatum;School;Klas",
    "Fictiefa;Testkindeen;14/08/2011;Den Anker;2B",
    "Fictiefb;Testkindtwee;31/02/2012;Den Anker;3A",
    "Fictiefc;Testkinddrie;01/09/2010;;",
]


@pytest.fixture
def sheet(tmp_path: Path) -> Path:
    path = tmp_path / "caseload.csv"
    path.write_text("\n".join(ROWS) + "\n", encoding="utf-8")
    return path


def opened(qtbot, case_files: CaseFiles, runner: TaskRunner, path: Path) -> ImportDialog:  # type: ignore[no-untyped-def]
    dialog = ImportDialog(case_files, path, runner=runner)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: not dialog.progress.isVisible())
    return dialog


def test_the_preview_names_the_bad_row_and_writes_nothing_until_asked(qtbot, case_files: CaseFiles,  # type: ignore[no-untyped-def]
                                                                      runner: TaskRunner, sheet: Path) -> None:
    before = len(case_files.summaries())
    dialog = opened(qtbot, case_files, runner, sheet)
    names = [dialog.columns.item(r, 0).text() for r in range(dialog.columns.rowCount())]
    assert names == ["Voornaam", "Familienaam", "Geboortedatum", "School", "Klas"]
    combo = dialog.columns.cellWidget(2, 1)
    assert isinstance(combo, QComboBox) and combo.currentData() == "birth_date"
    assert dialog.counts.text().startswith("3 rijen: 2 nieuwe dossiers")
    assert "rij 3" in dialog.details.toPlainText() and "31/02/2012" in dialog.details.toPlainText()
    assert not dialog.import_button.isEnabled()  # a problem row: fix the file, or import the good rows
    assert len(case_files.summaries()) == before
    dialog.good_rows.setChecked(True)
    assert dialog.import_button.isEnabled()
    with qtbot.waitSignal(dialog.imported, timeout=10_000) as blocker:
        dialog.import_button.click()
    assert len(blocker.args[0]) == 2
    names_now = {s.full_name for s in case_files.summaries()}
    assert {"Fictiefa Testkindeen", "Fictiefc Testkinddrie"} <= names_now
    assert len(case_files.summaries()) == before + 2
    # Again: nothing new, the same rows are skipped as existing.
    again = opened(qtbot, case_files, runner, sheet)
    assert "0 nieuwe dossiers" in again.counts.text() and "2 overgeslagen" in again.counts.text()
    again.reject()


def test_a_column_pointed_at_by_hand_is_read_so(qtbot, case_files: CaseFiles, runner: TaskRunner,  # type: ignore[no-untyped-def]
                                                tmp_path: Path) -> None:
    path = tmp_path / "anders.csv"
    path.write_text("Wie;Achternaam;Geb\nFictiefd;Testkindvier;02/03/2011\n", encoding="utf-8")
    dialog = opened(qtbot, case_files, runner, path)
    assert "Geen kolom gevonden voor voornaam" in dialog.error.text()
    assert not dialog.import_button.isEnabled()
    first = dialog.columns.cellWidget(0, 1)
    born = dialog.columns.cellWidget(2, 1)
    assert isinstance(first, QComboBox) and isinstance(born, QComboBox)
    born.setCurrentIndex(born.findData("birth_date"))
    qtbot.waitUntil(lambda: not dialog.progress.isVisible())
    first.setCurrentIndex(first.findData("first_name"))
    qtbot.waitUntil(lambda: not dialog.progress.isVisible() and dialog.import_button.isEnabled())
    assert dialog.error.isHidden()
    with qtbot.waitSignal(dialog.imported, timeout=10_000):
        dialog.import_button.click()
    made = next(s for s in case_files.summaries() if s.last_name == "Testkindvier")
    assert made.first_name == "Fictiefd" and made.birth_date is not None and made.birth_date.isoformat() == "2011-03-02"


def test_a_file_that_is_not_a_spreadsheet_says_so(qtbot, case_files: CaseFiles, runner: TaskRunner,  # type: ignore[no-untyped-def]
                                                  tmp_path: Path) -> None:
    path = tmp_path / "kapot.xlsx"
    path.write_bytes(b"geen zip")
    dialog = opened(qtbot, case_files, runner, path)
    assert dialog.error.isVisible() or dialog.error.text()
    assert ".xlsx" in dialog.error.text() or "gelezen" in dialog.error.text()
    assert not dialog.import_button.isEnabled()
