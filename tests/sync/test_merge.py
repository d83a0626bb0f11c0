"""The three-way merge the client runs when the server answers a push with a conflict (DESIGN.md §3),
on examples a field worker would recognise. Properties over random records are in test_merge_properties.py."""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

import pytest

from leerrecht_desktop.models.case import CaseProfile, Consent, Contact, Referral
from leerrecht_desktop.models.entries import FollowUpNote
from leerrecht_desktop.models.enums import Kind
from leerrecht_desktop.models.records import decode, encode
from leerrecht_desktop.sync.merge import (
    MISSING,
    Conflict,
    MergeResult,
    apply_path,
    canonical,
    get_path,
    merge,
    merge_deleted,
    resolve,
    same,
)


def profile() -> dict[str, Any]:
    return encode(
        CaseProfile(
            first_name="Fictieve",
            last_name="Zoë Testkind",
            school="Den Anker",
            contacts=[Contact("Fictieve Moeder", "moeder", "0470 00 00 01")],
            referral=Referral("clb", dt.date(2025, 1, 2), "Fictieve CLB-medewerker", "Veel afwezig"),
            target_groups=["spijbelaar"],
            consent=Consent(True, dt.date(2025, 1, 3), "Fictieve Werker"),
        )
    )


def both_ways(base: dict[str, Any] | None, mine: dict[str, Any], theirs: dict[str, Any]) -> MergeResult:
    """Merge, and check on the way that the other device, merging the same pair, gets the same record."""
    result = merge(base, mine, theirs)
    other = merge(base, theirs, mine)
    assert json.dumps(result.merged) == json.dumps(other.merged)
    assert other.conflicts == tuple(c.swapped() for c in result.conflicts)
    return result


def test_a_field_changed_on_one_side_takes_that_side() -> None:
    base = profile()
    mine = {**base, "school": "De Luchtballon"}
    theirs = {**base, "status": "actief"}
    result = both_ways(base, mine, theirs)
    assert not result.has_conflicts
    assert result.merged == {**base, "school": "De Luchtballon", "status": "actief"}


def test_the_same_change_on_both_sides_is_no_conflict() -> None:
    base = profile()
    mine = {**base, "status": "actief", "school": "De Luchtballon"}
    theirs = {**base, "status": "actief"}
    result = both_ways(base, mine, theirs)
    assert result.conflicts == ()
    assert result.merged == mine


def test_nested_fields_merge_one_by_one() -> None:
    base = profile()
    mine = apply_path(base, "referral.concern", "Veel afwezig, ook in de namiddag")
    theirs = apply_path(base, "referral.source", "school")
    result = both_ways(base, mine, theirs)
    assert not result.has_conflicts
    assert result.merged["referral"] == {
        **base["referral"],
        "concern": "Veel afwezig, ook in de namiddag",
        "source": "school",
    }


def test_a_field_changed_differently_on_both_sides_is_a_conflict_with_a_provisional_value() -> None:
    base = profile()
    mine = apply_path(base, "referral.concern", "Afwezig op maandag")
    theirs = apply_path(apply_path(base, "referral.concern", "Afwezig op vrijdag"), "school", "De Luchtballon")
    result = both_ways(base, mine, theirs)
    assert result.conflicts == (
        Conflict("referral.concern", "Veel afwezig", "Afwezig op maandag", "Afwezig op vrijdag"),
    )
    # "vrijdag" > "maandag", whoever merges.
    assert get_path(result.merged, "referral.concern") == "Afwezig op vrijdag"
    assert result.merged["school"] == "De Luchtballon"
    assert result.conflicts[0].provisional == "Afwezig op vrijdag"


