"""The laptop's bookkeeping (case key wraps, colleagues' public keys, which revision is a record's head)
is authenticated under the local data key: a row planted, swapped or moved back with the SQLite file is
refused with a clear message and never used, and the rest of the case list keeps working. Every name
and note is fictitious."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from leerrecht_core.crypto.errors import TamperedRecord
from leerrecht_core.crypto.keys import new_case_key, wrap_case_key
from leerrecht_desktop.models.entries import FollowUpNote
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.errors import CaseNotFound
from leerrecht_desktop.store.syncstore import SyncStore
from leerrecht_desktop.store.workspace import Workspace
from tests.kits.storekit import PASSPHRASE, fictitious_profile, home_visit, note, raw_execute, raw_query

CHANGED = "gewijzigd buiten de app"
NEW_PASSPHRASE = "fictieve nieuwe wachtwoordzin voor de test"


@dataclass
class Scene:
    data_dir: Path
    workspace: Workspace
    user_id: str
    case_id: str
    other_case_id: str
    target_id: str  # an entry with two revisions
    bystander_id: str

    def reopen(self) -> CaseFiles:
        return self.workspace.unlock(PASSPHRASE)

    def texts(self, case_files: CaseFiles) -> list[str]:
        case = case_files.load_case(self.case_id)
        return [r.content.text for r in case.entries if isinstance(r.content, FollowUpNote)]


@pytest.fixture
def scene(data_dir: Path, workspace: Workspace, case_files: CaseFiles) -> Scene:
    case = case_files.create_case(fictitious_profile())
    other = case_files.create_case(fictitious_profile())
    target = case_files.save(case.case_id, note("Fictieve notitie, eerste versie"))
    case_files.save(case.case_id, note("Fictieve notitie, tweede versie"), record_id=target.record_id)
    bystander = case_files.save(case.case_id, home_visit())
    case_files.save(other.case_id, note("Notitie in het andere fictieve dossier"))
    return Scene(data_dir, workspace, case_files.user.user_id, case.case_id, other.case_id, target.record_id,
                 bystander.record_id)


def assert_case_refused_but_list_stands(scene: Scene, session: CaseFiles, case_id: str) -> None:
    with pytest.raises(CaseNotFound) as refused:
        session.load_case(case_id)
    assert CHANGED in str(refused.value)
    # The case list and every other case keep working.
    assert {s.case_id for s in session.summaries()} == {scene.case_id, scene.other_case_id}
    others = {scene.case_id, scene.other_case_id} - {case_id}
    for other in others:
        assert session.load_case(other).refused == []


# -- case_keys --------------------------------------------------------------------------------------

def test_a_planted_newer_case_key_is_never_used_to_seal(scene: Scene) -> None:
    # Someone with the file wraps a key they know for this user (the public key is no secret) as a
    # newer version: without the check, every later save would be sealed for them.
    theirs = new_case_key()
    public = raw_query(scene.data_dir, "SELECT exchange_public FROM vault")[0][0]
    wrapped = wrap_case_key(theirs, scene.case_id, 2, scene.user_id, public)
    raw_execute(scene.data_dir, "INSERT INTO case_keys (case_id, key_version, recipient_id, ephemeral_public,"
                " ciphertext) VALUES (?, 2, ?, ?, ?)", (scene.case_id, scene.user_id, wrapped.ephemeral_public,
                                                         wrapped.ciphertext))
    session = scene.reopen()
    with pytest.raises(TamperedRecord) as refused:
        session.save(scene.case_id, note("Fictieve notitie na het planten"))
    assert CHANGED in str(refused.value)
    assert raw_query(scene.data_dir, "SELECT count(*) FROM records WHERE key_version = 2") == [(0,)]
    # What is there stays readable with the authentic key of its own version.
    assert session.load_case(scene.case_id).refused == []
    assert "Fictieve notitie, tweede versie" in scene.texts(session)


def test_a_planted_key_with_a_copied_mac_is_refused(scene: Scene) -> None:
    (mac,) = raw_query(scene.data_dir, "SELECT mac FROM case_keys WHERE case_id = ?", (scene.case_id,))[0]
    wrapped = wrap_case_key(new_case_key(), scene.case_id, 1, scene.user_id,
                            raw_query(scene.data_dir, "SELECT exchange_public FROM vault")[0][0])
    raw_execute(scene.data_dir, "UPDATE case_keys SET ephemeral_public = ?, ciphertext = ?, mac = ? WHERE case_id = ?",
                (wrapped.ephemeral_public, wrapped.ciphertext, mac, scene.case_id))
    session = scene.reopen()
    assert_case_refused_but_list_stands(scene, session, scene.case_id)
    with pytest.raises(TamperedRecord) as refused:  # refused as a key, before it is ever unwrapped
        session.case_key(scene.case_id)
    assert str(refused.value).startswith("De sleutel van dit dossier")


def test_keys_swapped_between_cases_are_refused(scene: Scene) -> None:
    rows = dict((r[0], r[1:]) for r in raw_query(
        scene.data_dir, "SELECT case_id, ephemeral_public, ciphertext, mac FROM case_keys"))
    for case_id, other in ((scene.case_id, scene.other_case_id), (scene.other_case_id, scene.case_id)):
        raw_execute(scene.data_dir, "UPDATE case_keys SET ephemeral_public = ?, ciphertext = ?, mac = ? "
                    "WHERE case_id = ?", (*rows[other], case_id))
    session = scene.reopen()
    for case_id in (scene.case_id, scene.other_case_id):
        with pytest.raises(CaseNotFound) as refused:
            session.load_case(case_id)
        assert CHANGED in str(refused.value)


def test_a_key_moved_to_another_version_is_refused(scene: Scene) -> None:
    raw_execute(scene.data_dir, "UPDATE case_keys SET key_version = 2 WHERE case_id = ?", (scene.case_id,))
    session = scene.reopen()
    with pytest.raises(TamperedRecord) as refused:
        session.case_key(scene.case_id)
    assert CHANGED in str(refused.value)


# -- known_keys -------------------------------------------------------------------------------------

def test_a_swapped_colleague_key_is_refused_for_wrapping_and_checking(scene: Scene, case_files: CaseFiles) -> None:
    store = SyncStore(case_files)
    colleague = "00000000-0000-4000-8000-00000000c011"
    real = X25519PrivateKey.generate().public_key().public_bytes_raw()
    signing = bytes(32)
    assert store.remember_keys(colleague, real, signing)
    assert store.known_keys(colleague) == (real, signing)
    # The attacker puts their own exchange key in: a case shared with "the colleague" would be theirs.
    attacker = X25519PrivateKey.generate().public_key().public_bytes_raw()
    raw_execute(scene.data_dir, "UPDATE known_keys SET exchange_public = ? WHERE user_id = ?", (attacker, colleague))
    store = SyncStore(scene.reopen())
    with pytest.raises(TamperedRecord) as refused:
        store.known_keys(colleague)
    assert CHANGED in str(refused.value)
    with pytest.raises(TamperedRecord):
        store.remember_keys(colleague, attacker, signing)


def test_a_swapped_own_signing_key_refuses_the_records_not_the_list(scene: Scene) -> None:
    raw_execute(scene.data_dir, "UPDATE known_keys SET signing_public = ? WHERE user_id = ?",
                (bytes(32), scene.user_id))
    session = scene.reopen()
    for case_id in (scene.case_id, scene.other_case_id):  # both are this user's
        with pytest.raises(CaseNotFound) as refused:
            session.load_case(case_id)
        # Refused as a key, not only by the signature check that the swapped key would fail.
        assert str(refused.value).startswith("Een sleutel van een gebruiker")
    assert {s.case_id for s in session.summaries()} == {scene.case_id, scene.other_case_id}


# -- heads ------------------------------------------------------------------------------------------

def test_a_flag_flipped_onto_an_old_revision_is_not_shown(scene: Scene) -> None:
    changed = raw_execute(scene.data_dir, "UPDATE records SET is_head = 1 WHERE record_id = ? AND revision = 1",
                          (scene.target_id,))
    assert changed == 1
    session = scene.reopen()
    case = session.load_case(scene.case_id)
    assert [t for t in scene.texts(session)] == ["Fictieve notitie, tweede versie"]
    assert len(case.refused) == 1 and CHANGED in case.refused[0]


def test_a_head_rolled_back_is_caught_even_with_its_old_mac(scene: Scene) -> None:
    # The attacker kept the MAC revision 1 had while it was the head, and puts it back.
    session = scene.reopen()
    record = session.save(scene.case_id, note("Fictieve notitie, eerste versie"))
    (old_mac,) = raw_query(scene.data_dir, "SELECT head_mac FROM records WHERE record_id = ? AND is_head = 1",
                           (record.record_id,))[0]
    assert old_mac
    session.save(scene.case_id, note("Fictieve notitie, later"), record_id=record.record_id)
    raw_execute(scene.data_dir, "UPDATE records SET is_head = 0, head_mac = NULL WHERE record_id = ? AND revision = 2",
                (record.record_id,))
    raw_execute(scene.data_dir, "UPDATE records SET is_head = 1, head_mac = ? WHERE record_id = ? AND revision = 1",
                (old_mac, record.record_id))
    session = scene.reopen()
    case = session.load_case(scene.case_id)
    assert record.record_id not in {r.record_id for r in case.entries}
    assert len(case.refused) == 1 and CHANGED in case.refused[0]
    assert scene.bystander_id in {r.record_id for r in case.entries}
    with pytest.raises(TamperedRecord):  # nothing is built on the moved-back head
        session.save(scene.case_id, note("Fictieve notitie erop"), record_id=record.record_id)


def test_a_deleted_head_is_said_not_silently_missing(scene: Scene) -> None:
    raw_execute(scene.data_dir, "UPDATE records SET is_head = 0 WHERE record_id = ? AND is_head = 1",
                (scene.target_id,))
    case = scene.reopen().load_case(scene.case_id)
    assert scene.target_id not in {r.record_id for r in case.entries}
    assert len(case.refused) == 1 and CHANGED in case.refused[0]


def test_a_head_moved_to_another_record_of_the_case_is_refused(scene: Scene) -> None:
    mac = raw_query(scene.data_dir, "SELECT head_mac FROM records WHERE record_id = ? AND is_head = 1",
                    (scene.bystander_id,))[0][0]
    raw_execute(scene.data_dir, "UPDATE records SET head_mac = ? WHERE record_id = ? AND is_head = 1",
                (mac, scene.target_id))
    case = scene.reopen().load_case(scene.case_id)
    assert scene.target_id not in {r.record_id for r in case.entries}
    assert scene.bystander_id in {r.record_id for r in case.entries}


# -- the same local key after a passphrase change ---------------------------------------------------------

def test_the_macs_survive_a_passphrase_change(scene: Scene) -> None:
    macs = raw_query(scene.data_dir, "SELECT mac FROM case_keys UNION ALL SELECT mac FROM known_keys "
                     "UNION ALL SELECT head_mac FROM records WHERE is_head = 1")
    scene.workspace.change_passphrase(PASSPHRASE, NEW_PASSPHRASE)
    session = scene.workspace.unlock(NEW_PASSPHRASE)
    for case_id in (scene.case_id, scene.other_case_id):
        assert session.load_case(case_id).refused == []
    assert "Fictieve notitie, tweede versie" in scene.texts(session)
    session.save(scene.case_id, note("Fictieve notitie met de nieuwe wachtwoordzin"))
    assert raw_query(scene.data_dir, "SELECT mac FROM case_keys UNION ALL SELECT mac FROM known_keys "
                     "UNION ALL SELECT head_mac FROM records WHERE is_head = 1")[:len(macs)] == macs
