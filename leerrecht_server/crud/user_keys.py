"""The history of each user's public keys: the current pair, and those a reset retired."""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy import Connection

from leerrecht_server.db import now_iso
from leerrecht_server.tables import user_keys


def record_keys(conn: Connection, user_id: str, exchange_public: bytes, signing_public: bytes) -> None:
    """The user's new key pair becomes the current one; the one before it is retired, kept."""
    now = now_iso()
    conn.execute(user_keys.update().where(user_keys.c.user_id == user_id, user_keys.c.retired_at.is_(None))
                 .values(retired_at=now))
    conn.execute(user_keys.insert().values(user_id=user_id, exchange_public=exchange_public,
                                           signing_public=signing_public, created_at=now, retired_at=None))


def former_signing_keys(conn: Connection, user_ids: list[str]) -> dict[str, list[bytes]]:
    """Each user's retired signing keys, newest first (users with none are left out)."""
    found: dict[str, list[bytes]] = defaultdict(list)
    if not user_ids:
        return found
    rows = conn.execute(sa.select(user_keys.c.user_id, user_keys.c.signing_public).where(
        user_keys.c.user_id.in_(user_ids), user_keys.c.retired_at.is_not(None))
        .order_by(user_keys.c.retired_at.desc(), user_keys.c.id.desc()))
    for r in rows:
        key = bytes(r.signing_public)
        if key not in found[r.user_id]:
            found[r.user_id].append(key)
    return found
