"""English is available: messages of the core show in English once the language is switched."""

from __future__ import annotations

import datetime as dt

import pytest

from leerrecht_core.i18n import current_language, seconds, set_language, tr
from leerrecht_desktop.models.case import CaseProfile
from leerrecht_desktop.models.catalog import pick_lists, wellbeing_questionnaire
from leerrecht_desktop.models.entries import HomeVisit, WellbeingScale
from leerrecht_desktop.models.enums import Kind, Role
from leerrecht_desktop.models.passphrase import passphrase_problem
from leerrecht_desktop.models.validation import ValidationError

TODAY = dt.date(2025, 3, 14)


def test_dutch_is_the_default() -> None:
    assert current_language() == "nl"
    assert Kind.HOME_VISIT.label == "Huisbezoek"


def test_validation_messages_are_english_after_switching() -> None:
    set_language("en")
    with pytest.raises(ValidationError) as caught:
        CaseProfile(first_name="", last_name="Fictief").validate(TODAY)
    assert caught.value.for_field("first_name") == "Fill in the young person's first name."


def test_placeholders_are_filled_in_the_english_text() -> None:
    set_language("en")
    with pytest.raises(ValidationError) as caught:
        WellbeingScale(occurred_on=TODAY, answers={"q1": 3}).validate(TODAY)
    assert caught.value.for_field("answers") == "Also answer question 2, 3, 4, 5, 6, 7, 8."
    with pytest.raises(ValidationError) as caught:
        HomeVisit(occurred_on=TODAY, start_time="4u", purpose="x").validate(TODAY)
    assert caught.value.for_field("start_time") == "Fill in the time as hh:mm, e.g. 16:30."


def test_labels_pick_lists_questionnaire_and_units_follow_the_language() -> None:
    set_language("en")
    assert Kind.WELLBEING.label == "Wellbeing scale"
    assert Role.COORDINATOR.label == "Coordinator"
    assert pick_lists().label("levels", "graad1") == "Secondary, 1st stage"
    assert wellbeing_questionnaire().items[0].text == "I've been feeling optimistic about the future."
    assert seconds(1) == "1 second" and seconds(4) == "4 seconds"
    assert passphrase_problem("kort") == (
        "Your passphrase is too short: use at least 12 characters. Tip: a short sentence of four words."
    )
    set_language("nl")
    assert seconds(1) == "1 seconde" and seconds(4) == "4 seconden"


def test_a_message_without_translation_falls_back_to_dutch() -> None:
    set_language("en")
    assert tr("Een zin die (nog) niet vertaald is, {n}.", n=2) == "Een zin die (nog) niet vertaald is, 2."


def test_an_unsupported_language_is_refused_and_the_current_one_kept() -> None:
    set_language("en")
    with pytest.raises(ValueError, match="unsupported language"):
        set_language("fr")
    assert current_language() == "en"
