"""Erasing a case on the server: every sealed revision, head, key grant, membership, hold, held-apart
item and attachment of it goes, in the caller's transaction, and one `case_erasures` row stays (the fact, for the
laptops that still hold it). Crypto-shredding: with every grant gone, a stray copy of a revision (a
backup, a laptop not yet told) can only be opened with a key that a member's laptop erases too."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from leerrecht_core import protocol_lifecycle as pl
from leerrecht_server.crud.access_log import erase_case_entries
from leerrecht_server.crud.blobs import erase_case_attachments
from leerrecht_server.crud.devices import Caller
from leerrecht_server.db import SeqAllocator, now_iso
from leerrecht_server.tables import (
    case_erasures,
    cases,
    held_apart,
    key_grants,
    memberships,
    record_heads,
    retention_holds,
    revisions,
)


def erase_case(conn: Connection, case_id: str, *, cause: pl.Cause, erased_by: str | None = None,
               signature: bytes | None = None, reason: str | None = None, closed_days: int | None = None,
               closed_on: str | None = None) -> int:
    """Erase a registered case (the caller checked who may). Returns the erasure's feed seq. The audit
    entry is the caller's to write, with its actor."""
    case = conn.execute(sa.select(cases).where(cases.c.case_id == case_id)).one()
    holders = sorted({r[0] for r in conn.execute(
        sa.select(memberships.c.user_id).where(memberships.c.case_id == case_id))})
    seqs = SeqAllocator(conn)
    seq = seqs.take()
    for table in (revisions, record_heads, key_grants, memberships, held_apart, retention_holds):
        conn.execute(table.delete().where(table.c.case_id == case_id))
    erase_case_entries(conn, case_id)  # the laptops' access entries of it (crud/access_log.py)
    erase_case_attachments(conn, case_id)  # its attachments and their chunks (crud/blobs.py)
    conn.execute(cases.delete().where(cases.c.case_id == case_id))
    conn.execute(case_erasures.insert().values(
        case_id=case_id, team_id=case.team_id, seq=seq, erased_at=now_iso(), cause=cause, erased_by=erased_by,
        signature=signature, reason=reason, closed_days=closed_days, closed_on=closed_on,
        member_ids=" ".join(holders)))
    seqs.flush()
    return seq


def find_erasure(conn: Connection, case_id: str) -> Any:
    """The erasure of this case id, if it was erased: such an id is never registered or pushed to again."""
    return conn.execute(sa.select(case_erasures).where(case_erasures.c.case_id == case_id)).first()


# The one reason a push or a hand-in of an erased case's revision gets, and the answer to registering
# or erasing it again, for those who held it (or coordinate its team); anyone else hears "no such case".
CASE_ERASED = "case erased"


def told_of(row: Any, c: Caller) -> bool:
    """Whether the caller held the erased case, or coordinates its team: they hear of its erasure (the
    feed, a refusal naming it); anyone else gets the answer for an id they can't see."""
    return c.user_id in str(row.member_ids).split() or (c.role == "coordinator" and c.team_id == row.team_id)


def erased_for(conn: Connection, case_id: str, c: Caller) -> bool:
    """This case id was erased and the caller may be told so."""
    row = find_erasure(conn, case_id)
    return row is not None and told_of(row, c)


def feed(conn: Connection, c: Caller, after: int, high: int, limit: int) -> Sequence[Any]:
    """Up to limit + 1 erasures in (after, high] of cases the caller held or, for a coordinator, of their
    team, in seq order."""
    padded = sa.literal(" ") + case_erasures.c.member_ids + sa.literal(" ")
    told: sa.ColumnElement[bool] = padded.like(f"% {c.user_id} %")
    if c.role == "coordinator":
        told = sa.or_(told, case_erasures.c.team_id == c.team_id)
    return conn.execute(sa.select(case_erasures).where(
        case_erasures.c.seq > after, case_erasures.c.seq <= high, told)
        .order_by(case_erasures.c.seq).limit(limit + 1)).all()


def to_event(row: Any) -> pl.ErasureEvent:
    return pl.ErasureEvent(
        seq=row.seq, case_id=row.case_id, erased_at=row.erased_at, cause=row.cause, erased_by=row.erased_by,
        signature=None if row.signature is None else bytes(row.signature), reason=row.reason,
        closed_days=row.closed_days, closed_on=row.closed_on)


def erasure_mark(conn: Connection, high: int) -> int:
    """The newest erasure's sequence number up to `high` (0: none), for the pull page (one indexed
    max). Every device learns it: how many erasures the organisation made, no case or team."""
    value = conn.execute(sa.select(sa.func.max(case_erasures.c.seq)).where(case_erasures.c.seq <= high)).scalar()
    return int(value or 0)