def test_lists_are_one_value() -> None:
    base = profile()
    mine = {**base, "target_groups": ["spijbelaar", "neet"]}
    theirs = {**base, "target_groups": ["spijbelaar", "vsv"]}
    result = both_ways(base, mine, theirs)
    assert result.conflict_paths == ("target_groups",)
    assert result.merged["target_groups"] == ["spijbelaar", "vsv"]  # '"v' sorts after '"n'
    # Changed on one side only, a list simply takes that side, order and all.
    one_side = both_ways(base, base, {**base, "target_groups": ["vsv", "spijbelaar"]})
    assert one_side.merged["target_groups"] == ["vsv", "spijbelaar"]
    assert not one_side.has_conflicts


def test_a_list_of_contacts_edited_on_both_sides_is_one_conflict() -> None:
    base = profile()
    mine = {**base, "contacts": [{**base["contacts"][0], "phone": "0470 00 00 02"}]}
    theirs = {**base, "contacts": [*base["contacts"], {"name": "Fictieve Oom", "relation": "oom", "phone": ""}]}
    result = both_ways(base, mine, theirs)
    assert result.conflict_paths == ("contacts",)
    (conflict,) = result.conflicts
    assert (conflict.base, conflict.mine, conflict.theirs) == (base["contacts"], mine["contacts"], theirs["contacts"])


def test_emptying_a_field_against_an_edit_keeps_the_edit_provisionally() -> None:
    base = profile()
    result = both_ways(base, {**base, "school": ""}, {**base, "school": "Ba Stassart"})
    assert result.merged["school"] == "Ba Stassart"
    assert result.conflict_paths == ("school",)


def test_an_absent_key_is_not_null() -> None:
    base = {"a": 1, "b": 2}
    removed = both_ways(base, {"a": 1}, {"a": 5, "b": 2})
    assert removed.merged == {"a": 5}
    versus_null = both_ways(base, {"a": 1}, {"a": 1, "b": None})
    assert versus_null.conflicts == (Conflict("b", 2, MISSING, None),)
    assert versus_null.merged == {"a": 1, "b": None}  # a value beats a removal


def test_keys_added_on_both_sides() -> None:
    base = {"a": 1}
    result = both_ways(base, {"a": 1, "x": "één", "y": 1}, {"a": 1, "x": "twee", "z": 2})
    assert result.conflicts == (Conflict("x", MISSING, "één", "twee"),)
    assert result.merged == {"a": 1, "x": "één", "y": 1, "z": 2}  # 'é' sorts after 't' by code point
    assert list(result.merged) == ["a", "x", "y", "z"]


def test_true_is_not_one() -> None:
    result = both_ways({"n": 0}, {"n": 1}, {"n": True})
    assert result.conflicts == (Conflict("n", 0, 1, True),)
    assert result.merged["n"] is True  # "true" > "1"
    assert not same(1, True) and not same(1, 1.0) and same([1, "a"], [1, "a"])


def test_a_dict_replaced_by_a_value_on_one_side_and_edited_on_the_other_is_a_conflict() -> None:
    base = {"referral": {"concern": "x", "source": "clb"}}
    mine = {"referral": {"concern": "y", "source": "clb"}}
    theirs = {"referral": None}
    result = both_ways(base, mine, theirs)
    assert result.conflicts == (Conflict("referral", base["referral"], mine["referral"], None),)
    assert result.merged == mine  # "{" > "null"


def test_a_group_added_on_both_sides_merges_field_by_field() -> None:
    base: dict[str, Any] = {"a": 1}
    mine = {"a": 1, "g": {"p": 1, "q": 2}}
    theirs = {"a": 1, "g": {"p": 1, "r": 3}}
    result = both_ways(base, mine, theirs)
    assert not result.has_conflicts
    assert result.merged == {"a": 1, "g": {"p": 1, "q": 2, "r": 3}}


def test_deeply_nested_conflict_path() -> None:
    base = {"a": {"b": {"c": 1, "d": 1}}}
    result = both_ways(base, {"a": {"b": {"c": 2, "d": 1}}}, {"a": {"b": {"c": 3, "d": 4}}})
    assert result.conflicts == (Conflict("a.b.c", 1, 2, 3),)
    assert result.merged == {"a": {"b": {"c": 3, "d": 4}}}


