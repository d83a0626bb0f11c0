"""The main window, as a package: window.py assembles it from one module per concern (see there)."""

from leerrecht_desktop.ui.main_window.locking import ActivityWatcher
from leerrecht_desktop.ui.main_window.sync_actions import sync_state_text
from leerrecht_desktop.ui.main_window.window import MainWindow

__all__ = ["ActivityWatcher", "MainWindow", "sync_state_text"]
