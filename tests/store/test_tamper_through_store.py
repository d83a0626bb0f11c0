"""Tampering with the SQLite file behind the app's back: the app never shows the altered content, and
says that something was refused."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from leerrecht_core.crypto.errors import TamperedRecord
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.errors import CaseNotFound
from leerrecht_desktop.store.workspace import Workspace
from tests.kits.storekit import PASSPHRASE, fictitious_profile, flip_byte, home_visit, note, raw_execute, raw_query


@dataclass
class Scene:
    data_dir: Path
    workspace: Workspace
    case_id: str
    other_case_id: str
    profile_id: str
    target_id: str  # the entry the attacker alters
    bystander_id: str  # an entry of the same case left alone

    def reopen(self) -> CaseFiles:
        """A fresh session, as after the next unlock: nothing cached from before the tampering."""
        return self.workspace.unlock(PASSPHRASE)

    def head(self, record_id: str, column: str) -> Any:
        return raw_query(self.data_dir, f"SELECT {column} FROM records WHERE record_id = ? AND is_head = 1",
                         (record_id,))[0][0]

    def set_head(self, record_id: str, column: str, value: Any) -> None:
        changed = raw_execute(self.data_dir, f"UPDATE records SET {column} = ? WHERE record_id = ? AND is_head = 1",
                              (value, record_id))
        assert changed == 1


@pytest.fixture
def scene(data_dir: Path, workspace: Workspace, case_files: CaseFiles) -> Scene:
    case = case_files.create_case(fictitious_profile())
    other = case_files.create_case(fictitious_profile())
    target = case_files.save(case.case_id, note("Fictieve notitie, oorspronkelijk"))
    case_files.save(case.case_id, note("Fictieve notitie, tweede versie"), record_id=target.record_id)
    bystander = case_files.save(case.case_id, home_visit())
    case_files.save(other.case_id, note("Notitie in het andere fictieve dossier"))
    return Scene(data_dir, workspace, case.case_id, other.case_id, case.record_id, target.record_id,
                 bystander.record_id)


def assert_target_refused(scene: Scene, case_id: str | None = None) -> None:
    case = scene.reopen().load_case(case_id or scene.case_id)
    shown = {r.record_id for r in case.entries}
    assert scene.target_id not in shown
    assert len(case.refused) == 1
    assert "gewijzigd buiten de app" in case.refused[0] or "onbekende auteur" in case.refused[0]
    # The rest of the case is still there: one bad record does not take the case down.
    if case_id is None:
        assert scene.bystander_id in shown
        assert case.profile.record_id == scene.profile_id


def test_the_untouched_scene_loads_completely(scene: Scene) -> None:
    case = scene.reopen().load_case(scene.case_id)
    assert {r.record_id for r in case.entries} == {scene.target_id, scene.bystander_id}
    assert case.refused == []


@pytest.mark.parametrize("column", ["ciphertext", "nonce", "signature"])
@pytest.mark.parametrize("where", ["first", "last"])
def test_a_changed_byte_of_a_sealed_column_is_refused(scene: Scene, column: str, where: str) -> None:
    blob = scene.head(scene.target_id, column)
    scene.set_head(scene.target_id, column, flip_byte(blob, 0 if where == "first" else len(blob) - 1))
    assert_target_refused(scene)


@pytest.mark.parametrize(("column", "value"), [
    ("kind", lambda v: "home_visit"),
    ("revision", lambda v: v + 1),
    ("base_revision", lambda v: None),
    ("revision_id", lambda v: v[:-1] + ("0" if v[-1] != "0" else "1")),
    ("record_id", lambda v: v[:-1] + ("0" if v[-1] != "0" else "1")),
])
def test_a_changed_plaintext_header_column_is_refused(
    scene: Scene, column: str, value: Callable[[Any], Any]
) -> None:
    old = scene.head(scene.target_id, column)
    scene.set_head(scene.target_id, column, value(old))
    if column == "record_id":
        scene.target_id = value(old)
    assert_target_refused(scene)


def test_a_changed_author_is_refused(scene: Scene) -> None:
    scene.set_head(scene.target_id, "author_id", "00000000-0000-4000-8000-00000000dead")
    assert_target_refused(scene)


def test_a_record_moved_to_another_case_is_refused_there(scene: Scene) -> None:
    # Both cases are the worker's own, so the other case key is at hand: only the signature and the
    # associated data (which name the original case) stop the move.
    scene.set_head(scene.target_id, "case_id", scene.other_case_id)
    assert_target_refused(scene, scene.other_case_id)
    # And it is gone from where it was (the attacker removed it; the app can't show what is not there).
    case = scene.reopen().load_case(scene.case_id)
    assert scene.target_id not in {r.record_id for r in case.entries}


def test_a_changed_byte_of_the_case_id_hides_the_record_and_never_shows_it(scene: Scene) -> None:
    case_id = scene.head(scene.target_id, "case_id")
    mangled = case_id[:-1] + ("0" if case_id[-1] != "0" else "1")
    scene.set_head(scene.target_id, "case_id", mangled)
    session = scene.reopen()
    assert scene.target_id not in {r.record_id for r in session.load_case(scene.case_id).entries}
    with pytest.raises(CaseNotFound):  # there is no key for the made-up case: nothing opens
        session.load_case(mangled)


def test_an_older_revision_replayed_as_the_current_one_is_refused(scene: Scene) -> None:
    first = raw_query(scene.data_dir, "SELECT nonce, ciphertext, signature FROM records "
                      "WHERE record_id = ? AND revision = 1", (scene.target_id,))[0]
    for column, value in zip(("nonce", "ciphertext", "signature"), first, strict=True):
        scene.set_head(scene.target_id, column, value)
    assert_target_refused(scene)


def test_two_entries_swapping_their_sealed_content_are_both_refused(scene: Scene) -> None:
    a = [scene.head(scene.target_id, c) for c in ("nonce", "ciphertext", "signature")]
    b = [scene.head(scene.bystander_id, c) for c in ("nonce", "ciphertext", "signature")]
    for column, va, vb in zip(("nonce", "ciphertext", "signature"), a, b, strict=True):
        scene.set_head(scene.target_id, column, vb)
        scene.set_head(scene.bystander_id, column, va)
    case = scene.reopen().load_case(scene.case_id)
    assert case.entries == []
    assert len(case.refused) == 2


def test_a_tampered_profile_refuses_the_case_with_a_clear_message(scene: Scene) -> None:
    blob = scene.head(scene.profile_id, "ciphertext")
    scene.set_head(scene.profile_id, "ciphertext", flip_byte(blob, 3))
    with pytest.raises(CaseNotFound) as caught:
        scene.reopen().load_case(scene.case_id)
    assert "gewijzigd buiten de app" in str(caught.value)


def test_tampering_in_one_case_leaves_the_other_case_alone(scene: Scene) -> None:
    blob = scene.head(scene.target_id, "ciphertext")
    scene.set_head(scene.target_id, "ciphertext", flip_byte(blob, 5))
    other = scene.reopen().load_case(scene.other_case_id)
    assert other.refused == [] and len(other.entries) == 1


def test_a_tampered_earlier_revision_is_refused_in_the_history(scene: Scene) -> None:
    blob = raw_query(scene.data_dir, "SELECT ciphertext FROM records WHERE record_id = ? AND revision = 1",
                     (scene.target_id,))[0][0]
    raw_execute(scene.data_dir, "UPDATE records SET ciphertext = ? WHERE record_id = ? AND revision = 1",
                (flip_byte(blob, 0), scene.target_id))
    session = scene.reopen()
    with pytest.raises(TamperedRecord):
        session.history(scene.target_id)
    # The current revision itself is intact and still shown.
    assert scene.target_id in {r.record_id for r in session.load_case(scene.case_id).entries}


def test_a_tampered_draft_is_refused(data_dir: Path, case_files: CaseFiles) -> None:
    case = case_files.create_case(fictitious_profile())
    case_files.save_draft("draft-1", case.case_id, {"text": "Fictieve kladversie"})
    blob = raw_query(data_dir, "SELECT blob FROM drafts WHERE draft_id = 'draft-1'")[0][0]
    raw_execute(data_dir, "UPDATE drafts SET blob = ? WHERE draft_id = 'draft-1'", (flip_byte(blob, 20),))
    with pytest.raises(TamperedRecord) as caught:
        case_files.load_draft("draft-1")
    assert str(caught.value) == "Lokale gegevens zijn beschadigd of gewijzigd buiten de app."


def test_a_draft_moved_to_another_id_is_refused(data_dir: Path, case_files: CaseFiles) -> None:
    case_files.save_draft("draft-a", None, {"text": "Fictief A"})
    case_files.save_draft("draft-b", None, {"text": "Fictief B"})
    blob_a = raw_query(data_dir, "SELECT blob FROM drafts WHERE draft_id = 'draft-a'")[0][0]
    raw_execute(data_dir, "UPDATE drafts SET blob = ? WHERE draft_id = 'draft-b'", (blob_a,))
    with pytest.raises(TamperedRecord):
        case_files.load_draft("draft-b")


def test_a_flipped_deleted_flag_is_refused_not_silently_hidden(scene: Scene) -> None:
    # Marking an entry deleted in the file must not make it vanish quietly: the flag is signed.
    scene.set_head(scene.target_id, "deleted", 1)
    assert_target_refused(scene)


def test_a_changed_key_version_refuses_that_record_only(scene: Scene) -> None:
    scene.set_head(scene.target_id, "key_version", 7)
    case = scene.reopen().load_case(scene.case_id)
    assert scene.target_id not in {r.record_id for r in case.entries}
    assert scene.bystander_id in {r.record_id for r in case.entries}
    assert len(case.refused) == 1


def test_a_damaged_case_list_row_is_rebuilt_from_the_records(scene: Scene) -> None:
    (blob,) = raw_query(scene.data_dir, "SELECT blob FROM case_index WHERE case_id = ?", (scene.case_id,))[0]
    raw_execute(scene.data_dir, "UPDATE case_index SET blob = ? WHERE case_id = ?",
                (flip_byte(blob, len(blob) // 2), scene.case_id))
    session = scene.reopen()
    by_id = {s.case_id: s for s in session.summaries()}
    assert set(by_id) == {scene.case_id, scene.other_case_id}
    assert by_id[scene.case_id].entry_count == 2
    assert by_id[scene.case_id].last_name.startswith("Testkindnaam")
    # The rebuilt row was written back sealed: the next unlock reads it without rebuilding.
    assert {s.case_id for s in scene.reopen().summaries()} == {scene.case_id, scene.other_case_id}
