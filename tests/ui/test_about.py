"""The about box (Extra → Over Leerrecht…) and the application icon."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QApplication, QLabel

from leerrecht_core.i18n import set_language
from leerrecht_desktop import __version__
from leerrecht_desktop.store.workspace import Workspace
from leerrecht_desktop.ui.about import ICON_SIZES, AboutDialog, application_icon
from leerrecht_desktop.ui.application import brand
from leerrecht_desktop.ui.main_window import MainWindow


def _menu_action(window: MainWindow, menu_title: str, action_title: str):  # type: ignore[no-untyped-def]
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == menu_title)
    return next(a for a in menu.actions() if a.text() == action_title)


def test_the_about_box_opens_from_the_menu_and_shows_version_licence_and_data_folder(  # type: ignore[no-untyped-def]
        qtbot, main_window: MainWindow, workspace: Workspace) -> None:
    _menu_action(main_window, "&Extra", "Over Leerrecht…").trigger()
    dialog = main_window.about_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.windowTitle() == "Over Leerrecht"
    assert dialog.version_label.text() == __version__
    assert dialog.data_dir_label.text() == str(workspace.data_dir)
    assert "EUPL-1.2" in dialog.licence_label.text()
    assert dialog.log_dir_label.text()  # the platform's log folder
    shown = " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert __version__ in shown and str(workspace.data_dir) in shown

    dialog.close_button.click()
    qtbot.waitUntil(lambda: main_window.about_dialog is None)


def test_the_about_box_speaks_english(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    set_language("en")
    dialog = AboutDialog(tmp_path / "data", log_dir=tmp_path / "logs")
    qtbot.addWidget(dialog)
    labels = {label.text() for label in dialog.findChildren(QLabel)}
    assert dialog.windowTitle() == "About Leerrecht"
    assert {"Version", "Licence", "Data folder", "Logs"} <= labels
    assert str(tmp_path / "logs") in labels


def test_the_application_has_its_name_and_icon_at_every_size() -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    brand(app)
    assert app.applicationName() == "Leerrecht"
    assert app.applicationVersion() == __version__
    icon = app.windowIcon()
    assert not icon.isNull()
    assert sorted(s.width() for s in icon.availableSizes()) == sorted(ICON_SIZES)
    assert not application_icon().pixmap(QSize(48, 48)).isNull()
