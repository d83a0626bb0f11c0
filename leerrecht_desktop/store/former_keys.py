"""Former signing keys of users (a colleague, or this user, whose keys changed with a reset): the
revisions they signed before stay verifiable, now and at every later load.

Kept as one `settings` row per user (no schema change), its value sealed under the local key and
bound to the user id, so a row planted or edited on disk is refused, never used. Which keys get here
is the sync layer's decision (sync/directory.py, docs/threat-model.md "After a reset")."""

from __future__ import annotations

import base64
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection, Engine, delete, select

from leerrecht_core.crypto.errors import TamperedRecord
from leerrecht_core.crypto.keys import public_signing_key
from leerrecht_core.crypto.local import open_local, seal_local
from leerrecht_core.crypto.records import SealedRecord, open_sealed, verify
from leerrecht_desktop.store import tables as t
from leerrecht_desktop.store.database import write_transaction

PREFIX = "sync.former_signing_keys."
PURPOSE = "former-signing-keys"


def _key(user_id: str) -> str:
    return PREFIX + user_id


def _read(conn: Connection, local_key: bytes, user_id: str) -> list[bytes]:
    value = conn.execute(select(t.settings.c.value).where(t.settings.c.key == _key(user_id))).scalar()
    if value is None:
        return []
    keys: list[Any] = open_local(local_key, PURPOSE, user_id, base64.b64decode(value))  # TamperedRecord if edited
    return [base64.b64decode(k) for k in keys]


def former_keys(engine: Engine, local_key: bytes, user_id: str) -> list[bytes]:
    with engine.connect() as conn:
        return _read(conn, local_key, user_id)


def add_former_keys(engine: Engine, local_key: bytes, user_id: str, keys: Sequence[bytes]) -> bool:
    """Remember these as former signing keys of `user_id` (newest first, no duplicates); True if any was new."""
    with write_transaction(engine) as conn:
        known = _read(conn, local_key, user_id)
        fresh = [k for k in keys if k not in known]
        if not fresh:
            return False
        blob = seal_local(local_key, PURPOSE, user_id, [base64.b64encode(k).decode("ascii") for k in fresh + known])
        conn.execute(delete(t.settings).where(t.settings.c.key == _key(user_id)))
        conn.execute(t.settings.insert().values(key=_key(user_id), value=base64.b64encode(blob).decode("ascii")))
        return True


# Ed25519 verification releases the GIL: the signatures of a case (or an index batch) are checked in
# as many slices as there are cores, one on the calling thread and the others on this pool. Below
# PARALLEL_FROM records a hand-off costs more than it saves.
_SLICES = max(1, min(4, os.cpu_count() or 1))
_POOL = ThreadPoolExecutor(max_workers=max(1, _SLICES - 1), thread_name_prefix="leerrecht-verify")
PARALLEL_FROM = 8


def signature_refusal(record: SealedRecord, keys: Sequence[Ed25519PublicKey]) -> TamperedRecord | None:
    """None if any of the author's keys verifies `record`'s signature, else the refusal to raise."""
    refusal: TamperedRecord | None = None
    for key in keys:
        try:
            verify(record, key)
        except TamperedRecord as exc:
            refusal = exc
            continue
        return None
    assert refusal is not None, "a signer list always holds the current key"
    return refusal


def signature_refusals(items: Sequence[tuple[SealedRecord, Sequence[Ed25519PublicKey]]]) -> list[TamperedRecord | None]:
    """`signature_refusal` of every item, in order, checked in parallel slices (see _SLICES)."""
    def check(part: Sequence[tuple[SealedRecord, Sequence[Ed25519PublicKey]]]) -> list[TamperedRecord | None]:
        return [signature_refusal(record, keys) for record, keys in part]

    if len(items) < PARALLEL_FROM or _SLICES == 1:
        return check(items)
    step = -(-len(items) // _SLICES)
    parts = [items[i:i + step] for i in range(0, len(items), step)]
    futures = [_POOL.submit(check, part) for part in parts[1:]]
    out = check(parts[0])
    for future in futures:
        out.extend(future.result())
    return out


def signers(conn: Connection, local_key: bytes, user_id: str, current: bytes) -> list[Ed25519PublicKey]:
    """The keys a revision of `user_id` may be signed with: the current one first, then the former."""
    return [public_signing_key(raw) for raw in [current, *_read(conn, local_key, user_id)]]


def open_signed(record: SealedRecord, case_key: bytes, keys: Sequence[Ed25519PublicKey]) -> dict[str, Any]:
    """`open_sealed` with any of the author's keys (current first): one that verifies is enough."""
    refusal = signature_refusal(record, keys)
    if refusal is not None:
        raise refusal
    return open_sealed(record, case_key, None)
