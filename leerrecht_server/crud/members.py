"""Membership events: adding and removing a user, each with its own sequence number (pull serves
them in order with the revisions)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Connection

from leerrecht_server.tables import memberships


def add_membership(conn: Connection, case_id: str, user_id: str, seq: int) -> None:
    conn.execute(memberships.insert().values(case_id=case_id, user_id=user_id, added_seq=seq, removed_seq=None))


def was_ever_member(conn: Connection, case_id: str, user_id: str) -> bool:
    return conn.execute(sa.select(memberships.c.id).where(
        memberships.c.case_id == case_id, memberships.c.user_id == user_id)).first() is not None


def end_membership(conn: Connection, case_id: str, user_id: str, seq: int) -> None:
    conn.execute(memberships.update().where(
        memberships.c.case_id == case_id, memberships.c.user_id == user_id,
        memberships.c.removed_seq.is_(None)).values(removed_seq=seq))
