"""A local passphrase change reaches the server (`POST /account/passphrase`): afterwards a further laptop
logs in with the NEW passphrase and no longer with the old one. The change is proven with the old
authentication key (a device token alone changes nothing), and every other laptop of the account is
replaced. Offline, the change waits (sealed under the local key, with its proof) and the next sync
sends it."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from leerrecht_core.crypto.kdf import KdfParams
from leerrecht_core.i18n import tr
from leerrecht_desktop.store.syncstore import PENDING_PASSPHRASE_KEY, SyncStore
from leerrecht_desktop.sync.account import (
    auth_key,
    change_passphrase,
    login_new_laptop,
    push_passphrase_change,
    queue_passphrase_change,
)
from leerrecht_desktop.sync.transport import DeviceReplaced, ServerRefused, Transport, Unauthorized
from tests.kits.synckit import PASSPHRASE, Laptop, ServerProcess, enrolled, make_case, snapshot

pytestmark = pytest.mark.slow

USER = "werker.wachtwoord"
NEW = "paarse fiets langs het kanaal"
NEWER = "groene boot onder de brug door"


def worker(server: ServerProcess, folder: Path) -> Laptop:
    server.admin("create-team", "Noord")
    return enrolled(server, folder, USER, "Fictieve Werker", "netsterk", "Noord", before=1)


def test_changed_passphrase_is_the_one_a_further_laptop_logs_in_with(server: ServerProcess, tmp_path: Path) -> None:
    first = worker(server, tmp_path / "eerste")
    first.sync()
    ws, cf = login_new_laptop(tmp_path / "ander", server.url, USER, PASSPHRASE)
    other = Laptop("ander", tmp_path / "ander", ws, cf)
    other.sync()
    assert push_passphrase_change(first.workspace, first.case_files, None, PASSPHRASE, NEW) is True
    assert SyncStore(first.case_files).pending_passphrase_change() is None
    first.workspace.verify_passphrase(NEW)  # the local change too
    first.sync()  # nothing left to send: an ordinary round, the caller's token keeps working

    # The laptop that logged in with the old passphrase is replaced: it stops syncing, never wipes.
    case_id = first.case_files.summaries()[0].case_id
    with pytest.raises(DeviceReplaced):
        other.sync()
    assert [s.case_id for s in other.case_files.summaries()] == [case_id]
    other.close()

    with pytest.raises(Unauthorized):
        login_new_laptop(tmp_path / "oud", server.url, USER, PASSPHRASE)
    ws, cf = login_new_laptop(tmp_path / "nieuw", server.url, USER, NEW)
    second = Laptop("tweede", tmp_path / "nieuw", ws, cf)
    assert second.user_id == first.user_id
    second.sync()
    assert snapshot(second.case_files, case_id) == snapshot(first.case_files, case_id)
    # The new laptop's vault opens with the new passphrase too (the wrap the server kept is the new one).
    second.case_files.lock()
    second.workspace.verify_passphrase(NEW)
    first.close()
    second.close()


def test_offline_changes_wait_sealed_with_the_first_proof_and_the_next_sync_sends_them(
        server: ServerProcess, tmp_path: Path) -> None:
    first = worker(server, tmp_path / "eerste")
    first.sync()
    offline = Transport("http://127.0.0.1:9")  # nothing listens there
    try:
        assert push_passphrase_change(first.workspace, first.case_files, offline, PASSPHRASE, NEW) is False
    finally:
        offline.close()
    pending = SyncStore(first.case_files).pending_passphrase_change()
    assert pending is not None and pending["old_auth_key"]
    # Stored sealed: neither authentication key nor the wrap is readable in the settings row.
    raw = first.workspace.setting(PENDING_PASSPHRASE_KEY, "")
    assert raw and pending["auth_key"] not in raw and pending["wrapped_secrets"] not in raw
    assert pending["old_auth_key"] not in raw
    # Until it is sent the server still knows the old passphrase.
    ws, _ = login_new_laptop(tmp_path / "tussendoor", server.url, USER, PASSPHRASE)
    ws.close()

    # A second change while the first waits: the server never saw NEW, so the proof stays the first one.
    assert change_passphrase(first.workspace, first.case_files, NEW, NEWER) is True
    again = SyncStore(first.case_files).pending_passphrase_change()
    assert again is not None and again["old_auth_key"] == pending["old_auth_key"]
    assert again["auth_key"] != pending["auth_key"]

    make_case(first.case_files)
    report = first.sync()
    assert report.errors == [] and report.waiting == 0
    assert SyncStore(first.case_files).pending_passphrase_change() is None
    for stale in (PASSPHRASE, NEW):
        with pytest.raises(ServerRefused):
            login_new_laptop(tmp_path / f"oud-{len(stale)}", server.url, USER, stale)
    ws, _ = login_new_laptop(tmp_path / "nieuw", server.url, USER, NEWER)
    ws.close()
    first.close()


def test_a_change_with_a_wrong_proof_is_refused_with_a_message_and_changes_nothing(
        server: ServerProcess, tmp_path: Path) -> None:
    """What a stolen token would send: a new passphrase without the old authentication key."""
    first = worker(server, tmp_path / "eerste")
    first.sync()
    first.workspace.change_passphrase(PASSPHRASE, NEW)
    assert queue_passphrase_change(first.workspace, first.case_files, NEW, proof=os.urandom(32)) is True
    report = first.sync()
    refused = tr("De server kon je vorige wachtwoordzin niet bevestigen; misschien werd ze intussen op een "
                 "andere laptop gewijzigd. Vraag je coördinator om hulp.")
    assert any(refused in e for e in report.errors), report.errors
    assert SyncStore(first.case_files).pending_passphrase_change() is not None  # kept, not lost
    with pytest.raises(Unauthorized):
        login_new_laptop(tmp_path / "nieuw", server.url, USER, NEW)
    ws, _ = login_new_laptop(tmp_path / "oud", server.url, USER, PASSPHRASE)  # the server's is unchanged
    ws.close()
    first.close()


def test_the_proof_is_the_authentication_key_of_the_old_passphrase(server: ServerProcess, tmp_path: Path) -> None:
    first = worker(server, tmp_path / "eerste")
    before = KdfParams.from_json(first.workspace.kdf_json())
    assert change_passphrase(first.workspace, first.case_files, PASSPHRASE, NEW) is True
    pending = SyncStore(first.case_files).pending_passphrase_change()
    assert pending is not None
    assert base64.b64decode(pending["old_auth_key"]) == auth_key(PASSPHRASE, before)
    first.close()


def test_wrong_passphrase_is_never_sent(server: ServerProcess, tmp_path: Path) -> None:
    from leerrecht_core.crypto.errors import WrongPassphrase
    from leerrecht_desktop.store.errors import UnlockThrottled

    first = worker(server, tmp_path / "eerste")
    kdf_before = first.workspace.kdf_json()
    with pytest.raises((WrongPassphrase, UnlockThrottled)):  # the same throttled check as unlock
        push_passphrase_change(first.workspace, first.case_files, None, "verkeerde zin van vier woorden", NEW)
    # Nor an authentication key for anything but the passphrase the vault is wrapped with now.
    with pytest.raises((WrongPassphrase, UnlockThrottled)):
        queue_passphrase_change(first.workspace, first.case_files, NEW, proof=os.urandom(32))
    assert SyncStore(first.case_files).pending_passphrase_change() is None
    assert first.workspace.kdf_json() == kdf_before  # the local passphrase unchanged too
    first.close()
