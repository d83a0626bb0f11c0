"""The common machinery of every entry form: layout with per-field error messages, validation,
saving off the GUI thread, and drafts that are sealed by the store while the worker types.

A form never loses what was typed: a failed check leaves every field as it is, a failed save keeps
the form open, and closing, hiding or a crash leaves a sealed draft that the next opening restores."""

from __future__ import annotations

import copy
import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

import shiboken6
from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QHideEvent, QKeySequence, QShortcut
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
from leerrecht_desktop.models.codec import from_dict
from leerrecht_desktop.models.enums import Kind
from leerrecht_desktop.models.records import Content, Record, encode
from leerrecht_desktop.models.validation import FieldError, ValidationError
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.errors import CaseNotFound, Locked
from leerrecht_desktop.ui.forms.widgets import has_flag, set_flag, watch_changes
from leerrecht_desktop.ui.operations import StoreOp
from leerrecht_desktop.ui.tasks import TaskRunner

W = TypeVar("W", bound=QWidget)

DRAFT_DELAY_MS = 500
DRAFT_FORMAT = 1

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


def now_local() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def format_moment(moment: dt.datetime, today: dt.date | None = None) -> str:
    """'14:32' for today, '12/03 14:32' this year, '12/03/2024 14:32' before."""
    today = today or dt.date.today()
    if moment.date() == today:
        return moment.strftime("%H:%M")
    if moment.year == today.year:
        return moment.strftime("%d/%m %H:%M")
    return moment.strftime("%d/%m/%Y %H:%M")


class DraftWriter:
    """Writes one form's draft through the store, in order, whichever thread asks.

    Typing schedules writes on the worker thread; closing, hiding and locking write at once on the GUI
    thread, so the draft is on disk before the keys can go. The sequence number makes an older queued
    write give way to a newer one instead of overwriting it."""

    def __init__(self, case_files: CaseFiles, runner: TaskRunner, draft_id: str, case_id: str | None):
        self.case_files = case_files
        self.runner = runner
        self.draft_id = draft_id
        self.case_id = case_id
        self._lock = threading.Lock()
        self._seq = 0

    def write_later(self, data: dict[str, Any], on_done: Callable[[Any], None],
                    on_error: Callable[[Exception], None]) -> None:
        with self._lock:
            self._seq += 1
            seq = self._seq

        def job() -> bool:
            with self._lock:
                if seq != self._seq:
                    return False
                self.case_files.save_draft(self.draft_id, self.case_id, data)
                return True

        self.runner.submit(job, on_done, on_error)

    def write_now(self, data: dict[str, Any]) -> None:
        with self._lock:
            self._seq += 1
            self.case_files.save_draft(self.draft_id, self.case_id, data)

    def cancel_pending(self) -> None:
        with self._lock:
            self._seq += 1

    def discard_now(self) -> None:
        with self._lock:
            self._seq += 1
            self.case_files.discard_draft(self.draft_id)


@dataclass
class FieldSlot:
    """Where a field's error is shown and which widget gets the focus when it is wrong."""

    focus: QWidget
    error: QLabel


def _set_invalid(widget: QWidget, invalid: bool) -> None:
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


