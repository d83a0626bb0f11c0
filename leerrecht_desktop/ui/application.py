"""The GUI's composition: the QApplication, the data folder, and which window is on screen when.

first start ──profile made──▶ main window ◀──unlock── unlock window
                                   │                        ▲
                                   └──── lock (Ctrl+L, idle) ┘
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from leerrecht_core.i18n import set_language, tr
from leerrecht_desktop import __version__
from leerrecht_desktop.paths import APP_AUTHOR, APP_NAME
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.errors import StoreError
from leerrecht_desktop.store.workspace import Workspace
from leerrecht_desktop.ui.about import application_icon
from leerrecht_desktop.ui.crash import install_crash_handler
from leerrecht_desktop.ui.main_window import MainWindow
from leerrecht_desktop.ui.qt_translations import install_qt_translations
from leerrecht_desktop.ui.reenrol_dialog import ResetProfileDialog
from leerrecht_desktop.ui.style import apply_style, apply_text_size
from leerrecht_desktop.ui.tasks import TaskRunner
from leerrecht_desktop.ui.unlock import FirstStartWindow, UnlockWindow


def _show_sized(window: QWidget, width: int, height: int) -> None:
    screen = QGuiApplication.primaryScreen()
    available = screen.availableGeometry() if screen is not None else None
    if available is not None and (available.width() < width or available.height() < height):
        window.showMaximized()
        return
    window.resize(width, height)
    if available is not None:
        frame = window.frameGeometry()
        frame.moveCenter(available.center())
        window.move(frame.topLeft())
    window.show()


class Shell(QObject):
    """Owns the windows and the one TaskRunner; moves between first start, unlock and main window."""

    def __init__(self, workspace: Workspace, runner: TaskRunner | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.workspace = workspace
        self.runner = runner or TaskRunner(self)
        self.case_files: CaseFiles | None = None
        self.first_start: FirstStartWindow | None = None
        self.unlock_window: UnlockWindow | None = None
        self.main_window: MainWindow | None = None

    def start(self) -> None:
        if self.workspace.has_profile():
            self.show_unlock()
        else:
            self.first_start = FirstStartWindow(self.workspace, self.runner)
            self.first_start.unlocked.connect(self.enter)
            _show_sized(self.first_start, 900, 720)

    def show_unlock(self) -> None:
        if self.unlock_window is None:
            self.unlock_window = UnlockWindow(self.workspace, self.runner)
            self.unlock_window.unlocked.connect(self.enter)
            self.unlock_window.forgot.connect(self.reset_profile)
        self.unlock_window.prepare()
        if self.main_window is not None and self.main_window.isVisible():
            self.unlock_window.setGeometry(self.main_window.geometry())
            self.unlock_window.show()
        else:
            _show_sized(self.unlock_window, 900, 640)
        self.unlock_window.raise_()
        self.unlock_window.activateWindow()

    def reset_profile(self) -> None:
        """"Wachtwoordzin vergeten…": a new profile after a reset (ui/reenrol_dialog.py); the workspace
        lets go of the old database before it is set aside, and is opened again afterwards."""
        dialog = ResetProfileDialog(self.workspace.data_dir, self.unlock_window, runner=self.runner,
                                    before=self.workspace.close)
        dialog.replaced.connect(self._profile_replaced)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def _profile_replaced(self, set_aside: str) -> None:
        if self.main_window is not None:  # a locked session of the old profile: it is gone
            self.main_window.hide()
            self.main_window.dispose()
            self.main_window.deleteLater()
            self.main_window = None
        self.workspace = Workspace(self.workspace.data_dir)
        if self.unlock_window is not None:
            self.unlock_window.hide()
            self.unlock_window.deleteLater()
            self.unlock_window = None
        self.show_unlock()
        # Opened, not exec'd: this runs inside the dialog's task callback, and a nested event loop there
        # would hold the task runner (and the unlock window behind it) until the box is closed.
        box = QMessageBox(QMessageBox.Icon.Information, tr("Leerrecht"), tr(
            "Je nieuwe profiel is klaar: ontgrendel met je nieuwe wachtwoordzin. Je dossiers komen terug zodra de "
            "beheerder ze hersteld heeft. Het oude profiel staat in {path}.", path=set_aside),
            QMessageBox.StandardButton.Ok, self.unlock_window)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def enter(self, case_files: CaseFiles) -> None:
        """An unlocked session: show the main window (a new one, or the same one after a lock)."""
        self.case_files = case_files
        door: QWidget | None = self.first_start or self.unlock_window
        if self.main_window is None:
            self.main_window = self._make_main_window(case_files)
            _show_sized(self.main_window, 1360, 840)
        else:
            self.main_window.resume(case_files)
            if door is not None and door.isVisible():
                self.main_window.setGeometry(door.geometry())
            self.main_window.show()
        self.main_window.raise_()
        self.main_window.activateWindow()
        if self.first_start is not None:
            self.first_start.hide()
            self.first_start.deleteLater()
            self.first_start = None
        if self.unlock_window is not None:
            self.unlock_window.hide()

    def _make_main_window(self, case_files: CaseFiles) -> MainWindow:
        window = MainWindow(self.workspace, case_files, self.runner)
        window.locked.connect(self.show_unlock)
        window.language_changed.connect(self._rebuild_main_window)
        return window

    def _rebuild_main_window(self) -> None:
        """A new language: build the window again rather than retranslate every label in place."""
        old = self.main_window
        if old is None or self.case_files is None:
            return
        state = old.view_state()
        old.close_dialogs()
        old.dispose()
        new = self._make_main_window(self.case_files)
        new.restore_view_state(state)
        self.main_window = new
        new.show()
        old.hide()
        # After the draft saves the old window's forms queued, so they still find their parent.
        self.runner.submit(lambda: None, lambda _r: old.deleteLater())
        if self.unlock_window is not None:  # rebuilt in the new language when next needed
            self.unlock_window.deleteLater()
            self.unlock_window = None

    def shutdown(self) -> None:
        """Quitting: let queued saves finish, then drop the keys."""
        if self.main_window is not None:
            self.main_window.dispose()
        self.runner.wait_idle()
        if self.case_files is not None:
            self.case_files.lock()


def brand(app: QApplication) -> None:
    """Name, version and icon for every window, the task bar and the about box."""
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    # Wayland and X11 task bars match the window to an installed leerrecht.desktop by this name.
    app.setDesktopFileName("leerrecht")
    app.setWindowIcon(application_icon())
    if sys.platform == "win32":
        # Without its own AppUserModelID, a Leerrecht started from Python groups under python.exe's
        # task bar button and icon; the bundle's Leerrecht.exe has its own, this keeps both the same.
        import ctypes

        with contextlib.suppress(AttributeError, OSError):
            ctypes.windll.shell32.SetCurrentProcessExplicitAppUserModelID("StadMechelen.Leerrecht")


def check_qt(platform: str) -> str:
    """For `leerrecht --self-check`: Qt starts on `platform` and the app's icon loads. RuntimeError
    (worded for the person reading the check) if not; ImportError if Qt itself can't load."""
    from PySide6.QtCore import QSize
    from PySide6.QtWidgets import QApplication, QLabel

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([sys.argv[0], "-platform", platform])
    brand(app)
    icon = app.windowIcon()
    sizes = sorted(s.width() for s in icon.availableSizes())
    if icon.isNull() or not sizes or icon.pixmap(QSize(32, 32)).isNull():
        raise RuntimeError(tr("het pictogram van de app laadt niet"))
    label = QLabel(tr("Leerrecht"))
    label.setWindowIcon(icon)
    label.show()
    app.processEvents()
    label.close()
    label.deleteLater()
    app.processEvents()
    return tr("QApplication ({platform}), pictogram in {sizes} px", platform=app.platformName(),
              sizes="/".join(str(s) for s in sizes))


