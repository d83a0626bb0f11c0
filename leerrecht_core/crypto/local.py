"""Sealing of what only this laptop keeps (case list index, drafts) under the local data key."""

from __future__ import annotations

import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

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
