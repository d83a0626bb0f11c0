"""Validation of each kind of entry, as a field worker meets it in a form."""

from __future__ import annotations

import datetime as dt

import pytest

from leerrecht_desktop.models.entries import (
    ENTRY_TYPES,
    Entry,
    FamilyContact,
    FollowUpNote,
    HomeVisit,
    SupportMeasure,
    WellbeingScale,
)
from leerrecht_desktop.models.enums import ENTRY_KINDS
from leerrecht_desktop.models.validation import ValidationError

TODAY = dt.date(2025, 3, 14)
ALL_ANSWERS = {f"q{i}": 3 for i in range(1, 9)}


def valid_entries() -> list[Entry]:
    day = dt.date(2025, 3, 10)
    return [
        HomeVisit(occurred_on=day, start_time="16:30", duration_minutes=45, purpose="Kennismaking (fictief)"),
        FamilyContact(occurred_on=day, channel="telefoon", with_whom="Fictieve Ouder", topics=["school"]),
        WellbeingScale(occurred_on=day, place="school", age=14, gender="a", answers=dict(ALL_ANSWERS)),
        FollowUpNote(occurred_on=day, text="Fictieve notitie."),
        SupportMeasure(occurred_on=day, measure="laptop_leen", level="graad1"),
    ]


def errors_of(entry: Entry) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        entry.validate(TODAY)
    return caught.value


def test_every_kind_has_a_valid_example_and_a_type() -> None:
    entries = valid_entries()
    assert {e.kind for e in entries} == set(ENTRY_KINDS) == set(ENTRY_TYPES)
    for entry in entries:
        entry.validate(TODAY)


@pytest.mark.parametrize("entry", valid_entries(), ids=lambda e: e.kind.value)
def test_no_entry_may_happen_in_the_future(entry: Entry) -> None:
    entry.occurred_on = TODAY + dt.timedelta(days=1)
    err = errors_of(entry)
    assert err.for_field("occurred_on") == "Deze datum ligt in de toekomst. Kies vandaag of een datum ervoor."


@pytest.mark.parametrize("entry", valid_entries(), ids=lambda e: e.kind.value)
def test_every_entry_needs_a_date(entry: Entry) -> None:
    entry.occurred_on = None  # type: ignore[assignment]
    assert errors_of(entry).for_field("occurred_on") == "Vul een datum in."


# -- home visit ------------------------------------------------------------------------------------

@pytest.mark.parametrize("time", ["00:00", "09:05", "16:30", "23:59", ""])
def test_home_visit_accepts_a_time_as_hh_mm(time: str) -> None:
    HomeVisit(occurred_on=TODAY, start_time=time, purpose="Fictief").validate(TODAY)


@pytest.mark.parametrize("time", ["24:00", "9:05", "16u30", "16:3", "16:60", "half vijf", "16:30:00"])
def test_home_visit_refuses_other_time_formats(time: str) -> None:
    err = errors_of(HomeVisit(occurred_on=TODAY, start_time=time, purpose="Fictief"))
    assert err.for_field("start_time") == "Vul het uur in als uu:mm, bv. 16:30."


@pytest.mark.parametrize("minutes", [0, 601, -5])
def test_home_visit_duration_is_between_1_and_600_minutes(minutes: int) -> None:
    err = errors_of(HomeVisit(occurred_on=TODAY, duration_minutes=minutes, purpose="Fictief"))
    assert err.for_field("duration_minutes") == "De duur moet tussen 1 en 600 minuten liggen."


def test_an_empty_home_visit_is_refused() -> None:
    err = errors_of(HomeVisit(occurred_on=TODAY, present="Fictieve Ouder"))
    assert err.for_field("observations") == "Schrijf minstens het doel, wat je zag of de afspraken op."


def test_next_step_cannot_be_before_the_visit() -> None:
    err = errors_of(HomeVisit(occurred_on=TODAY, purpose="Fictief", next_step_on=TODAY - dt.timedelta(days=1)))
    assert err.for_field("next_step_on") == "De volgende stap kan niet vóór het huisbezoek liggen."


