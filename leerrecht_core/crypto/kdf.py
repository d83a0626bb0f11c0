"""Passphrase -> master key (Argon2id), master key -> purpose keys (HKDF-SHA256)."""

from __future__ import annotations

import os
import unicodedata
from dataclasses import asdict, dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from leerrecht_core.crypto.errors import CryptoError
from leerrecht_core.i18n import tr

KEY_LEN = 32

# Purposes of keys derived from the master key. Distinct labels keep each key to one job:
# the server only ever sees the authentication key, which decrypts nothing.
PURPOSE_WRAP = b"leerrecht/v1/wrap-user-secrets"
PURPOSE_AUTH = b"leerrecht/v1/server-authentication"


@dataclass(frozen=True)
class KdfParams:
    """Argon2id parameters, stored beside the salt so a later, stronger default never locks anyone out."""

    memory_kib: int
    iterations: int
    lanes: int
    salt: bytes

    # Tuned on the 2-core development machine to about 0.4-0.5 s (benchmarks/local_slice.py shows it).
    @classmethod
    def default(cls) -> KdfParams:
        return cls(memory_kib=160 * 1024, iterations=4, lanes=4, salt=os.urandom(16))

    # OWASP's minimum for Argon2id (19 MiB, t=2, p=1). Used by tests; never go below it.
    @classmethod
    def minimum(cls) -> KdfParams:
        return cls(memory_kib=19 * 1024, iterations=2, lanes=1, salt=os.urandom(16))

    @classmethod
    def from_env(cls) -> KdfParams:
        """LEERRECHT_KDF_PROFILE=minimum selects the OWASP minimum (for test suites on slow machines)."""
        return cls.minimum() if os.environ.get("LEERRECHT_KDF_PROFILE") == "minimum" else cls.default()

    def with_new_salt(self) -> KdfParams:
        return KdfParams(self.memory_kib, self.iterations, self.lanes, os.urandom(16))

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["salt"] = self.salt.hex()
        d["algorithm"] = "argon2id"
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> KdfParams:
        damaged = CryptoError(tr("Het profiel op deze laptop is beschadigd of gewijzigd buiten de app. "
                                 "Vraag hulp aan je coördinator."))
        try:
            if d.get("algorithm") != "argon2id":
                raise damaged
            params = cls(int(d["memory_kib"]), int(d["iterations"]), int(d["lanes"]), bytes.fromhex(d["salt"]))
        except (KeyError, TypeError, ValueError):
            raise damaged from None
        if not params.meets_minimum():
            raise damaged
        return params

    def meets_minimum(self) -> bool:
        """OWASP's Argon2id floor: 46 MiB with t=1, or 19 MiB with t=2 (and anything stronger)."""
        strong_enough = (self.memory_kib >= 46 * 1024 and self.iterations >= 1) or (
            self.memory_kib >= 19 * 1024 and self.iterations >= 2)
        return strong_enough and self.lanes >= 1 and len(self.salt) >= 16


def derive_master_key(passphrase: str, params: KdfParams) -> bytes:
    kdf = Argon2id(
        salt=params.salt, length=KEY_LEN, iterations=params.iterations,
        lanes=params.lanes, memory_cost=params.memory_kib,
    )
    # NFC: an "é" typed as one character or as "e" + accent must be the same passphrase.
    return kdf.derive(unicodedata.normalize("NFC", passphrase).encode("utf-8"))


def derive_subkey(master_key: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_LEN, salt=None, info=purpose).derive(master_key)
