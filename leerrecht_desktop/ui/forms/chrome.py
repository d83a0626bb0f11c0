"""The frame every entry form shares: its style sheet, the draft banner, header, error summary, scrolling
body and buttons around the fields, and the small pieces a field row is built of (error label, the
'invalid' mark, the form layout). `base.EntryForm` fills the body and reacts to the buttons."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from leerrecht_core.i18n import tr
from leerrecht_desktop.ui.forms.widgets import has_flag, set_flag

FORM_STYLE = """
QFrame#draftBanner { background: #fff4cc; border: 1px solid #e0c060; border-radius: 4px; }
QFrame#errorSummary { background: #fdecea; border: 1px solid #d9534f; border-radius: 4px; }
QLabel#errorSummaryTitle { font-weight: bold; color: #8a1c1c; }
QLabel#errorSummaryList { color: #8a1c1c; }
QLabel[role="fieldError"] { color: #b3261e; }
QLabel#formHeader { font-size: 15pt; font-weight: bold; }
QLabel#formSubheader { color: #555555; }
QLabel[role="section"] { font-weight: bold; font-size: 11pt; padding-top: 8px; }
QLabel#draftStatus, QLabel#keyHint { color: #666666; }
QLineEdit[invalid="true"], QPlainTextEdit[invalid="true"], QComboBox[invalid="true"],
QDateEdit[invalid="true"], QSpinBox[invalid="true"], QListWidget[invalid="true"] {
    border: 2px solid #b3261e; border-radius: 3px;
}
QFrame#scaleRow[odd="true"] { background: #f4f4f4; }
QFrame#scaleRow:focus { background: #dce9fb; }
"""


@dataclass
class FieldSlot:
    """Where a field's error is shown and which widget gets the focus when it is wrong."""

    focus: QWidget
    error: QLabel


def set_invalid(widget: QWidget, invalid: bool) -> None:
    """Mark `widget` as wrong (red border) or not; the style is re-applied only when the mark changes."""
    if has_flag(widget, "invalid") == invalid:
        return
    set_flag(widget, "invalid", invalid)
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)


def error_label() -> QLabel:
    label = QLabel()
    label.setProperty("role", "fieldError")
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)  # messages may quote names typed by the user
    label.hide()
    return label


def new_form_layout() -> QFormLayout:
    form = QFormLayout()
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    return form


def expanding(widget: QWidget) -> QWidget:
    widget.setSizePolicy(QSizePolicy.Policy.Expanding, widget.sizePolicy().verticalPolicy())
    return widget


class FormChrome:
    """Lays out the frame on `dialog` and holds its widgets; the buttons call the given actions."""

    def __init__(self, dialog: QDialog, on_discard_draft: Callable[[], None], on_save: Callable[[], None],
                 on_close: Callable[[], None]):
        outer = QVBoxLayout(dialog)

        self.draft_banner = QFrame()
        self.draft_banner.setObjectName("draftBanner")
        banner_row = QHBoxLayout(self.draft_banner)
        banner_row.setContentsMargins(8, 4, 8, 4)
        self.draft_banner_label = QLabel()
        self.discard_draft_button = QPushButton(tr("Concept weggooien"))
        self.discard_draft_button.setAutoDefault(False)
        self.discard_draft_button.clicked.connect(on_discard_draft)
        banner_row.addWidget(self.draft_banner_label, 1)
        banner_row.addWidget(self.discard_draft_button)
        self.draft_banner.hide()

        self.header = QLabel()
        self.header.setObjectName("formHeader")
        self.subheader = QLabel()
        self.subheader.setObjectName("formSubheader")
        self.subheader.setWordWrap(True)

        self.error_summary = QFrame()
        self.error_summary.setObjectName("errorSummary")
        summary_layout = QVBoxLayout(self.error_summary)
        summary_layout.setContentsMargins(8, 6, 8, 6)
        self.error_summary_title = QLabel()
        self.error_summary_title.setObjectName("errorSummaryTitle")
        self.error_summary_title.setWordWrap(True)
        self.error_summary_list = QLabel()
        self.error_summary_list.setObjectName("errorSummaryList")
        self.error_summary_list.setWordWrap(True)
        self.error_summary_list.setTextFormat(Qt.TextFormat.PlainText)
        summary_layout.addWidget(self.error_summary_title)
        summary_layout.addWidget(self.error_summary_list)
        self.error_summary.hide()

        self.body = QWidget()
        self.body_layout = QVBoxLayout(self.body)
        self.form = new_form_layout()
        self.body_layout.addLayout(self.form)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setWidget(self.body)

        self.save_button = QPushButton(tr("Bewaren"))
        self.save_button.setAutoDefault(False)
        self.save_button.setToolTip(tr("Bewaren (Ctrl+Enter of Ctrl+S)"))
        self.save_button.clicked.connect(on_save)
        self.close_button = QPushButton(tr("Sluiten"))
        self.close_button.setAutoDefault(False)
        self.close_button.setToolTip(tr("Sluiten (Esc). Wat je typte blijft bewaard als concept."))
        self.close_button.clicked.connect(on_close)
        self.draft_status = QLabel()
        self.draft_status.setObjectName("draftStatus")
        self.key_hint = QLabel(tr("Ctrl+Enter bewaart · Esc sluit, je concept blijft bewaard"))
        self.key_hint.setObjectName("keyHint")

        buttons = QHBoxLayout()
        status_col = QVBoxLayout()
        status_col.addWidget(self.draft_status)
        status_col.addWidget(self.key_hint)
        buttons.addLayout(status_col, 1)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.save_button)

        outer.addWidget(self.draft_banner)
        outer.addWidget(self.header)
        outer.addWidget(self.subheader)
        outer.addWidget(self.error_summary)
        outer.addWidget(self.scroll_area, 1)
        outer.addLayout(buttons)
