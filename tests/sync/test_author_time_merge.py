"""The author's save time in a sealed payload (`_saved_at`, issue 13 item 1) is never content for the
three-way merge: two revisions saved at different moments never conflict on it, the merge result
carries none, and the merged revision, saved as a new revision, gets its own time. The pure merge
first, then two laptops editing one note offline through a real `leerrecht-server` process."""

from __future__ import annotations

import datetime as dt
from typing import Any

from leerrecht_desktop.models.entries import FollowUpNote
from leerrecht_desktop.models.records import SAVED_AT_KEY, encode, with_saved_at
from leerrecht_desktop.store.syncstore import SyncStore
from leerrecht_desktop.sync.merge import merge, merge_deleted
from tests.kits.synckit import DAY, Laptop, ServerProcess, make_case

MONDAY = "2025-02-03T09:00:00.000+00:00"
TUESDAY = "2025-02-04T15:30:00.000+00:00"


def _note(text: str, action: str = "") -> dict[str, Any]:
    return encode(FollowUpNote(occurred_on=DAY, text=text, action=action))


def test_the_same_content_saved_at_two_moments_merges_without_a_conflict_even_without_a_base() -> None:
    # Without a base every key where the sides differ would be a conflict: the time is not a key of them.
    mine, theirs = with_saved_at(_note("Fictieve notitie"), MONDAY), with_saved_at(_note("Fictieve notitie"), TUESDAY)
    result = merge(None, mine, theirs)
    assert result.conflicts == ()
    assert result.merged == _note("Fictieve notitie")


def test_edits_on_both_sides_conflict_on_their_fields_only_and_the_result_carries_no_time() -> None:
    base = with_saved_at(_note("Fictieve notitie"), MONDAY)
    mine = with_saved_at(_note("Fictieve notitie, mijn versie", action="Fictief bellen"), TUESDAY)
    theirs = with_saved_at(_note("Fictieve notitie, hun versie"), "2025-02-04T16:00:00.000+00:00")
    result = merge(base, mine, theirs, between=[with_saved_at(_note("Fictieve notitie"), MONDAY)])
    assert result.conflict_paths == ("text",)
    assert SAVED_AT_KEY not in result.merged and result.merged["action"] == "Fictief bellen"


def test_an_edit_against_a_deletion_keeps_the_edit_without_a_time() -> None:
    base = with_saved_at(_note("Fictieve notitie"), MONDAY)
    edited = with_saved_at(_note("Fictieve notitie, aangevuld"), TUESDAY)
    deleted, result = merge_deleted(base, False, edited, True, with_saved_at({}, TUESDAY))
    assert not deleted and result is not None
    assert result.conflict_paths == ("",) and SAVED_AT_KEY not in result.merged
    # A deletion against a revision that changed nothing but its time is a plain deletion.
    deleted, result = merge_deleted(base, True, None, False, with_saved_at(_note("Fictieve notitie"), TUESDAY))
    assert deleted and result is None


def _revisions(laptop: Laptop, case_id: str, record_id: str) -> list[tuple[int, str, str, str]]:
    exported = laptop.case_files.export(case_ids=[case_id])
    return [(rev["revision"], rev["saved_at"], rev["saved_at_source"], rev["author_id"])
            for case in exported["cases"] for record in case["records"] if record["record_id"] == record_id
            for rev in record["revisions"]]


def test_a_merged_revision_gets_its_own_time_and_no_conflict_on_it(server: ServerProcess,
                                                                    pair: tuple[Laptop, Laptop]) -> None:
    w1, coord = pair
    case_id = make_case(w1.case_files, notes=1)
    assert w1.sync().errors == [] and coord.sync().errors == []
    [shared] = w1.case_files.load_case(case_id).entries
    # Both edit the note offline, different fields: the merge takes both.
    w1.case_files.save(case_id, FollowUpNote(occurred_on=DAY, text="Fictieve notitie, door de werker aangevuld"),
                       record_id=shared.record_id, today=DAY)
    mine = coord.case_files.save(case_id, FollowUpNote(occurred_on=DAY, text=shared.content.text,  # type: ignore[union-attr]
                                                       action="Fictief de school bellen"),
                                 record_id=shared.record_id, today=DAY)
    assert w1.sync().errors == []
    report = coord.sync()
    assert report.errors == [] and report.conflicts == 0
    assert SyncStore(coord.case_files).conflicts(case_id) == []

    merged = coord.case_files.load_case(case_id).entries[0]
    assert isinstance(merged.content, FollowUpNote)
    assert (merged.content.text, merged.content.action) == ("Fictieve notitie, door de werker aangevuld",
                                                            "Fictief de school bellen")
    history = _revisions(coord, case_id, shared.record_id)
    assert [(rev, source, author) for rev, _t, source, author in history] == [
        (1, "author", w1.user_id), (2, "author", w1.user_id), (3, "author", coord.user_id)]
    worker_time = dt.datetime.fromisoformat(history[1][1])
    merged_time = dt.datetime.fromisoformat(history[2][1])
    assert merged.saved_at == merged_time and merged_time > max(worker_time, mine.saved_at)

    assert w1.sync().errors == []
    assert _revisions(w1, case_id, shared.record_id) == history
