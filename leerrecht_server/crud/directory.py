"""A team's enrolled users: the directory a laptop wraps case keys for."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from leerrecht_server.tables import LISTED_STATUSES, users


def team_directory(conn: Connection, team_id: str) -> Sequence[Any]:
    return conn.execute(sa.select(users).where(
        users.c.team_id == team_id, users.c.status.in_(LISTED_STATUSES), users.c.user_id.is_not(None))
        .order_by(users.c.username)).all()


def team_user_ids(conn: Connection, team_id: str, *, role: str | None = None) -> set[str]:
    q = sa.select(users.c.user_id).where(users.c.team_id == team_id, users.c.status.in_(LISTED_STATUSES),
                                         users.c.user_id.is_not(None))
    if role:
        q = q.where(users.c.role == role)
    return {r[0] for r in conn.execute(q)}


def disabled_user_ids(conn: Connection, user_ids: list[str]) -> set[str]:
    """Which of these users are disabled (they get no new case keys; their memberships stay)."""
    if not user_ids:
        return set()
    return set(conn.execute(sa.select(users.c.user_id).where(
        users.c.user_id.in_(user_ids), users.c.status == "disabled")).scalars())
