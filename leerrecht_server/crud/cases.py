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
    (state,) = case_states(conn, [case_id], user_id)
    return state


_IN_BATCH = 500  # ids per IN (...): under SQLite's and PostgreSQL's parameter limits, few round trips


def case_states(conn: Connection, case_ids: list[str], user_id: str) -> list[p.CaseState]:
    """The state of each existing case of `case_ids` (in that order): its team, current members, key
    version, first registration and the user's key grants. Three queries per 500 cases rather than four
    per case: a coordinator's first pull asks for hundreds at once (POST /v1/case-states; the load test
    found the per-case queries a fifth of the server's time)."""
    found: list[p.CaseState] = []
    for start in range(0, len(case_ids), _IN_BATCH):
        batch = case_ids[start:start + _IN_BATCH]
        rows = {r.case_id: r for r in conn.execute(sa.select(cases).where(cases.c.case_id.in_(batch)))}
        grants: dict[str, list[p.KeyGrant]] = {}
        for g in conn.execute(sa.select(key_grants).where(key_grants.c.case_id.in_(batch),
                                                          key_grants.c.recipient_id == user_id)
                              .order_by(key_grants.c.case_id, key_grants.c.key_version)):
            grants.setdefault(g.case_id, []).append(p.KeyGrant(
                recipient_id=g.recipient_id, key_version=g.key_version, ephemeral_public=g.ephemeral_public,
                ciphertext=g.ciphertext, granted_by=g.granted_by, signature=g.signature))
        members: dict[str, set[str]] = {}
        registered: dict[str, int] = {}
        for m in conn.execute(sa.select(memberships.c.case_id, memberships.c.user_id, memberships.c.added_seq,
                                        memberships.c.removed_seq).where(memberships.c.case_id.in_(batch))):
            if m.added_seq is not None and (m.case_id not in registered or m.added_seq < registered[m.case_id]):
                registered[m.case_id] = m.added_seq
            if m.removed_seq is None:
                # A set: a recovered user has a second current row (see current_members).
                members.setdefault(m.case_id, set()).add(m.user_id)
        for case_id in batch:
            case = rows.get(case_id)
            if case is None:
                continue
            found.append(p.CaseState(case_id=case_id, team_id=case.team_id,
                                     members=sorted(members.get(case_id, ())), key_version=case.key_version,
                                     registered_seq=registered.get(case_id), grants=grants.get(case_id, [])))
    return found


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
