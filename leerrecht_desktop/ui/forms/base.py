"""The common machinery of every entry form: layout with per-field error messages, validation,
saving off the GUI thread, and drafts that are sealed by the store while the worker types.

A form never loses what was typed: a failed check leaves every field as it is, a failed save keeps
the form open, and closing, hiding or a crash leaves a sealed draft that the next opening restores."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from functools import partial
from typing import Any, ClassVar, TypeVar

import shiboken6
from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QHideEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import QDialog, QFormLayout, QLabel, QMessageBox, QPlainTextEdit, QVBoxLayout, QWidget

from leerrecht_core.i18n import tr
from leerrecht_desktop.models.codec import from_dict
from leerrecht_desktop.models.enums import Kind
from leerrecht_desktop.models.numbers import whole_text
from leerrecht_desktop.models.records import Content, Record, encode
from leerrecht_desktop.models.validation import FieldError, ValidationError
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.errors import CaseNotFound, Locked
from leerrecht_desktop.ui.forms.chrome import (
    FORM_STYLE,
    FieldSlot,
    FormChrome,
    error_label,
    new_form_layout,
    set_invalid,
)
from leerrecht_desktop.ui.forms.date_field import DateField
from leerrecht_desktop.ui.forms.drafts import (
    DRAFT_DELAY_MS,
    DRAFT_FORMAT,
    DraftWriter,
    format_moment,
    now_local,
)
from leerrecht_desktop.ui.forms.widgets import watch_changes
from leerrecht_desktop.ui.operations import StoreOp
from leerrecht_desktop.ui.screen import fit_on_screen
from leerrecht_desktop.ui.style import mark
from leerrecht_desktop.ui.tasks import TaskRunner
from leerrecht_desktop.ui.unlock import when_edited

# error_label is part of this module's interface: the forms built on EntryForm import it from here.
__all__ = ["EntryForm", "error_label"]

W = TypeVar("W", bound=QWidget)


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
        self._placed = False
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
        chrome = FormChrome(self, self.ask_discard_draft, self.save, self.reject)
        self.draft_banner = chrome.draft_banner
        self.draft_banner_label = chrome.draft_banner_label
        self.discard_draft_button = chrome.discard_draft_button
        self.header = chrome.header
        self.subheader = chrome.subheader
        self.error_summary = chrome.error_summary
        self.error_summary_title = chrome.error_summary_title
        self.error_summary_list = chrome.error_summary_list
        self.body = chrome.body
        self.body_layout = chrome.body_layout
        self.form = chrome.form
        self.scroll_area = chrome.scroll_area
        self.save_button = chrome.save_button
        self.close_button = chrome.close_button
        self.draft_status = chrome.draft_status
        self.key_hint = chrome.key_hint

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

    def add_section(self, title: str) -> QFormLayout:
        label = QLabel(title)
        label.setProperty("role", "section")
        self.body_layout.addWidget(label)
        self.form = new_form_layout()
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
        if isinstance(widget, QPlainTextEdit) and widget.property("maxChars"):
            column.addWidget(self._counter(widget, int(widget.property("maxChars"))))
        err = error_label()
        column.addWidget(err)
        row_label = QLabel(label)
        row_label.setBuddy(focus or widget)
        # Screen readers name a field by its accessible name; the row's label is beside it, not in it.
        # A composite field (a date with its "geen datum" box) is read through its focus proxies.
        named: QWidget | None = focus or widget
        while named is not None:
            if not named.accessibleName():
                named.setAccessibleName(label.replace("&", "").rstrip(" *:"))
            named = named.focusProxy()
        self._row_labels.append(row_label)
        self.form.addRow(row_label, container)
        if name is not None:
            self.register_field(name, focus or widget, err)
        if self.first_focus is None:
            self.first_focus = focus or widget
        return widget

    @staticmethod
    def _counter(field: QPlainTextEdit, limit: int) -> QLabel:
        """How much room a long text has left, live, as the save will count it."""
        counter = QLabel()
        counter.setObjectName("keyHint")
        counter.setAlignment(Qt.AlignmentFlag.AlignRight)

        def update() -> None:
            left = limit - len(field.toPlainText())
            counter.setText(tr("nog {n} tekens", n=whole_text(left)) if left >= 0
                            else tr("{n} tekens te veel", n=whole_text(-left)))
            mark(counter, "invalid", left < 0)

        field.textChanged.connect(update)
        update()
        return counter

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
            set_invalid(slot.focus, False)
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
            set_invalid(slot.focus, True)
            when_edited(slot.focus, partial(self._field_put_right, slot))
        ordered = [name for _, name in placed] + [f for f in per_field if f not in self._slots]
        # The summary is read away from the fields: each line names its field.
        lines = [f"• {self._field_name(name)}{m}" for name in ordered for m in per_field[name]]
        self.error_summary_title.setText(title or tr("Nog niet bewaard. Verbeter dit en bewaar opnieuw:"))
        self.error_summary_list.setText("\n".join(lines))
        self.error_summary_list.setVisible(bool(lines))
        self.error_summary.show()
        if placed:
            first = self._slots[placed[0][1]].focus
            self.scroll_area.ensureWidgetVisible(first)
            first.setFocus(Qt.FocusReason.OtherFocusReason)

    def _field_name(self, name: str) -> str:
        slot = self._slots.get(name)
        label = slot.focus.accessibleName() if slot is not None else ""
        return f"{label}: " if label else ""

    def _field_put_right(self, slot: FieldSlot) -> None:
        """The field is being changed: its message goes (the summary stays until the next save)."""
        if slot.error.isVisible():
            slot.error.clear()
            slot.error.hide()
            set_invalid(slot.focus, False)

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
        # A date typed that is no date: refused by name, the text kept (it is never saved as another day).
        typed = [FieldError(name, problem) for name, slot in self._slots.items()
                 for field in [slot.focus, *slot.focus.findChildren(DateField)] if isinstance(field, DateField)
                 and field.isEnabled() and (problem := field.problem())]
        content = self.collect()
        try:
            if typed:
                raise ValidationError(typed)
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

    def confirm_discard(self) -> bool:
        """"Concept weggooien" throws away what was typed: asked first (a method, so tests can answer)."""
        return QMessageBox.question(
            self, tr("Concept weggooien"),
            tr("Wat je in dit concept typte, weggooien? Het formulier toont dan weer wat bewaard is."),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No) == QMessageBox.StandardButton.Yes

    def ask_discard_draft(self) -> None:
        if self.confirm_discard():
            self.discard_draft()

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

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._placed:
            self._placed = True
            fit_on_screen(self)  # where the window manager put it, but all of it on the screen

    def hideEvent(self, event: QHideEvent) -> None:
        self.save_draft_now()
        super().hideEvent(event)