class EntryForm(QDialog):
    """Base of every form. Subclasses implement `build`, `default_content`, `set_content` and `collect`."""

    saved = Signal(object)

    kind: ClassVar[Kind]
    default_size: ClassVar[tuple[int, int]] = (640, 720)

    def __init__(self, parent: QWidget | None, case_files: CaseFiles, runner: TaskRunner,
                 case_id: str | None, record: Record | None = None, *, draft_id: str | None = None):
        super().__init__(parent)
        self.setModal(False)
        self.setWindowModality(Qt.WindowModality.NonModal)
        # Deleting the dialog on close drops the plaintext its widgets hold.
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self.setStyleSheet(FORM_STYLE)
        self.case_files = case_files
        self.runner = runner
        self.case_id = case_id
        self.record = record
        self.draft_id = draft_id or (f"edit:{record.record_id}" if record is not None
                                     else f"new:{self.kind}:{case_id}")
        self._writer = DraftWriter(case_files, runner, self.draft_id, case_id)
        self._slots: dict[str, FieldSlot] = {}
        self._row_labels: list[QLabel] = []
        self._saving = False
        self._finished = False
        self._loading = True
        self.first_focus: QWidget | None = None

        self._draft_timer = QTimer(self)
        self._draft_timer.setSingleShot(True)
        self._draft_timer.setInterval(DRAFT_DELAY_MS)
        self._draft_timer.timeout.connect(self._write_draft_later)

        self._build_chrome()
        self.build()
        self.form_layout_done()

        self._base: Content = copy.deepcopy(record.content) if record is not None else self.default_content()
        self.set_content(copy.deepcopy(self._base))
        self._baseline = self._content_dict()
        self._last_written: dict[str, Any] = self._baseline
        self._restore_draft()
        self._loading = False
        watch_changes(self.body, self._on_changed)

        for seq in ("Ctrl+Return", "Ctrl+Enter", "Ctrl+S"):
            QShortcut(QKeySequence(seq), self, self.save)
        width, height = self.default_size
        screen = self.screen()
        if screen is not None:
            # Small laptop screens: the form scrolls rather than running off the bottom.
            room = screen.availableGeometry()
            width, height = min(width, room.width() - 40), min(height, room.height() - 60)
        self.resize(width, height)
        if self.first_focus is not None:
            self.first_focus.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- to implement ------------------------------------------------------------------------------

    def build(self) -> None:
        raise NotImplementedError

    def default_content(self) -> Content:
        raise NotImplementedError

    def set_content(self, content: Any) -> None:
        raise NotImplementedError

    def collect(self) -> Any:
        """The content as the fields show it now; never raises, whatever was typed."""
        raise NotImplementedError

    def title_text(self) -> str:
        return tr("Bewerken: {kind}", kind=self.kind.label) if self.record else self.kind.label

    def subtitle_text(self) -> str:
        if self.case_id:
            try:
                return self.case_files.summary(self.case_id).full_name
            except CaseNotFound:
                return ""
        return ""

    def save_call(self, content: Any) -> Callable[[], Record]:
        case_files, case_id = self.case_files, self.case_id
        record_id = self.record.record_id if self.record is not None else None
        assert case_id is not None
        return lambda: case_files.save(case_id, content, record_id=record_id)

    # -- layout helpers ----------------------------------------------------------------------------

    def _build_chrome(self) -> None:
        outer = QVBoxLayout(self)

        self.draft_banner = QFrame()
        self.draft_banner.setObjectName("draftBanner")
        banner_row = QHBoxLayout(self.draft_banner)
        banner_row.setContentsMargins(8, 4, 8, 4)
        self.draft_banner_label = QLabel()
        self.discard_draft_button = QPushButton(tr("Concept weggooien"))
        self.discard_draft_button.setAutoDefault(False)
        self.discard_draft_button.clicked.connect(self.discard_draft)
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
        self.form = self._new_form_layout()
        self.body_layout.addLayout(self.form)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setWidget(self.body)

        self.save_button = QPushButton(tr("Bewaren"))
        self.save_button.setAutoDefault(False)
        self.save_button.setToolTip(tr("Bewaren (Ctrl+Enter of Ctrl+S)"))
        self.save_button.clicked.connect(self.save)
        self.close_button = QPushButton(tr("Sluiten"))
        self.close_button.setAutoDefault(False)
        self.close_button.setToolTip(tr("Sluiten (Esc). Wat je typte blijft bewaard als concept."))
        self.close_button.clicked.connect(self.reject)
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

    def form_layout_done(self) -> None:
        self.body_layout.addStretch(1)
        # One label width for every section, so the fields line up down the whole form.
        width = max((label.sizeHint().width() for label in self._row_labels), default=0)
        for label in self._row_labels:
            label.setMinimumWidth(width)
        self.header.setText(self.title_text())
        self.setWindowTitle(self.title_text())
        sub = self.subtitle_text()
        self.subheader.setText(sub)
        self.subheader.setVisible(bool(sub))

    @staticmethod
    def _new_form_layout() -> QFormLayout:
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        return form

    def add_section(self, title: str) -> QFormLayout:
        label = QLabel(title)
        label.setProperty("role", "section")
        self.body_layout.addWidget(label)
        self.form = self._new_form_layout()
        self.body_layout.addLayout(self.form)
        return self.form

    def add_field(self, name: str | None, label: str, widget: W, *, focus: QWidget | None = None,
                  hint: str = "") -> W:
        """A labelled row with room for an error message under the field."""
        container = QWidget()
        column = QVBoxLayout(container)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(widget)
        if hint:
            hint_label = QLabel(hint)
            hint_label.setObjectName("keyHint")
            hint_label.setWordWrap(True)
            column.addWidget(hint_label)
        err = error_label()
        column.addWidget(err)
        row_label = QLabel(label)
        row_label.setBuddy(focus or widget)
        self._row_labels.append(row_label)
        self.form.addRow(row_label, container)
        if name is not None:
            self.register_field(name, focus or widget, err)
        if self.first_focus is None:
            self.first_focus = focus or widget
        return widget

    def register_field(self, name: str, focus: QWidget, error: QLabel) -> None:
        self._slots[name] = FieldSlot(focus, error)

    def unregister_fields(self, prefix: str) -> None:
        for name in [n for n in self._slots if n.startswith(prefix)]:
            del self._slots[name]

    # -- errors ------------------------------------------------------------------------------------

    def _position(self, widget: QWidget) -> int:
        try:
            return widget.mapTo(self.body, QPoint(0, 0)).y()
        except RuntimeError:
            return 1 << 30

    def clear_errors(self) -> None:
        for slot in self._slots.values():
            slot.error.clear()
            slot.error.hide()
            _set_invalid(slot.focus, False)
        self.error_summary.hide()

    def show_errors(self, errors: list[FieldError], title: str | None = None) -> None:
        """Every message next to its field and in the summary at the top; focus on the first."""
        self.clear_errors()
        per_field: dict[str, list[str]] = {}
        for e in errors:
            per_field.setdefault(e.field, [])
            if e.message not in per_field[e.field]:
                per_field[e.field].append(e.message)
        placed = [(self._position(self._slots[f].focus), f) for f in per_field if f in self._slots]
        placed.sort()
        for _, name in placed:
            slot = self._slots[name]
            slot.error.setText("\n".join(per_field[name]))
            slot.error.show()
            _set_invalid(slot.focus, True)
        ordered = [name for _, name in placed] + [f for f in per_field if f not in self._slots]
        lines = [f"• {m}" for name in ordered for m in per_field[name]]
        self.error_summary_title.setText(title or tr("Nog niet bewaard. Verbeter dit en bewaar opnieuw:"))
        self.error_summary_list.setText("\n".join(lines))
        self.error_summary_list.setVisible(bool(lines))
        self.error_summary.show()
        if placed:
            first = self._slots[placed[0][1]].focus
            self.scroll_area.ensureWidgetVisible(first)
            first.setFocus(Qt.FocusReason.OtherFocusReason)

    def show_problem(self, title: str, detail: str = "") -> None:
        self.clear_errors()
        self.error_summary_title.setText(title)
        self.error_summary_list.setText(detail)
        self.error_summary_list.setVisible(bool(detail))
        self.error_summary.show()

    def error_text(self, field: str) -> str:
        """The message shown next to `field`, or '' (for tests and accessibility checks)."""
        slot = self._slots.get(field)
        if slot is None or slot.error.isHidden():
            return ""
        return slot.error.text()

    def field_widget(self, field: str) -> QWidget | None:
        slot = self._slots.get(field)
        return slot.focus if slot else None

    # -- saving ------------------------------------------------------------------------------------

    @property
    def is_saving(self) -> bool:
        return self._saving

    def save(self) -> None:
        if self._saving or self._finished:
            return
        content = self.collect()
        try:
            content.validate(dt.date.today())
        except ValidationError as exc:
            self.show_errors(exc.errors)
            self._write_draft_later()
            return
        self.clear_errors()
        self._draft_timer.stop()
        self._set_busy(True)
        try:
            call = self.save_call(content)
        except BaseException:
            self._set_busy(False)  # never leave the form stuck on "Bezig met bewaren…"; the crash dialog says the rest
            raise
        writer = self._writer

        def job() -> Record:
            record = call()
            # In the same job as the save: a draft write queued before it has already run, and
            # none can come after, so the draft can't outlive the entry it was for.
            writer.discard_now()
            return record

        StoreOp(self, job, runner=self.runner).success(self._on_saved).failure(self._on_save_failed).run()

    def _set_busy(self, busy: bool) -> None:
        self._saving = busy
        self.body.setEnabled(not busy)
        self.save_button.setEnabled(not busy)
        self.close_button.setEnabled(not busy)
        self.save_button.setText(tr("Bezig met bewaren…") if busy else tr("Bewaren"))

    def _on_saved(self, record: Record) -> None:
        if not shiboken6.isValid(self):
            return
        self._finished = True
        self._set_busy(False)
        self.saved.emit(record)
        self.accept()

    def _on_save_failed(self, exc: Exception) -> None:
        if not shiboken6.isValid(self):
            return
        self._set_busy(False)
        if isinstance(exc, ValidationError):
            self.show_errors(exc.errors)
        elif isinstance(exc, Locked):
            self.show_problem(str(exc), tr("Wat je typte staat nog in dit formulier. Ontgrendel en bewaar opnieuw."))
            return
        else:
            self.show_problem(tr("Bewaren is niet gelukt: {reason}", reason=str(exc) or type(exc).__name__),
                              tr("Wat je typte staat nog in het formulier en in een concept. Probeer opnieuw."))
        self.save_draft_now(force=True)

    # -- drafts ------------------------------------------------------------------------------------

    def _content_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = encode(self.collect())
        return data

    def _draft_payload(self, content: dict[str, Any]) -> dict[str, Any]:
        return {"format": DRAFT_FORMAT, "kind": str(self.kind), "saved_at": now_local().isoformat(),
                "content": content}

    def _on_changed(self) -> None:
        if self._loading or self._finished:
            return
        self._draft_timer.start()

    def _write_draft_later(self) -> None:
        if self._finished or self._saving:
            return
        content = self._content_dict()
        if content == self._last_written:
            return
        self._last_written = content
        self._writer.write_later(self._draft_payload(content), self._on_draft_written, self._on_draft_failed)

    def _on_draft_written(self, written: Any) -> None:
        if written and shiboken6.isValid(self):
            self.draft_status.setText(tr("Concept bewaard om {time}", time=now_local().strftime("%H:%M")))

    def _on_draft_failed(self, exc: Exception) -> None:
        if not shiboken6.isValid(self):
            return
        self._last_written = {}  # so the next change tries again
        if not isinstance(exc, Locked):
            self.draft_status.setText(tr("Het concept kon niet bewaard worden."))

    def save_draft_now(self, force: bool = False) -> None:
        """Seal what the fields hold now as the draft, at once (closing, hiding, before a lock)."""
        self._draft_timer.stop()
        if self._finished or (self._saving and not force) or self._loading:
            return
        content = self._content_dict()
        if content == self._last_written and not force:
            return
        try:
            self._writer.write_now(self._draft_payload(content))
        except Locked:
            return
        self._last_written = content
        self.draft_status.setText(tr("Concept bewaard om {time}", time=now_local().strftime("%H:%M")))

    def _restore_draft(self) -> None:
        draft = self.case_files.load_draft(self.draft_id)
        if not draft or draft.get("kind") != str(self.kind) or not isinstance(draft.get("content"), dict):
            return
        content = from_dict(type(self._base), draft["content"])
        self.keep_from_base(content)
        self.set_content(content)
        self._last_written = self._content_dict()
        try:
            when = format_moment(dt.datetime.fromisoformat(str(draft.get("saved_at"))))
        except ValueError:
            when = "?"
        self.draft_banner_label.setText(tr("Concept hersteld van {time}", time=when))
        self.draft_banner.show()

    def keep_from_base(self, content: Any) -> None:
        """Fields a form does not edit (e.g. who is assigned) come from the record, never a draft."""

    def discard_draft(self) -> None:
        try:
            self._writer.discard_now()
        except Locked:
            return
        self._loading = True
        self.set_content(copy.deepcopy(self._base))
        self._loading = False
        self._last_written = self._baseline
        self.clear_errors()
        self.draft_banner.hide()
        self.draft_status.clear()
        if self.first_focus is not None:
            self.first_focus.setFocus(Qt.FocusReason.OtherFocusReason)

    def has_unsaved_changes(self) -> bool:
        return not self._finished and self._content_dict() != self._baseline

    # -- closing -----------------------------------------------------------------------------------

    def reject(self) -> None:
        if self._saving:
            return  # the save decides: it closes the form or shows why not
        self.save_draft_now()
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._saving:
            event.ignore()
            return
        self.save_draft_now()
        super().closeEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:
        self.save_draft_now()
        super().hideEvent(event)


def expanding(widget: QWidget) -> QWidget:
    widget.setSizePolicy(QSizePolicy.Policy.Expanding, widget.sizePolicy().verticalPolicy())
    return widget
