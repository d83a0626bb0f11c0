"""The encrypted case store as a field worker uses it: saving, editing, deleting, erasing, drafts, and
what stays on disk."""

from __future__ import annotations

import datetime as dt
import os
import stat
from pathlib import Path

import pytest

from leerrecht_desktop.models.case import CaseProfile
from leerrecht_desktop.models.entries import FollowUpNote
from leerrecht_desktop.models.enums import Kind
from leerrecht_desktop.models.validation import ValidationError
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.database import database_path
from leerrecht_desktop.store.errors import CaseNotFound, Locked
from leerrecht_desktop.store.workspace import Workspace
from tests.kits.storekit import (
    PASSPHRASE,
    content_as,
    family_contact,
    fictitious_profile,
    files_containing,
    home_visit,
    note,
    note_text,
    raw_query,
    text_forms,
    wellbeing,
)

TABLES_WITH_CASE_ID = ("records", "case_keys", "case_index", "drafts", "outbox")


def count(data_dir: Path, table: str, where: str = "1", params: tuple[object, ...] = ()) -> int:
    return int(raw_query(data_dir, f"SELECT COUNT(*) FROM {table} WHERE {where}", params)[0][0])


def table_snapshot(data_dir: Path) -> dict[str, list[tuple[object, ...]]]:
    return {t: raw_query(data_dir, f"SELECT * FROM {t} ORDER BY 1") for t in (*TABLES_WITH_CASE_ID, "vault")}


# -- saving and history --------------------------------------------------------------------------

def test_a_new_case_opens_with_its_profile_and_the_worker_assigned(case_files: CaseFiles) -> None:
    profile = fictitious_profile("a1")
    created = case_files.create_case(profile)
    case = case_files.load_case(created.case_id)
    assert case.content.full_name == "Fictiefvoornaama1 Testkindnaama1"
    assert case.content.contacts[0].name == "Fictieve Ouder a1"
    assert [w.user_id for w in case.content.assigned] == [case_files.user.user_id]
    assert case.entries == [] and case.refused == []
    assert case.summary.full_name == case.content.full_name


def test_each_save_writes_a_new_revision_and_keeps_the_earlier_ones(case_files: CaseFiles, data_dir: Path) -> None:
    case = case_files.create_case(fictitious_profile())
    first = case_files.save(case.case_id, note("Fictief, versie 1"))
    second = case_files.save(case.case_id, note("Fictief, versie 2"), record_id=first.record_id)
    third = case_files.save(case.case_id, note("Fictief, versie 3"), record_id=first.record_id)
    assert (first.revision, second.revision, third.revision) == (1, 2, 3)
    assert second.record_id == third.record_id == first.record_id

    history = case_files.history(first.record_id)
    assert [r.revision for r in history] == [1, 2, 3]
    assert [note_text(r) for r in history] == ["Fictief, versie 1", "Fictief, versie 2", "Fictief, versie 3"]
    # The case shows only the latest revision, once.
    (shown,) = case_files.load_case(case.case_id).entries
    assert (shown.revision, note_text(shown)) == (3, "Fictief, versie 3")
    # One head per record, each revision naming the one it was based on.
    assert raw_query(data_dir, "SELECT revision, base_revision, is_head FROM records WHERE record_id = ? "
                     "ORDER BY revision", (first.record_id,)) == [(1, None, 0), (2, 1, 0), (3, 2, 1)]


def test_editing_the_profile_keeps_its_history_and_updates_the_case_list(case_files: CaseFiles) -> None:
    created = case_files.create_case(fictitious_profile("old"))
    profile = case_files.load_case(created.case_id).content
    profile.first_name = "Hernoemdfictief"
    profile.status = "actief"
    case_files.save(created.case_id, profile, record_id=created.record_id)
    names = [content_as(r, CaseProfile).first_name for r in case_files.history(created.record_id)]
    assert names == ["Fictiefvoornaamold", "Hernoemdfictief"]
    summary = case_files.summary(created.case_id)
    assert summary.first_name == "Hernoemdfictief" and summary.status == "actief"
    assert summary.matches("hernoemdfictief")


def test_entries_come_newest_first_and_by_kind(case_files: CaseFiles) -> None:
    case = case_files.create_case(fictitious_profile())
    early = case_files.save(case.case_id, home_visit(occurred_on=dt.date(2025, 1, 5)))
    late = case_files.save(case.case_id, note(occurred_on=dt.date(2025, 2, 5)))
    middle = case_files.save(case.case_id, wellbeing(occurred_on=dt.date(2025, 1, 20)))
    loaded = case_files.load_case(case.case_id)
    assert [r.record_id for r in loaded.entries] == [late.record_id, middle.record_id, early.record_id]
    assert [r.record_id for r in loaded.of_kind(Kind.WELLBEING)] == [middle.record_id]


