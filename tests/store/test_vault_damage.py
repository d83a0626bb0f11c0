"""A damaged vault is not a wrong passphrase: a garbled Argon2id parameter set or damaged wrapped secrets
are refused as a damaged profile, in Dutch, before any passphrase is tried, and never lengthen the
unlock delay; through the store and through the command line. A fake clock stands in for the wall clock."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from leerrecht_core.crypto.kdf import PURPOSE_WRAP, KdfParams, derive_master_key, derive_subkey
from leerrecht_core.crypto.keys import UserSecrets
from leerrecht_core.i18n import set_language
from leerrecht_desktop.store.errors import VaultDamaged
from leerrecht_desktop.store.workspace import Workspace
from tests.kits.storekit import PASSPHRASE, WORKER_NAME, FakeClock, flip_byte, raw_execute, raw_query
from tests.store.test_vault import NEW_PASSPHRASE, WRONG, fail
from tests.test_cli import assert_refused
from tests.test_cli import run as run_cli

DAMAGED = ("Het profiel in deze gegevensmap is beschadigd: Leerrecht kan het met geen enkele wachtwoordzin "
           "openen. Aan je wachtwoordzin ligt het niet, en dit telt niet als foute poging. Zet een reservekopie "
           "van de gegevensmap terug, of vraag hulp aan de IT-dienst of je coördinator.")


def _stored_kdf(ws: Workspace) -> str:
    return str(raw_query(ws.data_dir, "SELECT kdf FROM vault")[0][0])


@pytest.mark.parametrize("garble", [
    lambda kdf: kdf[: len(kdf) // 2],                      # cut off halfway: not JSON any more
    lambda kdf: "",                                        # emptied
    lambda kdf: "[1, 2, 3]",                               # JSON, but not an object
    lambda kdf: kdf.replace('"salt": "', '"salt": "zz'),   # a salt that is no hex
    lambda kdf: kdf.replace('"memory_kib"', '"geheugen"'),  # a field gone
], ids=["truncated", "empty", "not-an-object", "salt-not-hex", "field-missing"])
def test_a_garbled_kdf_is_a_damaged_profile_not_a_wrong_passphrase(
    ws: Workspace, kdf_calls: list[str], garble: Callable[[str], str]
) -> None:
    raw_execute(ws.data_dir, "UPDATE vault SET kdf = ?", (garble(_stored_kdf(ws)),))
    for passphrase in (PASSPHRASE, WRONG, PASSPHRASE):
        with pytest.raises(VaultDamaged) as caught:
            ws.unlock(passphrase)
        assert str(caught.value) == DAMAGED
    with pytest.raises(VaultDamaged):
        ws.kdf_json()  # what enrolment sends: the same refusal, not a JSONDecodeError
    assert kdf_calls == []  # no passphrase was looked at
    assert raw_query(ws.data_dir, "SELECT failed_attempts, last_failed_at FROM vault") == [(0, None)]


def test_a_damaged_profile_is_said_in_english_when_chosen(ws: Workspace) -> None:
    raw_execute(ws.data_dir, "UPDATE vault SET kdf = ?", ("{",))
    set_language("en")
    with pytest.raises(VaultDamaged) as caught:
        ws.unlock(PASSPHRASE)
    assert str(caught.value).startswith("The profile in this data folder is damaged")


def _wrapped(ws: Workspace) -> bytes:
    return bytes(raw_query(ws.data_dir, "SELECT wrapped_secrets FROM vault")[0][0])


@pytest.mark.parametrize("damage", [
    lambda blob: flip_byte(blob, 0),                 # the nonce
    lambda blob: flip_byte(blob, len(blob) // 2),    # the ciphertext
    lambda blob: flip_byte(blob, len(blob) - 1),     # the tag
    lambda blob: blob[:-7],                          # cut short
    lambda blob: blob + b"\x00" * 4,                 # grown
    lambda blob: b"",                                # emptied
], ids=["nonce", "ciphertext", "tag", "truncated", "extended", "empty"])
def test_damaged_wrapped_secrets_are_a_damaged_profile_and_not_counted(
    ws: Workspace, kdf_calls: list[str], damage: Callable[[bytes], bytes]
) -> None:
    good = _wrapped(ws)
    raw_execute(ws.data_dir, "UPDATE vault SET wrapped_secrets = ?", (damage(good),))
    for passphrase in (PASSPHRASE, WRONG, WRONG, PASSPHRASE):
        with pytest.raises(VaultDamaged) as caught:
            ws.unlock(passphrase)
        assert str(caught.value) == DAMAGED
    assert kdf_calls == []
    assert raw_query(ws.data_dir, "SELECT failed_attempts, last_failed_at FROM vault") == [(0, None)]
    # Put back as it was (a restored backup): the profile opens at once, with no delay to sit out.
    raw_execute(ws.data_dir, "UPDATE vault SET wrapped_secrets = ?", (good,))
    assert ws.unlock(PASSPHRASE).user.name == WORKER_NAME


@pytest.mark.parametrize("column", ["user_id", "wrapped_secrets"])
def test_an_emptied_vault_column_is_a_damaged_profile(ws: Workspace, kdf_calls: list[str], column: str) -> None:
    raw_execute(ws.data_dir, f"UPDATE vault SET {column} = ''")
    with pytest.raises(VaultDamaged):
        ws.unlock(PASSPHRASE)
    assert kdf_calls == []
    assert raw_query(ws.data_dir, "SELECT failed_attempts FROM vault") == [(0,)]


def test_wrapped_secrets_of_another_length_from_the_server_are_not_taken_for_damage(
    data_dir: Path, clock: FakeClock
) -> None:
    # A further laptop adopts what the server holds; a later Leerrecht may wrap one more field. The
    # check recorded at adoption is what counts then, not the length this version writes.
    secrets = UserSecrets.generate("fictieve-gebruiker")
    params = KdfParams.minimum()
    key = derive_subkey(derive_master_key(PASSPHRASE, params), PURPOSE_WRAP)
    ad = b"leerrecht/v1/user-secrets|fictieve-gebruiker"
    ours = secrets.wrap(key)
    plain = json.loads(AESGCM(key).decrypt(ours[:12], ours[12:], ad))
    plain["later"] = base64.b64encode(b"een veld van een latere versie").decode()
    nonce = os.urandom(12)
    blob = nonce + AESGCM(key).encrypt(nonce, json.dumps(plain).encode(), ad)
    assert len(blob) != len(ours)
    w = Workspace(data_dir, create=True, clock=clock)
    try:
        w.adopt_profile(user_id="fictieve-gebruiker", kdf=params.to_json(), wrapped_secrets=blob,
                        exchange_public=secrets.exchange_public, signing_public=secrets.signing_public,
                        passphrase=PASSPHRASE, name=WORKER_NAME, role="netsterk", team="Team Fictief")
        assert fail(w).wait_seconds == 1
        clock.advance(1)
        assert w.unlock(PASSPHRASE).user.name == WORKER_NAME
    finally:
        w.close()


def test_a_wrong_passphrase_on_an_intact_vault_is_still_counted(ws: Workspace, clock: FakeClock) -> None:
    assert fail(ws).wait_seconds == 1
    clock.advance(1)
    assert fail(ws).wait_seconds == 2
    assert raw_query(ws.data_dir, "SELECT failed_attempts FROM vault") == [(2,)]


def test_a_folder_without_the_check_still_catches_a_cut_blob_and_records_the_check_at_unlock(
    ws: Workspace, kdf_calls: list[str]
) -> None:
    # A folder from before the check existed: only the length tells damage, until the first unlock.
    raw_execute(ws.data_dir, "DELETE FROM settings WHERE key = 'vault_check'")
    good = _wrapped(ws)
    raw_execute(ws.data_dir, "UPDATE vault SET wrapped_secrets = ?", (good[:-1],))
    with pytest.raises(VaultDamaged):
        ws.unlock(PASSPHRASE)
    assert kdf_calls == []
    raw_execute(ws.data_dir, "UPDATE vault SET wrapped_secrets = ?", (good,))
    ws.unlock(PASSPHRASE)
    assert raw_query(ws.data_dir, "SELECT count(*) FROM settings WHERE key = 'vault_check'") == [(1,)]
    raw_execute(ws.data_dir, "UPDATE vault SET wrapped_secrets = ?", (flip_byte(good, 40),))
    with pytest.raises(VaultDamaged):
        ws.unlock(PASSPHRASE)


def _recorded_check(ws: Workspace) -> dict[str, Any]:
    (value,) = raw_query(ws.data_dir, "SELECT value FROM settings WHERE key = 'vault_check'")[0]
    recorded: dict[str, Any] = json.loads(value)
    return recorded


def test_a_check_made_for_another_user_id_is_not_taken_for_damage(ws: Workspace, clock: FakeClock) -> None:
    # A profile given the account's user id at enrolment (store/profile_rebind.py) re-wraps its secrets
    # without renewing the check: a wrong passphrase then is a wrong passphrase, and the right one
    # records the check anew.
    other = {**_recorded_check(ws), "user_id": "een-ander-id", "sha256": "00"}
    raw_execute(ws.data_dir, "UPDATE settings SET value = ? WHERE key = 'vault_check'", (json.dumps(other),))
    assert fail(ws).wait_seconds == 1
    clock.advance(1)
    ws.unlock(PASSPHRASE)
    assert _recorded_check(ws)["user_id"] == raw_query(ws.data_dir, "SELECT user_id FROM vault")[0][0]


def test_a_passphrase_changed_by_an_older_version_is_not_taken_for_damage(
    ws: Workspace, clock: FakeClock
) -> None:
    # An older Leerrecht (same schema) changes the passphrase without knowing of the check: new salt,
    # new wrapped secrets, the old check left as it was.
    (old_check,) = raw_query(ws.data_dir, "SELECT value FROM settings WHERE key = 'vault_check'")[0]
    ws.change_passphrase(PASSPHRASE, NEW_PASSPHRASE, NEW_PASSPHRASE)
    raw_execute(ws.data_dir, "UPDATE settings SET value = ? WHERE key = 'vault_check'", (old_check,))
    assert fail(ws, PASSPHRASE).wait_seconds == 1  # the old passphrase is wrong, not "damaged"
    clock.advance(1)
    ws.unlock(NEW_PASSPHRASE)
    # Recorded anew at that unlock: damage is told again from then on.
    assert _recorded_check(ws)["salt"] == json.loads(raw_query(ws.data_dir, "SELECT kdf FROM vault")[0][0])["salt"]
    (blob,) = raw_query(ws.data_dir, "SELECT wrapped_secrets FROM vault")[0]
    raw_execute(ws.data_dir, "UPDATE vault SET wrapped_secrets = ?", (flip_byte(blob, 50),))
    with pytest.raises(VaultDamaged):
        ws.unlock(NEW_PASSPHRASE)


def test_a_passphrase_change_renews_the_check(ws: Workspace, data_dir: Path, clock: FakeClock) -> None:
    ws.change_passphrase(PASSPHRASE, NEW_PASSPHRASE, NEW_PASSPHRASE)
    assert fail(ws, PASSPHRASE).wait_seconds == 1  # the old one is now simply wrong, not "damaged"
    clock.advance(1)
    assert ws.unlock(NEW_PASSPHRASE).user.name == WORKER_NAME


def test_the_command_line_says_a_garbled_kdf_in_one_dutch_line(data_dir: Path) -> None:
    w = Workspace(data_dir, create=True)
    w.create_profile(name=WORKER_NAME, role="brugfiguur", team="Team Fictief", passphrase=PASSPHRASE)
    w.close()
    raw_execute(data_dir, "UPDATE vault SET kdf = ?", ('{"memory_kib": 19456, "iterat',))
    for command in (["cases"], ["export", "--out", str(data_dir.parent / "export.json")]):
        result = run_cli(command[0], "--data-dir", data_dir, *command[1:], passphrase=PASSPHRASE)
        assert assert_refused(result, 1) == f"leerrecht: {DAMAGED}"
        assert "JSONDecodeError" not in result.stderr
    assert not (data_dir.parent / "export.json").exists()
    assert raw_query(data_dir, "SELECT failed_attempts FROM vault") == [(0,)]


def test_the_command_line_says_damaged_wrapped_secrets_in_one_dutch_line(data_dir: Path) -> None:
    w = Workspace(data_dir, create=True)
    w.create_profile(name=WORKER_NAME, role="brugfiguur", team="Team Fictief", passphrase=PASSPHRASE)
    w.close()
    (blob,) = raw_query(data_dir, "SELECT wrapped_secrets FROM vault")[0]
    raw_execute(data_dir, "UPDATE vault SET wrapped_secrets = ?", (flip_byte(blob, 30),))
    result = run_cli("cases", "--data-dir", data_dir, passphrase=PASSPHRASE)
    assert assert_refused(result, 1) == f"leerrecht: {DAMAGED}"
    assert raw_query(data_dir, "SELECT failed_attempts FROM vault") == [(0,)]