def run_gui(data_dir: Path) -> int:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_AUTHOR)
    brand(app)
    apply_style(app)
    crash_handler = install_crash_handler(app)
    try:
        workspace = open_workspace(Path(data_dir))
        if workspace is None:
            return 1
        set_language(workspace.language)
        install_qt_translations(workspace.language)
        apply_text_size(app, workspace.text_size)
        shell = Shell(workspace)
        shell.start()
        try:
            return int(app.exec())
        finally:
            shell.shutdown()
            workspace.close()
    finally:
        crash_handler.uninstall()


def open_workspace(data_dir: Path) -> Workspace | None:
    """The data folder, opened (and upgraded if needed); None after telling the user why it can't be."""
    try:
        return Workspace(data_dir, create=True)
    except StoreError as exc:
        # Written for the person at the keyboard by the store (an upgrade that failed and was undone, data
        # from a newer Leerrecht): shown as it is, selectable so the backup's name can go into a ticket.
        explain(tr("Leerrecht kan niet starten"), str(exc))
    except Exception as exc:
        explain(tr("Leerrecht kan niet starten"),
                tr("Leerrecht kan de gegevensmap {path} niet openen. Kijk na of de map bestaat en of je er mag "
                   "schrijven, of vraag hulp aan je coördinator.", path=str(data_dir)) + "\n\n" + str(exc))
    return None


def explain(title: str, text: str) -> None:
    box = QMessageBox(QMessageBox.Icon.Critical, tr("Leerrecht"), title)
    box.setInformativeText(text)
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.setStandardButtons(QMessageBox.StandardButton.Close)
    box.exec()