def test_a_saved_entry_carries_its_author(case_files: CaseFiles) -> None:
    case = case_files.create_case(fictitious_profile())
    saved = case_files.save(case.case_id, note())
    assert saved.author_id == case_files.user.user_id
    loaded = case_files.load_case(case.case_id).entries[0]
    assert content_as(loaded, FollowUpNote).author_name == "Fictieve Werker"


def test_an_entry_can_not_be_saved_into_another_case_or_as_another_kind(
    case_files: CaseFiles, data_dir: Path
) -> None:
    a = case_files.create_case(fictitious_profile())
    b = case_files.create_case(fictitious_profile())
    entry = case_files.save(a.case_id, note())
    before = table_snapshot(data_dir)
    with pytest.raises(CaseNotFound):
        case_files.save(b.case_id, note("Fictief, verkeerd dossier"), record_id=entry.record_id)
    with pytest.raises(CaseNotFound):
        case_files.save(a.case_id, home_visit(), record_id=entry.record_id)
    assert table_snapshot(data_dir) == before


def test_saving_into_an_unknown_case_is_refused(case_files: CaseFiles) -> None:
    with pytest.raises(CaseNotFound) as caught:
        case_files.save("00000000-0000-4000-8000-000000000000", note())
    assert str(caught.value) == "Dit dossier bestaat niet (meer) op deze laptop."


def test_invalid_content_raises_and_writes_nothing(case_files: CaseFiles, data_dir: Path) -> None:
    case = case_files.create_case(fictitious_profile())
    entry = case_files.save(case.case_id, note())
    before = table_snapshot(data_dir)
    future = dt.date.today() + dt.timedelta(days=2)
    with pytest.raises(ValidationError):
        case_files.save(case.case_id, FollowUpNote(occurred_on=future, text="Fictief"))
    with pytest.raises(ValidationError):
        case_files.save(case.case_id, FollowUpNote(text=""), record_id=entry.record_id)
    with pytest.raises(ValidationError):
        case_files.create_case(CaseProfile(first_name="", last_name=""))
    assert table_snapshot(data_dir) == before
    assert len(case_files.summaries()) == 1
    assert note_text(case_files.load_case(case.case_id).entries[0]) == "Fictieve opvolgnotitie"


# -- deleting ------------------------------------------------------------------------------------------

def test_deleting_an_entry_writes_a_tombstone(case_files: CaseFiles, data_dir: Path) -> None:
    case = case_files.create_case(fictitious_profile())
    kept = case_files.save(case.case_id, note("Fictief, blijft"))
    gone = case_files.save(case.case_id, note("Fictief, versie 1"))
    case_files.save(case.case_id, note("Fictief, versie 2"), record_id=gone.record_id)

    case_files.delete_entry(case.case_id, gone.record_id)

    assert [r.record_id for r in case_files.load_case(case.case_id).entries] == [kept.record_id]
    # The history of what was written stays (for sync and for the record of the work done).
    assert [note_text(r) for r in case_files.history(gone.record_id)] == ["Fictief, versie 1", "Fictief, versie 2"]
    (tomb,) = raw_query(data_dir, "SELECT revision_id, revision, deleted, is_head FROM records "
                        "WHERE record_id = ? AND deleted = 1", (gone.record_id,))
    assert tomb[1:] == (3, 1, 1)
    # The tombstone is queued for sync like any revision.
    assert count(data_dir, "outbox", "revision_id = ?", (tomb[0],)) == 1
    # A fresh session agrees.
    assert gone.record_id not in {r.record_id for r in case_files.workspace.unlock(PASSPHRASE)
                                  .load_case(case.case_id).entries}


def test_the_profile_and_entries_of_other_cases_can_not_be_deleted_as_entries(case_files: CaseFiles) -> None:
    a = case_files.create_case(fictitious_profile())
    b = case_files.create_case(fictitious_profile())
    entry = case_files.save(b.case_id, note())
    with pytest.raises(CaseNotFound):
        case_files.delete_entry(a.case_id, a.record_id)
    with pytest.raises(CaseNotFound):
        case_files.delete_entry(a.case_id, entry.record_id)
    assert len(case_files.load_case(b.case_id).entries) == 1


# -- the outbox -----------------------------------------------------------------------------------------

