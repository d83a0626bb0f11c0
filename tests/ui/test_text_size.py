"""A text-size setting in Instellingen (issue 14): chosen, it is stored in the data folder and every text
that follows the application font grows at once; the next start uses it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from leerrecht_desktop.store.workspace import Workspace
from leerrecht_desktop.ui.main_window import MainWindow
from leerrecht_desktop.ui.settings_dialog import SettingsDialog
from leerrecht_desktop.ui.style import BASE_POINT_SIZE, apply_text_size


@pytest.fixture
def normal_size(qapp: QApplication) -> Iterator[None]:
    yield
    apply_text_size(qapp, 100)


def test_a_larger_text_size_is_stored_and_applied(qtbot: QtBot, main_window: MainWindow, workspace: Workspace,
                                                  normal_size: None) -> None:
    main_window.open_settings()
    dialog = main_window.dialogs.get("settings", SettingsDialog)
    assert dialog is not None and dialog.chosen_text_size() == 100
    dialog.text_size_combo.setCurrentIndex(dialog.text_size_combo.findData(130))
    assert dialog.text_size_combo.currentText() == "Het grootst (130 %)"
    dialog.accept()
    qtbot.waitUntil(lambda: abs(QApplication.font().pointSizeF() - BASE_POINT_SIZE * 1.3) < 0.01)
    qtbot.waitUntil(lambda: workspace.text_size == 130)
    main_window.open_settings()
    again = main_window.dialogs.get("settings", SettingsDialog)
    assert again is not None and again.chosen_text_size() == 130  # what the next start applies too
    again.reject()
