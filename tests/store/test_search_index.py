"""Search over all text (issue 14): the in-memory index of every head entry, read from a real data
folder. Every name and note here is fictitious; the words searched for carry a random tag so that a
look through the folder's bytes can't be fooled by a coincidence."""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
import uuid
from pathlib import Path

import pytest

from leerrecht_desktop.models.enums import Kind
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.errors import Locked
from leerrecht_desktop.store.search_index import (
    IndexBuild,
    SearchIndex,
    changed_cases,
    head_fingerprints,
    read_cases,
    snippet,
)
from tests.kits.storekit import (
    DAY,
    family_contact,
    fictitious_profile,
    files_containing,
    flip_byte,
    home_visit,
    note,
    raw_execute,
    raw_query,
    text_forms,
    wellbeing,
)


def tag() -> str:
    return uuid.uuid4().hex[:8]


def indexed(case_files: CaseFiles) -> SearchIndex:
    """The whole folder indexed, the way the window does it (a batch at a time)."""
    index = SearchIndex()
    ids = [s.case_id for s in case_files.summaries()]
    build = IndexBuild.of(ids)
    while not build.idle:
        batch = build.next_batch(size=2)
        texts = read_cases(case_files, batch)
        index.put(texts)
        build.landed(batch, texts.keys())
    assert not build.building and build.done == len(ids)
    return index


def new_case(case_files: CaseFiles) -> str:
    return case_files.create_case(fictitious_profile(), today=DAY).case_id


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# -- finding -------------------------------------------------------------------------------------------


def test_a_word_only_in_a_note_finds_its_case_and_no_other(case_files: CaseFiles) -> None:
    word = f"bibliotheek{tag()}"
    wanted = new_case(case_files)
    other = new_case(case_files)
    record = case_files.save(wanted, note(f"Samen naar de {word} geweest om boeken te lenen."), today=DAY)
    case_files.save(other, note("Gewoon een fictieve notitie."), today=DAY)
    summary = case_files.summary(wanted)
    assert not summary.matches(word)  # the case list's own search can't see it

    hits = indexed(case_files).search(word)

    assert list(hits) == [wanted]
    hit = hits[wanted]
    assert (hit.record_id, hit.kind, hit.on, hit.field_name) == (record.record_id, Kind.NOTE, DAY, "text")
    assert word in hit.snippet


def test_case_and_accents_do_not_matter_either_way(case_files: CaseFiles) -> None:
    t = tag()
    case_id = new_case(case_files)
    case_files.save(case_id, family_contact(notes=f"Léna{t} kwam met haar Oma{t} naar de schoolpoort."), today=DAY)
    index = indexed(case_files)
    for query in (f"lena{t}", f"LÉNA{t}", f"léna{t} oma{t}", f"OMA{t}"):
        assert list(index.search(query)) == [case_id], query

    plain = new_case(case_files)
    case_files.save(plain, note(f"Zoe{t} en Francois{t} waren erbij."), today=DAY)
    index = indexed(case_files)
    assert list(index.search(f"zoë{t} françois{t}")) == [plain]


def test_every_word_must_occur_somewhere_in_the_case(case_files: CaseFiles) -> None:
    t = tag()
    case_id = new_case(case_files)
    case_files.save(case_id, note(f"Over de fiets{t} gesproken."), today=DAY)
    visit = case_files.save(case_id, home_visit(observations=f"De kamer{t} is klein.",
                                                occurred_on=DAY - dt.timedelta(days=3)), today=DAY)
    index = indexed(case_files)

    assert list(index.search(f"fiets{t} kamer{t}")) == [case_id]  # in two entries: still the case
    assert index.search(f"fiets{t} zolder{t}") == {}
    hit = index.search(f"kamer{t} klein")[case_id]  # both in the visit: that entry, even though older
    assert (hit.record_id, hit.field_name, hit.all_words) == (visit.record_id, "observations", True)


def test_the_newest_entry_holding_every_word_is_the_hit(case_files: CaseFiles) -> None:
    t = tag()
    case_id = new_case(case_files)
    case_files.save(case_id, note(f"Oud: wekker{t} gekocht.", occurred_on=DAY - dt.timedelta(days=30)), today=DAY)
    newest = case_files.save(case_id, note(f"Nieuw: de wekker{t} werkt.", occurred_on=DAY), today=DAY)
    case_files.save(case_id, note("Iets anders.", occurred_on=DAY - dt.timedelta(days=1)), today=DAY)

    hit = indexed(case_files).search(f"wekker{t}")[case_id]

    assert hit.record_id == newest.record_id
    assert hit.snippet == f"Nieuw: de wekker{t} werkt."