def test_the_outbox_gets_exactly_one_row_per_saved_revision(case_files: CaseFiles, data_dir: Path) -> None:
    a = case_files.create_case(fictitious_profile())
    b = case_files.create_case(fictitious_profile())
    first = case_files.save(a.case_id, note())
    case_files.save(a.case_id, note("Fictief, bewerkt"), record_id=first.record_id)
    case_files.save(b.case_id, family_contact())
    visit = case_files.save(a.case_id, home_visit())
    case_files.delete_entry(a.case_id, visit.record_id)

    revisions = raw_query(data_dir, "SELECT revision_id, case_id FROM records ORDER BY revision_id")
    queued = raw_query(data_dir, "SELECT revision_id, case_id FROM outbox ORDER BY revision_id")
    assert len(revisions) == 7
    assert queued == revisions
    assert case_files.pending_changes() == 7
    assert raw_query(data_dir, "SELECT DISTINCT state, attempts FROM outbox") == [("pending", 0)]


# -- the case list summary ------------------------------------------------------------------------------

def test_last_contact_and_next_action_follow_edits_and_deletes(case_files: CaseFiles) -> None:
    case = case_files.create_case(fictitious_profile())
    cid = case.case_id
    visit = case_files.save(cid, home_visit(occurred_on=dt.date(2025, 1, 10), next_step="Fictief bellen",
                                            next_step_on=dt.date(2025, 3, 1)))
    call = case_files.save(cid, family_contact(occurred_on=dt.date(2025, 1, 20)))
    todo = case_files.save(cid, note(occurred_on=dt.date(2025, 1, 5), action="Fictieve actie",
                                     due_on=dt.date(2025, 2, 1)))
    s = case_files.summary(cid)
    assert (s.last_contact, s.next_action, s.entry_count) == (dt.date(2025, 1, 20), dt.date(2025, 2, 1), 3)

    case_files.save(cid, note(occurred_on=dt.date(2025, 1, 5), action="Fictieve actie", due_on=dt.date(2025, 2, 1),
                              done=True), record_id=todo.record_id)
    assert case_files.summary(cid).next_action == dt.date(2025, 3, 1)

    case_files.save(cid, family_contact(occurred_on=dt.date(2025, 1, 25)), record_id=call.record_id)
    assert case_files.summary(cid).last_contact == dt.date(2025, 1, 25)

    case_files.delete_entry(cid, call.record_id)
    case_files.delete_entry(cid, visit.record_id)
    s = case_files.summary(cid)
    assert (s.last_contact, s.next_action, s.entry_count) == (None, None, 1)

    # The sealed case list on disk says the same to the next session, without opening any entry.
    fresh = case_files.workspace.unlock(PASSPHRASE)
    (again,) = fresh.summaries()
    assert again == s


def test_every_case_is_in_the_case_list_after_unlock(case_files: CaseFiles) -> None:
    ids = {case_files.create_case(fictitious_profile(f"n{i}")).case_id for i in range(5)}
    fresh = case_files.workspace.unlock(PASSPHRASE)
    summaries = fresh.summaries()
    assert {s.case_id for s in summaries} == ids
    assert [s.case_id for s in summaries if s.matches("fictiefvoornaamn3")] == [
        s.case_id for s in summaries if s.first_name == "Fictiefvoornaamn3"
    ]


# -- batches -----------------------------------------------------------------------------------------

def test_a_batch_keeps_all_its_saves(case_files: CaseFiles, data_dir: Path) -> None:
    with case_files.batch():
        case = case_files.create_case(fictitious_profile())
        for i in range(3):
            case_files.save(case.case_id, note(f"Fictief {i}"))
    assert len(case_files.workspace.unlock(PASSPHRASE).load_case(case.case_id).entries) == 3
    assert count(data_dir, "outbox") == 4


def test_a_batch_rolls_back_everything_on_an_exception(case_files: CaseFiles, data_dir: Path) -> None:
    existing = case_files.create_case(fictitious_profile())
    case_files.save(existing.case_id, note())
    before = table_snapshot(data_dir)
    summaries_before = case_files.summaries()

    with pytest.raises(RuntimeError, match="fictieve fout"), case_files.batch():
        new = case_files.create_case(fictitious_profile())
        case_files.save(new.case_id, note("Fictief, verdwijnt"))
        case_files.save(existing.case_id, home_visit())
        raise RuntimeError("fictieve fout")

    assert table_snapshot(data_dir) == before
    # Neither this session nor the next sees any of it.
    assert case_files.summaries() == summaries_before
    assert len(case_files.load_case(existing.case_id).entries) == 1
    with pytest.raises(CaseNotFound):
        case_files.load_case(new.case_id)
    assert {s.case_id for s in case_files.workspace.unlock(PASSPHRASE).summaries()} == {existing.case_id}


