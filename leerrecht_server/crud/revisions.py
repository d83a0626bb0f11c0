"""Sealed revisions: the pages pull and history serve, and what deciding a pushed one (crud/push.py) shares."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from leerrecht_core import protocol as p
from leerrecht_core.crypto.records import RecordHeader, SealedRecord
from leerrecht_server.tables import cases, memberships, revisions

# The one reason for a revision whose record or revision id another case already uses.
ID_TAKEN = "id already in use; the revision needs new ids"
# The one reason for a revision sealed under a key version the case has rotated past: a member removed
# since holds that key. The client seals it again under the case's current key and pushes it again.
KEY_ROTATED = p.KEY_ROTATED_REASON


# Sequence numbers read at most per step of a pull page's scan, and per IN (...) list of the rows it reads whole.
_SCAN_WINDOW = 20_000
_IN_CHUNK = 500


def member_key_versions(conn: Connection, user_id: str) -> dict[str, int]:
    """The cases the user is a current member of, with each one's key version."""
    return {r[0]: r[1] for r in conn.execute(
        sa.select(cases.c.case_id, cases.c.key_version)
        .join(memberships, memberships.c.case_id == cases.c.case_id)
        .where(memberships.c.user_id == user_id, memberships.c.removed_seq.is_(None)))}


def pull_items(conn: Connection, user_id: str, after: int, high: int, limit: int) -> list[tuple[int, Any]]:
    """Up to limit + 1 revisions and membership events of the user's cases in (after, high], in
    sequence order: a revision row or a MembershipEvent, each with its number."""
    # Driven by the sequence index, not by one probe per member case: that plan (what the planners
    # chose for `case_id IN (member cases)`) read and sorted every revision after the cursor for every
    # page, so a coordinator's first pull grew with pages x revisions (docs/performance.md, EXPLAIN).
    # Here the narrow (seq, case_id) columns are read in seq order from the cursor, a window at a time,
    # the caller's kept until the page is full; then only those rows are read whole.
    mine = set(conn.execute(sa.select(memberships.c.case_id).where(
        memberships.c.user_id == user_id, memberships.c.removed_seq.is_(None))).scalars())
    wanted: list[int] = []
    low, step = after, limit + 1  # a coordinator's page: one window; a worker's, growing windows
    while len(wanted) <= limit and low < high:
        window = conn.execute(sa.select(revisions.c.seq, revisions.c.case_id).where(
            revisions.c.seq > low, revisions.c.seq <= high).order_by(revisions.c.seq).limit(step)).all()
        if not window:
            break
        wanted.extend(int(r.seq) for r in window if r.case_id in mine)
        low, step = int(window[-1].seq), min(2 * step, _SCAN_WINDOW)
    wanted = wanted[:limit + 1]
    revs: list[Any] = []
    for i in range(0, len(wanted), _IN_CHUNK):
        revs.extend(conn.execute(sa.select(revisions).where(revisions.c.seq.in_(wanted[i:i + _IN_CHUNK]))).all())
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
