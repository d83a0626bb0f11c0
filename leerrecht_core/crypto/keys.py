"""The key hierarchy below the master key: the user's key pairs, the local data key, case keys.

A case key is wrapped for each member with an X25519 sealed box: an ephemeral key pair, the shared
secret through HKDF (bound to case, key version and recipient), then AES-256-GCM."""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from leerrecht_core.crypto.errors import CryptoError, WrongPassphrase
from leerrecht_core.i18n import tr

NONCE_LEN = 12
_RAW = serialization.Encoding.Raw
_RAW_PUB = serialization.PublicFormat.Raw
_RAW_PRIV = serialization.PrivateFormat.Raw
_NO_ENC = serialization.NoEncryption()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"))


@dataclass
class UserSecrets:
    """Everything the passphrase protects. Held in memory only while unlocked."""

    user_id: str
    exchange: X25519PrivateKey
    signing: Ed25519PrivateKey
    # Random key for what only this laptop keeps (case list index, drafts): independent of the
    # passphrase, so a passphrase change re-wraps it instead of re-encrypting anything.
    local_key: bytes

    @classmethod
    def generate(cls, user_id: str) -> UserSecrets:
        return cls(user_id, X25519PrivateKey.generate(), Ed25519PrivateKey.generate(), AESGCM.generate_key(256))

    @property
    def exchange_public(self) -> bytes:
        return self.exchange.public_key().public_bytes(_RAW, _RAW_PUB)

    @property
    def signing_public(self) -> bytes:
        return self.signing.public_key().public_bytes(_RAW, _RAW_PUB)

    def wrap(self, wrapping_key: bytes) -> bytes:
        """Seal the private keys under a key derived from the master key."""
        plain = json.dumps({
            "x25519": _b64(self.exchange.private_bytes(_RAW, _RAW_PRIV, _NO_ENC)),
            "ed25519": _b64(self.signing.private_bytes(_RAW, _RAW_PRIV, _NO_ENC)),
            "local": _b64(self.local_key),
        }).encode()
        nonce = os.urandom(NONCE_LEN)
        return nonce + AESGCM(wrapping_key).encrypt(nonce, plain, _secrets_ad(self.user_id))

    @classmethod
    def unwrap(cls, user_id: str, wrapped: bytes, wrapping_key: bytes) -> UserSecrets:
        try:
            plain = AESGCM(wrapping_key).decrypt(wrapped[:NONCE_LEN], wrapped[NONCE_LEN:], _secrets_ad(user_id))
        except (InvalidTag, ValueError):
            raise WrongPassphrase(tr("Die wachtwoordzin klopt niet. Probeer opnieuw.")) from None
        d = json.loads(plain)
        return cls(
            user_id,
            X25519PrivateKey.from_private_bytes(_unb64(d["x25519"])),
            Ed25519PrivateKey.from_private_bytes(_unb64(d["ed25519"])),
            _unb64(d["local"]),
        )


def _secrets_ad(user_id: str) -> bytes:
    return b"leerrecht/v1/user-secrets|" + user_id.encode()


def new_case_key() -> bytes:
    return AESGCM.generate_key(256)


@dataclass(frozen=True)
class WrappedKey:
    ephemeral_public: bytes
    ciphertext: bytes  # nonce || AES-GCM(case key)


def _wrap_info(case_id: str, key_version: int, recipient_id: str) -> bytes:
    return f"leerrecht/v1/case-key|{case_id}|{key_version}|{recipient_id}".encode()


def wrap_case_key(
    case_key: bytes, case_id: str, key_version: int, recipient_id: str, recipient_public: bytes
) -> WrappedKey:
    ephemeral = X25519PrivateKey.generate()
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient_public))
    info = _wrap_info(case_id, key_version, recipient_id)
    kek = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(shared)
    nonce = os.urandom(NONCE_LEN)
    eph_pub = ephemeral.public_key().public_bytes(_RAW, _RAW_PUB)
    return WrappedKey(eph_pub, nonce + AESGCM(kek).encrypt(nonce, case_key, info + eph_pub))


def unwrap_case_key(
    wrapped: WrappedKey, case_id: str, key_version: int, recipient_id: str, recipient: X25519PrivateKey
) -> bytes:
    shared = recipient.exchange(X25519PublicKey.from_public_bytes(wrapped.ephemeral_public))
    info = _wrap_info(case_id, key_version, recipient_id)
    kek = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(shared)
    try:
        return AESGCM(kek).decrypt(wrapped.ciphertext[:NONCE_LEN], wrapped.ciphertext[NONCE_LEN:],
                                   info + wrapped.ephemeral_public)
    except (InvalidTag, ValueError):
        raise CryptoError(tr("De sleutel van dit dossier is beschadigd of niet voor jou bestemd.")) from None


def public_signing_key(raw: bytes) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(raw)