def test_a_dict_with_dotted_keys_is_one_value() -> None:
    # "q.1" would make the path "answers.q.1" ambiguous, so such a dict is not merged field by field.
    base = {"answers": {"q.1": 1, "q.2": 1}}
    result = both_ways(base, {"answers": {"q.1": 2, "q.2": 1}}, {"answers": {"q.1": 1, "q.2": 2}})
    assert result.conflict_paths == ("answers",)
    # The ordinary kind merges answer by answer.
    plain = both_ways(
        {"answers": {"q1": 1, "q2": 1}}, {"answers": {"q1": 2, "q2": 1}}, {"answers": {"q1": 1, "q2": 2}}
    )
    assert plain.merged == {"answers": {"q1": 2, "q2": 2}}


def test_record_field_names_with_a_dot_are_refused() -> None:
    with pytest.raises(ValueError, match="field names"):
        merge({}, {"a.b": 1}, {})
    with pytest.raises(ValueError, match="field names"):
        merge({}, {}, {"": 1})


def test_without_a_base_every_difference_is_a_conflict() -> None:
    mine = {"first_name": "Fictieve", "school": "Den Anker", "referral": {"source": "clb", "concern": "a"}}
    theirs = {"first_name": "Fictieve", "status": "actief", "referral": {"source": "clb", "concern": "b"}}
    result = both_ways(None, mine, theirs)
    assert result.conflict_paths == ("referral.concern", "school", "status")
    assert result.merged == {
        "first_name": "Fictieve",
        "referral": {"concern": "b", "source": "clb"},
        "school": "Den Anker",
        "status": "actief",
    }


def test_key_order_is_the_base_order_then_new_keys_sorted() -> None:
    base = {"z": 1, "a": 1}
    result = both_ways(base, {"a": 2, "z": 1, "n": 1}, {"m": 1, "z": 3, "a": 1})
    assert list(result.merged) == ["z", "a", "m", "n"]
    same_content = both_ways({}, {"g": {"x": 1, "y": 2}}, {"g": {"y": 2, "x": 1}})
    assert same_content.merged == {"g": {"x": 1, "y": 2}}


def test_inputs_are_not_changed_and_the_result_shares_nothing_with_them() -> None:
    base = profile()
    mine = apply_path(base, "referral.concern", "mijn versie")
    theirs = apply_path(base, "referral.concern", "hun versie")
    theirs["contacts"][0]["phone"] = "0470 99 99 99"
    snapshot = copy.deepcopy((base, mine, theirs))
    result = merge(base, mine, theirs)
    result.merged["contacts"][0]["name"] = "gewijzigd"
    result.merged["referral"]["source"] = "gewijzigd"
    assert (base, mine, theirs) == snapshot


def test_a_merged_profile_decodes_as_a_profile() -> None:
    base = profile()
    mine = apply_path(base, "consent.given", False)
    theirs = apply_path(base, "birth_date", "2012-02-29")
    result = both_ways(base, mine, theirs)
    decoded = decode(Kind.CASE, result.merged)
    assert isinstance(decoded, CaseProfile)
    assert decoded.consent.given is False
    assert decoded.birth_date == dt.date(2012, 2, 29)


def test_entries_merge_too() -> None:
    base = encode(FollowUpNote(occurred_on=dt.date(2025, 2, 3), text="Gebeld met mama", action="School bellen"))
    mine = {**base, "done": True}
    theirs = {**base, "text": "Gebeld met mama; komt langs op dinsdag"}
    result = both_ways(base, mine, theirs)
    assert result.merged == {**base, "done": True, "text": "Gebeld met mama; komt langs op dinsdag"}


# resolve / paths


