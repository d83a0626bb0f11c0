"""The server's identity (its Ed25519 public key), pinned at enrolment or login from the session answer:
a `device_revoked` answer is acted on (erase) only when it carries a signature by that key over this
device's id and the time of the revocation (docs/threat-model.md section 12)."""

from __future__ import annotations

from sqlalchemy import Engine, select, update

from leerrecht_desktop.store import tables as t
from leerrecht_desktop.store.database import write_transaction


def pin(engine: Engine, public: bytes | None) -> None:
    """Pin the identity of the server this laptop just enrolled or logged in with (None: a server that has
    none, e.g. an older version; a revocation it answers then erases nothing)."""
    with write_transaction(engine) as conn:
        conn.execute(update(t.sync_state).values(server_identity=public))


def pinned(engine: Engine) -> bytes | None:
    with engine.connect() as conn:
        value = conn.execute(select(t.sync_state.c.server_identity)).scalar()
    return None if value is None else bytes(value)
