"""Entries in a case file: home visit, family contact, wellbeing scale, follow-up note, support measure."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import ClassVar

from leerrecht_core.i18n import tr
from leerrecht_desktop.models.catalog import pick_lists, wellbeing_questionnaire
from leerrecht_desktop.models.enums import FILLED_IN_BY, SCALE_GENDERS, Kind
from leerrecht_desktop.models.validation import Checker

LONG = 20_000
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@dataclass
class Entry:
    """Common to every entry: when it happened and who wrote it."""

    kind: ClassVar[Kind]
    occurred_on: dt.date = field(default_factory=dt.date.today)
    author_id: str = ""
    author_name: str = ""

    def validate(self, today: dt.date) -> None:
        c = Checker()
        self._check_common(c, today)
        self.check(c, today)
        c.raise_if_any()

    def _check_common(self, c: Checker, today: dt.date) -> None:
        if self.occurred_on is None:
            c.fail("occurred_on", tr("Vul een datum in."))
        else:
            c.not_in_future("occurred_on", self.occurred_on, today)

    def check(self, c: Checker, today: dt.date) -> None:
        """Kind-specific checks; overridden by each entry kind."""

    def contact_date(self) -> dt.date | None:
        """The date this entry counts as contact with the young person or family (for 'last contact')."""
        return None

    def open_action_due(self) -> dt.date | None:
        """The date of a next step or open action this entry asks for, if any (for 'next action')."""
        return None


def _next_step_due(on: dt.date | None, done: bool) -> dt.date | None:
    """When a planned next step is due: its date; nothing once it is done. A step without a date stays
    text in its entry, as before "Te doen" (issue 14): home visits written with "volgende stap: opvolgen"
    and no date would otherwise all turn up overdue at once."""
    return None if done else on


def _check_referrals(c: Checker, referrals: list[str]) -> None:
    for r in referrals:
        c.max_length("referrals", r, 200)


@dataclass
class HomeVisit(Entry):
    kind: ClassVar[Kind] = Kind.HOME_VISIT
    start_time: str = ""
    duration_minutes: int | None = None
    location: str = ""
    present: str = ""
    purpose: str = ""
    observations: str = ""
    agreements: str = ""
    next_step: str = ""
    next_step_on: dt.date | None = None
    referrals: list[str] = field(default_factory=list)
    # Added in issue 14 ("Te doen"): ticked off in the to-do list; last so older payloads read as before.
    next_step_done: bool = False

    def check(self, c: Checker, today: dt.date) -> None:
        if self.start_time and not _TIME.match(self.start_time):
            c.fail("start_time", tr("Vul het uur in als uu:mm, bv. 16:30."))
        if self.duration_minutes is not None and not 1 <= self.duration_minutes <= 600:
            c.fail("duration_minutes", tr("De duur moet tussen 1 en 600 minuten liggen."))
        if not (self.purpose.strip() or self.observations.strip() or self.agreements.strip()):
            c.fail("observations", tr("Schrijf minstens het doel, wat je zag of de afspraken op."))
        for name in ("observations", "agreements", "purpose", "present", "next_step"):
            c.max_length(name, getattr(self, name), LONG)
        if self.next_step_on and self.occurred_on and self.next_step_on < self.occurred_on:
            c.fail("next_step_on", tr("De volgende stap kan niet vóór het huisbezoek liggen."))
        _check_referrals(c, self.referrals)

    def contact_date(self) -> dt.date | None:
        return self.occurred_on

    def open_action_due(self) -> dt.date | None:
        return _next_step_due(self.next_step_on, self.next_step_done)


@dataclass
class FamilyContact(Entry):
    kind: ClassVar[Kind] = Kind.FAMILY_CONTACT
    channel: str = ""
    with_whom: str = ""
    topics: list[str] = field(default_factory=list)
    referrals: list[str] = field(default_factory=list)
    notes: str = ""
    # Added in issue 14: a family contact can plan a next step ("spreek volgende week opnieuw af").
    next_step: str = ""
    next_step_on: dt.date | None = None
    next_step_done: bool = False

    def check(self, c: Checker, today: dt.date) -> None:
        if not self.channel:
            c.fail("channel", tr("Kies hoe het contact verliep (huisbezoek, telefoon, schoolpoort, ...)."))
        else:
            c.one_of("channel", self.channel, pick_lists().keys("channels"))
        c.required("with_whom", self.with_whom, tr("Vul in met wie je contact had."))
        for key in self.topics:
            c.one_of("topics", key, pick_lists().keys("life_domains"), allow_empty=False)
        c.max_length("notes", self.notes, LONG)
        c.max_length("next_step", self.next_step, 1000)
        if self.next_step_on and not self.next_step.strip():
            c.fail("next_step", tr("Beschrijf de volgende stap waarvoor je een datum invult."))
        if self.next_step_on and self.occurred_on and self.next_step_on < self.occurred_on:
            c.fail("next_step_on", tr("De volgende stap kan niet vóór het contact liggen."))
        _check_referrals(c, self.referrals)

    def contact_date(self) -> dt.date | None:
        return self.occurred_on

    def open_action_due(self) -> dt.date | None:
        return _next_step_due(self.next_step_on, self.next_step_done)


@dataclass
class WellbeingScale(Entry):
    kind: ClassVar[Kind] = Kind.WELLBEING
    place: str = ""
    age: int | None = None
    gender: str = ""
    answers: dict[str, int] = field(default_factory=dict)
    questionnaire_version: int = 1
    filled_in_by: str = "jongere"

    def check(self, c: Checker, today: dt.date) -> None:
        q = wellbeing_questionnaire()
        missing = [i for i, item in enumerate(q.items, start=1) if item.id not in self.answers]
        if missing:
            c.fail("answers", tr("Beantwoord ook vraag {numbers}.", numbers=", ".join(map(str, missing))))
        for item_id, value in self.answers.items():
            if item_id not in q.item_ids:
                c.fail("answers", tr("Onbekende vraag in de schaal: {item}.", item=item_id))
            elif not q.min_value <= value <= q.max_value:
                c.fail("answers", tr("Elk antwoord ligt tussen {lo} en {hi}.", lo=q.min_value, hi=q.max_value))
        c.one_of("place", self.place, pick_lists().keys("wellbeing_places"))
        c.one_of("gender", self.gender, set(SCALE_GENDERS))
        c.one_of("filled_in_by", self.filled_in_by, set(FILLED_IN_BY), allow_empty=False)
        if self.age is not None and not 3 <= self.age <= 30:
            c.fail("age", tr("De leeftijd moet tussen 3 en 30 jaar liggen."))

    def contact_date(self) -> dt.date | None:
        return self.occurred_on


@dataclass
class FollowUpNote(Entry):
    kind: ClassVar[Kind] = Kind.NOTE
    text: str = ""
    action: str = ""
    action_owner: str = ""
    due_on: dt.date | None = None
    done: bool = False

    def check(self, c: Checker, today: dt.date) -> None:
        if not self.text.strip() and not self.action.strip():
            c.fail("text", tr("Schrijf een notitie of een actie."))
        c.max_length("text", self.text, LONG)
        c.max_length("action", self.action, 1000)
        if (self.due_on or self.action_owner.strip()) and not self.action.strip():
            c.fail("action", tr("Beschrijf de actie waarvoor je een eigenaar of deadline invult."))

    def open_action_due(self) -> dt.date | None:
        if self.action.strip() and not self.done:
            return self.due_on or self.occurred_on
        return None


@dataclass
class SupportMeasure(Entry):
    kind: ClassVar[Kind] = Kind.SUPPORT
    measure: str = ""
    level: str = ""
    note: str = ""

    def check(self, c: Checker, today: dt.date) -> None:
        if not self.measure:
            c.fail("measure", tr("Kies welke steunmaatregel het is."))
        else:
            c.one_of("measure", self.measure, pick_lists().keys("support_measures"))
        c.one_of("level", self.level, pick_lists().keys("levels"))
        c.max_length("note", self.note, LONG)


ENTRY_TYPES: dict[Kind, type[Entry]] = {
    cls.kind: cls for cls in (HomeVisit, FamilyContact, WellbeingScale, FollowUpNote, SupportMeasure)
}
