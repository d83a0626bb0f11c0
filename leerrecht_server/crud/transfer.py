"""Handing cases on: who a caller may name (people), the public keys a caller needs beyond their
own team (other teams' coordinators for a transfer; the authors and granters of the caller's cases),
and moving a case to another team."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from leerrecht_server.crud.devices import Caller
from leerrecht_server.crud.members import end_membership
from leerrecht_server.tables import LISTED_STATUSES, cases, key_grants, memberships, revisions, teams, users


def people(conn: Connection, c: Caller) -> Sequence[Any]:
    """The enrolled, active users of the caller's team; for a coordinator also the coordinators of the
    other teams (the ones a case can be transferred to). Nobody else."""
    visible = users.c.team_id == c.team_id
    if c.role == "coordinator":
        visible = sa.or_(visible, users.c.role == "coordinator")
    return conn.execute(
        sa.select(users.c.user_id, users.c.username, users.c.display_name, users.c.role, users.c.team_id,
                  teams.c.name.label("team_name"))
        .join(teams, teams.c.team_id == users.c.team_id)
        .where(visible, users.c.status == "active", users.c.user_id.is_not(None))
        .order_by(teams.c.name, users.c.username)).all()


def outside_directory(conn: Connection, c: Caller) -> Sequence[Any]:
    """Directory rows beyond the caller's team's active users: for a coordinator, the other teams'
    active coordinators (to wrap a transferred case's key for); for everyone, whoever wrote in or
    granted a key of a case the caller is a member of now (to verify those signatures: a case that
    came from another team, or a colleague who left or moved)."""
    mine = sa.select(memberships.c.case_id).where(memberships.c.user_id == c.user_id,
                                                  memberships.c.removed_seq.is_(None))
    authors = sa.select(revisions.c.author_id).where(revisions.c.case_id.in_(mine))
    granters = sa.select(key_grants.c.granted_by).where(key_grants.c.case_id.in_(mine),
                                                        key_grants.c.recipient_id == c.user_id)
    # A disabled account stays out (the directory has no status field yet, so a disabled teammate listed
    # here would be offered for sharing); laptops that met them keep their keys in known_keys.
    wanted = sa.and_(sa.or_(users.c.user_id.in_(authors), users.c.user_id.in_(granters)),
                     users.c.status != "disabled")
    if c.role == "coordinator":
        wanted = sa.or_(wanted, sa.and_(users.c.role == "coordinator", users.c.status == "active"))
    # The own team as team_directory lists it (also reset users), so nobody is listed twice.
    own_team = sa.and_(users.c.team_id == c.team_id, users.c.status.in_(LISTED_STATUSES))
    return conn.execute(sa.select(users).where(
        users.c.user_id.is_not(None), users.c.exchange_public.is_not(None), ~own_team, wanted)
        .order_by(users.c.username)).all()


def team_exists(conn: Connection, team_id: str) -> bool:
    return conn.execute(sa.select(teams.c.team_id).where(teams.c.team_id == team_id)).first() is not None


def move_case(conn: Connection, case_id: str, team_id: str, key_version: int, removed: dict[str, int],
              added: dict[str, int], added_by: str, signature: bytes | None = None) -> None:
    """The case to `team_id` at `key_version`: each membership in `removed` (user id -> the sequence
    number of its end) ends, with the coordinator's signature of the transfer as its proof, each user
    in `added` (user id -> sequence number) becomes a member, added by `added_by`."""
    for user_id, seq in removed.items():
        end_membership(conn, case_id, user_id, seq, by=added_by, key_version=key_version, signature=signature,
                       team_id=team_id)
    for user_id, seq in added.items():
        conn.execute(memberships.insert().values(case_id=case_id, user_id=user_id, added_seq=seq, removed_seq=None,
                                                 added_by=added_by))
    # No owner in the receiving team until one of its coordinators gives the case to a worker.
    conn.execute(cases.update().where(cases.c.case_id == case_id).values(team_id=team_id, key_version=key_version,
                                                                        owner_id=None))
