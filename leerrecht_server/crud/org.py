"""Organisation-wide settings (the recovery key's public half, the server secret)."""

from __future__ import annotations

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import Connection

from leerrecht_core import protocol as p
from leerrecht_server.tables import org_settings


def setting(conn: Connection, key: str) -> str | None:
    row = conn.execute(sa.select(org_settings.c.value).where(org_settings.c.key == key)).first()
    return row[0] if row else None


def recovery_public(conn: Connection) -> bytes | None:
    value = setting(conn, "recovery_public")
    return bytes.fromhex(value) if value else None


def server_identity(conn: Connection) -> Ed25519PrivateKey | None:
    """The server's Ed25519 identity key (made by migration 0006), which proves a revocation."""
    value = setting(conn, "server_identity")
    return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(value)) if value else None


def server_identity_public(conn: Connection) -> bytes | None:
    key = server_identity(conn)
    return None if key is None else key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def revoked_proof(conn: Connection, device_id: str, revoked_at: str) -> p.RevokedProof | None:
    key = server_identity(conn)
    if key is None:
        return None
    return p.RevokedProof(device_id=device_id, revoked_at=revoked_at,
                          signature=key.sign(p.revoked_message(device_id, revoked_at)))
