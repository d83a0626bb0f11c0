"""Accounts: enrolment, the login check's rows, the attempt counters, passphrase changes."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from leerrecht_core import protocol as p
from leerrecht_server.crud.user_keys import record_keys
from leerrecht_server.tables import auth_throttle, devices, users


def prelogin_row(conn: Connection, username: str) -> Any:
    return conn.execute(sa.select(users.c.kdf, users.c.status).where(users.c.username == username)).first()


def login_row(conn: Connection, username: str) -> Any:
    """The auth hash to check, and whether the device that set it (by a passphrase change) is revoked."""
    setter = devices.alias("setter")
    return conn.execute(
        sa.select(users.c.auth_hash, users.c.auth_params, users.c.status, users.c.auth_set_by,
                  setter.c.state.label("setter_state"))
        .outerjoin(setter, setter.c.device_id == users.c.auth_set_by)
        .where(users.c.username == username)).first()


def user_row(conn: Connection, username: str) -> Any:
    return conn.execute(sa.select(users).where(users.c.username == username)).first()


def profile_id_taken(conn: Connection, user_id: str, username: str) -> bool:
    """Whether another account already holds this profile id."""
    return conn.execute(sa.select(users.c.username).where(
        users.c.user_id == user_id, users.c.username != username)).first() is not None


def complete_enrolment(conn: Connection, body: p.EnrolRequest, auth_hash: bytes, auth_params: str, *,
                       user_id: str, status: str) -> None:
    """Store the enrolling laptop's keys, KDF, auth key and wrapped secrets for `user_id` (the
    server's id of the user: after a reset, whatever the body carries) and retire any earlier keys."""
    conn.execute(users.update().where(users.c.username == body.username).values(
        user_id=user_id, display_name=body.display_name, kdf=body.kdf.model_dump_json(),
        auth_hash=auth_hash, auth_params=auth_params, wrapped_secrets=body.wrapped_secrets,
        exchange_public=body.exchange_public, signing_public=body.signing_public,
        status=status, enrolment_code_hash=None, enrolment_expires=None, auth_set_by=None))
    record_keys(conn, user_id, body.exchange_public, body.signing_public)


@dataclass(frozen=True)
class Limit:
    """One limited key (already HMAC'd, security.throttle_key) and how many attempts it allows per window."""

    key_hash: str
    limit: int


def take_attempt(conn: Connection, limits: list[Limit], window_seconds: float) -> bool:
    """Count one attempt against every limit, before any slow work; False (and the caller rolls the
    transaction back) when one of them is used up. Each count is a single conditional UPDATE, so
    concurrent requests in any number of processes can never take more than `limit` between them:
    on PostgreSQL the row lock makes a second UPDATE wait and re-check its WHERE on the committed
    row; on SQLite the write transaction (BEGIN IMMEDIATE) runs them one at a time. A window is
    fixed: it starts at the first attempt and the count starts again once it has passed. Callers
    take their keys in one order (the user's key, then the address's), so two never wait on each other."""
    now = time.time()
    for lim in limits:
        if not _take_one(conn, lim, now, now - window_seconds):
            return False
    # Keep the table small: a counter whose window is long over counts nothing. Rows another request
    # holds are skipped (PostgreSQL), so pruning never waits on, or deadlocks with, a request.
    stale = (sa.select(auth_throttle.c.key_hash).where(auth_throttle.c.window_start < now - 2 * window_seconds)
             .with_for_update(skip_locked=True))
    conn.execute(auth_throttle.delete().where(auth_throttle.c.key_hash.in_(stale)))
    return True


def _take_one(conn: Connection, lim: Limit, now: float, expired: float) -> bool:
    key = auth_throttle.c.key_hash == lim.key_hash
    for _ in range(3):
        restart = auth_throttle.c.window_start <= expired
        taken = conn.execute(auth_throttle.update().where(key, sa.or_(restart, auth_throttle.c.hits < lim.limit))
                             .values(hits=sa.case((restart, 1), else_=auth_throttle.c.hits + 1),
                                     window_start=sa.case((restart, now), else_=auth_throttle.c.window_start)))
        if taken.rowcount == 1:
            return True
        insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        # RETURNING, not rowcount: through SQLAlchemy, psycopg reports -1 here, inserted or skipped.
        inserted = conn.execute(insert(auth_throttle).values(key_hash=lim.key_hash, hits=1, window_start=now)
                                .on_conflict_do_nothing(index_elements=[auth_throttle.c.key_hash])
                                .returning(auth_throttle.c.key_hash)).first()
        if inserted is not None:
            return True
        # The row exists: used up, or another request inserted it just now (then the UPDATE sees it).
    return False


def give_back(conn: Connection, key_hash: str) -> None:
    """An attempt that succeeded was no failure: one less against this key."""
    conn.execute(auth_throttle.update().where(auth_throttle.c.key_hash == key_hash, auth_throttle.c.hits > 0)
                 .values(hits=auth_throttle.c.hits - 1))


def clear_attempts(conn: Connection, key_hash: str) -> None:
    """The right credentials for this key: its earlier failures no longer count."""
    conn.execute(auth_throttle.delete().where(auth_throttle.c.key_hash == key_hash))


def proof_row(conn: Connection, user_id: str) -> Any:
    """What a passphrase change is checked against: the account's current auth hash."""
    return conn.execute(sa.select(users.c.username, users.c.auth_hash, users.c.auth_params)
                        .where(users.c.user_id == user_id)).first()


def change_passphrase(conn: Connection, user_id: str, body: p.PassphraseChange, auth_hash: bytes,
                      auth_params: str, *, proven_hash: bytes, device_id: str) -> bool:
    """Store the new KDF, auth key and wrap, set by `device_id`, unless the auth key changed since
    the caller proved the old one (`proven_hash`): False then, nothing changed."""
    changed = conn.execute(users.update().where(users.c.user_id == user_id, users.c.auth_hash == proven_hash).values(
        kdf=body.kdf.model_dump_json(), auth_hash=auth_hash, auth_params=auth_params,
        wrapped_secrets=body.wrapped_secrets, auth_set_by=device_id)).rowcount
    return bool(changed == 1)
