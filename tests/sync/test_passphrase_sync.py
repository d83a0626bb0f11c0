"""A local passphrase change reaches the server (`POST /account/passphrase`): afterwards a further laptop
logs in with the NEW passphrase and no longer with the old one. Offline, the change waits (sealed under
the local key) and the next sync sends it."""

from __future__ import annotations

from pathlib import Path

import pytest

from leerrecht_desktop.store.syncstore import PENDING_PASSPHRASE_KEY, SyncStore
from leerrecht_desktop.sync.account import login_new_laptop, push_passphrase_change
from leerrecht_desktop.sync.transport import ServerRefused, Transport, Unauthorized
from tests.kits.synckit import PASSPHRASE, Laptop, ServerProcess, enrolled, make_case, snapshot

pytestmark = pytest.mark.slow

USER = "werker.wachtwoord"
NEW = "paarse fiets langs het kanaal"


def worker(server: ServerProcess, folder: Path) -> Laptop:
    server.admin("create-team", "Noord")
    return enrolled(server, folder, USER, "Fictieve Werker", "netsterk", "Noord", before=1)


def test_changed_passphrase_is_the_one_a_further_laptop_logs_in_with(server: ServerProcess, tmp_path: Path) -> None:
    first = worker(server, tmp_path / "eerste")
    first.sync()
    first.workspace.change_passphrase(PASSPHRASE, NEW)
    assert push_passphrase_change(first.workspace, first.case_files, None, NEW) is True
    assert SyncStore(first.case_files).pending_passphrase_change() is None
    first.sync()  # nothing left to send: an ordinary round

    with pytest.raises(Unauthorized):
        login_new_laptop(tmp_path / "oud", server.url, USER, PASSPHRASE)
    ws, cf = login_new_laptop(tmp_path / "nieuw", server.url, USER, NEW)
    second = Laptop("tweede", tmp_path / "nieuw", ws, cf)
    assert second.user_id == first.user_id
    second.sync()
    case_id = first.case_files.summaries()[0].case_id
    assert snapshot(second.case_files, case_id) == snapshot(first.case_files, case_id)
    # The new laptop's vault opens with the new passphrase too (the wrap the server kept is the new one).
    second.case_files.lock()
    second.workspace.verify_passphrase(NEW)
    first.close()
    second.close()


def test_offline_change_waits_sealed_and_the_next_sync_sends_it(server: ServerProcess, tmp_path: Path) -> None:
    first = worker(server, tmp_path / "eerste")
    first.sync()
    first.workspace.change_passphrase(PASSPHRASE, NEW)
    offline = Transport("http://127.0.0.1:9")  # nothing listens there
    try:
        assert push_passphrase_change(first.workspace, first.case_files, offline, NEW) is False
    finally:
        offline.close()
    pending = SyncStore(first.case_files).pending_passphrase_change()
    assert pending is not None
    # Stored sealed: neither the authentication key nor the wrap is readable in the settings row.
    raw = first.workspace.setting(PENDING_PASSPHRASE_KEY, "")
    assert raw and pending["auth_key"] not in raw and pending["wrapped_secrets"] not in raw
    # Until it is sent the server still knows the old passphrase.
    ws, _ = login_new_laptop(tmp_path / "tussendoor", server.url, USER, PASSPHRASE)
    ws.close()

    make_case(first.case_files)
    report = first.sync()
    assert report.errors == [] and report.waiting == 0
    assert SyncStore(first.case_files).pending_passphrase_change() is None
    with pytest.raises(ServerRefused):
        login_new_laptop(tmp_path / "oud", server.url, USER, PASSPHRASE)
    ws, _ = login_new_laptop(tmp_path / "nieuw", server.url, USER, NEW)
    ws.close()
    first.close()


def test_wrong_passphrase_is_never_sent(server: ServerProcess, tmp_path: Path) -> None:
    from leerrecht_core.crypto.errors import WrongPassphrase
    from leerrecht_desktop.store.errors import UnlockThrottled

    first = worker(server, tmp_path / "eerste")
    first.workspace.change_passphrase(PASSPHRASE, NEW)
    with pytest.raises((WrongPassphrase, UnlockThrottled)):  # the same throttled check as unlock
        push_passphrase_change(first.workspace, first.case_files, None, "verkeerde zin van vier woorden")
    assert SyncStore(first.case_files).pending_passphrase_change() is None
    first.close()
