"""Forms for the entries of a case file: huisbezoek, gezinscontact, welbevindenschaal (typed in by
the worker), opvolgnotitie and steunmaatregel."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from leerrecht_core.i18n import tr
from leerrecht_desktop.models.catalog import pick_lists, wellbeing_questionnaire
from leerrecht_desktop.models.entries import FamilyContact, FollowUpNote, HomeVisit, SupportMeasure, WellbeingScale
from leerrecht_desktop.models.enums import Kind
from leerrecht_desktop.models.validation import FieldError
from leerrecht_desktop.store.errors import CaseNotFound
from leerrecht_desktop.ui.forms.base import EntryForm
from leerrecht_desktop.ui.forms.profile import relation_suggestions
from leerrecht_desktop.ui.forms.widgets import (
    CheckList,
    ChecksGroup,
    KeyCombo,
    OptionalDateEdit,
    OptionalNumber,
    ScaleRow,
    TimeEdit,
    date_edit,
    line_edit,
    plain_text,
    pydate,
    qdate,
    set_flag,
)

ANSWER_COLUMN_WIDTH = 64


def scale_gender_choices() -> list[tuple[str, str]]:
    return [("m", tr("Jongen (m)")), ("v", tr("Meisje (v)")), ("a", tr("Anders (a)"))]


def filled_in_by_choices() -> list[tuple[str, str]]:
    return [("jongere", tr("De jongere zelf (op papier)")), ("samen", tr("Samen met de jongere")),
            ("medewerker", tr("De medewerker, in gesprek"))]


class _EntryFormBase(EntryForm):
    """Adds the date every entry has, defaulting to today."""

    def add_date_field(self) -> None:
        self.occurred_on = self.add_field("occurred_on", tr("Datum"), date_edit())

    def title_text(self) -> str:
        if self.record is not None:
            return tr("Bewerken: {kind}", kind=self.kind.label)
        return {
            Kind.HOME_VISIT: tr("Nieuw huisbezoek"),
            Kind.FAMILY_CONTACT: tr("Nieuw gezinscontact"),
            Kind.WELLBEING: tr("Nieuwe welbevindenschaal"),
            Kind.NOTE: tr("Nieuwe opvolgnotitie"),
            Kind.SUPPORT: tr("Nieuwe steunmaatregel"),
        }.get(self.kind, self.kind.label)

    def occurred(self) -> dt.date:
        return pydate(self.occurred_on.date())

    def add_next_step_fields(self) -> None:
        """A planned next step, its date and its done flag: what the "Te doen" list shows and ticks off."""
        self.next_step = self.add_field("next_step", tr("Volgende stap"),
                                        line_edit(tr("optioneel: bv. spreek volgende week opnieuw af")),
                                        hint=tr("Met een datum komt de stap in Te doen (Ctrl+T)."))
        self.next_step_on = self.add_field("next_step_on", tr("Datum volgende stap"), OptionalDateEdit())
        self.next_step_done = self.add_field("next_step_done", tr("Gedaan"),
                                             QCheckBox(tr("De volgende stap is gedaan")))
        self.next_step.textChanged.connect(self._next_step_changed)
        self._next_step_changed("")

    def _next_step_changed(self, text: str) -> None:
        # Done belongs to a step: nothing to tick off until one is written (as a note's action).
        self.next_step_done.setEnabled(bool(text.strip()) or self.next_step_done.isChecked())

    def set_next_step(self, content: HomeVisit | FamilyContact) -> None:
        self.next_step.setText(content.next_step)
        self.next_step_on.set_value(content.next_step_on)
        self.next_step_done.setChecked(content.next_step_done)

    def collect_next_step(self, content: HomeVisit | FamilyContact) -> None:
        content.next_step = self.next_step.text().strip()
        content.next_step_on = self.next_step_on.value()
        # Done belongs to a step: without one there is nothing to tick off.
        planned = bool(content.next_step or content.next_step_on)
        content.next_step_done = self.next_step_done.isChecked() if planned else False

    def set_occurred(self, value: dt.date | None) -> None:
        self.occurred_on.setDate(qdate(value or dt.date.today()))

    def _case_summary_value(self, name: str) -> Any:
        if not self.case_id:
            return None
        try:
            return getattr(self.case_files.summary(self.case_id), name)
        except CaseNotFound:
            return None


class HomeVisitForm(_EntryFormBase):
    kind = Kind.HOME_VISIT
    default_size = (660, 820)

    def build(self) -> None:
        self.add_date_field()
        self.start_time = self.add_field("start_time", tr("Uur"), TimeEdit())
        self.duration = self.add_field("duration_minutes", tr("Duur"),
                                       OptionalNumber(1, 600, suffix=tr(" min"), step=15))
        self.location = self.add_field("location", tr("Waar"), line_edit(tr("bv. thuis, bij de grootouders")))
        self.present = self.add_field("present", tr("Aanwezig"), line_edit(tr("Wie was erbij?")))
        self.purpose = self.add_field("purpose", tr("Doel van het bezoek"), plain_text(2))
        self.observations = self.add_field("observations", tr("Wat zag en hoorde je?"), plain_text(5))
        self.agreements = self.add_field("agreements", tr("Afspraken"), plain_text(3))
        self.add_next_step_fields()
        self.referrals = self.add_field("referrals", tr("Doorverwezen naar"), CheckList(pick_lists().partners))
        self.first_focus = self.start_time  # the date is usually today already

    def default_content(self) -> HomeVisit:
        return HomeVisit(occurred_on=dt.date.today())

    def set_content(self, content: Any) -> None:
        assert isinstance(content, HomeVisit)
        self.set_occurred(content.occurred_on)
        self.start_time.setText(content.start_time)
        self.duration.set_number(content.duration_minutes)
        self.location.setText(content.location)
        self.present.setText(content.present)
        self.purpose.setPlainText(content.purpose)
        self.observations.setPlainText(content.observations)
        self.agreements.setPlainText(content.agreements)
        self.set_next_step(content)
        self.referrals.set_keys(content.referrals)

    def collect(self) -> HomeVisit:
        v = copy.deepcopy(self._base)
        assert isinstance(v, HomeVisit)
        v.occurred_on = self.occurred()
        v.start_time = self.start_time.value()
        v.duration_minutes = self.duration.number()
        v.location = self.location.text().strip()
        v.present = self.present.text().strip()
        v.purpose = self.purpose.toPlainText().strip()
        v.observations = self.observations.toPlainText().strip()
        v.agreements = self.agreements.toPlainText().strip()
        self.collect_next_step(v)
        v.referrals = self.referrals.keys()
        return v


class FamilyContactForm(_EntryFormBase):
    kind = Kind.FAMILY_CONTACT
    default_size = (640, 660)

    def build(self) -> None:
        lists = pick_lists()
        self.add_date_field()
        # A home visit has its own form; an old contact saved "via huisbezoek" still shows it (set_content).
        self.channel = self.add_field("channel", tr("Contact via"),
                                      KeyCombo([c for c in lists.channels if c.key != "huisbezoek"],
                                               empty_label=tr("Kies…")))
        self.with_whom = self.add_field("with_whom", tr("Met wie"),
                                        line_edit(tr("bv. moeder, beide ouders"), relation_suggestions()))
        self.topics = self.add_field("topics", tr("Onderwerpen"), ChecksGroup(lists.life_domains, columns=3))
        self.referrals = self.add_field("referrals", tr("Doorverwezen naar"), CheckList(lists.partners))
        self.notes = self.add_field("notes", tr("Notities"), plain_text(5))
        self.add_next_step_fields()
        self.first_focus = self.channel

    def default_content(self) -> FamilyContact:
        return FamilyContact(occurred_on=dt.date.today())

    def set_content(self, content: Any) -> None:
        assert isinstance(content, FamilyContact)
        self.set_occurred(content.occurred_on)
        if content.channel == "huisbezoek" and self.channel.findData("huisbezoek") < 0:
            self.channel.addItem(pick_lists().label("channels", "huisbezoek"), "huisbezoek")
        self.channel.set_key(content.channel)
        self.with_whom.setText(content.with_whom)
        self.topics.set_keys(content.topics)
        self.referrals.set_keys(content.referrals)
        self.notes.setPlainText(content.notes)
        self.set_next_step(content)

    def collect(self) -> FamilyContact:
        c = copy.deepcopy(self._base)
        assert isinstance(c, FamilyContact)
        c.occurred_on = self.occurred()
        c.channel = self.channel.key()
        c.with_whom = self.with_whom.text().strip()
        c.topics = self.topics.keys()
        c.referrals = self.referrals.keys()
        c.notes = self.notes.toPlainText().strip()
        self.collect_next_step(c)
        return c


class WellbeingForm(_EntryFormBase):
    """The scale as the worker types it over (from paper or in conversation); the young person's own
    screen is the hand-over mode in ui/handover/."""

    kind = Kind.WELLBEING
    default_size = (760, 720)

    def build(self) -> None:
        lists = pick_lists()
        q = wellbeing_questionnaire()
        self.add_date_field()
        self.filled_in_by = self.add_field("filled_in_by", tr("Ingevuld door"),
                                           KeyCombo(filled_in_by_choices(), empty_label=None))
        self.place = self.add_field("place", tr("Waar ingevuld"), KeyCombo(lists.wellbeing_places))
        self.gender = self.add_field("gender", tr("Gender"), KeyCombo(scale_gender_choices()))
        self.age = self.add_field("age", tr("Leeftijd"), OptionalNumber(3, 30, suffix=tr(" jaar")))

        self.scale_box = QWidget()
        box = QVBoxLayout(self.scale_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        instruction = QLabel(q.instruction)
        instruction.setWordWrap(True)
        box.addWidget(instruction)
        header = QHBoxLayout()
        header.setContentsMargins(6, 0, 6, 0)  # as the rows, so the columns line up
        header.setSpacing(ScaleRow.SPACING)
        header.addStretch(1)
        values = [v for v, _ in q.answers]
        for value in values:
            label = QLabel(f"{value}\n{q.answer_label(value)}")
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setFixedWidth(ANSWER_COLUMN_WIDTH)
            header.addWidget(label)
        box.addLayout(header)
        self.scale_rows: dict[str, ScaleRow] = {}
        for number, item in enumerate(q.items, start=1):
            row = ScaleRow(number, item.text, values, ANSWER_COLUMN_WIDTH)
            set_flag(row, "odd", number % 2 == 1)
            self.scale_rows[item.id] = row
            box.addWidget(row)
        hint = tr("Tip: typ per vraag een cijfer van 1 tot 5; je gaat vanzelf naar de volgende.")
        self.add_field("answers", q.title, self.scale_box, focus=next(iter(self.scale_rows.values())), hint=hint)

    def default_content(self) -> WellbeingScale:
        age = self._case_summary_value("birth_date")
        years = None
        if isinstance(age, dt.date):
            today = dt.date.today()
            years = today.year - age.year - ((today.month, today.day) < (age.month, age.day))
            if not 3 <= years <= 30:
                years = None
        return WellbeingScale(occurred_on=dt.date.today(), age=years, filled_in_by="jongere",
                              questionnaire_version=wellbeing_questionnaire().version)

    def set_content(self, content: Any) -> None:
        assert isinstance(content, WellbeingScale)
        self.set_occurred(content.occurred_on)
        self.filled_in_by.set_key(content.filled_in_by or "jongere")
        self.place.set_key(content.place)
        self.gender.set_key(content.gender)
        self.age.set_number(content.age)
        for item_id, row in self.scale_rows.items():
            row.set_value(content.answers.get(item_id))

    def collect(self) -> WellbeingScale:
        s = copy.deepcopy(self._base)
        assert isinstance(s, WellbeingScale)
        s.occurred_on = self.occurred()
        s.filled_in_by = self.filled_in_by.key()
        s.place = self.place.key()
        s.gender = self.gender.key()
        s.age = self.age.number()
        answers = dict(s.answers)  # keeps answers to items this version no longer shows
        for item_id, row in self.scale_rows.items():
            value = row.value()
            if value is None:
                answers.pop(item_id, None)
            else:
                answers[item_id] = value
        s.answers = answers
        return s

    def show_errors(self, errors: list[FieldError], title: str | None = None) -> None:
        # Point the worker at the first statement still without an answer, not at the first statement.
        unanswered = [row for row in self.scale_rows.values() if row.value() is None]
        slot = self._slots["answers"]
        slot.focus = unanswered[0] if unanswered else next(iter(self.scale_rows.values()))
        super().show_errors(errors, title)


class FollowUpNoteForm(_EntryFormBase):
    kind = Kind.NOTE
    default_size = (600, 460)

    def build(self) -> None:
        self.add_date_field()
        self.note_text = self.add_field("text", tr("Notitie"), plain_text(5))
        self.action = self.add_field("action", tr("Actie"), line_edit(tr("optioneel: wat moet er nog gebeuren?")))
        owners = [self.case_files.user.name]
        self.action_owner = self.add_field("action_owner", tr("Wie doet het?"),
                                           line_edit(tr("naam"), owners))
        self.due_on = self.add_field("due_on", tr("Tegen wanneer"), OptionalDateEdit())
        self.done_check = self.add_field("done", tr("Gedaan"), QCheckBox(tr("De actie is gedaan")))
        self.action.textChanged.connect(self._action_changed)
        self.first_focus = self.note_text

    def default_content(self) -> FollowUpNote:
        return FollowUpNote(occurred_on=dt.date.today(), action_owner=self.case_files.user.name)

    def set_content(self, content: Any) -> None:
        assert isinstance(content, FollowUpNote)
        self.set_occurred(content.occurred_on)
        self.note_text.setPlainText(content.text)
        self.action.setText(content.action)
        self.action_owner.setText(content.action_owner or self.case_files.user.name)
        self.due_on.set_value(content.due_on)
        self.done_check.setChecked(content.done)
        self._action_changed(content.action)

    def _action_changed(self, text: str) -> None:
        has_action = bool(text.strip())
        for w in (self.action_owner, self.due_on, self.done_check):
            w.setEnabled(has_action)
        if has_action and not self._loading and not self.action_owner.text().strip():
            self.action_owner.setText(self.case_files.user.name)

    def collect(self) -> FollowUpNote:
        n = copy.deepcopy(self._base)
        assert isinstance(n, FollowUpNote)
        n.occurred_on = self.occurred()
        n.text = self.note_text.toPlainText().strip()
        n.action = self.action.text().strip()
        # Owner, due date and done belong to an action: a plain note carries none of them.
        has_action = bool(n.action)
        n.action_owner = self.action_owner.text().strip() if has_action else ""
        n.due_on = self.due_on.value() if has_action else None
        n.done = self.done_check.isChecked() if has_action else False
        return n


class SupportMeasureForm(_EntryFormBase):
    kind = Kind.SUPPORT
    default_size = (560, 400)

    def build(self) -> None:
        lists = pick_lists()
        self.add_date_field()
        self.measure = self.add_field("measure", tr("Steunmaatregel"),
                                      KeyCombo(lists.support_measures, empty_label=tr("Kies…")))
        self.level = self.add_field("level", tr("Niveau"), KeyCombo(lists.levels))
        self.note = self.add_field("note", tr("Toelichting"), plain_text(4))
        self.first_focus = self.measure

    def default_content(self) -> SupportMeasure:
        level = self._case_summary_value("level")
        return SupportMeasure(occurred_on=dt.date.today(), level=level if isinstance(level, str) else "")

    def set_content(self, content: Any) -> None:
        assert isinstance(content, SupportMeasure)
        self.set_occurred(content.occurred_on)
        self.measure.set_key(content.measure)
        self.level.set_key(content.level)
        self.note.setPlainText(content.note)

    def collect(self) -> SupportMeasure:
        m = copy.deepcopy(self._base)
        assert isinstance(m, SupportMeasure)
        m.occurred_on = self.occurred()
        m.measure = self.measure.key()
        m.level = self.level.key()
        m.note = self.note.toPlainText().strip()
        return m


ENTRY_FORMS: dict[Kind, type[_EntryFormBase]] = {
    Kind.HOME_VISIT: HomeVisitForm,
    Kind.FAMILY_CONTACT: FamilyContactForm,
    Kind.WELLBEING: WellbeingForm,
    Kind.NOTE: FollowUpNoteForm,
    Kind.SUPPORT: SupportMeasureForm,
}
