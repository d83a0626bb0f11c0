"""The key hierarchy below the master key: the user's secrets and the per-case keys wrapped for members."""

from __future__ import annotations

import dataclasses

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from leerrecht_core.crypto.errors import CryptoError, WrongPassphrase
from leerrecht_core.crypto.keys import UserSecrets, WrappedKey, new_case_key, unwrap_case_key, wrap_case_key

CASE = "c0ffee00-0000-4000-8000-000000000001"
OTHER_CASE = "c0ffee00-0000-4000-8000-000000000002"
ALICE = "a11ce000-0000-4000-8000-000000000001"
BOB = "b0b00000-0000-4000-8000-000000000001"


def public(key: X25519PrivateKey) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


@pytest.fixture
def alice() -> X25519PrivateKey:
    return X25519PrivateKey.generate()


def test_case_keys_are_random_256_bit() -> None:
    keys = {new_case_key() for _ in range(20)}
    assert len(keys) == 20 and all(len(k) == 32 for k in keys)


def test_the_recipient_unwraps_the_case_key(alice: X25519PrivateKey) -> None:
    key = new_case_key()
    wrapped = wrap_case_key(key, CASE, 1, ALICE, public(alice))
    assert key not in wrapped.ciphertext
    assert unwrap_case_key(wrapped, CASE, 1, ALICE, alice) == key


def test_each_wrap_uses_a_fresh_ephemeral_key(alice: X25519PrivateKey) -> None:
    key = new_case_key()
    a, b = (wrap_case_key(key, CASE, 1, ALICE, public(alice)) for _ in range(2))
    assert a.ephemeral_public != b.ephemeral_public and a.ciphertext != b.ciphertext


def test_another_person_can_not_unwrap_it(alice: X25519PrivateKey) -> None:
    wrapped = wrap_case_key(new_case_key(), CASE, 1, ALICE, public(alice))
    bob = X25519PrivateKey.generate()
    with pytest.raises(CryptoError) as caught:
        unwrap_case_key(wrapped, CASE, 1, BOB, bob)
    assert str(caught.value) == "De sleutel van dit dossier is beschadigd of niet voor jou bestemd."
    # Nor with Alice's id written in: the key exchange needs Alice's private key.
    with pytest.raises(CryptoError):
        unwrap_case_key(wrapped, CASE, 1, ALICE, bob)


@pytest.mark.parametrize(("case_id", "version", "recipient_id"), [
    (OTHER_CASE, 1, ALICE),  # a key wrapped for one case presented as another case's
    (CASE, 2, ALICE),  # an old key version presented as the new one (or back)
    (CASE, 1, BOB),  # wrapped for Alice but filed under someone else's id
])
def test_the_wrap_is_bound_to_case_version_and_recipient(
    alice: X25519PrivateKey, case_id: str, version: int, recipient_id: str
) -> None:
    wrapped = wrap_case_key(new_case_key(), CASE, 1, ALICE, public(alice))
    with pytest.raises(CryptoError):
        unwrap_case_key(wrapped, case_id, version, recipient_id, alice)


def test_a_changed_byte_of_a_wrapped_key_is_refused(alice: X25519PrivateKey) -> None:
    wrapped = wrap_case_key(new_case_key(), CASE, 1, ALICE, public(alice))
    for index in (0, 12, len(wrapped.ciphertext) - 1):
        data = bytearray(wrapped.ciphertext)
        data[index] ^= 1
        with pytest.raises(CryptoError):
            unwrap_case_key(dataclasses.replace(wrapped, ciphertext=bytes(data)), CASE, 1, ALICE, alice)
    other_ephemeral = public(X25519PrivateKey.generate())
    with pytest.raises(CryptoError):
        unwrap_case_key(WrappedKey(other_ephemeral, wrapped.ciphertext), CASE, 1, ALICE, alice)


# -- the user's secrets --------------------------------------------------------------------------

def test_user_secrets_round_trip_under_the_wrap_key() -> None:
    secrets = UserSecrets.generate(ALICE)
    wrap_key = AESGCM.generate_key(256)
    back = UserSecrets.unwrap(ALICE, secrets.wrap(wrap_key), wrap_key)
    assert back.local_key == secrets.local_key
    assert back.exchange_public == secrets.exchange_public
    assert back.signing_public == secrets.signing_public
    # The private keys work: a signature made with the unwrapped key checks against the old public key.
    secrets.signing.public_key().verify(back.signing.sign(b"fictief"), b"fictief")


def test_wrapped_secrets_do_not_contain_the_keys_in_the_clear() -> None:
    secrets = UserSecrets.generate(ALICE)
    wrapped = secrets.wrap(AESGCM.generate_key(256))
    assert secrets.local_key not in wrapped


def test_a_wrong_wrap_key_is_a_wrong_passphrase() -> None:
    secrets = UserSecrets.generate(ALICE)
    wrapped = secrets.wrap(AESGCM.generate_key(256))
    with pytest.raises(WrongPassphrase) as caught:
        UserSecrets.unwrap(ALICE, wrapped, AESGCM.generate_key(256))
    assert "klopt niet" in str(caught.value)


def test_wrapped_secrets_are_bound_to_their_user() -> None:
    secrets = UserSecrets.generate(ALICE)
    wrap_key = AESGCM.generate_key(256)
    with pytest.raises(WrongPassphrase):
        UserSecrets.unwrap(BOB, secrets.wrap(wrap_key), wrap_key)


def test_each_user_gets_distinct_keys() -> None:
    a, b = UserSecrets.generate(ALICE), UserSecrets.generate(BOB)
    assert a.exchange_public != b.exchange_public
    assert a.signing_public != b.signing_public
    assert a.local_key != b.local_key
