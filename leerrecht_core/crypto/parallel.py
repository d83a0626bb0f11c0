"""Checking many records' Ed25519 signatures on every core.

Ed25519 verification in `cryptography` releases the GIL, so threads of one process check a page or a
batch of records in parallel (about 150 µs each on one core). Nothing is checked less: each record is
verified against the same keys, only on another thread."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from leerrecht_core.crypto.errors import CryptoError
from leerrecht_core.crypto.records import SealedRecord, verify

# Below this a batch is checked on the caller's thread: handing it to the pool costs more than it saves.
PARALLEL_FROM = 16
_POOL: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    """One pool per process, made on first use, one thread per core."""
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=os.cpu_count() or 2, thread_name_prefix="verify")
    return _POOL


def signed_by_any(record: SealedRecord, signers: Sequence[Ed25519PublicKey]) -> bool:
    """Whether one of `signers` (e.g. an author's current key, then their former ones) signed `record`."""
    for signer in signers:
        try:
            verify(record, signer)
        except CryptoError:
            continue
        return True
    return False


def signatures_ok(records: Sequence[SealedRecord],
                  signers_of: Callable[[SealedRecord], Sequence[Ed25519PublicKey]]) -> list[bool]:
    """Per record, in order: is it signed by one of `signers_of(record)`? Large batches on every core."""
    def check(record: SealedRecord) -> bool:
        return signed_by_any(record, signers_of(record))

    if len(records) < PARALLEL_FROM:
        return [check(r) for r in records]
    workers = os.cpu_count() or 2
    return list(_pool().map(check, records, chunksize=max(1, len(records) // (4 * workers))))
