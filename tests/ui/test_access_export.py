""""Inzage-export…" in the Dossier menu: with a case open, the file dialog (monkeypatched) chooses a PDF
or a JSON file, the file is written off the GUI thread, and the status bar says where it went."""

from __future__ import annotations

import json
import stat
import threading
from pathlib import Path

import pypdf
import pytest
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from leerrecht_desktop.ui import access_export
from leerrecht_desktop.ui.main_window import MainWindow
from leerrecht_desktop.ui.main_window.actions import CASE_MENU

from .conftest import Sample
from .test_report_summary import NAME, open_case


def choose(monkeypatch: pytest.MonkeyPatch, path: Path, selected: str = "") -> list[str]:
    asked: list[str] = []

    def dialog(_parent: object, _title: str, suggested: str, _filters: str) -> tuple[str, str]:
        asked.append(suggested)
        return str(path), selected

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(dialog))
    return asked


def test_the_action_is_in_the_case_menu_and_needs_an_open_case(qtbot, main_window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    assert "access_export" in CASE_MENU
    action = main_window.act_access_export  # type: ignore[attr-defined]
    assert action.text() == "Inzage-export…"
    assert not action.isEnabled()  # nothing open yet
    open_case(qtbot, main_window, "Amira")
    assert action.isEnabled()


def test_the_pdf_is_written_and_holds_the_young_persons_name(qtbot, main_window: MainWindow, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    open_case(qtbot, main_window, "Amira")
    folder = tmp_path / "uit"
    folder.mkdir()
    threads: list[threading.Thread] = []
    real = access_export.make_access_request

    def recorded(*args: object, **kwargs: object) -> access_export.AccessRequest:
        threads.append(threading.current_thread())
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(access_export, "make_access_request", recorded)
    asked = choose(monkeypatch, folder / "voor-het-gezin")  # no suffix: the PDF filter's is added
    main_window.act_access_export.trigger()  # type: ignore[attr-defined]
    pdf = folder / "voor-het-gezin.pdf"
    qtbot.waitUntil(lambda: "Inzage bewaard" in main_window.statusBar().currentMessage(), timeout=30_000)
    assert str(pdf) in main_window.statusBar().currentMessage()
    assert threads and threads[0] is not threading.main_thread()  # made off the GUI thread
    assert "Amira" not in asked[0] and "Vandenbroeck" not in asked[0]  # the suggested name holds no name
    assert stat.S_IMODE(pdf.stat().st_mode) == 0o600
    assert [p.name for p in folder.iterdir()] == ["voor-het-gezin.pdf"]  # no temporary file beside it
    text = " ".join("\n".join(p.extract_text() for p in pypdf.PdfReader(pdf).pages).split())
    assert NAME in text and "artikel 15" in text
    assert "Geschreven door Fictieve Werker" in text


def test_json_when_the_json_filter_is_chosen(qtbot, main_window: MainWindow, tmp_path: Path,  # type: ignore[no-untyped-def]
                                            monkeypatch: pytest.MonkeyPatch, sample: Sample) -> None:
    open_case(qtbot, main_window, "Amira")
    choose(monkeypatch, tmp_path / "overdracht", "JSON om over te dragen (*.json)")
    main_window.act_access_export.trigger()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: "Inzage bewaard" in main_window.statusBar().currentMessage(), timeout=30_000)
    data = json.loads((tmp_path / "overdracht.json").read_text(encoding="utf-8"))
    assert data["scope"] == "case" and [c["case_id"] for c in data["cases"]] == [sample.ids["Amira"]]


def test_a_folder_that_cannot_be_written_is_said_in_a_sentence(qtbot, main_window: MainWindow, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    open_case(qtbot, main_window, "Amira")
    choose(monkeypatch, tmp_path / "weg" / "inzage.pdf")  # the folder does not exist

    def box() -> QMessageBox | None:
        found = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
        return found[0] if found else None

    main_window.act_access_export.trigger()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: box() is not None, timeout=30_000)
    shown = box()
    assert shown is not None
    assert "kon niet bewaard worden" in shown.text() and "Amira" not in shown.text()
    shown.accept()
    assert not (tmp_path / "weg").exists()
