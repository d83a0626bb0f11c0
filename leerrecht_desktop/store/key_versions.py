"""The newest key version the server has shown for each case, against the keys this laptop holds
(issue 12 finding 6, docs/sync-client.md "Key versions"). A save seals under the newest key held; a
change sealed under a key older than the newest seen is never pushed (the key was rotated because a
member was taken off, who still holds the old one): it is sealed again once the newer key is here, and
waits on the laptop, readable, while the server withholds it.

What is seen is a claim of the server (a case state) or of a pulled revision's header: a higher number
than the truth only makes the laptop hold its changes, which a server that refuses to answer can do
anyway; it is never lowered."""

from __future__ import annotations

from sqlalchemy import Connection, Engine, and_, func, or_, select, update

from leerrecht_desktop.store import tables as t
from leerrecht_desktop.store.locked_outbox import PENDING


def note_seen(conn: Connection, case_id: str, version: int) -> None:
    """The server showed key version `version` of a registered case: remember it if it is newer."""
    col = t.sync_cases.c.key_version_seen
    conn.execute(update(t.sync_cases).where(t.sync_cases.c.case_id == case_id,
                                            or_(col.is_(None), col < version)).values(key_version_seen=version))


def behind(engine: Engine, user_id: str) -> dict[str, int]:
    """Cases whose newest key seen is newer than the newest key of theirs this user holds: case id ->
    the version seen."""
    held = (select(t.case_keys.c.case_id, func.max(t.case_keys.c.key_version).label("newest"))
            .where(t.case_keys.c.recipient_id == user_id).group_by(t.case_keys.c.case_id).subquery())
    query = (select(t.sync_cases.c.case_id, t.sync_cases.c.key_version_seen)
             .outerjoin(held, held.c.case_id == t.sync_cases.c.case_id)
             .where(t.sync_cases.c.key_version_seen.is_not(None),
                    or_(held.c.newest.is_(None), held.c.newest < t.sync_cases.c.key_version_seen)))
    with engine.connect() as conn:
        return {r.case_id: int(r.key_version_seen) for r in conn.execute(query)}


def unsent_under_older(engine: Engine, user_id: str) -> list[str]:
    """Cases with an unsent revision sealed under an older key than the newest this user holds."""
    held = (select(t.case_keys.c.case_id, func.max(t.case_keys.c.key_version).label("newest"))
            .where(t.case_keys.c.recipient_id == user_id).group_by(t.case_keys.c.case_id).subquery())
    query = (select(t.records.c.case_id).distinct()
             .join(t.outbox, t.outbox.c.revision_id == t.records.c.revision_id)
             .join(held, held.c.case_id == t.records.c.case_id)
             .where(and_(t.outbox.c.state == PENDING, t.records.c.key_version < held.c.newest))
             .order_by(t.records.c.case_id))
    with engine.connect() as conn:
        return list(conn.execute(query).scalars())
