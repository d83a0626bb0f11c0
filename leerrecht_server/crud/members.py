"""Membership events: adding and removing a user, each with its own sequence number (pull serves
them in order with the revisions)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Connection

from leerrecht_server.tables import memberships


def add_membership(conn: Connection, case_id: str, user_id: str, seq: int, added_by: str | None = None) -> None:
    conn.execute(memberships.insert().values(case_id=case_id, user_id=user_id, added_seq=seq, removed_seq=None,
                                             added_by=added_by))


def newest_added_by(conn: Connection, case_id: str, adder: str, exclude: set[str]) -> str | None:
    """The current member `adder` added last to the case, leaving out `exclude`; None if none."""
    row = conn.execute(sa.select(memberships.c.user_id).where(
        memberships.c.case_id == case_id, memberships.c.added_by == adder, memberships.c.removed_seq.is_(None),
        memberships.c.user_id.not_in(exclude) if exclude else sa.true())
        .order_by(memberships.c.added_seq.desc()).limit(1)).first()
    return None if row is None else str(row[0])


def was_ever_member(conn: Connection, case_id: str, user_id: str) -> bool:
    return conn.execute(sa.select(memberships.c.id).where(
        memberships.c.case_id == case_id, memberships.c.user_id == user_id)).first() is not None


def end_membership(conn: Connection, case_id: str, user_id: str, seq: int, *, by: str | None = None,
                   key_version: int | None = None, signature: bytes | None = None,
                   team_id: str | None = None) -> None:
    """End a membership with its proof (who, the new key version, their signature; the receiving team
    for a transfer), served with the "removed" event. Without a signature no proof is stored."""
    proof = {} if signature is None else {"removed_by": by, "removed_key_version": key_version,
                                          "removed_signature": signature, "removed_team_id": team_id}
    conn.execute(memberships.update().where(
        memberships.c.case_id == case_id, memberships.c.user_id == user_id,
        memberships.c.removed_seq.is_(None)).values(removed_seq=seq, **proof))
