"""Dialogs that exist once per window (Anki's DialogManager habit): settings, about, conflicts,
quarantine, enrolment, sharing, printing, the erase question...

    self.dialogs.open("settings", lambda: SettingsDialog(...))

opens a new one, or raises the one already open instead of making a second; the manager forgets
(and deletes) a dialog once it finishes, so no window keeps a stale attribute per dialog."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import shiboken6
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QDialog

from leerrecht_desktop.ui.screen import fit_on_screen

D = TypeVar("D", bound=QDialog)


class DialogManager:
    def __init__(self) -> None:
        self._open: dict[str, QDialog] = {}

    def get(self, name: str, kind: type[D]) -> D | None:
        """The open dialog called `name` (None when none is open)."""
        dialog = self._open.get(name)
        if dialog is not None and not shiboken6.isValid(dialog):
            del self._open[name]  # deleted behind our back (its window went away)
            return None
        return dialog if isinstance(dialog, kind) else None

    def open(self, name: str, make: Callable[[], D]) -> D | None:
        """Show the dialog `name`, made by `make` if none is open; else raise the open one (and return
        None, so callers connect their signals only to a new one)."""
        existing = self.get(name, QDialog)
        if existing is not None:
            existing.raise_()
            existing.activateWindow()
            return None
        dialog = make()
        self._open[name] = dialog
        dialog.finished.connect(lambda _result: self._forget(name, dialog))
        dialog.open()
        fit_on_screen(dialog)  # a 1366×768 laptop: its buttons stay on the screen
        QTimer.singleShot(0, lambda: fit_on_screen(dialog) if shiboken6.isValid(dialog) else None)  # once laid out
        return dialog

    def _forget(self, name: str, dialog: QDialog) -> None:
        if self._open.get(name) is dialog:
            del self._open[name]
        dialog.deleteLater()
