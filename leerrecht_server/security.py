"""Secrets the server keeps only as hashes: enrolment codes, device tokens, authentication keys."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

# Enrolment codes: 20 characters from an alphabet without look-alikes (no 0/O, 1/I/L), shown in
# groups of five so an admin can read one out over the phone. About 100 bits.
_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_CODE_LEN = 20


def new_enrolment_code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LEN))
    return "-".join(raw[i:i + 5] for i in range(0, _CODE_LEN, 5))


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def hash_code(code: str) -> str:
    # The code is ~100 random bits, short-lived and single-use: a fast hash is enough to keep a
    # copied database from yielding usable codes.
    return hashlib.sha256(b"leerrecht/enrolment-code|" + normalise_code(code).encode()).hexdigest()


def new_device_token() -> str:
    return secrets.token_urlsafe(32)  # 32 random bytes


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class AuthHashParams:
    """Argon2id over the client's 32-byte authentication key. The key is already high-entropy, but
    a slow hash still makes a stolen table useless for logging in; stored per user so stronger
    parameters later don't lock anyone out."""

    memory_kib: int = 19 * 1024
    iterations: int = 2
    lanes: int = 1

    def to_json(self, salt: bytes) -> str:
        return json.dumps({"algorithm": "argon2id", "memory_kib": self.memory_kib, "iterations": self.iterations,
                           "lanes": self.lanes, "salt": salt.hex()})


def hash_auth_key(auth_key: bytes, params: AuthHashParams) -> tuple[bytes, str]:
    salt = os.urandom(16)
    digest = _argon(params.memory_kib, params.iterations, params.lanes, salt).derive(auth_key)
    return digest, params.to_json(salt)


def verify_auth_key(auth_key: bytes, stored: bytes, params_json: str) -> bool:
    try:
        p: dict[str, Any] = json.loads(params_json)
        computed = _argon(int(p["memory_kib"]), int(p["iterations"]), int(p["lanes"]),
                          bytes.fromhex(p["salt"])).derive(auth_key)
    except (KeyError, TypeError, ValueError):
        return False
    return hmac.compare_digest(computed, stored)


def burn_auth_time(auth_key: bytes, params: AuthHashParams) -> None:
    """Spend the time a real check would, so an unknown user name can't be told by timing."""
    _argon(params.memory_kib, params.iterations, params.lanes, b"\x00" * 16).derive(auth_key)


def _argon(memory_kib: int, iterations: int, lanes: int, salt: bytes) -> Argon2id:
    return Argon2id(salt=salt, length=32, iterations=iterations, lanes=lanes, memory_cost=memory_kib)


def decoy_salt(server_secret: str, username: str) -> str:
    """A stable, secret-keyed salt for a user name that has no real one (prelogin)."""
    mac = hmac.new(bytes.fromhex(server_secret), b"prelogin-salt|" + username.encode("utf-8"), hashlib.sha256)
    return mac.digest()[:16].hex()


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def throttle_key(server_secret: str, *parts: str) -> str:
    """The row key of an attempt counter ("login-user", name; "ip", address; ...): keyed under the
    server secret, so the table holds neither names nor addresses, nor a hash one could try names on."""
    message = "|".join(("throttle", *parts)).encode("utf-8")
    return hmac.new(bytes.fromhex(server_secret), message, hashlib.sha256).hexdigest()
