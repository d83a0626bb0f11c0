"""Records are stored as JSON: every kind must come back exactly as written, and a record written by an
older or newer version of the app (missing or extra keys) must still open."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from leerrecht_desktop.models.case import CaseProfile, Consent, Contact, Referral, WorkerRef
from leerrecht_desktop.models.codec import from_dict, to_dict
from leerrecht_desktop.models.entries import (
    FamilyContact,
    FollowUpNote,
    HomeVisit,
    SupportMeasure,
    WellbeingScale,
)
from leerrecht_desktop.models.enums import Kind
from leerrecht_desktop.models.records import Content, decode, encode, kind_of
from leerrecht_desktop.models.summary import CaseSummary, Contribution

DAY = dt.date(2025, 2, 17)


def full_examples() -> list[Content]:
    """One of each kind with every field set to something other than its default."""
    return [
        CaseProfile(
            first_name="Fictieve", last_name="Zoë Testkind-Çelik", birth_date=dt.date(2012, 2, 29), gender="v",
            school="Scheppers secundair", level="graad1", class_name="1A", home_language="Turks (fictief)",
            address="Fictiefstraat 1, 2800 Mechelen",
            contacts=[Contact("Fictieve Moeder", "moeder", "0470 00 00 01"), Contact("Fictieve Oom", "oom", "")],
            network="CLB (fictief)",
            referral=Referral("clb", dt.date(2025, 1, 2), "Fictieve CLB-medewerker",
                              "Veel afwezig; \"citaat\" met aanhalingstekens\nen een nieuwe regel."),
            target_groups=["spijbelaar", "neet"], life_domains=["school", "financien"], status="afgesloten",
            closed_reason="doorverwezen", assigned=[WorkerRef("u-1", "Fictieve Werker")],
            consent=Consent(True, dt.date(2025, 1, 3), "Fictieve Werker"),
        ),
        HomeVisit(occurred_on=DAY, author_id="u-1", author_name="Fictieve Werker", start_time="16:30",
                  duration_minutes=50, location="thuis", present="Fictieve Moeder", purpose="Kennismaking",
                  observations="Fictieve observatie 😀", agreements="Samen naar het CLB", next_step="Bellen",
                  next_step_on=DAY + dt.timedelta(days=7), referrals=["CLB", "Sociaal Huis"]),
        FamilyContact(occurred_on=DAY, author_id="u-1", author_name="Fictieve Werker", channel="schoolpoort",
                      with_whom="Fictieve Vader", topics=["gezin", "huisvesting"], referrals=["CAW/JAC"],
                      notes="Fictieve notitie"),
        WellbeingScale(occurred_on=DAY, author_id="u-1", author_name="Fictieve Werker", place="thuis", age=13,
                       gender="a", answers={f"q{i}": (i % 5) + 1 for i in range(1, 9)}, questionnaire_version=1,
                       filled_in_by="werker"),
        FollowUpNote(occurred_on=DAY, author_id="u-1", author_name="Fictieve Werker", text="Fictief",
                     action="Afspraak maken", action_owner="Fictieve Collega", due_on=DAY, done=True),
        SupportMeasure(occurred_on=DAY, author_id="u-1", author_name="Fictieve Werker", measure="schoolrekening",
                       level="lager", note="Fictieve factuur"),
    ]


@pytest.mark.parametrize("content", full_examples(), ids=lambda c: kind_of(c).value)
def test_every_kind_round_trips_through_json(content: Content) -> None:
    kind = kind_of(content)
    stored = json.dumps(encode(content), ensure_ascii=False)
    back = decode(kind, json.loads(stored))
    assert back == content
    assert type(back) is type(content)


@pytest.mark.parametrize("content", full_examples(), ids=lambda c: kind_of(c).value)
def test_unknown_keys_from_a_newer_app_are_ignored(content: Content) -> None:
    payload = encode(content)
    payload["veld_van_een_latere_versie"] = {"genest": [1, 2, 3]}
    assert decode(kind_of(content), payload) == content


@pytest.mark.parametrize("content", full_examples(), ids=lambda c: kind_of(c).value)
def test_missing_keys_from_an_older_app_take_their_defaults(content: Content) -> None:
    kind = kind_of(content)
    blank = type(content)()
    full = encode(content)
    for dropped in full:  # each key in turn: it takes its default, every other field survives
        payload = {k: v for k, v in full.items() if k != dropped}
        back = decode(kind, payload)
        if dropped != "occurred_on":  # its default is "today", which a fixed example can't pin
            assert getattr(back, dropped) == getattr(blank, dropped), dropped
        for name in payload:
            assert getattr(back, name) == getattr(content, name), name


def test_an_empty_payload_opens_as_a_blank_record() -> None:
    assert decode(Kind.CASE, {}) == CaseProfile()
    assert decode(Kind.NOTE, {"occurred_on": DAY.isoformat()}) == FollowUpNote(occurred_on=DAY)


def test_nested_structures_default_when_missing_and_ignore_unknown_keys() -> None:
    profile = from_dict(CaseProfile, {
        "first_name": "Fictief",
        "referral": {"source": "school", "onbekend": 1},
        "contacts": [{"name": "Fictieve Buur", "fax": "0"}],
        "consent": None,
    })
    assert profile.referral == Referral(source="school")
    assert profile.contacts == [Contact(name="Fictieve Buur")]
    assert profile.consent == Consent()
    assert profile.last_name == "" and profile.target_groups == []


def test_dates_are_iso_strings_in_json_and_none_stays_none() -> None:
    note = FollowUpNote(occurred_on=DAY, text="Fictief")
    payload = encode(note)
    assert payload["occurred_on"] == "2025-02-17"
    assert payload["due_on"] is None
    assert decode(Kind.NOTE, payload) == note


def test_summary_round_trips_with_its_entry_contributions() -> None:
    summary = CaseSummary(
        case_id="c-1", first_name="Fictief", last_name="Testkind", birth_date=DAY,
        entries={"r-1": Contribution("note", None, DAY), "r-2": Contribution("home_visit", DAY, None)},
    )
    assert from_dict(CaseSummary, json.loads(json.dumps(to_dict(summary)))) == summary
