"""Keeping windows on the screen (issue 14): school and welfare laptops have 1366×768 or 1280×720 screens,
where a dialog that grows (the print dialog after "Voorbeeld tonen" went from 507 to 820 px) put its
buttons below the edge. A window is made at most as large as the screen's free area and moved inside it;
what does not fit then scrolls inside the window (each dialog's own scroll area or list)."""

from __future__ import annotations

from PySide6.QtCore import QRect
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

# Room left for the window's frame and title bar, which Qt's geometry does not include.
FRAME_ALLOWANCE = 40


def available_area(widget: QWidget) -> QRect:
    screen = widget.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry()


def fit_on_screen(widget: QWidget, width: int | None = None, height: int | None = None) -> None:
    """Resize `widget` to `width` × `height` (default: its current size), but no larger than the screen's
    free area, and move it so that all of it, title bar included, is inside that area."""
    area = available_area(widget)
    w = min(width or widget.width(), area.width() - 16)
    h = min(height or widget.height(), area.height() - FRAME_ALLOWANCE)
    if (w, h) != (widget.width(), widget.height()):
        widget.resize(max(w, widget.minimumWidth()), max(h, widget.minimumHeight()))
    frame = widget.frameGeometry()
    x = min(max(frame.x(), area.left()), max(area.left(), area.right() - frame.width() + 1))
    y = min(max(frame.y(), area.top()), max(area.top(), area.bottom() - frame.height() + 1))
    if (x, y) != (frame.x(), frame.y()):
        widget.move(x, y)
