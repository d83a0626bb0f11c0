"""Devices: the bearer token a laptop presents, the session that creates one, when it was last seen."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from leerrecht_core import protocol as p
from leerrecht_server import security
from leerrecht_server.crud.org import recovery_public, server_identity_public
from leerrecht_server.db import now_iso
from leerrecht_server.tables import devices, teams, users


@dataclass(frozen=True)
class Caller:
    """The authenticated device of a request, and its user."""

    device_id: str
    user_id: str
    username: str
    role: str
    team_id: str
    signing_public: bytes
    ip: str


def device_by_token(conn: Connection, token: str) -> Any:
    """The device row with its user's name, role, team, signing key and status; None if unknown."""
    return conn.execute(
        sa.select(devices, users.c.username, users.c.role, users.c.team_id, users.c.signing_public,
                  users.c.status)
        .join(users, users.c.user_id == devices.c.user_id)
        .where(devices.c.token_hash == security.hash_token(token))
    ).first()


def touch_last_seen(conn: Connection, device_id: str, *, app_version: str | None = None,
                    unsent: int | None = None) -> None:
    """Last contact now, with what the laptop reported (a value it did not send stays as it was)."""
    values: dict[str, Any] = {"last_seen": now_iso()}
    if app_version is not None:
        values["app_version"] = app_version
    if unsent is not None:
        values["unsent_reported"] = unsent
    conn.execute(devices.update().where(devices.c.device_id == device_id).values(**values))


def new_session(conn: Connection, username: str, device_name: str, *,
                minted_by: str | None = None) -> p.SessionResponse:
    """A new device for `username` and everything a laptop needs to work as that user. `minted_by`:
    the device whose passphrase change set the auth key this login used (revoked along with it)."""
    user = conn.execute(sa.select(users, teams.c.name.label("team_name"))
                        .join(teams, teams.c.team_id == users.c.team_id)
                        .where(users.c.username == username)).one()
    token = security.new_device_token()
    device_id = str(uuid.uuid4())
    conn.execute(devices.insert().values(device_id=device_id, user_id=user.user_id,
                                         token_hash=security.hash_token(token), name=device_name,
                                         created_at=now_iso(), last_seen=now_iso(), revoked_at=None,
                                         state="active", minted_by=minted_by))
    return p.SessionResponse(
        user=p.UserInfo(user_id=user.user_id, username=user.username, display_name=user.display_name,
                        role=user.role, team_id=user.team_id, team_name=user.team_name),
        device_id=device_id, device_token=token, kdf=p.KdfJson.model_validate_json(user.kdf),
        wrapped_secrets=user.wrapped_secrets, exchange_public=user.exchange_public,
        signing_public=user.signing_public, recovery_public=recovery_public(conn),
        server_identity=server_identity_public(conn))


def replace_other_devices(conn: Connection, user_id: str, keep_device_id: str) -> int:
    """After a passphrase change: every other token of the account stops working. Its laptops become
    *replaced* (they push what they had not sent, then stop; they never wipe: they may be the user's
    own). Returns how many."""
    return int(conn.execute(devices.update().where(
        devices.c.user_id == user_id, devices.c.device_id != keep_device_id, devices.c.state == "active",
        devices.c.revoked_at.is_(None)).values(state="replaced")).rowcount)


def revoke_with_descendants(conn: Connection, device_id: str) -> list[str]:
    """Revoke `device_id` and every device minted from it (logged in with an auth key its passphrase
    change set), and theirs in turn. Returns the ids newly revoked besides `device_id` itself."""
    now = now_iso()
    conn.execute(devices.update().where(devices.c.device_id == device_id, devices.c.revoked_at.is_(None))
                 .values(revoked_at=now, state="revoked"))
    seen, frontier, also = {device_id}, [device_id], []
    while frontier:
        children = [r[0] for r in conn.execute(sa.select(devices.c.device_id).where(
            devices.c.minted_by.in_(frontier)))]
        frontier = [c for c in children if c not in seen]
        seen.update(frontier)
        if frontier:
            newly = [r[0] for r in conn.execute(sa.select(devices.c.device_id).where(
                devices.c.device_id.in_(frontier), devices.c.revoked_at.is_(None)))]
            conn.execute(devices.update().where(devices.c.device_id.in_(frontier), devices.c.revoked_at.is_(None))
                         .values(revoked_at=now, state="revoked"))
            also += newly
    return also
