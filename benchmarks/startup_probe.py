"""Started as a whole process by local_slice.py: show the unlock window as `leerrecht` would, and
print "shown" once the event loop has painted it. The parent measures from spawn to that line."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from leerrecht_desktop.models.i18n import set_language
from leerrecht_desktop.store.workspace import Workspace
from leerrecht_desktop.ui.application import Shell
from leerrecht_desktop.ui.style import apply_style


def main() -> None:
    app = QApplication(sys.argv[:1])
    apply_style(app)
    workspace = Workspace(Path(sys.argv[1]))
    set_language(workspace.language)
    shell = Shell(workspace)
    shell.start()

    def shown() -> None:
        window = shell.unlock_window or shell.first_start
        assert window is not None and window.isVisible()
        window.repaint()
        print("shown", flush=True)
        app.quit()

    QTimer.singleShot(0, shown)
    app.exec()


if __name__ == "__main__":
    main()
