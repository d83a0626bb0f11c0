"""The authenticator of a case-key grant made by recovery (`leerrecht-server admin recover-user`).

A recovered grant has no user as its granter, so it can't carry an Ed25519 signature a colleague
made. It carries an HMAC-SHA512 tag instead (64 bytes, the size of the `signature` field), under a
key that comes from an X25519 agreement between the organisation's recovery key and the user's new
exchange key:

    K   = HKDF-SHA256(X25519(recovery_private, user_exchange_public), salt=None,
                      info=b"leerrecht/v1/recovery-grant|" + user_id, length=32)
    tag = HMAC-SHA512(K, grant_message(case_id, user_id, key_version, ephemeral_public, ciphertext))

Only the holder of the recovery private key (the command) or of the user's exchange private key (the
user's laptop, with the recovery public key it pinned at enrolment) can compute K; the server holds
neither, so it can't plant a recovered grant.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, hmac, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

TAG_LEN = 64
_INFO = b"leerrecht/v1/recovery-grant|"


def public_bytes(private: X25519PrivateKey) -> bytes:
    return private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def recovery_grant_key(own_private: X25519PrivateKey, other_public: bytes, user_id: str) -> bytes:
    """K for one user. Either side computes the same key: the recovery command with (recovery
    private, user's exchange public), the user's laptop with (its exchange private, recovery public)."""
    shared = own_private.exchange(X25519PublicKey.from_public_bytes(other_public))
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO + user_id.encode()).derive(shared)


def _grant_message(case_id: str, recipient_id: str, key_version: int, ephemeral_public: bytes,
                   ciphertext: bytes) -> bytes:
    # The very bytes of leerrecht_core.protocol.grant_message (tests/core/crypto/test_recovery.py
    # checks it): crypto and protocol are independent layers of the core (pyproject's contracts), so
    # this module can't import it.
    return f"leerrecht/v1/key-grant|{case_id}|{recipient_id}|{key_version}|".encode() + ephemeral_public + b"|" \
        + ciphertext


def _mac(key: bytes, case_id: str, user_id: str, key_version: int, ephemeral_public: bytes,
         ciphertext: bytes) -> hmac.HMAC:
    mac = hmac.HMAC(key, hashes.SHA512())
    mac.update(_grant_message(case_id, user_id, key_version, ephemeral_public, ciphertext))
    return mac


def recovery_grant_tag(key: bytes, case_id: str, user_id: str, key_version: int, ephemeral_public: bytes,
                       ciphertext: bytes) -> bytes:
    """The 64-byte tag that goes into the grant's `signature` field."""
    return _mac(key, case_id, user_id, key_version, ephemeral_public, ciphertext).finalize()


def verify_recovery_grant_tag(key: bytes, case_id: str, user_id: str, key_version: int, ephemeral_public: bytes,
                              ciphertext: bytes, tag: bytes) -> bool:
    """True if the tag is right (compared in constant time), False otherwise."""
    try:
        _mac(key, case_id, user_id, key_version, ephemeral_public, ciphertext).verify(tag)
    except InvalidSignature:
        return False
    return True
