"""The case profile form: what a field worker is told when something is missing or wrong.

Every name here is fictitious (the "Fictief"/"Testkind" markers make that obvious)."""

from __future__ import annotations

import datetime as dt

import pytest

from leerrecht_desktop.models.case import CaseProfile, Consent, Contact, Referral, age_on
from leerrecht_desktop.models.enums import CaseStatus
from leerrecht_desktop.models.validation import ValidationError

TODAY = dt.date(2025, 3, 14)


def valid_profile(**changes: object) -> CaseProfile:
    profile = CaseProfile(
        first_name="Fictief", last_name="Testkind", birth_date=dt.date(2011, 5, 2), gender="x",
        school="Den Anker", level="graad1", class_name="1B",
        contacts=[Contact(name="Fictieve Ouder", relation="moeder", phone="0470 12 34 56")],
        referral=Referral(source="clb", referred_on=dt.date(2025, 1, 10), concern="Veel afwezig (fictief)."),
        target_groups=["spijbelaar"], life_domains=["school", "gezin"],
        consent=Consent(given=True, on=dt.date(2025, 1, 12), recorded_by="Fictieve Werker"),
    )
    for name, value in changes.items():
        setattr(profile, name, value)
    return profile


def errors_of(profile: CaseProfile) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        profile.validate(TODAY)
    return caught.value


def test_a_complete_profile_passes() -> None:
    valid_profile().validate(TODAY)


def test_both_names_are_required_and_both_are_reported_at_once() -> None:
    err = errors_of(valid_profile(first_name="  ", last_name=""))
    assert err.for_field("first_name") == "Vul de voornaam van de jongere in."
    assert err.for_field("last_name") == "Vul de familienaam van de jongere in."
    # One exception carries every problem, so the form can mark all fields in one go.
    assert {e.field for e in err.errors} == {"first_name", "last_name"}
    assert "Vul de voornaam" in str(err) and "Vul de familienaam" in str(err)


def test_birth_date_in_the_future_is_refused() -> None:
    err = errors_of(valid_profile(birth_date=TODAY + dt.timedelta(days=1)))
    assert err.for_field("birth_date") == "De geboortedatum ligt in de toekomst. Kijk de datum na."


def test_birth_date_today_is_accepted() -> None:
    valid_profile(birth_date=TODAY).validate(TODAY)


def test_birth_date_making_the_young_person_older_than_30_is_refused() -> None:
    err = errors_of(valid_profile(birth_date=dt.date(1990, 1, 1)))
    assert "ouder dan 30" in (err.for_field("birth_date") or "")


@pytest.mark.parametrize(("field_path", "profile"), [
    ("referral.referred_on", valid_profile(referral=Referral(source="clb", referred_on=TODAY + dt.timedelta(days=3)))),
    ("consent.on", valid_profile(consent=Consent(given=True, on=TODAY + dt.timedelta(days=1)))),
])
def test_future_dates_of_referral_and_consent_are_refused(field_path: str, profile: CaseProfile) -> None:
    err = errors_of(profile)
    assert err.for_field(field_path) == "Deze datum ligt in de toekomst. Kies vandaag of een datum ervoor."


def test_closing_a_case_needs_a_reason() -> None:
    err = errors_of(valid_profile(status=CaseStatus.AFGESLOTEN.value, closed_reason=""))
    assert err.for_field("closed_reason") == "Kies waarom het dossier afgesloten wordt."
    valid_profile(status=CaseStatus.AFGESLOTEN.value, closed_reason="doel_bereikt").validate(TODAY)


def test_an_unknown_status_is_refused() -> None:
    err = errors_of(valid_profile(status="gearchiveerd"))
    assert err.for_field("status") == "Kies een waarde uit de lijst."


@pytest.mark.parametrize("phone", ["0470 12 34 56", "+32 470 12.34.56", "015/12.34.56", "0470-123456", ""])
def test_usual_ways_of_writing_a_belgian_phone_number_are_accepted(phone: str) -> None:
    valid_profile(contacts=[Contact(name="Fictieve Oom", phone=phone)]).validate(TODAY)


@pytest.mark.parametrize("phone", ["0470 12 34 5x", "bel via school", "1234", "+32 470 12 34 56 78 90 12 34"])
def test_a_bad_phone_number_is_refused_naming_the_contact(phone: str) -> None:
    err = errors_of(valid_profile(contacts=[Contact(name="Fictieve Tante", phone=phone)]))
    message = err.for_field("contacts.0.phone")
    assert message == (
        "Het telefoonnummer van Fictieve Tante klopt niet: gebruik alleen cijfers, bv. 0470 12 34 56."
    )


def test_a_contact_without_a_name_is_named_by_its_number() -> None:
    err = errors_of(valid_profile(contacts=[
        Contact(name="Fictieve Ouder", phone="0470 12 34 56"), Contact(name="", phone="abc"),
    ]))
    assert err.for_field("contacts.1.name") == "Vul de naam van contactpersoon 2 in."
    assert err.for_field("contacts.1.phone") == (
        "Het telefoonnummer van contactpersoon 2 klopt niet: gebruik alleen cijfers, bv. 0470 12 34 56."
    )
    assert err.for_field("contacts.0.name") is None


@pytest.mark.parametrize(("field_name", "value"), [
    ("level", "universiteit"), ("gender", "q"), ("target_groups", ["spijbelaar", "onbekend"]),
    ("life_domains", ["hobby"]),
])
def test_values_outside_the_pick_lists_are_refused(field_name: str, value: object) -> None:
    err = errors_of(valid_profile(**{field_name: value}))
    assert err.for_field(field_name) == "Kies een waarde uit de lijst."


def test_overlong_fields_are_refused_with_the_limit() -> None:
    err = errors_of(valid_profile(first_name="F" * 201))
    assert err.for_field("first_name") == "Deze tekst is te lang: 201 tekens, maximaal 200. Kort hem in."


def test_age_is_counted_in_completed_years() -> None:
    born = dt.date(2011, 5, 2)
    assert age_on(born, dt.date(2025, 5, 1)) == 13
    assert age_on(born, dt.date(2025, 5, 2)) == 14
    assert age_on(None, TODAY) is None
    assert valid_profile().full_name == "Fictief Testkind"
