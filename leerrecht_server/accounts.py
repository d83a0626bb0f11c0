"""`admin list-users`, `disable-user`, `move-user`: accounts for people who leave or change team.

A disabled user can't log in, every laptop of theirs is revoked (it wipes at next contact), and
nothing they wrote is removed: their revisions, memberships and key history stay, so their cases can
be handed over and what they signed stays verifiable."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import Engine

from leerrecht_server.admin import AdminError, _audit
from leerrecht_server.db import now_iso, read_transaction, write_transaction
from leerrecht_server.tables import devices, teams, users


@dataclass(frozen=True)
class UserInfo:
    username: str
    role: str
    team: str
    status: str
    devices_active: int  # active or replaced (still able to push)
    devices_total: int
    last_sync: str | None  # the latest contact of any of their laptops


def list_users(engine: Engine) -> list[UserInfo]:
    with read_transaction(engine) as conn:
        active = sa.func.sum(sa.case((devices.c.state != "revoked", 1), else_=0))
        rows = conn.execute(
            sa.select(users.c.username, users.c.role, teams.c.name, users.c.status,
                      sa.func.coalesce(active, 0), sa.func.count(devices.c.device_id), sa.func.max(devices.c.last_seen))
            .join(teams, teams.c.team_id == users.c.team_id)
            .outerjoin(devices, devices.c.user_id == users.c.user_id)
            .group_by(users.c.username, users.c.role, teams.c.name, users.c.status)
            .order_by(users.c.username)).all()
    return [UserInfo(r[0], r[1], r[2], r[3], int(r[4]), int(r[5]), r[6]) for r in rows]


def disable_user(engine: Engine, username: str, *, actor: str = "admin", ip: str | None = None) -> int:
    """Login refused, every device revoked, any enrolment code void; history kept. Returns the
    number of devices revoked now."""
    with write_transaction(engine) as conn:
        row = conn.execute(sa.select(users.c.user_id, users.c.status).where(users.c.username == username)).first()
        if row is None:
            raise AdminError(f"no user {username!r}")
        revoked = 0
        if row.user_id:
            revoked = conn.execute(devices.update().where(devices.c.user_id == row.user_id,
                                                          devices.c.state != "revoked")
                                   .values(state="revoked", revoked_at=now_iso())).rowcount
        conn.execute(users.update().where(users.c.username == username).values(
            status="disabled", enrolment_code_hash=None, enrolment_expires=None))
        _audit(conn, "disable_user", f"user {username} devices_revoked {revoked}", actor=actor, ip=ip,
               user_id=row.user_id)
    return revoked


def move_user(engine: Engine, username: str, team: str, *, actor: str = "admin", ip: str | None = None) -> str:
    """Into another team (by name or id). Their existing cases stay in their team and shared with
    them until a coordinator hands them over; new cases are in the new team."""
    with write_transaction(engine) as conn:
        row = conn.execute(sa.select(users.c.team_id, users.c.user_id).where(users.c.username == username)).first()
        if row is None:
            raise AdminError(f"no user {username!r}")
        team_row = conn.execute(sa.select(teams.c.team_id, teams.c.name).where(
            sa.or_(teams.c.name == team, teams.c.team_id == team))).first()
        if team_row is None:
            raise AdminError(f"no team {team!r}; create it first with create-team")
        if team_row.team_id == row.team_id:
            raise AdminError(f"user {username!r} is already in team {team_row.name!r}")
        conn.execute(users.update().where(users.c.username == username).values(team_id=team_row.team_id))
        _audit(conn, "move_user", f"user {username} team {team_row.team_id}", actor=actor, ip=ip,
               user_id=row.user_id)
    return str(team_row.name)
