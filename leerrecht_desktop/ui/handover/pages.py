"""The pages of the hand-over screen: the intro (who and where), one page per statement, the review, the
thanks and the worker's passphrase. They only lay out widgets and report clicks through the callbacks
they are given; the state and the flow between them live in `widget.HandoverWidget`."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from leerrecht_core.i18n import tr
from leerrecht_desktop.models.catalog import Question, Questionnaire, pick_lists
from leerrecht_desktop.ui.forms.widgets import OptionalNumber, date_edit
from leerrecht_desktop.ui.handover.style import button, label

Action = Callable[[], None]


class IntroPage(QWidget):
    """Greeting plus gender, age, place and date; `on_change` is called whenever one of them changes."""

    def __init__(self, questionnaire: Questionnaire, on_change: Action, on_start: Action):
        super().__init__()
        self._on_change = on_change
        col = QVBoxLayout(self)
        col.addStretch(1)
        col.addWidget(label(tr("Hoi! Fijn dat je even meedoet."), "hoTitle"))
        col.addWidget(label(tr("Je krijgt {n} korte zinnen over hoe jij je de laatste 2 weken voelde. "
                               "Er zijn geen goede of foute antwoorden.", n=len(questionnaire.items)),
                            "hoText"))
        self.resume_note = label(tr("Je antwoorden van daarnet staan er nog."), "hoSmall")
        self.resume_note.hide()
        col.addWidget(self.resume_note)
        col.addSpacing(24)

        grid = QGridLayout()
        grid.setHorizontalSpacing(18)
        grid.setVerticalSpacing(16)
        grid.addWidget(label(tr("Ik ben"), "hoText", center=False), 0, 0)
        self.gender_group = QButtonGroup(self)
        self.gender_buttons: dict[str, QPushButton] = {}
        genders = [("m", tr("Jongen")), ("v", tr("Meisje")), ("a", tr("Anders"))]
        grid.addLayout(self._choice_row(genders, self.gender_group, self.gender_buttons), 0, 1)

        grid.addWidget(label(tr("Mijn leeftijd"), "hoText", center=False), 1, 0)
        self.age = OptionalNumber(3, 30)
        self.age.setAccessibleName(tr("Mijn leeftijd"))
        self.age.setMinimumWidth(130)
        self.age.setMaximumWidth(160)
        self.age.valueChanged.connect(lambda _v: self._on_change())
        age_row = QHBoxLayout()
        age_row.addWidget(self.age)
        age_row.addWidget(label(tr("jaar"), "hoText", center=False))
        age_row.addStretch(1)
        grid.addLayout(age_row, 1, 1)

        grid.addWidget(label(tr("Waar ben je nu?"), "hoText", center=False), 2, 0)
        self.place_group = QButtonGroup(self)
        self.place_buttons: dict[str, QPushButton] = {}
        places = [(c.key, c.label) for c in pick_lists().wellbeing_places]
        grid.addLayout(self._choice_row(places, self.place_group, self.place_buttons), 2, 1)

        grid.addWidget(label(tr("Datum"), "hoText", center=False), 3, 0)
        self.date_edit = date_edit()
        self.date_edit.setMaximumWidth(220)
        date_row = QHBoxLayout()
        date_row.addWidget(self.date_edit)
        date_row.addStretch(1)
        grid.addLayout(date_row, 3, 1)

        wrapper = QHBoxLayout()
        wrapper.addStretch(1)
        wrapper.addLayout(grid)
        wrapper.addStretch(1)
        col.addLayout(wrapper)
        col.addSpacing(30)
        self.start_button = button(tr("Beginnen"), "primary")
        self.start_button.clicked.connect(lambda: on_start())
        col.addWidget(self.start_button, 0, Qt.AlignmentFlag.AlignCenter)
        col.addStretch(2)

    def _choice_row(self, choices: list[tuple[str, str]], group: QButtonGroup,
                    buttons: dict[str, QPushButton]) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(12)
        group.setExclusive(True)
        for key, text in choices:
            choice = button(text, "choice")
            choice.setCheckable(True)
            group.addButton(choice)
            buttons[key] = choice
            row.addWidget(choice)
            choice.toggled.connect(lambda _c: self._on_change())
        row.addStretch(1)
        return row


class QuestionPage(QWidget):
    """One statement with a large button per answer; `on_answer(value)` when one is pressed."""

    def __init__(self, questionnaire: Questionnaire, item: Question, values: list[int],
                 on_answer: Callable[[int], None], on_back: Action, on_forward: Action):
        super().__init__()
        col = QVBoxLayout(self)
        col.addStretch(1)
        col.addWidget(label(questionnaire.instruction, "hoSmall"))
        col.addSpacing(18)
        question = label(item.text, "hoQuestion")
        question.setMinimumHeight(110)
        col.addWidget(question)
        col.addSpacing(28)
        row = QHBoxLayout()
        row.setSpacing(18)
        row.addStretch(1)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons: list[QPushButton] = []
        for value in values:
            answer = button(f"{questionnaire.answer_label(value)}\n{value}", "answer")
            answer.setCheckable(True)
            answer.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
            answer.setAccessibleName(questionnaire.answer_label(value))
            self.group.addButton(answer, value)
            self.buttons.append(answer)
            row.addWidget(answer)
            answer.clicked.connect(lambda _c=False, v=value: on_answer(v))
        row.addStretch(1)
        col.addLayout(row)
        col.addSpacing(14)
        col.addWidget(label(tr("Je kan ook de toetsen 1 tot 5 gebruiken."), "hoSmall"))
        col.addStretch(1)
        nav = QHBoxLayout()
        back = button(tr("← Vorige"), "nav")
        back.clicked.connect(lambda: on_back())
        forward = button(tr("Volgende →"), "nav")
        forward.clicked.connect(lambda: on_forward())
        nav.addWidget(back)
        nav.addStretch(1)
        nav.addWidget(forward)
        col.addLayout(nav)


class ReviewPage(QWidget):
    """After the last statement: what is still missing, or 'Klaar'."""

    def __init__(self, on_missing: Action, on_done: Action, on_back: Action):
        super().__init__()
        col = QVBoxLayout(self)
        col.addStretch(1)
        col.addWidget(label(tr("Dat was de laatste vraag!"), "hoTitle"))
        self.review_text = label("", "hoText")
        col.addWidget(self.review_text)
        col.addSpacing(30)
        self.missing_button = button("", "nav")
        self.missing_button.clicked.connect(on_missing)
        col.addWidget(self.missing_button, 0, Qt.AlignmentFlag.AlignCenter)
        self.done_button = button(tr("Klaar"), "primary")
        self.done_button.clicked.connect(on_done)
        col.addWidget(self.done_button, 0, Qt.AlignmentFlag.AlignCenter)
        col.addStretch(2)
        nav = QHBoxLayout()
        back = button(tr("← Vorige"), "nav")
        back.clicked.connect(lambda: on_back())
        nav.addWidget(back)
        nav.addStretch(1)
        col.addLayout(nav)


class ThanksPage(QWidget):
    """The thanks, with the state of the saving in `thanks_status`."""

    def __init__(self) -> None:
        super().__init__()
        col = QVBoxLayout(self)
        col.addStretch(1)
        col.addWidget(label(tr("Dankjewel!"), "hoTitle"))
        self.thanks_status = label("", "hoText")
        col.addWidget(self.thanks_status)
        col.addSpacing(12)
        col.addWidget(label(tr("Geef de laptop nu terug aan je begeleider."), "hoText"))
        col.addStretch(2)


class PassphrasePage(QWidget):
    """The worker's way back to the case."""

    def __init__(self, on_submit: Action, on_cancel: Action):
        super().__init__()
        col = QVBoxLayout(self)
        col.addStretch(1)
        col.addWidget(label(tr("Voor de begeleider"), "hoTitle"))
        self.passphrase_intro = label(tr("Typ je wachtwoordzin om terug te gaan naar het dossier."), "hoText")
        col.addWidget(self.passphrase_intro)
        col.addSpacing(20)
        self.passphrase_edit = QLineEdit()
        self.passphrase_edit.setObjectName("hoPassphrase")
        self.passphrase_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase_edit.setMinimumWidth(440)
        self.passphrase_edit.setAccessibleName(tr("Wachtwoordzin"))
        self.passphrase_edit.returnPressed.connect(on_submit)
        col.addWidget(self.passphrase_edit, 0, Qt.AlignmentFlag.AlignCenter)
        self.passphrase_message = label("", "hoError")
        col.addWidget(self.passphrase_message)
        col.addSpacing(12)
        row = QHBoxLayout()
        row.addStretch(1)
        self.passphrase_cancel = button(tr("Annuleren"), "nav")
        self.passphrase_cancel.clicked.connect(on_cancel)
        self.passphrase_button = button(tr("Terug naar het dossier"), "primary")
        self.passphrase_button.clicked.connect(on_submit)
        row.addWidget(self.passphrase_cancel)
        row.addSpacing(16)
        row.addWidget(self.passphrase_button)
        row.addStretch(1)
        col.addLayout(row)
        col.addStretch(2)
