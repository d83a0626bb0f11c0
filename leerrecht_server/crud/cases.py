"""Cases, their memberships and the key grants wrapped for each member."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from leerrecht_core import protocol as p
from leerrecht_server.db import now_iso
from leerrecht_server.tables import cases, key_grants, memberships


def find_case(conn: Connection, case_id: str) -> Any:
    return conn.execute(sa.select(cases).where(cases.c.case_id == case_id)).first()


def is_member(conn: Connection, case_id: str, user_id: str) -> bool:
    return conn.execute(sa.select(memberships.c.id).where(
        memberships.c.case_id == case_id, memberships.c.user_id == user_id,
        memberships.c.removed_seq.is_(None))).first() is not None


def current_members(conn: Connection, case_id: str) -> list[str]:
    # A set: a recovered user has a second current row (recover-user starts a new span of access,
    # so their laptop hears of the case again as "added").
    return sorted({r[0] for r in conn.execute(sa.select(memberships.c.user_id).where(
        memberships.c.case_id == case_id, memberships.c.removed_seq.is_(None)))})


def member_case_ids(conn: Connection, case_ids: list[str], user_id: str) -> set[str]:
    """Which of `case_ids` the user is a current member of."""
    return set(conn.execute(sa.select(memberships.c.case_id).where(
        memberships.c.case_id.in_(case_ids), memberships.c.user_id == user_id,
        memberships.c.removed_seq.is_(None))).scalars())


def case_state(conn: Connection, case_id: str, user_id: str) -> p.CaseState:
    case = conn.execute(sa.select(cases).where(cases.c.case_id == case_id)).one()
    grants = conn.execute(sa.select(key_grants).where(
        key_grants.c.case_id == case_id, key_grants.c.recipient_id == user_id)
        .order_by(key_grants.c.key_version)).all()
    registered = conn.execute(sa.select(sa.func.min(memberships.c.added_seq))
                              .where(memberships.c.case_id == case_id)).scalar()
    return p.CaseState(case_id=case_id, team_id=case.team_id, members=current_members(conn, case_id),
                       key_version=case.key_version, registered_seq=registered,
                       grants=[p.KeyGrant(recipient_id=g.recipient_id, key_version=g.key_version,
                                          ephemeral_public=g.ephemeral_public, ciphertext=g.ciphertext,
                                          granted_by=g.granted_by, signature=g.signature) for g in grants])


def create_case(conn: Connection, case_id: str, team_id: str, owner_id: str | None) -> None:
    conn.execute(cases.insert().values(case_id=case_id, team_id=team_id, key_version=1, created_at=now_iso(),
                                       owner_id=owner_id))


def owner(conn: Connection, case: Any) -> str | None:
    """The case's owner while they are a current member; None otherwise (then only the team's
    coordinators manage its members)."""
    if case.owner_id is None or not is_member(conn, case.case_id, case.owner_id):
        return None
    return str(case.owner_id)


def set_owner(conn: Connection, case_id: str, owner_id: str | None) -> None:
    conn.execute(cases.update().where(cases.c.case_id == case_id).values(owner_id=owner_id))


def held_versions(conn: Connection, case_id: str, user_id: str) -> set[int]:
    """The key versions of the case the server holds a grant of for this user: what they provably
    received (a grant wrapped for them, by a member or by the recovery)."""
    return set(conn.execute(sa.select(key_grants.c.key_version).where(
        key_grants.c.case_id == case_id, key_grants.c.recipient_id == user_id)).scalars())


def set_key_version(conn: Connection, case_id: str, key_version: int) -> None:
    conn.execute(cases.update().where(cases.c.case_id == case_id).values(key_version=key_version))


def store_grants(conn: Connection, case_id: str, grants: list[p.KeyGrant]) -> None:
    for g in grants:
        conn.execute(key_grants.delete().where(
            key_grants.c.case_id == case_id, key_grants.c.key_version == g.key_version,
            key_grants.c.recipient_id == g.recipient_id))
        conn.execute(key_grants.insert().values(
            case_id=case_id, key_version=g.key_version, recipient_id=g.recipient_id,
            ephemeral_public=g.ephemeral_public, ciphertext=g.ciphertext, granted_by=g.granted_by,
            signature=g.signature))
