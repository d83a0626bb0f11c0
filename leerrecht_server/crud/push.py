"""Deciding and storing a pushed batch of sealed revisions, each decided on its own, the batch stored
together: its signatures checked in parallel before the write lock is taken, its duplicates and record
heads read with one query each, and what is accepted written with one multi-row insert per table.

The decisions are exactly those of deciding the revisions one after the other in the order pushed (a
batch may hold several revisions of one record): the heads and ids the batch takes are kept in memory
as it goes, so a later revision of the batch sees what an earlier one took."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection

from leerrecht_core import protocol as p
from leerrecht_core.crypto import parallel
from leerrecht_server.crud.devices import Caller
from leerrecht_server.crud.erasure import CASE_ERASED, erased_for
from leerrecht_server.crud.revisions import ID_TAKEN, KEY_ROTATED, sealed_of, to_wire
from leerrecht_server.db import SeqAllocator, now_iso
from leerrecht_server.tables import record_heads, revisions

# Rows per IN (...) list: well below SQLite's and PostgreSQL's parameter limits.
_CHUNK = 500


def signatures_ok(revs: Sequence[p.WireRevision], signers: list[Ed25519PublicKey]) -> list[bool]:
    """Whether each revision is signed by one of `signers`, checked on every core for a large batch."""
    return parallel.signatures_ok([sealed_of(r) for r in revs], lambda _record: signers)


@dataclass
class _Head:
    case_id: str
    kind: str
    revision: int
    revision_id: str
    stored: bool  # a row in record_heads already (else: inserted by this batch)
    changed: bool = False


def _in_chunks(conn: Connection, query: Any, column: Any, values: list[str]) -> list[Any]:
    rows: list[Any] = []
    for i in range(0, len(values), _CHUNK):
        rows.extend(conn.execute(query.where(column.in_(values[i:i + _CHUNK]))).all())
    return rows


def push_batch(conn: Connection, revs: Sequence[p.WireRevision], signed: list[bool], c: Caller,
               mine: dict[str, int], seqs: SeqAllocator) -> list[p.PushResult]:
    """Decide every revision of the batch (in order) and store the accepted ones with their heads."""
    stored: dict[str, tuple[int, bytes, str]] = {  # revision id -> (seq, signature, case id)
        r.revision_id: (int(r.seq), bytes(r.signature), r.case_id) for r in _in_chunks(
            conn, sa.select(revisions.c.revision_id, revisions.c.seq, revisions.c.signature, revisions.c.case_id),
            revisions.c.revision_id, sorted({r.revision_id for r in revs}))}
    heads: dict[str, _Head] = {
        h.record_id: _Head(h.case_id, h.kind, h.revision, h.revision_id, stored=True) for h in _in_chunks(
            conn, sa.select(record_heads), record_heads.c.record_id, sorted({r.record_id for r in revs}))}
    erased: dict[str, bool] = {}
    taken: dict[str, p.WireRevision] = {}  # revision id -> accepted in this batch (for a conflict's head)
    rows: list[dict[str, Any]] = []
    received = now_iso()
    results: list[p.PushResult] = []

    def rejected(rev: p.WireRevision, reason: str) -> p.PushResult:
        return p.PushResult(revision_id=rev.revision_id, status="rejected", reason=reason)

    def decide(rev: p.WireRevision, signature_ok: bool) -> p.PushResult:
        if rev.case_id not in mine:
            # An erased case's revision, from a laptop that has not heard yet: it is never taken again.
            if rev.case_id not in erased:
                erased[rev.case_id] = erased_for(conn, rev.case_id, c)
            return rejected(rev, CASE_ERASED if erased[rev.case_id] else "not a member of this case")
        if rev.author_id != c.user_id:
            return rejected(rev, "author is not the pushing user")
        if rev.key_version > mine[rev.case_id]:
            return rejected(rev, "unknown key version for this case")
        if not signature_ok:
            return rejected(rev, "signature does not verify")
        # An id taken by another case (of any team, seen or not) is answered as if it were free,
        # wherever that ends in a refusal or a conflict of the caller's own case: no answer names or
        # confirms the other case. Only a revision that a free id would let in is refused, with a
        # reason that names nothing (docs/threat-model.md section 8).
        taken_elsewhere = False
        known = stored.get(rev.revision_id)
        if known is not None and known[2] != rev.case_id:
            taken_elsewhere, known = True, None
        if known is not None:
            if known[1] != rev.signature:
                return rejected(rev, "revision id already used for different content")
            return p.PushResult(revision_id=rev.revision_id, status="duplicate", seq=known[0])
        # After the duplicate answer: a revision taken before the rotation and pushed again (its
        # answer lost) is still a duplicate, not a refusal.
        if rev.key_version < mine[rev.case_id]:
            return rejected(rev, KEY_ROTATED)
        head = heads.get(rev.record_id)
        if head is not None and head.case_id != rev.case_id:
            taken_elsewhere, head = True, None
        if head is None:
            if rev.base_revision is not None:
                return rejected(rev, "base revision unknown to the server")
            if rev.revision != 1:
                return rejected(rev, "revision number from the future")
        else:
            if head.kind != rev.kind:
                return rejected(rev, "record belongs to another kind")
            if rev.base_revision is not None and rev.base_revision > head.revision:
                return rejected(rev, "revision number from the future")
            if rev.base_revision != head.revision:
                current = taken.get(head.revision_id)
                if current is None:
                    row = conn.execute(sa.select(revisions).where(revisions.c.revision_id == head.revision_id)).one()
                    current = to_wire(row)
                return p.PushResult(revision_id=rev.revision_id, status="conflict", head=current)
            if rev.revision != head.revision + 1:
                return rejected(rev, "revision number must follow its base")
        if taken_elsewhere:
            return rejected(rev, ID_TAKEN)
        seq = seqs.take()
        rows.append({"seq": seq, "revision_id": rev.revision_id, "record_id": rev.record_id, "case_id": rev.case_id,
                     "kind": rev.kind, "revision": rev.revision, "base_revision": rev.base_revision,
                     "author_id": rev.author_id, "key_version": rev.key_version, "deleted": rev.deleted,
                     "nonce": rev.nonce, "ciphertext": rev.ciphertext, "signature": rev.signature,
                     "received_at": received, "device_id": c.device_id})
        stored[rev.revision_id] = (seq, rev.signature, rev.case_id)
        taken[rev.revision_id] = rev.model_copy(update={"seq": seq})
        if head is None:
            heads[rev.record_id] = _Head(rev.case_id, rev.kind, rev.revision, rev.revision_id, stored=False)
        else:
            head.revision, head.revision_id, head.changed = rev.revision, rev.revision_id, True
        return p.PushResult(revision_id=rev.revision_id, status="accepted", seq=seq)

    for rev, ok in zip(revs, signed, strict=True):
        results.append(decide(rev, ok))
    _store(conn, rows, heads)
    return results


def _store(conn: Connection, rows: list[dict[str, Any]], heads: dict[str, _Head]) -> None:
    """The batch's accepted revisions and the heads they moved: one executemany per statement."""
    if not rows:
        return
    conn.execute(revisions.insert(), rows)
    new = [{"record_id": rid, "case_id": h.case_id, "kind": h.kind, "revision": h.revision,
            "revision_id": h.revision_id} for rid, h in heads.items() if not h.stored]
    if new:
        conn.execute(record_heads.insert(), new)
    moved = [{"rid": rid, "rev": h.revision, "rev_id": h.revision_id}
             for rid, h in heads.items() if h.stored and h.changed]
    if moved:
        conn.execute(record_heads.update().where(record_heads.c.record_id == sa.bindparam("rid"))
                     .values(revision=sa.bindparam("rev"), revision_id=sa.bindparam("rev_id")), moved)
