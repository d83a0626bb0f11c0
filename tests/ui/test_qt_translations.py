"""Qt's own texts speak the app's language (issue 14): a text field's Undo/Cut/Paste menu and the file
dialog's labels are Dutch after the Dutch catalogue is installed, English again after switching; a save
dialog starts in the Documents folder, else in the home folder, never in the working directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QStandardPaths
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from leerrecht_desktop.ui.folders import documents_folder
from leerrecht_desktop.ui.qt_translations import install_qt_translations


@pytest.fixture
def back_to_english() -> Iterator[None]:
    yield
    install_qt_translations("en")


def _menu_texts(qtbot: QtBot) -> list[str]:
    field = QLineEdit()
    qtbot.addWidget(field)
    menu = field.createStandardContextMenu()
    texts = [a.text().split("\t")[0].replace("&", "") for a in menu.actions() if a.text()]
    menu.deleteLater()
    return texts


def test_qts_own_menus_and_dialogs_follow_the_language(qtbot: QtBot, back_to_english: None) -> None:
    assert install_qt_translations("nl")
    assert {"Ongedaan maken", "Knippen", "Plakken"} <= set(_menu_texts(qtbot))
    assert QCoreApplication.translate("QFileDialog", "Look in:") == "Zoeken in:"
    assert not install_qt_translations("en")
    assert {"Undo", "Cut", "Paste"} <= set(_menu_texts(qtbot))
    assert QCoreApplication.translate("QFileDialog", "Look in:") == "Look in:"


def test_a_save_dialog_starts_in_documents_else_at_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    docs = tmp_path / "Documenten"
    monkeypatch.setattr(QStandardPaths, "writableLocation", lambda _where: str(docs))
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: tmp_path))
    assert documents_folder() == tmp_path  # no Documents folder (yet): home, not the working directory
    docs.mkdir()
    assert documents_folder() == docs
