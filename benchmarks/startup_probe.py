"""Started as a whole process by local_slice.py (bench_cold_start): show the unlock window as
`leerrecht` would and print "shown" once the event loop has painted it; then, with
LEERRECHT_BENCH_PASSPHRASE set, type the passphrase, press unlock and print "listed" once the main
window's case list holds its rows and is painted. The parent measures from spawn to each line."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from leerrecht_core.i18n import set_language
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
    passphrase = os.environ.get("LEERRECHT_BENCH_PASSPHRASE")
    poll = QTimer()
    poll.setInterval(2)

    def listed() -> None:
        window = shell.main_window
        if window is None or window.proxy.rowCount() == 0:
            return
        poll.stop()
        window.repaint()
        print("listed", flush=True)
        app.quit()

    def shown() -> None:
        window = shell.unlock_window or shell.first_start
        assert window is not None and window.isVisible()
        window.repaint()
        print("shown", flush=True)
        if not passphrase or shell.unlock_window is None:
            app.quit()
            return
        shell.unlock_window.passphrase_edit.setText(passphrase)
        shell.unlock_window.submit()
        poll.timeout.connect(listed)
        poll.start()

    QTimer.singleShot(0, shown)
    app.exec()
    shell.shutdown()
    workspace.close()


if __name__ == "__main__":
    main()
