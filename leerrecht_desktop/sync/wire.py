"""Sealed revisions to and from their wire form (leerrecht_core.protocol.WireRevision)."""

from __future__ import annotations

from collections.abc import Iterable

from leerrecht_core.crypto.records import RecordHeader, SealedRecord
from leerrecht_core.protocol import WireRevision


def sealed_bytes(revisions: Iterable[WireRevision]) -> int:
    """The sealed bytes (nonce, ciphertext, signature) of some revisions, as progress counts them."""
    return sum(len(w.nonce) + len(w.ciphertext) + len(w.signature) for w in revisions)


def to_wire(sealed: SealedRecord) -> WireRevision:
    h = sealed.header
    return WireRevision(
        revision_id=h.revision_id, record_id=h.record_id, case_id=h.case_id, kind=h.kind,  # type: ignore[arg-type]
        revision=h.revision, base_revision=h.base_revision, author_id=h.author_id, key_version=h.key_version,
        deleted=h.deleted, nonce=sealed.nonce, ciphertext=sealed.ciphertext, signature=sealed.signature,
    )


def from_wire(w: WireRevision) -> SealedRecord:
    header = RecordHeader(
        record_id=w.record_id, revision_id=w.revision_id, case_id=w.case_id, kind=w.kind, revision=w.revision,
        base_revision=w.base_revision, author_id=w.author_id, key_version=w.key_version, deleted=w.deleted,
    )
    return SealedRecord(header, w.nonce, w.ciphertext, w.signature)