def test_every_kind_of_entry_and_the_profile_are_searched(case_files: CaseFiles) -> None:
    t = tag()
    case_id = new_case(case_files)
    profile = case_files.load_case(case_id).profile
    case_files.save(case_id, home_visit(agreements=f"afspraak{t}"), today=DAY)
    case_files.save(case_id, family_contact(with_whom=f"tante{t}"), today=DAY)
    case_files.save(case_id, note(action=f"bellen{t}", text="", action_owner=f"eigenaar{t}"), today=DAY)
    case_files.save(case_id, wellbeing(), today=DAY)
    index = indexed(case_files)

    found = {word: (hit.kind, hit.field_name) for word in (f"afspraak{t}", f"tante{t}", f"bellen{t}",
                                                             f"eigenaar{t}")
             for hit in [index.search(word)[case_id]]}
    assert found == {f"afspraak{t}": (Kind.HOME_VISIT, "agreements"), f"tante{t}": (Kind.FAMILY_CONTACT, "with_whom"),
                     f"bellen{t}": (Kind.NOTE, "action"), f"eigenaar{t}": (Kind.NOTE, "action_owner")}
    # Picked from a list: searched by its label. The wellbeing scale's place, the contact's channel.
    assert index.search("telefoon")[case_id].field_name == "channel"
    # The profile: a contact person's name and the referral's concern.
    contact = index.search("Fictieve Ouder")[case_id]
    assert (contact.kind, contact.record_id, contact.field_name) == (Kind.CASE, profile.record_id, "contacts")
    assert index.search("fictieve zorg")[case_id].field_name == "concern"


def test_the_snippet_shows_the_words_around_the_match_as_written() -> None:
    text = ("In het begin van het gesprek was er veel spanning in huis, maar daarna vertelde Léna rustig "
            "hoe het op school gaat en wat ze graag zou veranderen aan haar week.")
    shown = snippet(text, "lena")
    assert "Léna" in shown
    assert shown.startswith("…") and shown.endswith("…")
    assert len(shown) < len(text)
    assert snippet("Straße 12", "strasse") == "Straße 12"
    assert snippet("kort", "") == "kort"


def test_a_refined_query_gives_what_a_fresh_search_gives(case_files: CaseFiles) -> None:
    t = tag()
    ids = [new_case(case_files) for _ in range(3)]
    case_files.save(ids[0], note(f"schoolpoort{t} met papa"), today=DAY)
    case_files.save(ids[1], note(f"schoolbus{t}"), today=DAY)
    case_files.save(ids[2], note(f"schoolpoort{t} met mama"), today=DAY)
    index = indexed(case_files)
    typed = f"schoolpoort{t} mama"
    results = [set(index.search(typed[: i + 1])) for i in range(len(typed))]
    fresh = SearchIndex()
    fresh.put(read_cases(case_files, ids))
    assert results[-1] == set(fresh.search(typed)) == {ids[2]}
    assert set(index.search("school")) == set(ids)  # shorter again: not limited by the last result


# -- keeping current -----------------------------------------------------------------------------------


def test_after_an_edit_or_a_delete_the_index_follows(case_files: CaseFiles) -> None:
    t = tag()
    case_id = new_case(case_files)
    record = case_files.save(case_id, note(f"eerste{t}"), today=DAY)
    index = indexed(case_files)
    assert case_id in index.search(f"eerste{t}")

    case_files.save(case_id, note(f"tweede{t}"), record_id=record.record_id, today=DAY)
    index.put(read_cases(case_files, [case_id]))  # what the window does after store_changed([case_id])
    assert index.search(f"eerste{t}") == {}
    assert index.search(f"tweede{t}")[case_id].record_id == record.record_id

    case_files.delete_entry(case_id, record.record_id)
    index.put(read_cases(case_files, [case_id]))
    assert index.search(f"tweede{t}") == {}


def test_an_erased_case_vanishes_from_the_index(case_files: CaseFiles) -> None:
    t = tag()
    case_id = new_case(case_files)
    case_files.save(case_id, note(f"gewist{t}"), today=DAY)
    index = indexed(case_files)
    assert case_id in index.search(f"gewist{t}")

    case_files.erase_case(case_id)
    texts = read_cases(case_files, [case_id])

    assert texts == {case_id: None}
    index.put(texts)
    assert index.search(f"gewist{t}") == {}
    assert case_id not in index


