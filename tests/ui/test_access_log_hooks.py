""""Inzage-export…" as a PDF is in the laptop's access log (issue 13, item 6): the PDF is made from the
case, not through `CaseFiles.export` (which records the JSON), so the window records it itself; once."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from leerrecht_desktop.store.access_log import AccessLog
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.ui.main_window import MainWindow

from .conftest import Sample
from .test_access_export import choose
from .test_report_summary import open_case


@pytest.mark.parametrize("suffix", [".pdf", ".json"])
def test_an_access_export_from_the_window_is_logged_once(qtbot: QtBot, main_window: MainWindow, case_files: CaseFiles,
                                                        sample: Sample, tmp_path: Path, suffix: str,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    open_case(qtbot, main_window, "Amira")
    choose(monkeypatch, tmp_path / f"inzage{suffix}")
    main_window.act_access_export.trigger()
    qtbot.waitUntil(lambda: "Inzage bewaard" in main_window.statusBar().currentMessage(), timeout=30_000)
    logged = [(e.action, e.case_id) for e in AccessLog.of(case_files).unsent(10)]
    assert logged == [("case_opened", sample.ids["Amira"]), ("case_exported", sample.ids["Amira"])]
