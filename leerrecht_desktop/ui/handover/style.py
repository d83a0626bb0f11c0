"""The hand-over screen's look: its style sheet and the large labels and buttons every page is built of."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton

STYLE = """
QWidget#handover { background: #fff7ec; }
QWidget#handover QLabel { color: #24324a; }
QLabel#hoTitle { font-size: 32pt; font-weight: bold; }
QLabel#hoQuestion { font-size: 28pt; font-weight: bold; }
QLabel#hoText { font-size: 17pt; }
QLabel#hoSmall { font-size: 13pt; color: #5b6275; }
QLabel#hoStep { font-size: 14pt; font-weight: bold; color: #2a7f74; }
QLabel#hoError { font-size: 14pt; color: #b3261e; }
QPushButton { outline: none; }
QPushButton[role="answer"] {
    font-size: 19pt; font-weight: bold; color: #24324a; background: #ffffff;
    border: 3px solid #b9dfe0; border-radius: 24px; padding: 10px; min-width: 150px; min-height: 130px;
}
QPushButton[role="answer"]:hover { border-color: #4b8fb0; }
QPushButton[role="answer"]:focus { border-color: #f08a5d; }
QPushButton[role="answer"]:checked { background: #3d7ea6; color: #ffffff; border-color: #24506b; }
QPushButton[role="choice"] {
    font-size: 16pt; color: #24324a; background: #ffffff; border: 3px solid #b9dfe0; border-radius: 20px;
    padding: 8px 22px; min-height: 48px; min-width: 110px;
}
QPushButton[role="choice"]:focus { border-color: #f08a5d; }
QPushButton[role="choice"]:checked { background: #3d7ea6; color: #ffffff; border-color: #24506b; }
QPushButton[role="primary"] {
    font-size: 20pt; font-weight: bold; color: #ffffff; background: #2a9d8f; border: 3px solid #2a9d8f;
    border-radius: 28px; padding: 12px 48px; min-height: 44px;
}
QPushButton[role="primary"]:focus { border-color: #f08a5d; }
QPushButton[role="primary"]:disabled { background: #a9d3cd; border-color: #a9d3cd; }
QPushButton[role="nav"] {
    font-size: 15pt; color: #24324a; background: transparent; border: 2px solid #c9c3b8; border-radius: 20px;
    padding: 8px 24px;
}
QPushButton[role="nav"]:focus { border-color: #f08a5d; }
QPushButton#hoReturn {
    font-size: 11pt; color: #5b6275; background: transparent; border: 1px solid #d6cfc4; border-radius: 12px;
    padding: 4px 12px;
}
QProgressBar { background: #efe6d8; border: none; border-radius: 6px; max-height: 12px; }
QProgressBar::chunk { background: #2a9d8f; border-radius: 6px; }
QSpinBox, QDateEdit, DateField QLineEdit { font-size: 18pt; padding: 4px 8px; min-height: 40px; }
QLineEdit#hoPassphrase { font-size: 18pt; padding: 6px 10px; min-height: 40px; border: 2px solid #c9c3b8;
    border-radius: 10px; background: #ffffff; }
"""


def label(text: str, name: str, *, wrap: bool = True, center: bool = True) -> QLabel:
    widget = QLabel(text)
    widget.setObjectName(name)
    widget.setWordWrap(wrap)
    widget.setTextFormat(Qt.TextFormat.PlainText)
    if center:
        widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return widget


def button(text: str, role: str) -> QPushButton:
    widget = QPushButton(text)
    widget.setProperty("role", role)
    widget.setCursor(Qt.CursorShape.PointingHandCursor)
    widget.setAutoDefault(True)  # Enter presses the focused button
    return widget
