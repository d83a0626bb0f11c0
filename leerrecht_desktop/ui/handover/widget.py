"""The hand-over screen itself: the young person's answers, the flow between the pages, the saving
and the worker's passphrase that ends it (see the package docstring)."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import math
from typing import Any, Protocol

import shiboken6
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QHBoxLayout,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from leerrecht_core.crypto.errors import WrongPassphrase
from leerrecht_core.i18n import tr
from leerrecht_desktop.models.catalog import wellbeing_questionnaire
from leerrecht_desktop.models.codec import from_dict
from leerrecht_desktop.models.entries import WellbeingScale
from leerrecht_desktop.models.enums import Kind
from leerrecht_desktop.models.records import Record, encode
from leerrecht_desktop.models.validation import ValidationError
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.errors import CaseNotFound, Locked
from leerrecht_desktop.store.workspace import Workspace
from leerrecht_desktop.ui import forms
from leerrecht_desktop.ui.forms.drafts import DRAFT_FORMAT, DraftWriter, now_local
from leerrecht_desktop.ui.forms.widgets import pydate, qdate
from leerrecht_desktop.ui.handover.guard import KeyGuard
from leerrecht_desktop.ui.handover.pages import IntroPage, PassphrasePage, QuestionPage, ReviewPage, ThanksPage
from leerrecht_desktop.ui.handover.style import STYLE, label
from leerrecht_desktop.ui.operations import StoreOp
from leerrecht_desktop.ui.tasks import TaskRunner

# How long a chosen answer stays in view before the next statement comes up.
ADVANCE_DELAY_MS = 350


class HandoverHost(Protocol):
    """What the main window offers the hand-over mode."""

    def show_handover_page(self, widget: QWidget) -> None: ...

    def end_handover(self) -> None: ...


class HandoverWidget(QWidget):
    """The young person's screen. Test hooks: `answer_buttons[question][value - 1]`, `start_button`,
    `done_button`, `return_button`, `passphrase_edit`, `passphrase_button`."""

    def __init__(self, host: HandoverHost, workspace: Workspace, case_files: CaseFiles, runner: TaskRunner,
                 case_id: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("handover")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(STYLE)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.host = host
        self.workspace = workspace
        self.case_files = case_files
        self.runner = runner
        self.case_id = case_id
        self.questionnaire = wellbeing_questionnaire()
        self.values = [v for v, _ in self.questionnaire.answers]
        self.answers: dict[str, int] = {}
        self.saved_record: Record | None = None
        self.returned = False
        self._saving = False
        self._verifying = False
        self._close_requested = False
        self._page_before_passphrase: QWidget | None = None
        self._hidden_forms: list[forms.EntryForm] = []
        self._writer = DraftWriter(case_files, runner, f"handover:{case_id}", case_id)
        self._guard = KeyGuard(self, lambda: self.returned)
        self._advance = QTimer(self)
        self._advance.setSingleShot(True)
        self._advance.setInterval(ADVANCE_DELAY_MS)
        self._advance.timeout.connect(self._advance_now)
        self._advance_from = -1
        self._retry_timer = QTimer(self)
        self._retry_timer.setSingleShot(True)
        self._retry_timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._retry_timer.timeout.connect(self._allow_retry)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(40, 20, 40, 30)
        top = QHBoxLayout()
        self.step_label = label("", "hoStep", wrap=False, center=False)
        self.progress = QProgressBar()
        self.progress.setRange(0, len(self.questionnaire.items))
        self.progress.setTextVisible(False)
        self.progress.setFixedWidth(260)
        self.return_button = QPushButton(tr("Terug naar het dossier"))
        self.return_button.setObjectName("hoReturn")
        self.return_button.setAutoDefault(False)
        self.return_button.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.return_button.setToolTip(tr("Voor de begeleider: vraagt de wachtwoordzin"))
        self.return_button.clicked.connect(lambda: self.ask_passphrase())
        top.addWidget(self.step_label)
        top.addSpacing(16)
        top.addWidget(self.progress)
        top.addStretch(1)
        top.addWidget(self.return_button)
        outer.addLayout(top)

        self.stack = QStackedWidget()
        outer.addWidget(self.stack, 1)
        self.intro_page = IntroPage(self.questionnaire, self._draft_later, lambda: self.go_to_question(0))
        self.resume_note = self.intro_page.resume_note
        self.gender_buttons = self.intro_page.gender_buttons
        self.place_buttons = self.intro_page.place_buttons
        self.age = self.intro_page.age
        self.date_edit = self.intro_page.date_edit
        self.start_button = self.intro_page.start_button
        self.stack.addWidget(self.intro_page)
        self.answer_buttons: list[list[QPushButton]] = []
        self.answer_groups: list[QButtonGroup] = []
        self.question_pages: list[QWidget] = []
        for index, item in enumerate(self.questionnaire.items):
            page = QuestionPage(self.questionnaire, item, self.values,
                                functools.partial(self.answer, index), self.go_back, self.go_forward)
            self.question_pages.append(page)
            self.answer_buttons.append(page.buttons)
            self.answer_groups.append(page.group)
            self.stack.addWidget(page)
        self.review_page = ReviewPage(self._go_to_first_missing, self.finish, self.go_back)
        self.review_text = self.review_page.review_text
        self.missing_button = self.review_page.missing_button
        self.done_button = self.review_page.done_button
        self.stack.addWidget(self.review_page)
        self.thanks_page = ThanksPage()
        self.thanks_status = self.thanks_page.thanks_status
        self.stack.addWidget(self.thanks_page)
        self.passphrase_page = PassphrasePage(self.submit_passphrase, self.cancel_passphrase)
        self.passphrase_edit = self.passphrase_page.passphrase_edit
        self.passphrase_message = self.passphrase_page.passphrase_message
        self.passphrase_button = self.passphrase_page.passphrase_button
        self.stack.addWidget(self.passphrase_page)
        self.stack.currentChanged.connect(lambda _i: self._page_changed())

        self._prefill()
        self._page_changed()

    # -- state -------------------------------------------------------------------------------------

    def _prefill(self) -> None:
        """Start from a draft of an interrupted hand-over, else from the case's age (a number only)."""
        draft = None
        try:
            draft = self.case_files.load_draft(self._writer.draft_id)
        except Locked:
            draft = None
        if draft and draft.get("kind") == str(Kind.WELLBEING) and isinstance(draft.get("content"), dict):
            scale = from_dict(WellbeingScale, draft["content"])
            self._set_scale(scale)
            self.resume_note.setVisible(bool(scale.answers))
            return
        age: int | None = None
        try:
            summary = self.case_files.summary(self.case_id)
            age = summary.age(dt.date.today())
        except CaseNotFound:
            age = None
        if age is not None and not 3 <= age <= 30:
            age = None
        self.age.set_number(age)

    def _set_scale(self, scale: WellbeingScale) -> None:
        self.date_edit.setDate(qdate(scale.occurred_on or dt.date.today()))
        self.age.set_number(scale.age)
        if scale.gender in self.gender_buttons:
            self.gender_buttons[scale.gender].setChecked(True)
        if scale.place in self.place_buttons:
            self.place_buttons[scale.place].setChecked(True)
        for index, item in enumerate(self.questionnaire.items):
            value = scale.answers.get(item.id)
            if value in self.values:
                self.answers[item.id] = value
                self.answer_buttons[index][self.values.index(value)].setChecked(True)

    def scale(self) -> WellbeingScale:
        gender = next((k for k, b in self.gender_buttons.items() if b.isChecked()), "")
        place = next((k for k, b in self.place_buttons.items() if b.isChecked()), "")
        return WellbeingScale(
            occurred_on=pydate(self.date_edit.date()), place=place, age=self.age.number(), gender=gender,
            answers=dict(self.answers), questionnaire_version=self.questionnaire.version, filled_in_by="jongere",
        )

    def missing(self) -> list[int]:
        """Numbers (1-based) of the statements without an answer."""
        return [i + 1 for i, item in enumerate(self.questionnaire.items) if item.id not in self.answers]

    def current_question(self) -> int | None:
        page = self.stack.currentWidget()
        return self.question_pages.index(page) if page in self.question_pages else None

    def _page_changed(self) -> None:
        page = self.stack.currentWidget()
        index = self.current_question()
        total = len(self.questionnaire.items)
        answered = total - len(self.missing())
        self.progress.setValue(answered)
        if index is not None:
            self.step_label.setText(tr("Vraag {n} van {total}", n=index + 1, total=total))
        elif page is self.review_page:
            self.step_label.setText(tr("Klaar"))
            self._update_review()
        else:
            self.step_label.setText("")
        self.progress.setVisible(page not in (self.intro_page, self.passphrase_page, self.thanks_page))
        self.return_button.setVisible(page is not self.passphrase_page)
        if page is self.passphrase_page:
            self.passphrase_edit.setFocus(Qt.FocusReason.OtherFocusReason)
        elif page is self.review_page:
            (self.done_button if self.done_button.isEnabled() else self.missing_button).setFocus()
        elif page is self.intro_page:
            self.start_button.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            # Focus on the page itself: no answer looks pre-chosen, and keys 1-5 still work.
            self.setFocus(Qt.FocusReason.OtherFocusReason)

    def _update_review(self) -> None:
        missing = self.missing()
        if missing:
            self.review_text.setText(tr("Je hebt vraag {numbers} nog niet beantwoord.",
                                        numbers=", ".join(map(str, missing))))
            self.missing_button.setText(tr("Naar vraag {n}", n=missing[0]))
            self.missing_button.show()
        else:
            self.review_text.setText(tr("Druk op Klaar om je antwoorden te bewaren."))
            self.missing_button.hide()
        self.done_button.setEnabled(not missing and not self._saving)

    # -- navigation --------------------------------------------------------------------------------

    def go_to_question(self, index: int) -> None:
        self._advance.stop()
        self.stack.setCurrentWidget(self.question_pages[index])

    def go_forward(self) -> None:
        self._advance.stop()
        page = self.stack.currentWidget()
        index = self.current_question()
        if page is self.intro_page:
            self.go_to_question(0)
        elif index is not None:
            if index + 1 < len(self.question_pages):
                self.go_to_question(index + 1)
            else:
                self.stack.setCurrentWidget(self.review_page)

    def go_back(self) -> None:
        self._advance.stop()
        page = self.stack.currentWidget()
        index = self.current_question()
        if page is self.review_page:
            self.go_to_question(len(self.question_pages) - 1)
        elif index is not None:
            if index == 0:
                self.stack.setCurrentWidget(self.intro_page)
            else:
                self.go_to_question(index - 1)

    def _go_to_first_missing(self) -> None:
        missing = self.missing()
        if missing:
            self.go_to_question(missing[0] - 1)

    def answer(self, index: int, value: int) -> None:
        """Record an answer, then move on after a moment so the choice is seen."""
        if self._saving or self.saved_record is not None:
            return
        item = self.questionnaire.items[index]
        self.answers[item.id] = value
        self.answer_buttons[index][self.values.index(value)].setChecked(True)
        self.progress.setValue(len(self.questionnaire.items) - len(self.missing()))
        self._draft_later()
        if self.current_question() == index:
            self._advance_from = index
            self._advance.start()

    def _advance_now(self) -> None:
        if self.current_question() == self._advance_from:
            self.go_forward()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        page = self.stack.currentWidget()
        index = self.current_question()
        if index is not None and Qt.Key.Key_1 <= key <= Qt.Key.Key_9:
            value = key - Qt.Key.Key_0
            if value in self.values:
                self.answer(index, value)
        elif page is not self.passphrase_page and key in (Qt.Key.Key_Right, Qt.Key.Key_PageDown) \
                and (index is not None or page is self.intro_page):
            self.go_forward()
        elif page is not self.passphrase_page and key in (Qt.Key.Key_Left, Qt.Key.Key_PageUp,
                                                           Qt.Key.Key_Backspace):
            self.go_back()
        elif key == Qt.Key.Key_Escape and page is self.passphrase_page:
            self.cancel_passphrase()  # back to the scale; the hand-over itself goes on
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if page is self.intro_page:
                self.go_to_question(0)
            elif index is not None:
                self.go_forward()
            elif page is self.review_page and self.done_button.isEnabled():
                self.finish()
        # Every other key (Escape included) ends here: nothing of the window behind may react.
        event.accept()

    # -- saving ------------------------------------------------------------------------------------

    def finish(self) -> None:
        """'Klaar': save the scale at once, off the GUI thread, and thank the young person."""
        if self._saving or self.saved_record is not None:
            return
        scale = self.scale()
        try:
            scale.validate(dt.date.today())
        except ValidationError:
            self._update_review()
            self._go_to_first_missing()
            return
        self._saving = True
        self.done_button.setEnabled(False)
        self.thanks_status.setText(tr("Even bewaren…"))
        self.stack.setCurrentWidget(self.thanks_page)
        case_files, case_id, writer = self.case_files, self.case_id, self._writer

        def job() -> Record:
            record = case_files.save(case_id, scale)
            writer.discard_now()
            return record

        StoreOp(self, job, runner=self.runner).success(self._on_saved).failure(self._on_save_failed).run()

    def _on_saved(self, record: Record) -> None:
        if not shiboken6.isValid(self):
            return
        self._saving = False
        self.saved_record = record
        self.thanks_status.setText(tr("Je antwoorden zijn bewaard."))

    def _on_save_failed(self, exc: Exception) -> None:
        if not shiboken6.isValid(self):
            return
        self._saving = False
        self.save_draft_now()
        self.thanks_status.setText(tr("Het bewaren lukte niet, maar je antwoorden zijn niet weg."))

    def _draft_payload(self) -> dict[str, Any]:
        return {"format": DRAFT_FORMAT, "kind": str(Kind.WELLBEING), "saved_at": now_local().isoformat(),
                "content": encode(self.scale())}

    def _draft_later(self) -> None:
        if self.saved_record is not None or self._saving or not self.answers:
            return
        self._writer.write_later(self._draft_payload(), lambda _r: None, lambda _e: None)

    def save_draft_now(self) -> None:
        """Seal the answers given so far (e.g. before the session locks)."""
        if self.saved_record is not None or not self.answers:
            return
        with contextlib.suppress(Locked):
            self._writer.write_now(self._draft_payload())

    # -- back to the case ------------------------------------------------------------------------------

    def ask_passphrase(self, message: str = "") -> None:
        if self.stack.currentWidget() is not self.passphrase_page:
            self._page_before_passphrase = self.stack.currentWidget()
        self._advance.stop()
        self.passphrase_message.setText(message)
        self.stack.setCurrentWidget(self.passphrase_page)

    def cancel_passphrase(self) -> None:
        self._close_requested = False
        self.passphrase_edit.clear()
        self.passphrase_message.clear()
        self.stack.setCurrentWidget(self._page_before_passphrase or self.intro_page)

    def submit_passphrase(self) -> None:
        if self._verifying or not self.passphrase_button.isEnabled():
            return
        passphrase = self.passphrase_edit.text()
        self.passphrase_edit.clear()
        if not passphrase:
            self.passphrase_message.setText(tr("Typ je wachtwoordzin."))
            return
        self._verifying = True
        self.passphrase_button.setEnabled(False)
        self.passphrase_message.setText(tr("Even nakijken…"))
        workspace = self.workspace
        StoreOp(self, lambda: workspace.verify_passphrase(passphrase), runner=self.runner) \
            .success(self._on_verified).failure(self._on_verify_failed).run()

    def _on_verify_failed(self, exc: Exception) -> None:
        if not shiboken6.isValid(self):
            return
        self._verifying = False
        if isinstance(exc, WrongPassphrase):
            self.passphrase_message.setText(str(exc))
            wait = float(getattr(exc, "wait_seconds", 0.0) or 0.0)
        else:
            self.passphrase_message.setText(tr("Nakijken lukte niet: {reason}", reason=str(exc)))
            wait = 0.0
        if wait > 0:
            # A little after the store's delay: a timer firing early would only earn another wait.
            self._retry_timer.start(math.ceil(wait) * 1000 + 250)
        else:
            self._allow_retry()
        self.passphrase_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def _allow_retry(self) -> None:
        if shiboken6.isValid(self) and not self._verifying:
            self.passphrase_button.setEnabled(True)

    def _on_verified(self, _result: Any) -> None:
        if not shiboken6.isValid(self):
            return
        self._verifying = False
        self.passphrase_message.clear()
        self.save_draft_now()
        self.returned = True
        self._release()
        close_after = self._close_requested
        self.host.end_handover()
        forms.show_forms(self._hidden_forms)
        self._hidden_forms = []
        if close_after and isinstance(self.host, QWidget):
            self.host.close()

    def request_close(self) -> bool:
        """The window asks before it closes: refused (and the passphrase asked) until the worker is back."""
        if self.returned:
            return True
        self._close_requested = True
        self.ask_passphrase(tr("Om Leerrecht te sluiten, typt de begeleider eerst de wachtwoordzin."))
        return False

    # -- start and end -----------------------------------------------------------------------------

    def engage(self) -> None:
        """Hide the worker's open forms and start guarding the keyboard."""
        self._hidden_forms = forms.hide_all_forms()
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self._guard)
        self._page_changed()

    def _release(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self._guard)


def start_handover(main_window: HandoverHost, workspace: Workspace, case_files: CaseFiles, runner: TaskRunner,
                   case_id: str) -> None:
    """Show the young person's wellbeing page in `main_window` until the worker's passphrase ends it."""
    widget = HandoverWidget(main_window, workspace, case_files, runner, case_id)
    main_window.show_handover_page(widget)
    widget.engage()