def test_a_batch_stopped_by_invalid_content_keeps_nothing(case_files: CaseFiles, data_dir: Path) -> None:
    case = case_files.create_case(fictitious_profile())
    before = table_snapshot(data_dir)
    with pytest.raises(ValidationError), case_files.batch():
        case_files.save(case.case_id, note("Fictief, geldig"))
        case_files.save(case.case_id, FollowUpNote(text=""))
    assert table_snapshot(data_dir) == before
    assert case_files.summary(case.case_id).entry_count == 0


# -- erasing a case ------------------------------------------------------------------------------------

def test_erasing_a_case_removes_it_and_nothing_else(case_files: CaseFiles, data_dir: Path) -> None:
    doomed = case_files.create_case(fictitious_profile("erase1"))
    kept = case_files.create_case(fictitious_profile("keep1"))
    for cid in (doomed.case_id, kept.case_id):
        entry = case_files.save(cid, note("Fictieve notitie"))
        case_files.save(cid, note("Fictieve notitie, bewerkt"), record_id=entry.record_id)
        case_files.save(cid, home_visit())
        case_files.save_draft(f"draft-{cid}", cid, {"text": "Fictieve kladversie"})
    case_files.save_draft("draft-unattached", None, {"text": "Fictief"})
    kept_before = {t: raw_query(data_dir, f"SELECT * FROM {t} WHERE case_id = ? ORDER BY 1", (kept.case_id,))
                   for t in TABLES_WITH_CASE_ID}

    case_files.erase_case(doomed.case_id)

    for table in TABLES_WITH_CASE_ID:
        assert count(data_dir, table, "case_id = ?", (doomed.case_id,)) == 0, table
        assert raw_query(data_dir, f"SELECT * FROM {table} WHERE case_id = ? ORDER BY 1",
                         (kept.case_id,)) == kept_before[table], table
    assert set(case_files.draft_ids()) == {f"draft-{kept.case_id}", "draft-unattached"}
    with pytest.raises(CaseNotFound):
        case_files.load_case(doomed.case_id)
    for session in (case_files, case_files.workspace.unlock(PASSPHRASE)):
        assert {s.case_id for s in session.summaries()} == {kept.case_id}
        assert len(session.load_case(kept.case_id).entries) == 2
        assert session.load_draft(f"draft-{kept.case_id}") == {"text": "Fictieve kladversie"}


def test_after_erasing_no_file_holds_the_case_in_any_form(
    workspace: Workspace, case_files: CaseFiles, data_dir: Path
) -> None:
    doomed = case_files.create_case(fictitious_profile("gw7q"))
    kept = case_files.create_case(fictitious_profile("kp2z"))
    for cid in (doomed.case_id, kept.case_id):
        for i in range(3):
            case_files.save(cid, note(f"Fictieve notitie {i} " + "x" * 300))
        case_files.save_draft(f"draft-{cid}", cid, {"text": "Fictieve kladversie"})
    sealed = [row[0] for row in raw_query(
        data_dir,
        "SELECT ciphertext FROM records WHERE case_id = :c UNION ALL SELECT signature FROM records WHERE case_id = :c "
        "UNION ALL SELECT ciphertext FROM case_keys WHERE case_id = :c UNION ALL SELECT blob FROM case_index "
        "WHERE case_id = :c UNION ALL SELECT blob FROM drafts WHERE case_id = :c", {"c": doomed.case_id}
    )]
    assert len(sealed) == 4 + 4 + 1 + 1 + 1  # profile and 3 notes, their signatures, case key, index, draft
    # The needles are found before erasing (so the search works)...
    assert files_containing(data_dir, sealed)

    case_files.erase_case(doomed.case_id)

    ids = [doomed.case_id.encode(), f"draft-{doomed.case_id}".encode()]
    names = text_forms("Fictiefvoornaamgw7q") + text_forms("Testkindnaamgw7q") + text_forms("Verzonnenstraat gw7q")
    assert files_containing(data_dir, sealed + ids + names) == []
    workspace.close()  # SQLite's last close folds the write-ahead log into the file: look again
    assert files_containing(data_dir, sealed + ids + names) == []
    assert files_containing(data_dir, [kept.case_id.encode()])  # the search still finds what remains


# -- drafts ----------------------------------------------------------------------------------------------