def test_resolve_sets_the_users_choice() -> None:
    base = profile()
    mine = apply_path(base, "referral.concern", "Afwezig op maandag")
    theirs = apply_path(base, "referral.concern", "Afwezig op vrijdag")
    result = merge(base, mine, theirs)
    chosen = resolve(result, "referral.concern", "Afwezig op maandag en vrijdag")
    assert get_path(chosen, "referral.concern") == "Afwezig op maandag en vrijdag"
    assert get_path(result.merged, "referral.concern") == "Afwezig op vrijdag"  # a copy, not in place
    assert resolve(result.merged, "school", MISSING).get("school", MISSING) is MISSING


def test_paths() -> None:
    record: dict[str, Any] = {"a": {"b": 1}, "c": [1]}
    assert get_path(record, "a.b") == 1
    assert get_path(record, "a") == {"b": 1}
    assert get_path(record, "") == record
    assert get_path(record, "a.x") is MISSING
    assert get_path(record, "c.0", default=None) is None  # lists are not walked into
    assert apply_path(record, "x.y.z", 2) == {**record, "x": {"y": {"z": 2}}}
    assert apply_path(record, "a.b", MISSING) == {"a": {}, "c": [1]}
    assert apply_path(record, "x.y", MISSING) == record
    assert apply_path(record, "", {"new": 1}) == {"new": 1}
    with pytest.raises(ValueError, match="not a group"):
        apply_path(record, "c.d", 1)
    with pytest.raises(ValueError, match="whole record"):
        apply_path(record, "", 3)


def test_canonical_order_is_by_code_point() -> None:
    assert canonical(MISSING) == ""
    assert canonical({"b": 1, "a": "é"}) == '{"a": "é", "b": 1}'
    assert canonical("Zoë") > canonical("Zoe")


def test_conflicts_survive_a_round_trip_through_json() -> None:
    for conflict in (Conflict("a.b", MISSING, {"x": [1, "é"]}, None), Conflict("", {"a": 1}, MISSING, {"a": 2})):
        stored = json.loads(json.dumps(conflict.to_dict()))
        assert Conflict.from_dict(stored) == conflict


# deletions


def test_delete_and_delete_is_deleted() -> None:
    assert merge_deleted(profile(), True, None, True, None) == (True, None)


def test_delete_against_no_change_is_deleted() -> None:
    base = profile()
    assert merge_deleted(base, True, None, False, copy.deepcopy(base)) == (True, None)
    assert merge_deleted(base, False, copy.deepcopy(base), True, None) == (True, None)


def test_an_edit_beats_a_concurrent_delete_and_the_delete_is_shown() -> None:
    base = profile()
    edited = {**base, "status": "actief"}
    deleted, result = merge_deleted(base, True, None, False, edited)
    assert deleted is False and result is not None
    assert result.merged == edited
    assert result.conflicts == (Conflict("", base, MISSING, edited),)
    # The other device, merging the same pair the other way round, keeps the same record.
    other_deleted, other = merge_deleted(base, False, edited, True, None)
    assert other_deleted is False and other is not None
    assert other.merged == result.merged
    assert other.conflicts == (Conflict("", base, edited, MISSING),)


def test_without_a_base_a_surviving_record_beats_a_delete() -> None:
    deleted, result = merge_deleted(None, True, None, False, {"a": 1})
    assert deleted is False and result is not None
    assert result.merged == {"a": 1}
    assert result.conflicts == (Conflict("", MISSING, MISSING, {"a": 1}),)


def test_neither_deleted_is_an_ordinary_merge() -> None:
    base = profile()
    deleted, result = merge_deleted(base, False, {**base, "school": "x"}, False, {**base, "status": "actief"})
    assert deleted is False and result == merge(base, {**base, "school": "x"}, {**base, "status": "actief"})
    with pytest.raises(ValueError):
        merge_deleted(base, False, None, False, base)
    with pytest.raises(ValueError):
        merge_deleted(base, True, None, False, None)


