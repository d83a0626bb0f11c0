"""The authenticator of a recovered case-key grant: both holders compute it, nobody else can."""

from __future__ import annotations

import os

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from leerrecht_core.crypto.keys import new_case_key, unwrap_case_key, wrap_case_key
from leerrecht_core.crypto.recovery import (
    TAG_LEN,
    public_bytes,
    recovery_grant_key,
    recovery_grant_tag,
    verify_recovery_grant_tag,
)
from leerrecht_core.protocol import RECOVERY_GRANTER, KeyGrant

CASE = "c0ffee00-0000-4000-8000-000000000001"
USER = "a11ce000-0000-4000-8000-000000000001"
OTHER_USER = "b0b00000-0000-4000-8000-000000000001"


@pytest.fixture
def recovery() -> X25519PrivateKey:
    return X25519PrivateKey.generate()


@pytest.fixture
def user() -> X25519PrivateKey:
    return X25519PrivateKey.generate()


def test_the_recovery_side_and_the_users_side_compute_the_same_key(recovery: X25519PrivateKey,
                                                                   user: X25519PrivateKey) -> None:
    on_server_host = recovery_grant_key(recovery, public_bytes(user), USER)
    on_laptop = recovery_grant_key(user, public_bytes(recovery), USER)
    assert on_server_host == on_laptop and len(on_laptop) == 32


def test_the_key_is_bound_to_the_user_id(recovery: X25519PrivateKey, user: X25519PrivateKey) -> None:
    assert recovery_grant_key(recovery, public_bytes(user), USER) != \
        recovery_grant_key(recovery, public_bytes(user), OTHER_USER)


def test_a_recovered_grant_verifies_and_fits_the_grant_model(recovery: X25519PrivateKey,
                                                              user: X25519PrivateKey) -> None:
    case_key = new_case_key()
    wrapped = wrap_case_key(case_key, CASE, 3, USER, public_bytes(user))
    key = recovery_grant_key(recovery, public_bytes(user), USER)
    tag = recovery_grant_tag(key, CASE, USER, 3, wrapped.ephemeral_public, wrapped.ciphertext)
    assert len(tag) == TAG_LEN
    grant = KeyGrant(recipient_id=USER, key_version=3, ephemeral_public=wrapped.ephemeral_public,
                     ciphertext=wrapped.ciphertext, granted_by=RECOVERY_GRANTER, signature=tag)
    laptop_key = recovery_grant_key(user, public_bytes(recovery), USER)
    assert verify_recovery_grant_tag(laptop_key, CASE, USER, grant.key_version, grant.ephemeral_public,
                                     grant.ciphertext, grant.signature)
    assert unwrap_case_key(wrapped, CASE, 3, USER, user) == case_key


def test_any_change_or_another_key_fails(recovery: X25519PrivateKey, user: X25519PrivateKey) -> None:
    eph, ct = os.urandom(32), os.urandom(60)
    key = recovery_grant_key(recovery, public_bytes(user), USER)
    tag = recovery_grant_tag(key, CASE, USER, 1, eph, ct)
    assert not verify_recovery_grant_tag(key, CASE, USER, 2, eph, ct, tag)  # another key version
    assert not verify_recovery_grant_tag(key, CASE, OTHER_USER, 1, eph, ct, tag)  # another recipient
    assert not verify_recovery_grant_tag(key, CASE, USER, 1, eph, ct[:-1] + bytes([ct[-1] ^ 1]), tag)
    assert not verify_recovery_grant_tag(key, CASE, USER, 1, eph, ct, tag[:-1] + bytes([tag[-1] ^ 1]))
    # Tagged by another recovery key (one the laptop never pinned): refused.
    stranger = recovery_grant_key(X25519PrivateKey.generate(), public_bytes(user), USER)
    forged = recovery_grant_tag(stranger, CASE, USER, 1, eph, ct)
    laptop_key = recovery_grant_key(user, public_bytes(recovery), USER)
    assert not verify_recovery_grant_tag(laptop_key, CASE, USER, 1, eph, ct, forged)


def test_directory_entry_lists_former_signing_keys_and_defaults_to_none() -> None:
    from leerrecht_core.protocol import DirectoryEntry

    base = {"user_id": USER, "display_name": "A", "role": "netsterk", "team_id": "t",
            "exchange_public": "A" * 43 + "=", "signing_public": "A" * 43 + "="}
    assert DirectoryEntry.model_validate(base).former_signing_public == []
    entry = DirectoryEntry.model_validate({**base, "former_signing_public": ["AQ" * 21 + "AQ=="]})
    assert len(entry.former_signing_public) == 1
    assert '"former_signing_public"' in entry.model_dump_json()


def test_the_tag_covers_exactly_the_protocols_grant_message() -> None:
    import hashlib
    import hmac

    from leerrecht_core.crypto.recovery import _grant_message
    from leerrecht_core.protocol import grant_message

    eph, ct = os.urandom(32), os.urandom(60)
    assert _grant_message(CASE, USER, 4, eph, ct) == grant_message(CASE, USER, 4, eph, ct)
    key = os.urandom(32)
    expected = hmac.new(key, grant_message(CASE, USER, 4, eph, ct), hashlib.sha512).digest()
    assert recovery_grant_tag(key, CASE, USER, 4, eph, ct) == expected
