"""Sealed revisions: deciding and storing a pushed one, and the pages pull and history serve."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection

from leerrecht_core import protocol as p
from leerrecht_core.crypto.errors import CryptoError
from leerrecht_core.crypto.records import RecordHeader, SealedRecord, verify
from leerrecht_server.crud.devices import Caller
from leerrecht_server.crud.erasure import CASE_ERASED, erased_for
from leerrecht_server.db import SeqAllocator, now_iso
from leerrecht_server.tables import cases, memberships, record_heads, revisions

# The one reason for a revision whose record or revision id another case already uses.
ID_TAKEN = "id already in use; the revision needs new ids"
# The one reason for a revision sealed under a key version the case has rotated past: a member removed
# since holds that key. The client seals it again under the case's current key and pushes it again.
KEY_ROTATED = p.KEY_ROTATED_REASON


def member_key_versions(conn: Connection, user_id: str) -> dict[str, int]:
    """The cases the user is a current member of, with each one's key version."""
    return {r[0]: r[1] for r in conn.execute(
        sa.select(cases.c.case_id, cases.c.key_version)
        .join(memberships, memberships.c.case_id == cases.c.case_id)
        .where(memberships.c.user_id == user_id, memberships.c.removed_seq.is_(None)))}


def pull_items(conn: Connection, user_id: str, after: int, high: int, limit: int) -> list[tuple[int, Any]]:
    """Up to limit + 1 revisions and membership events of the user's cases in (after, high], in
    sequence order: a revision row or a MembershipEvent, each with its number."""
    my_cases = sa.select(memberships.c.case_id).where(
        memberships.c.user_id == user_id, memberships.c.removed_seq.is_(None))
    revs = conn.execute(sa.select(revisions).where(
        revisions.c.case_id.in_(my_cases), revisions.c.seq > after, revisions.c.seq <= high)
        .order_by(revisions.c.seq).limit(limit + 1)).all()
    events: list[p.MembershipEvent] = []
    for m in conn.execute(sa.select(memberships).where(memberships.c.user_id == user_id, sa.or_(
            sa.and_(memberships.c.added_seq > after, memberships.c.added_seq <= high),
            sa.and_(memberships.c.removed_seq > after, memberships.c.removed_seq <= high)))):
        if after < m.added_seq <= high:
            events.append(p.MembershipEvent(seq=m.added_seq, case_id=m.case_id, user_id=m.user_id,
                                            action="added"))
        if m.removed_seq is not None and after < m.removed_seq <= high:
            proof = None if m.removed_signature is None else p.RemovalProof(
                author_id=m.removed_by, key_version=m.removed_key_version, signature=bytes(m.removed_signature),
                team_id=m.removed_team_id)
            events.append(p.MembershipEvent(seq=m.removed_seq, case_id=m.case_id, user_id=m.user_id,
                                            action="removed", proof=proof))
    return sorted([(int(r.seq), r) for r in revs] + [(e.seq, e) for e in events], key=lambda t: t[0])


def case_history(conn: Connection, case_id: str, after: int, high: int, limit: int) -> Sequence[Any]:
    """Up to limit + 1 revisions of one case in (after, high], in sequence order."""
    return conn.execute(sa.select(revisions).where(
        revisions.c.case_id == case_id, revisions.c.seq > after, revisions.c.seq <= high)
        .order_by(revisions.c.seq).limit(limit + 1)).all()


def sealed_of(rev: p.WireRevision) -> SealedRecord:
    """A pushed or handed-in revision as crypto.records sees it, for its signature check."""
    header = RecordHeader(record_id=rev.record_id, revision_id=rev.revision_id, case_id=rev.case_id, kind=rev.kind,
                          revision=rev.revision, base_revision=rev.base_revision, author_id=rev.author_id,
                          key_version=rev.key_version, deleted=rev.deleted)
    return SealedRecord(header, rev.nonce, rev.ciphertext, rev.signature)


def to_wire(r: Any) -> p.WireRevision:
    return p.WireRevision(
        revision_id=r.revision_id, record_id=r.record_id, case_id=r.case_id, kind=r.kind, revision=r.revision,
        base_revision=r.base_revision, author_id=r.author_id, key_version=r.key_version, deleted=bool(r.deleted),
        nonce=r.nonce, ciphertext=r.ciphertext, signature=r.signature,
        # A held-apart row has no number: it never went into the case.
        seq=int(r.seq) if getattr(r, "seq", None) is not None else None)