def test_an_edit_beats_a_delete_and_keeps_what_the_tombstone_carried() -> None:
    # The deleting device had seen a colleague's edit (school) before deleting; the record comes back
    # with that edit and this device's own, not only with the latter.
    base = profile()
    seen_before_deleting = {**base, "school": "Ba Stassart", "network": "CLB"}
    edited = {**base, "status": "actief", "network": "Sociaal Huis"}
    deleted, result = merge_deleted(base, False, edited, True, seen_before_deleting)
    assert deleted is False and result is not None
    assert result.merged == {**base, "school": "Ba Stassart", "status": "actief", "network": "Sociaal Huis"}
    assert result.conflicts == (
        Conflict("", base, edited, MISSING),
        Conflict("network", "", "Sociaal Huis", "CLB"),
    )
    other_deleted, other = merge_deleted(base, True, seen_before_deleting, False, edited)
    assert other_deleted is False and other is not None
    assert json.dumps(other.merged) == json.dumps(result.merged)
    assert other.conflicts == tuple(c.swapped() for c in result.conflicts)


# merging over several server revisions


def test_a_field_changed_and_changed_back_on_the_server_is_still_a_change() -> None:
    # r0 → r1 (a colleague sets Zoë) → r2 (the same colleague sets it back). This laptop, still on r0, set Zoë.
    r0 = {**profile(), "first_name": "Fictieve"}
    r1 = {**r0, "first_name": "Zoë"}
    r2 = {**r0, "first_name": "Fictieve"}
    mine = {**r0, "first_name": "Zoë"}
    # Against the head alone, the change back looks like no change, and Zoë would silently return:
    assert merge(r0, mine, r2).merged["first_name"] == "Zoë" and not merge(r0, mine, r2).has_conflicts
    # Over the whole history it is a conflict the user sees.
    result = merge(r0, mine, r2, between=[r1])
    assert result.conflicts == (Conflict("first_name", "Fictieve", "Zoë", "Fictieve"),)


def test_history_only_matters_where_this_side_changed_something() -> None:
    r0 = profile()
    r1 = {**r0, "school": "Ba Stassart"}
    r2 = {**r1, "school": "Den Anker", "status": "actief"}
    mine = {**r0, "network": "CLB"}
    result = merge(r0, mine, r2, between=[r1])
    assert not result.has_conflicts
    assert result.merged == {**r2, "network": "CLB"}
    assert merge(r0, mine, r2, between=[r1, r1, r2]) == result


def test_history_in_nested_fields_and_tombstones_without_content() -> None:
    r0 = profile()
    r1 = apply_path(r0, "referral.concern", "tussendoor")
    mine = apply_path(apply_path(r0, "referral.concern", "mijn tekst"), "referral.source", "ouder")
    result = merge(r0, mine, r0, between=[r1])
    assert result.conflict_paths == ("referral.concern",)
    assert get_path(result.merged, "referral.source") == "ouder"
    # A deletion in between whose content is unknown: every field mine changed is a conflict.
    gap = merge(r0, mine, r0, between=[None])
    assert gap.conflict_paths == ("referral.concern", "referral.source")


def test_a_deletion_beats_a_history_that_ended_where_it_began_only_if_nobody_changed_anything() -> None:
    r0 = profile()
    r1 = {**r0, "status": "actief"}
    # Mine deleted; theirs went r0 → r1 → r0: someone edited, so the record stays and the deletion is shown.
    deleted, result = merge_deleted(r0, True, None, False, r0, between=[r1])
    assert deleted is False and result is not None and result.conflict_paths == ("",)
    assert merge_deleted(r0, True, None, False, r0, between=[r0]) == (True, None)


def test_an_empty_tombstone_is_no_content_not_an_emptied_record() -> None:
    base = profile()
    edited = {**base, "status": "actief"}
    empties: tuple[dict[str, Any] | None, ...] = (None, {})
    for empty in empties:
        deleted, result = merge_deleted(base, False, edited, True, empty)
        assert deleted is False and result is not None
        assert result.merged == edited