def test_only_the_cases_whose_heads_changed_are_read_again(case_files: CaseFiles) -> None:
    """After a sync round that pulled (a write naming no case), the window compares head revisions."""
    same, edited, erased = (new_case(case_files) for _ in range(3))
    index = indexed(case_files)
    assert changed_cases(index, head_fingerprints(case_files)) == set()

    case_files.save(edited, note("nieuw"), today=DAY)
    case_files.erase_case(erased)
    added = new_case(case_files)

    assert changed_cases(index, head_fingerprints(case_files)) == {edited, erased, added}
    assert same not in changed_cases(index, head_fingerprints(case_files))


def test_a_record_that_fails_its_check_is_left_out_and_the_rest_is_searched(case_files: CaseFiles) -> None:
    t = tag()
    case_id = new_case(case_files)
    bad = case_files.save(case_id, note(f"vervalst{t}"), today=DAY)
    case_files.save(case_id, note(f"echt{t}"), today=DAY)
    [(ciphertext,)] = raw_query(case_files.workspace.data_dir,
                                "SELECT ciphertext FROM records WHERE record_id = ? AND is_head = 1", (bad.record_id,))
    raw_execute(case_files.workspace.data_dir, "UPDATE records SET ciphertext = ? WHERE record_id = ?",
                (flip_byte(ciphertext, 3), bad.record_id))

    index = indexed(case_files)

    assert index.search(f"vervalst{t}") == {}
    assert case_id in index.search(f"echt{t}")


# -- building in batches -------------------------------------------------------------------------------


def test_a_batch_with_a_time_budget_reads_at_least_one_case_and_the_rest_is_queued_again(
        case_files: CaseFiles) -> None:
    ids = [new_case(case_files) for _ in range(4)]
    build = IndexBuild.of(ids)
    batch = build.next_batch(size=3)
    texts = read_cases(case_files, batch, seconds=0)  # past its time at once: one case
    assert list(texts) == ids[:1]
    build.landed(batch, texts.keys())
    assert (build.done, build.total, build.building) == (1, 4, True)
    assert build.next_batch(size=10) == ids[1:]  # the unread two first, then the one never asked


def test_a_changed_case_is_read_next_also_when_it_is_being_read_now() -> None:
    build = IndexBuild.of(["a", "b", "c", "d"])
    batch = build.next_batch(size=2)
    assert batch == ["a", "b"]
    build.want(["d", "a"])  # a write touched "a" while it is read: read it again, before "c"
    build.landed(batch)
    assert build.done == 2
    assert build.next_batch(size=10) == ["d", "a", "c"]
    build.landed(["d", "a", "c"])
    assert build.idle and not build.building and build.done == 4


def test_reading_after_lock_is_refused_and_clearing_forgets_everything(case_files: CaseFiles) -> None:
    t = tag()
    case_id = new_case(case_files)
    case_files.save(case_id, note(f"slot{t}"), today=DAY)
    index = indexed(case_files)
    index.clear()
    assert len(index) == 0 and index.search(f"slot{t}") == {}
    case_files.lock()
    with pytest.raises(Locked):
        read_cases(case_files, [case_id])


# -- nothing on disk -----------------------------------------------------------------------------------


def test_the_index_writes_nothing_to_the_data_folder_the_log_or_temporary_files(
        case_files: CaseFiles, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    word = f"Geheimwoord{tag()}"
    case_id = new_case(case_files)
    case_files.save(case_id, note(f"Alleen hier staat {word} in de notitie."), today=DAY)
    case_files.checkpoint()
    folder = case_files.workspace.data_dir
    before = snapshot(folder)
    temp = tmp_path / "tijdelijk"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    caplog.set_level(logging.DEBUG)

    index = indexed(case_files)
    hit = index.search(word.lower())[case_id]
    assert word in hit.snippet
    index.put(read_cases(case_files, [case_id]))
    changed_cases(index, head_fingerprints(case_files))

    assert snapshot(folder) == before  # no file added, none changed
    assert files_containing(folder, text_forms(word)) == []  # and the word stands in none of them
    assert list(temp.iterdir()) == []
    assert not [r for r in caplog.records if word.casefold() in r.getMessage().casefold()]
