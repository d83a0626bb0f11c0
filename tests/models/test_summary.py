"""The case list's summary of a case: search as you type, last contact and next action."""

from __future__ import annotations

import datetime as dt

import pytest

from leerrecht_desktop.models.case import CaseProfile, Referral, WorkerRef
from leerrecht_desktop.models.entries import FamilyContact, FollowUpNote, HomeVisit, WellbeingScale
from leerrecht_desktop.models.summary import CaseSummary


def summary_for(first: str, last: str, school: str = "Den Anker", class_name: str = "2B") -> CaseSummary:
    s = CaseSummary(case_id="c-1")
    s.apply_profile(CaseProfile(first_name=first, last_name=last, school=school, class_name=class_name))
    return s


@pytest.mark.parametrize("query", [
    "zoë", "ZOË", "Zoë Testkind", "testkind zoë", "  zoë   fict  ", "anker", "den anker 2b", "2b", "",
])
def test_search_matches_every_word_in_any_order_ignoring_case(query: str) -> None:
    assert summary_for("Zoë", "Fictief-Testkind").matches(query)


@pytest.mark.parametrize("query", ["zoë jansens", "luchtballon", "3a", "testkindx"])
def test_search_needs_every_word_to_occur(query: str) -> None:
    assert not summary_for("Zoë", "Fictief-Testkind").matches(query)


def test_search_finds_names_with_diacritics_as_typed() -> None:
    summary = summary_for("Çelik", "Fictief Noël", school="Scheppers secundair")
    assert summary.matches("çelik")
    assert summary.matches("noël")
    assert summary.matches("ÇELIK NOËL")


def test_search_does_not_look_at_case_content_other_than_the_list_fields() -> None:
    s = summary_for("Fictief", "Testkind")
    s.apply_entry("r-1", FollowUpNote(occurred_on=dt.date(2025, 1, 1), text="geheimwoord"))
    assert not s.matches("geheimwoord")


def test_profile_fields_are_copied_into_the_summary() -> None:
    s = CaseSummary(case_id="c-1")
    s.apply_profile(CaseProfile(
        first_name="Fictief", last_name="Testkind", birth_date=dt.date(2012, 6, 1), level="lager",
        status="actief", target_groups=["neet"], assigned=[WorkerRef("u-1", "Fictieve Werker")],
        referral=Referral(referred_on=dt.date(2025, 1, 2)),
    ))
    assert (s.full_name, s.level, s.status, s.target_groups) == ("Fictief Testkind", "lager", "actief", ["neet"])
    assert (s.assigned_ids, s.assigned_names) == (["u-1"], ["Fictieve Werker"])
    assert s.referred_on == dt.date(2025, 1, 2)
    assert s.age(dt.date(2025, 6, 1)) == 13


def test_last_contact_and_next_action_follow_entries() -> None:
    s = summary_for("Fictief", "Testkind")
    assert s.last_contact is None and s.next_action is None and s.entry_count == 0
    s.apply_entry("visit", HomeVisit(occurred_on=dt.date(2025, 1, 10), purpose="x", next_step="Bellen",
                                     next_step_on=dt.date(2025, 2, 1)))
    s.apply_entry("call", FamilyContact(occurred_on=dt.date(2025, 1, 20), channel="telefoon", with_whom="x"))
    s.apply_entry("scale", WellbeingScale(occurred_on=dt.date(2025, 1, 15)))
    s.apply_entry("todo", FollowUpNote(occurred_on=dt.date(2025, 1, 5), action="Mail CLB",
                                       due_on=dt.date(2025, 1, 25)))
    s.apply_entry("memo", FollowUpNote(occurred_on=dt.date(2025, 1, 30), text="Alleen tekst"))
    assert s.last_contact == dt.date(2025, 1, 20)  # a note is not a contact
    assert s.next_action == dt.date(2025, 1, 25)
    assert s.entry_count == 5
    # The action is done: the next action is the visit's next step.
    s.apply_entry("todo", FollowUpNote(occurred_on=dt.date(2025, 1, 5), action="Mail CLB",
                                       due_on=dt.date(2025, 1, 25), done=True))
    assert s.next_action == dt.date(2025, 2, 1)
    # The contact is deleted: last contact falls back to the scale.
    s.apply_entry("call", None)
    assert s.last_contact == dt.date(2025, 1, 15)
    assert s.entry_count == 4


def test_an_open_action_without_due_date_counts_from_the_day_it_was_written() -> None:
    s = summary_for("Fictief", "Testkind")
    s.apply_entry("todo", FollowUpNote(occurred_on=dt.date(2025, 1, 5), action="Bel de school"))
    assert s.next_action == dt.date(2025, 1, 5)
