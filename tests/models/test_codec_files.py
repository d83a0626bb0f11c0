"""What the app stored before the codec moved to pydantic's TypeAdapter opens unchanged, and what it
stores now is the same bytes. tests/models/data/codec_0_1.json holds the exact plaintext JSON that the
earlier codec gave for fictitious records of every kind and a case summary (what seal_local and seal
encrypt); it was written with that codec and is never regenerated."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from leerrecht_desktop.models.case import CaseProfile, Referral
from leerrecht_desktop.models.codec import from_dict, to_dict
from leerrecht_desktop.models.entries import FollowUpNote, HomeVisit, WellbeingScale
from leerrecht_desktop.models.enums import Kind
from leerrecht_desktop.models.records import Content, decode, encode, kind_of
from leerrecht_desktop.models.summary import CaseSummary, Contribution
from tests.models.test_codec import full_examples

FIXTURE = Path(__file__).parent / "data" / "codec_0_1.json"
DAY = dt.date(2025, 2, 17)
# Fields a kind gained after the fixture was written (with their default values).
ADDED_SINCE: dict[str, dict[str, Any]] = {
    "case": {"history": []},
    # Issue 14's "Te doen": a next step can be ticked off, and a family contact can plan one.
    "home_visit": {"next_step_done": False},
    "family_contact": {"next_step": "", "next_step_on": None, "next_step_done": False},
}
# Fields a nested part of a kind gained since (kind -> field holding the part -> its new fields).
NESTED_ADDED_SINCE: dict[str, dict[str, dict[str, Any]]] = {
    # Issue 15: a consent can point to its scanned form, an attachment of the case.
    "case": {"consent": {"attachment_id": ""}},
}


def fictitious_records() -> list[Content]:
    """Every kind with every field set (test_codec's examples), then blank ones: unset dates, empty lists."""
    return [*full_examples(), CaseProfile(first_name="Fictief", last_name="Leeg"),
            HomeVisit(occurred_on=DAY, author_id="u-2", author_name="Fictieve Collega"),
            FollowUpNote(occurred_on=DAY, text="Fictief, zonder actie")]


def fictitious_summary() -> CaseSummary:
    """A case summary with 30 entry contributions, as the case list keeps it."""
    kinds = [Kind.HOME_VISIT, Kind.FAMILY_CONTACT, Kind.NOTE, Kind.WELLBEING, Kind.SUPPORT]
    return CaseSummary(
        case_id="c-fictief-1", first_name="Fictieve", last_name="Zoë Testkind-Çelik", birth_date=dt.date(2012, 2, 29),
        school="Scheppers secundair", level="graad1", class_name="1A", status="lopend",
        target_groups=["spijbelaar", "neet"], assigned_ids=["u-1", "u-2"],
        assigned_names=["Fictieve Werker", "Fictieve Collega"], referred_on=dt.date(2025, 1, 2),
        entries={f"r-{i:02d}": Contribution(kinds[i % 5].value, DAY + dt.timedelta(days=i) if i % 2 else None,
                                            DAY + dt.timedelta(days=i + 7) if i % 5 == 2 else None)
                 for i in range(30)},
    )


def stored() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return data


def plain(data: Any) -> str:
    # As leerrecht_core.crypto.local.seal_local and crypto.records.seal serialise before encrypting.
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def test_the_fixture_holds_every_record_of_the_examples() -> None:
    assert [r["kind"] for r in stored()["records"]] == [kind_of(c).value for c in fictitious_records()]


@pytest.mark.parametrize("index", range(len(fictitious_records())))
def test_a_record_written_by_the_earlier_codec_opens_with_the_same_values(index: int) -> None:
    item = stored()["records"][index]
    expected = fictitious_records()[index]
    back = decode(Kind(item["kind"]), json.loads(item["plain"]))
    assert type(back) is type(expected)
    assert back == expected
    # And written again, it is the same bytes, but for fields added since, at their defaults (a profile's
    # history, issue 13), which come last: a file saved after the change reads as before.
    written = encode(back)
    defaults = ADDED_SINCE.get(item["kind"], {})
    added = {key: written.pop(key) for key in defaults}
    assert added == defaults
    for part, part_defaults in NESTED_ADDED_SINCE.get(item["kind"], {}).items():
        assert {key: written[part].pop(key) for key in part_defaults} == part_defaults
    assert plain(written) == item["plain"]


def test_a_summary_written_by_the_earlier_codec_opens_with_the_same_values() -> None:
    text = stored()["summary"]
    back = from_dict(CaseSummary, json.loads(text))
    assert back == fictitious_summary()
    assert all(type(c) is Contribution for c in back.entries.values())
    assert plain(to_dict(back)) == text


def test_values_no_version_writes_still_read_as_before() -> None:
    # The forgiving reading of the earlier codec, for payloads it never wrote itself but accepted:
    # null for a text or a list, an empty date, a number as text, a whole number as a float.
    profile = from_dict(CaseProfile, {"first_name": None, "birth_date": "", "target_groups": None,
                                      "referral": {"referred_on": None, "source": 7}, "consent": None})
    assert profile == CaseProfile(referral=Referral(source="7"))
    scale = from_dict(WellbeingScale, {"occurred_on": DAY.isoformat(), "age": "13", "answers": {"q1": 2.0}})
    assert scale == WellbeingScale(occurred_on=DAY, age=13, answers={"q1": 2})
