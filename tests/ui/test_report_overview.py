""""Teamoverzicht…" for a coordinator: a period, then a PDF or a CSV, counted on the worker thread."""

from __future__ import annotations

import csv
import io
import stat
import threading
from pathlib import Path
from typing import Any

import pypdf
import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QFileDialog, QPushButton

from leerrecht_desktop.reports import loading
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.workspace import Workspace
from leerrecht_desktop.ui.main_window import MainWindow
from leerrecht_desktop.ui.report_dialog import OverviewDialog, school_year
from leerrecht_desktop.ui.report_dialog import overview as overview_dialog

from .conftest import Sample

COORDINATOR = "Fictieve Coördinator"


@pytest.fixture
def case_files(workspace: Workspace) -> CaseFiles:
    # This module's user is the team's coordinator (tests/conftest.py makes a field worker).
    return workspace.create_profile(name=COORDINATOR, role="coordinator", team="Team Noord",
                                    passphrase="blauwe fiets op de markt")


def open_overview(qtbot, window: MainWindow) -> OverviewDialog:  # type: ignore[no-untyped-def]
    assert window.act_overview.isVisible() and window.act_overview.isEnabled()
    window.act_overview.trigger()
    dialog = window.overview_dialog
    assert isinstance(dialog, OverviewDialog)
    qtbot.waitUntil(dialog.isVisible)
    return dialog


def save_as(qtbot, dialog: OverviewDialog, monkeypatch: pytest.MonkeyPatch, out: Path, button: Any) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *_a: (str(out), "")))
    with qtbot.waitSignal(dialog.saved, timeout=30_000):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_the_coordinator_saves_a_csv_counted_on_the_worker(qtbot, main_window: MainWindow, sample: Sample,  # type: ignore[no-untyped-def]
                                                           tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dialog = open_overview(qtbot, main_window)
    start, end = school_year(sample.today)
    assert (dialog.period.start, dialog.period.end) == (start, end)
    threads: list[threading.Thread] = []
    real = loading.load_readable_cases

    def spy(*args: Any, **kwargs: Any) -> Any:
        threads.append(threading.current_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(overview_dialog, "load_readable_cases", spy)
    dialog.period.from_edit.setDate(QDate(2000, 1, 1))
    dialog.period.to_edit.setDate(QDate(2099, 12, 31))
    out = tmp_path / "teamoverzicht.csv"
    save_as(qtbot, dialog, monkeypatch, out, dialog.csv_button)
    assert threads and threads[0] is not threading.main_thread()
    assert "6 dossiers gelezen" in dialog.status_label.text()
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    rows = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[0] == ["Periode van", "Periode tot", "Sectie", "Onderdeel", "Aantal"]
    counts = {(r[2], r[3]): r[4] for r in rows[1:]}
    assert counts[("Kerncijfers", "Dossiers in de periode")] == "6"
    assert all(r[0] == "2000-01-01" and r[1] == "2099-12-31" for r in rows[1:])
    text = out.read_text(encoding="utf-8-sig")
    assert "Amira" not in text and "Vandenbroeck" not in text


def test_the_pdf_has_the_period_and_no_names(qtbot, main_window: MainWindow, sample: Sample,  # type: ignore[no-untyped-def]
                                             tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dialog = open_overview(qtbot, main_window)
    out = tmp_path / "overzicht"  # the suffix is added
    save_as(qtbot, dialog, monkeypatch, out, dialog.pdf_button)
    pdf = tmp_path / "overzicht.pdf"
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(pdf).pages)
    assert "Teamoverzicht" in text and COORDINATOR in text
    assert dialog.period.start.strftime("%d/%m/%Y") in text
    assert "Amira" not in text and "Vandenbroeck" not in text


def test_a_wrong_period_is_said_and_nothing_is_asked(qtbot, main_window: MainWindow, sample: Sample,  # type: ignore[no-untyped-def]
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    dialog = open_overview(qtbot, main_window)
    asked: list[object] = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a: asked.append(a) or ("", "")))
    dialog.period.from_edit.setDate(QDate(2025, 9, 1))
    dialog.period.to_edit.setDate(QDate(2025, 8, 31))
    qtbot.mouseClick(dialog.pdf_button, Qt.MouseButton.LeftButton)
    assert asked == []
    assert dialog.period.error.isVisible()
    assert dialog.period.from_edit.date() == QDate(2025, 9, 1)


def test_a_failed_write_is_said_in_the_dialog(qtbot, main_window: MainWindow, sample: Sample,  # type: ignore[no-untyped-def]
                                              tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dialog = open_overview(qtbot, main_window)
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *_a: (str(tmp_path / "bestaat-niet" / "o.csv"), "")))
    qtbot.mouseClick(dialog.csv_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.error_banner.isVisible() and not dialog.busy)
    assert "kon niet bewaard worden" in dialog.error_banner.text()
    assert not (tmp_path / "bestaat-niet").exists()


def test_a_progress_bar_follows_the_counting_to_its_end(qtbot, main_window: MainWindow, sample: Sample,  # type: ignore[no-untyped-def]
                                                       tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dialog = open_overview(qtbot, main_window)
    moves: list[tuple[int, int]] = []
    dialog._bridge.moved.connect(lambda done, total: moves.append((done, total)))
    shown: list[bool] = []
    original = dialog._show_progress

    def show(done: int, total: int) -> None:
        original(done, total)
        assert dialog.progress is not None
        shown.append(dialog.progress.value() == done and dialog.progress.maximum() == total)

    dialog._bridge.moved.disconnect(dialog._show_progress)
    dialog._bridge.moved.connect(show)
    save_as(qtbot, dialog, monkeypatch, tmp_path / "teamoverzicht.csv", dialog.csv_button)
    qtbot.waitUntil(lambda: len(moves) == len(sample.ids) + 1)
    steps = len(sample.ids) + 1  # every case, then the counting and the file
    assert moves == [(done, steps) for done in range(1, steps + 1)]
    assert shown and all(shown)
    assert dialog.progress is None  # closed once the file is there
    assert (tmp_path / "teamoverzicht.csv").exists()


def test_stopping_the_progress_stops_the_counting_and_writes_nothing(  # type: ignore[no-untyped-def]
        qtbot, main_window: MainWindow, sample: Sample, case_files: CaseFiles, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    dialog = open_overview(qtbot, main_window)
    loaded: list[str] = []
    second, go_on = threading.Event(), threading.Event()
    real = type(main_window.case_files).load_case

    def load_case(self: CaseFiles, case_id: str) -> Any:
        loaded.append(case_id)
        if len(loaded) == 2:  # the second case waits until the test has pressed Stoppen
            second.set()
            assert go_on.wait(10)
        return real(self, case_id)

    monkeypatch.setattr(type(main_window.case_files), "load_case", load_case)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *_a: (str(tmp_path / "t.pdf"), "")))
    qtbot.mouseClick(dialog.pdf_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(second.is_set)
    assert dialog.progress is not None
    stop = dialog.progress.findChild(QPushButton)
    assert stop is not None and stop.text() == "Stoppen"
    qtbot.mouseClick(stop, Qt.MouseButton.LeftButton)
    go_on.set()
    qtbot.waitUntil(lambda: not dialog.busy)
    assert len(loaded) == 2 < len(sample.ids)  # stopped after the case it was in
    assert dialog.status_label.text() == "Gestopt: er is niets bewaard."
    assert not (tmp_path / "t.pdf").exists()
    assert dialog.progress is None and dialog.pdf_button.isEnabled()