# -- family contact ----------------------------------------------------------------------------

def test_family_contact_needs_a_channel_and_a_person() -> None:
    err = errors_of(FamilyContact(occurred_on=TODAY))
    assert err.for_field("channel") == "Kies hoe het contact verliep (huisbezoek, telefoon, schoolpoort, ...)."
    assert err.for_field("with_whom") == "Vul in met wie je contact had."


def test_family_contact_refuses_channels_and_topics_outside_the_lists() -> None:
    err = errors_of(FamilyContact(occurred_on=TODAY, channel="duif", with_whom="Fictief", topics=["sterren"]))
    assert err.for_field("channel") == "Kies een waarde uit de lijst."
    assert err.for_field("topics") == "Kies een waarde uit de lijst."


# -- wellbeing scale ----------------------------------------------------------------------------

def test_missing_answers_are_named_by_their_question_number() -> None:
    answers = {k: v for k, v in ALL_ANSWERS.items() if k not in ("q3", "q8")}
    err = errors_of(WellbeingScale(occurred_on=TODAY, answers=answers))
    assert err.for_field("answers") == "Beantwoord ook vraag 3, 8."


def test_an_empty_scale_names_every_question() -> None:
    err = errors_of(WellbeingScale(occurred_on=TODAY))
    assert err.for_field("answers") == "Beantwoord ook vraag 1, 2, 3, 4, 5, 6, 7, 8."


@pytest.mark.parametrize("value", [0, 6, -1, 10])
def test_answers_outside_1_to_5_are_refused(value: int) -> None:
    err = errors_of(WellbeingScale(occurred_on=TODAY, answers={**ALL_ANSWERS, "q4": value}))
    assert err.for_field("answers") == "Elk antwoord ligt tussen 1 en 5."


@pytest.mark.parametrize("value", [1, 5])
def test_answers_at_the_ends_of_the_scale_are_accepted(value: int) -> None:
    WellbeingScale(occurred_on=TODAY, answers={**ALL_ANSWERS, "q1": value}).validate(TODAY)


def test_an_answer_to_an_unknown_question_is_refused() -> None:
    err = errors_of(WellbeingScale(occurred_on=TODAY, answers={**ALL_ANSWERS, "q9": 3}))
    assert err.for_field("answers") == "Onbekende vraag in de schaal: q9."


def test_scale_gender_uses_m_v_a_and_age_is_plausible() -> None:
    err = errors_of(WellbeingScale(occurred_on=TODAY, answers=dict(ALL_ANSWERS), gender="x", age=2))
    assert err.for_field("gender") == "Kies een waarde uit de lijst."
    assert err.for_field("age") == "De leeftijd moet tussen 3 en 30 jaar liggen."


# -- follow-up note and support measure ----------------------------------------------------------

def test_an_empty_note_is_refused() -> None:
    assert errors_of(FollowUpNote(occurred_on=TODAY)).for_field("text") == "Schrijf een notitie of een actie."


def test_an_owner_or_deadline_needs_an_action() -> None:
    err = errors_of(FollowUpNote(occurred_on=TODAY, text="Fictief", action_owner="Fictieve Collega"))
    assert err.for_field("action") == "Beschrijf de actie waarvoor je een eigenaar of deadline invult."
    err = errors_of(FollowUpNote(occurred_on=TODAY, text="Fictief", due_on=TODAY))
    assert err.for_field("action") == "Beschrijf de actie waarvoor je een eigenaar of deadline invult."


def test_a_support_measure_must_be_chosen_from_the_list() -> None:
    assert errors_of(SupportMeasure(occurred_on=TODAY)).for_field("measure") == "Kies welke steunmaatregel het is."
    assert errors_of(SupportMeasure(occurred_on=TODAY, measure="fiets")).for_field("measure") == (
        "Kies een waarde uit de lijst."
    )
