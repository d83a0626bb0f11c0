"""Sealing of what only this laptop keeps (case list index, drafts) under the local data key, and the
MACs that authenticate the local bookkeeping kept in the clear (case key wraps, known keys, heads)."""

from __future__ import annotations

import json
import os
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from leerrecht_core.crypto.errors import TamperedRecord
from leerrecht_core.crypto.keys import NONCE_LEN
from leerrecht_core.i18n import tr


def seal_local(key: bytes, purpose: str, ident: str, data: Any) -> bytes:
    nonce = os.urandom(NONCE_LEN)
    plain = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return nonce + AESGCM(key).encrypt(nonce, plain, f"leerrecht/v1/{purpose}|{ident}".encode())


def open_local(key: bytes, purpose: str, ident: str, blob: bytes) -> Any:
    try:
        plain = AESGCM(key).decrypt(blob[:NONCE_LEN], blob[NONCE_LEN:], f"leerrecht/v1/{purpose}|{ident}".encode())
    except (InvalidTag, ValueError):  # ValueError: a truncated blob with no whole nonce
        raise TamperedRecord(tr("Lokale gegevens zijn beschadigd of gewijzigd buiten de app.")) from None
    return json.loads(plain)


# -- authenticating what stays in the clear (local bookkeeping) --------------------------------------
# Some rows must stay readable without a key (queries select on them) but must not be changeable
# outside the app: the laptop's case key wraps, colleagues' public keys, the head of each record. Each
# gets an HMAC-SHA256 under a subkey of the local data key, one subkey per table (`info` label), over
# a canonical encoding of its meaningful columns.

MacField = str | int | bytes | bool | None


def local_mac_key(local_key: bytes, table: str) -> bytes:
    """The MAC subkey of one table: a MAC of one table can never pass for a row of another."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=f"leerrecht/v1/local-mac/{table}".encode()).derive(local_key)


def _canonical(fields: tuple[MacField, ...]) -> bytes:
    # Type tag and length before every field: ("ab", "c") and ("a", "bc") never encode alike, nor
    # the text "1" and the number 1, nor NULL and the empty text. (`type() is`, not isinstance: bool
    # is an int, and this runs once per row when a large folder is first authenticated.)
    parts = []
    for value in fields:
        kind = type(value)
        if value is None:
            parts.append(b"n")
            continue
        if kind is str:
            tag, raw = b"s", value.encode("utf-8")  # type: ignore[union-attr]
        elif kind is bool:
            tag, raw = b"b", b"1" if value else b"0"
        elif kind is int:
            tag, raw = b"i", str(value).encode()
        else:  # bytes, or the memoryview a driver may hand back
            tag, raw = b"x", bytes(value)  # type: ignore[arg-type]
        parts.append(tag + len(raw).to_bytes(4, "big") + raw)
    return b"".join(parts)


def mac_row(mac_key: bytes, *fields: MacField) -> bytes:
    h = hmac.HMAC(mac_key, hashes.SHA256())
    h.update(_canonical(fields))
    return h.finalize()


def row_is_authentic(mac_key: bytes, mac: bytes | None, *fields: MacField) -> bool:
    """False for a missing or wrong MAC (compared in constant time)."""
    if not mac:
        return False
    h = hmac.HMAC(mac_key, hashes.SHA256())
    h.update(_canonical(fields))
    try:
        h.verify(bytes(mac))
    except InvalidSignature:
        return False
    return True
