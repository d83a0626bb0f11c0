"""Organisation-wide settings (the recovery key's public half, the server secret)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Connection

from leerrecht_server.tables import org_settings


def setting(conn: Connection, key: str) -> str | None:
    row = conn.execute(sa.select(org_settings.c.value).where(org_settings.c.key == key)).first()
    return row[0] if row else None


def recovery_public(conn: Connection) -> bytes | None:
    value = setting(conn, "recovery_public")
    return bytes.fromhex(value) if value else None