def signed_by_any(record: SealedRecord, signers: list[Ed25519PublicKey]) -> bool:
    for signer in signers:
        try:
            verify(record, signer)
        except CryptoError:
            continue
        return True
    return False


def push_one(conn: Connection, rev: p.WireRevision, c: Caller, signers: list[Ed25519PublicKey],
              mine: dict[str, int], seqs: SeqAllocator) -> p.PushResult:
    """Decide one revision and, if accepted, store it with its head: all of it or none of it."""

    def rejected(reason: str) -> p.PushResult:
        return p.PushResult(revision_id=rev.revision_id, status="rejected", reason=reason)

    if rev.case_id not in mine:
        # An erased case's revision, from a laptop that has not heard yet: it is never taken again.
        return rejected(CASE_ERASED if erased_for(conn, rev.case_id, c) else "not a member of this case")
    if rev.author_id != c.user_id:
        return rejected("author is not the pushing user")
    if rev.key_version > mine[rev.case_id]:
        return rejected("unknown key version for this case")
    if not signed_by_any(sealed_of(rev), signers):
        return rejected("signature does not verify")
    # An id taken by another case (of any team, seen or not) is answered as if it were free,
    # wherever that ends in a refusal or a conflict of the caller's own case: no answer names or
    # confirms the other case. Only a revision that a free id would let in is refused, with a reason
    # that names nothing (docs/threat-model.md section 8).
    taken_elsewhere = False
    stored = conn.execute(sa.select(revisions.c.seq, revisions.c.signature, revisions.c.case_id)
                          .where(revisions.c.revision_id == rev.revision_id)).first()
    if stored is not None and stored.case_id != rev.case_id:
        taken_elsewhere, stored = True, None
    if stored is not None:
        if bytes(stored.signature) != rev.signature:
            return rejected("revision id already used for different content")
        return p.PushResult(revision_id=rev.revision_id, status="duplicate", seq=int(stored.seq))
    # After the duplicate answer: a revision taken before the rotation and pushed again (its answer
    # lost) is still a duplicate, not a refusal.
    if rev.key_version < mine[rev.case_id]:
        return rejected(KEY_ROTATED)
    head = conn.execute(sa.select(record_heads).where(record_heads.c.record_id == rev.record_id)).first()
    if head is not None and head.case_id != rev.case_id:
        taken_elsewhere, head = True, None
    if head is None:
        if rev.base_revision is not None:
            return rejected("base revision unknown to the server")
        if rev.revision != 1:
            return rejected("revision number from the future")
    else:
        if head.kind != rev.kind:
            return rejected("record belongs to another kind")
        if rev.base_revision is not None and rev.base_revision > head.revision:
            return rejected("revision number from the future")
        if rev.base_revision != head.revision:
            head_row = conn.execute(sa.select(revisions).where(revisions.c.revision_id == head.revision_id)).one()
            return p.PushResult(revision_id=rev.revision_id, status="conflict", head=to_wire(head_row))
        if rev.revision != head.revision + 1:
            return rejected("revision number must follow its base")
    if taken_elsewhere:
        return rejected(ID_TAKEN)
    seq = seqs.take()
    conn.execute(revisions.insert().values(
        seq=seq, revision_id=rev.revision_id, record_id=rev.record_id, case_id=rev.case_id, kind=rev.kind,
        revision=rev.revision, base_revision=rev.base_revision, author_id=rev.author_id,
        key_version=rev.key_version, deleted=rev.deleted, nonce=rev.nonce, ciphertext=rev.ciphertext,
        signature=rev.signature, received_at=now_iso(), device_id=c.device_id))
    if head is None:
        conn.execute(record_heads.insert().values(record_id=rev.record_id, case_id=rev.case_id, kind=rev.kind,
                                                  revision=rev.revision, revision_id=rev.revision_id))
    else:
        conn.execute(record_heads.update().where(record_heads.c.record_id == rev.record_id)
                     .values(revision=rev.revision, revision_id=rev.revision_id))
    return p.PushResult(revision_id=rev.revision_id, status="accepted", seq=seq)