def test_drafts_are_sealed_kept_per_case_and_never_queued_for_sync(case_files: CaseFiles, data_dir: Path) -> None:
    case = case_files.create_case(fictitious_profile())
    outbox_before = count(data_dir, "outbox")
    case_files.save_draft("d-visit", case.case_id, {"observations": "Fictieve halve zin Qz9"})
    case_files.save_draft("d-visit", case.case_id, {"observations": "Fictieve hele zin Qz9."})
    case_files.save_draft("d-new", None, {"first_name": "Fictief"})
    assert count(data_dir, "outbox") == outbox_before
    assert files_containing(data_dir, text_forms("Fictieve hele zin Qz9")) == []
    fresh = case_files.workspace.unlock(PASSPHRASE)
    assert fresh.load_draft("d-visit") == {"observations": "Fictieve hele zin Qz9."}
    assert fresh.draft_ids(case.case_id) == ["d-visit"]
    assert set(fresh.draft_ids()) == {"d-visit", "d-new"}
    fresh.discard_draft("d-visit")
    assert fresh.load_draft("d-visit") is None
    assert fresh.draft_ids(case.case_id) == []


# -- what is on disk ---------------------------------------------------------------------------------

def test_no_name_note_or_address_is_in_plaintext_on_disk(
    workspace: Workspace, case_files: CaseFiles, data_dir: Path
) -> None:
    profile = fictitious_profile("pl4n")
    case = case_files.create_case(profile)
    case_files.save(case.case_id, home_visit(observations="Fictieve observatie Wq3xk"))
    case_files.save(case.case_id, note("Fictieve notitie Jv8mz"))
    case_files.save(case.case_id, family_contact(with_whom="Fictieve Grootmoeder Rr5t"))
    secrets = [profile.first_name, profile.last_name, profile.address, profile.contacts[0].name,
               profile.referral.concern, "Fictieve observatie Wq3xk", "Fictieve notitie Jv8mz",
               "Fictieve Grootmoeder Rr5t", "Fictieve Werker", "Team Noord"]
    needles = [form for s in secrets for form in text_forms(s)]
    assert files_containing(data_dir, needles) == []
    workspace.close()
    assert files_containing(data_dir, needles) == []


def test_the_data_folder_and_database_are_private(case_files: CaseFiles, data_dir: Path) -> None:
    case_files.create_case(fictitious_profile())
    assert stat.S_IMODE(os.stat(data_dir).st_mode) == 0o700
    db = database_path(data_dir)
    for path in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        if path.exists():
            assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path.name


def test_the_database_is_private_even_with_a_permissive_umask(tmp_path: Path) -> None:
    old = os.umask(0o000)
    try:
        ws = Workspace(tmp_path / "open", create=True)
        ws.close()
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "open").st_mode) == 0o700
    assert stat.S_IMODE(os.stat(database_path(tmp_path / "open")).st_mode) == 0o600


# -- locking --------------------------------------------------------------------------------------

def test_a_locked_session_opens_nothing(case_files: CaseFiles) -> None:
    case = case_files.create_case(fictitious_profile())
    entry = case_files.save(case.case_id, note())
    case_files.save_draft("d-1", case.case_id, {"text": "Fictief"})
    case_files.lock()
    assert case_files.is_locked
    for attempt in (
        lambda: case_files.load_case(case.case_id), case_files.summaries,
        lambda: case_files.history(entry.record_id), lambda: case_files.load_draft("d-1"),
        lambda: case_files.save(case.case_id, note()),
    ):
        with pytest.raises(Locked) as caught:
            attempt()
        assert str(caught.value) == "Leerrecht is vergrendeld. Ontgrendel met je wachtwoordzin."
    assert len(case_files.workspace.unlock(PASSPHRASE).load_case(case.case_id).entries) == 1


def test_deleting_an_entry_twice_is_refused_and_queues_one_tombstone(case_files: CaseFiles) -> None:
    case = case_files.create_case(fictitious_profile())
    entry = case_files.save(case.case_id, note())
    case_files.delete_entry(case.case_id, entry.record_id)
    queued = case_files.pending_changes()
    with pytest.raises(CaseNotFound):
        case_files.delete_entry(case.case_id, entry.record_id)
    assert case_files.pending_changes() == queued


def test_drafts_and_erasing_work_inside_a_batch(case_files: CaseFiles) -> None:
    keep = case_files.create_case(fictitious_profile())
    gone = case_files.create_case(fictitious_profile())
    with case_files.batch():
        case_files.save_draft("new:note:" + keep.case_id, keep.case_id, {"text": "Fictief concept"})
        case_files.erase_case(gone.case_id)
        case_files.discard_draft("new:note:" + keep.case_id)
    assert {s.case_id for s in case_files.summaries()} == {keep.case_id}
    assert case_files.draft_ids() == []
