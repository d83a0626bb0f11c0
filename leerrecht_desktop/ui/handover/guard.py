"""The keyboard guard of the hand-over mode: no shortcut of the window behind may lead back to the case."""

from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QWidget


class KeyGuard(QObject):
    """While the hand-over page is up, no shortcut of the window may fire (they could lead back to the
    case) and no key may reach the window outside the hand-over page.

    `returned` says whether the worker is back; the guard then lets every key through."""

    def __init__(self, page: QWidget, returned: Callable[[], bool]):
        super().__init__(page)
        self.page = page
        self._returned = returned

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() not in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            return False
        if not shiboken6.isValid(self.page) or not isinstance(obj, QWidget) or self._returned() \
                or not self.page.isVisible():
            return False
        if obj.window() is not self.page.window():
            return False
        if event.type() == QEvent.Type.ShortcutOverride:
            # Accepting the override turns the would-be shortcut into an ordinary key press.
            event.accept()
            return True
        inside = obj is self.page or self.page.isAncestorOf(obj)
        return not inside
