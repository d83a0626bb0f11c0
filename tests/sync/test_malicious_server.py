"""Issue 12, finding 6, with a real server process whose database is changed behind its back (what a
malicious server could serve): a "removed" event no colleague signed, or signed badly, acts on nothing.
The case stays on the laptop, readable, and the sync report says so; a genuine removal still erases.
A `device_revoked` answer without a proof from the server identity pinned at enrolment erases nothing
and stops the sync; with one, the laptop hands in its unsent changes and erases, as before."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from leerrecht_core.protocol import removal_message
from leerrecht_desktop.models.entries import FollowUpNote
from leerrecht_desktop.store.server_identity import pinned
from leerrecht_desktop.store.syncstore import SyncStore
from leerrecht_desktop.sync.transport import DeviceRevoked, RevocationUnproven
from tests.kits.synckit import DAY, PASSPHRASE, Laptop, ServerProcess, enrolled, make_case, snapshot

pytestmark = pytest.mark.slow


@pytest.fixture
def shared(server: ServerProcess, tmp_path: Path) -> Iterator[tuple[Laptop, Laptop, str]]:
    """w1's case shared with w2; both synced."""
    server.admin("create-team", "Noord")
    w1 = enrolled(server, tmp_path / "w1", "werker1", "Fictieve Werker Een", "netsterk", "Noord")
    w2 = enrolled(server, tmp_path / "w2", "werker2", "Fictieve Werker Twee", "brugfiguur", "Noord")
    enrolled(server, tmp_path / "coord", "coord", "Fictieve Coordinator", "coordinator", "Noord").close()
    case_id = make_case(w1.case_files, notes=1)
    w1.sync()
    w1.engine().share_case(case_id, w2.user_id)
    w1.sync()
    assert w2.sync().errors == []
    yield w1, w2, case_id
    w1.close()
    w2.close()


def _forge_removal(server: ServerProcess, w1: Laptop, w2: Laptop, case_id: str, signature: bytes | None) -> None:
    """The server serves w2 a "removed" event of the case, at the number of a revision w1 pushes now."""
    w1.case_files.save(case_id, FollowUpNote(occurred_on=DAY, text="Fictief later"), today=DAY)
    assert w1.sync().errors == []
    ((seq,),) = server.query("SELECT max(seq) FROM revisions")
    server.execute("UPDATE memberships SET removed_seq = ?, removed_by = ?, removed_key_version = 2, "
                   "removed_signature = ? WHERE case_id = ? AND user_id = ?",
                   (seq, w1.user_id if signature else None, signature, case_id, w2.user_id))


@pytest.mark.parametrize("signature", [None, "random", "other-message"])
def test_a_removal_nobody_signed_erases_nothing(server: ServerProcess, shared: tuple[Laptop, Laptop, str],
                                                 signature: str | None) -> None:
    w1, w2, case_id = shared
    before = snapshot(w2.case_files, case_id)
    forged = {None: None, "random": os.urandom(64),
              # w1's genuine signature, but of another user's removal: not this one.
              "other-message": w1.case_files.secrets.signing.sign(removal_message(case_id, w1.user_id, 2))}[signature]
    _forge_removal(server, w1, w2, case_id, forged)

    report = w2.sync()
    assert any("niets gewist" in e for e in report.errors)
    assert [s.case_id for s in w2.case_files.summaries()] == [case_id]
    assert snapshot(w2.case_files, case_id) == before


def test_a_removal_signed_by_the_colleague_who_made_it_still_erases(
        server: ServerProcess, shared: tuple[Laptop, Laptop, str]) -> None:
    w1, w2, case_id = shared
    w1.engine().unshare_case(case_id, w2.user_id)
    assert w1.sync().errors == []
    ((by, version),) = server.query("SELECT removed_by, removed_key_version FROM memberships WHERE case_id = ? "
                                    "AND user_id = ?", (case_id, w2.user_id))
    assert (by, version) == (w1.user_id, 2)
    report = w2.sync()
    assert report.errors == []
    assert w2.case_files.summaries() == []


# -- a device_revoked answer ---------------------------------------------------------------------------


@pytest.mark.parametrize("proof", ["none", "other-identity"])
def test_a_revocation_the_pinned_server_identity_did_not_sign_erases_nothing(
        server: ServerProcess, shared: tuple[Laptop, Laptop, str], proof: str) -> None:
    _, w2, case_id = shared
    before = snapshot(w2.case_files, case_id)
    note = w2.case_files.save(case_id, FollowUpNote(occurred_on=DAY, text="Fictief onverstuurd"), today=DAY)
    if proof == "none":  # a server that answers device_revoked without a proof
        server.execute("DELETE FROM org_settings WHERE key = 'server_identity'")
    else:  # a server (or someone in its place) whose identity is not the one pinned at enrolment
        other = Ed25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        server.execute("UPDATE org_settings SET value = ? WHERE key = 'server_identity'", (other.hex(),))
    server.admin("revoke-device", SyncStore(w2.case_files).state().device_id)

    with pytest.raises(RevocationUnproven) as refused:
        w2.sync()
    assert "niets gewist" in str(refused.value)
    assert not isinstance(refused.value, DeviceRevoked)
    assert SyncStore(w2.case_files).is_enrolled() and SyncStore(w2.case_files).pending_count() == 1
    assert [s.case_id for s in w2.case_files.summaries()] == [case_id]
    assert any(e.record_id == note.record_id for e in w2.case_files.load_case(case_id).entries)
    assert snapshot(w2.case_files, case_id)["profile"] == before["profile"]
    assert server.query("SELECT count(*) FROM held_apart") == [(0,)]


def test_a_revocation_signed_by_the_pinned_identity_still_hands_in_and_erases(
        server: ServerProcess, shared: tuple[Laptop, Laptop, str]) -> None:
    _, w2, case_id = shared
    w2.case_files.save(case_id, FollowUpNote(occurred_on=DAY, text="Fictief onverstuurd"), today=DAY)
    assert pinned(w2.case_files.engine) is not None
    server.admin("revoke-device", SyncStore(w2.case_files).state().device_id)
    with pytest.raises(DeviceRevoked):
        w2.sync()
    assert server.query("SELECT count(*) FROM held_apart") == [(1,)]
    unlocked = w2.workspace.unlock(PASSPHRASE)
    assert unlocked.summaries() == []
