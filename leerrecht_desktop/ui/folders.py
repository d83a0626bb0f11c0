"""Where the app's save dialogs start."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths


def documents_folder() -> Path:
    """Where a save dialog starts: the Documents folder, else (none, or not made yet) the home folder;
    never the working directory, which for a started-from-source app is the source tree."""
    found = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(found) if found and Path(found).is_dir() else Path.home()
