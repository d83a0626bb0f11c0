"""The look of the app: calm colours, a font large enough to read in a living room, clear focus.

One stylesheet for the whole application, so dialogs written elsewhere (forms, hand-over) match
the shell without importing anything but these names."""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication, QWidget

BASE_POINT_SIZE = 11

INK = "#1f2a33"
MUTED = "#5b6b78"
BACKGROUND = "#f4f6f8"
SURFACE = "#ffffff"
BORDER = "#d5dce2"
ACCENT = "#2f6b8a"
ACCENT_DARK = "#24566f"
ACCENT_SOFT = "#e3eef4"
ERROR = "#a8322a"
ERROR_SOFT = "#fbeceb"
WARNING = "#8a5a12"
WARNING_SOFT = "#fdf3e1"
SUCCESS = "#2e6b47"

# Lines of the wellbeing chart: distinguishable for the common colour-vision deficiencies (Okabe-Ito).
SERIES_COLOURS = (
    "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#7a7a7a", "#a08a00",
)

STATUS_COLOURS = {
    "aangemeld": ("#7a4e00", "#fdf0d5"),
    "actief": ("#1f5e3b", "#e1f2e7"),
    "afgesloten": ("#4d5862", "#e8ecef"),
}

# Combo boxes, spin boxes and date fields are left to Fusion: giving them a stylesheet box model
# would make Qt draw them itself, and it then loses their arrows.
STYLESHEET = f"""
QWidget {{ color: {INK}; }}
QMainWindow, QDialog, QWidget#page {{ background: {BACKGROUND}; }}
QLabel#title {{ font-size: 20pt; font-weight: 600; color: {ACCENT_DARK}; }}
QLabel#subtitle, QLabel#muted {{ color: {MUTED}; }}
QLabel#caseName {{ font-size: 18pt; font-weight: 600; }}
QLabel#fieldError {{ color: {ERROR}; }}
QLabel#banner {{
    background: {ERROR_SOFT}; color: {ERROR}; border: 1px solid #e9b9b5; border-radius: 6px; padding: 8px 10px;
}}
QLabel#warningBanner {{
    background: {WARNING_SOFT}; color: {WARNING}; border: 1px solid #efd6a5; border-radius: 6px; padding: 8px 10px;
}}
QLabel#placeholder {{ color: {MUTED}; font-size: 13pt; }}
QFrame#card {{ background: {SURFACE}; border: 1px solid {BORDER}; border-radius: 8px; }}
QFrame#caseHeader {{ background: {SURFACE}; border: 1px solid {BORDER}; border-radius: 8px; }}
QLineEdit, QPlainTextEdit, QTextEdit {{
    background: {SURFACE}; border: 1px solid {BORDER}; border-radius: 5px; padding: 5px 7px;
    selection-background-color: {ACCENT};
}}
QLineEdit:focus, QPlainTextEdit:focus, QTextEdit:focus {{
    border: 2px solid {ACCENT}; padding: 4px 6px;
}}
QLineEdit[invalid="true"] {{ border: 2px solid {ERROR}; padding: 4px 6px; }}
QComboBox QAbstractItemView {{
    background: {SURFACE}; selection-background-color: {ACCENT_SOFT}; selection-color: {INK};
}}
QLineEdit:read-only {{ background: {BACKGROUND}; color: {MUTED}; }}
QPushButton, QToolButton#action {{
    background: {SURFACE}; border: 1px solid {BORDER}; border-radius: 5px; padding: 6px 11px;
}}
QPushButton:hover, QToolButton#action:hover {{ background: {ACCENT_SOFT}; border-color: {ACCENT}; }}
QPushButton:focus, QToolButton#action:focus {{ border: 2px solid {ACCENT}; padding: 5px 10px; }}
QPushButton:disabled {{ color: #9aa5ae; background: #eef1f3; }}
QPushButton[primary="true"] {{
    background: {ACCENT}; color: white; border: 1px solid {ACCENT_DARK}; font-weight: 600;
}}
QPushButton[primary="true"]:hover {{ background: {ACCENT_DARK}; }}
QPushButton[primary="true"]:disabled {{ background: #9fb8c6; border-color: #9fb8c6; color: #f4f6f8; }}
QPushButton[danger="true"] {{ color: {ERROR}; }}
QPushButton[link="true"] {{ background: transparent; border: none; color: {ACCENT}; padding: 6px 0; }}
QPushButton[link="true"]:hover {{ text-decoration: underline; }}
QPushButton[link="true"]:focus {{ border: none; text-decoration: underline; }}
QToolButton#action::menu-button {{ border-left: 1px solid {BORDER}; width: 18px; }}
QTableView, QTreeView {{
    background: {SURFACE}; alternate-background-color: #f7f9fa; border: 1px solid {BORDER}; border-radius: 6px;
    gridline-color: transparent; selection-background-color: {ACCENT_SOFT}; selection-color: {INK};
}}
QTableView::item {{ padding: 4px 6px; }}
QTableView::item:selected {{ background: {ACCENT_SOFT}; color: {INK}; }}
QHeaderView::section {{
    background: {BACKGROUND}; color: {MUTED}; border: none; border-bottom: 1px solid {BORDER};
    padding: 6px 6px; font-weight: 600;
}}
QTabWidget::pane {{ border: 1px solid {BORDER}; border-radius: 6px; background: {SURFACE}; top: -1px; }}
QTabBar::tab {{
    background: transparent; color: {MUTED}; padding: 7px 9px; border: none; border-bottom: 2px solid transparent;
}}
QTabBar::tab:selected {{ color: {INK}; border-bottom: 2px solid {ACCENT}; font-weight: 600; }}
QTabBar::tab:hover {{ color: {INK}; }}
QToolBar {{ background: {SURFACE}; border: none; border-bottom: 1px solid {BORDER}; spacing: 4px; padding: 4px; }}
QToolBar QToolButton {{ padding: 5px 10px; border-radius: 5px; }}
QToolBar QToolButton:hover {{ background: {ACCENT_SOFT}; }}
QStatusBar {{ background: {SURFACE}; border-top: 1px solid {BORDER}; color: {MUTED}; }}
QStatusBar QLabel {{ color: {MUTED}; padding: 0 8px; }}
QMenuBar {{ background: {SURFACE}; }}
QSplitter::handle {{ background: {BACKGROUND}; }}
QCheckBox {{ spacing: 6px; }}
QProgressBar {{ border: 1px solid {BORDER}; border-radius: 4px; background: {SURFACE}; max-height: 8px; }}
QProgressBar::chunk {{ background: {ACCENT}; border-radius: 3px; }}
"""


def apply_text_size(app: QApplication, percent: int) -> None:
    """Every text that follows the application font at `percent` of the normal size (Instellingen)."""
    font = QFont(app.font())
    font.setPointSizeF(BASE_POINT_SIZE * percent / 100)
    app.setFont(font)


def apply_style(app: QApplication, text_size: int = 100) -> None:
    app.setStyle("Fusion")
    apply_text_size(app, text_size)
    palette = QPalette(app.palette())
    palette.setColor(QPalette.ColorRole.Window, QColor(BACKGROUND))
    palette.setColor(QPalette.ColorRole.Base, QColor(SURFACE))
    palette.setColor(QPalette.ColorRole.Highlight, QColor(ACCENT))
    palette.setColor(QPalette.ColorRole.HighlightedText, QColor("white"))
    palette.setColor(QPalette.ColorRole.WindowText, QColor(INK))
    palette.setColor(QPalette.ColorRole.Text, QColor(INK))
    app.setPalette(palette)
    app.setStyleSheet(STYLESHEET)


def mark(widget: QWidget, name: str, value: bool = True) -> None:
    """Set a dynamic style property (primary, danger, invalid) and make the stylesheet see the change."""
    widget.setProperty(name, value)
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
