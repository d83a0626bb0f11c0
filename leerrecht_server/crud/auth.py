"""Accounts: enrolment, the login check's rows, the failed-attempt counter, passphrase changes."""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from leerrecht_core import protocol as p
from leerrecht_server.crud.audit import audit
from leerrecht_server.crud.user_keys import record_keys
from leerrecht_server.tables import login_attempts, users


def prelogin_row(conn: Connection, username: str) -> Any:
    return conn.execute(sa.select(users.c.kdf, users.c.status).where(users.c.username == username)).first()


def login_row(conn: Connection, username: str) -> Any:
    return conn.execute(sa.select(users.c.auth_hash, users.c.auth_params, users.c.status)
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
        status=status, enrolment_code_hash=None, enrolment_expires=None))
    record_keys(conn, user_id, body.exchange_public, body.signing_public)


def failed_attempts(conn: Connection, username: str, ip: str, since: float) -> tuple[int, int]:
    """Failed attempts since `since` (epoch seconds): (for this user name, from this address)."""
    per_user = conn.execute(sa.select(sa.func.count()).select_from(login_attempts).where(
        login_attempts.c.username == username, login_attempts.c.at > since)).scalar_one()
    per_ip = conn.execute(sa.select(sa.func.count()).select_from(login_attempts).where(
        login_attempts.c.ip == ip, login_attempts.c.at > since)).scalar_one()
    return int(per_user), int(per_ip)


def record_failure(conn: Connection, username: str, ip: str, action: str, window_seconds: float) -> None:
    now = time.time()
    conn.execute(login_attempts.insert().values(username=username, ip=ip, at=now))
    # Keep the table small: what is older than the window no longer counts.
    conn.execute(login_attempts.delete().where(login_attempts.c.at < now - 2 * window_seconds))
    audit(conn, action, actor=username, ip=ip)


def clear_failures(conn: Connection, username: str) -> None:
    conn.execute(login_attempts.delete().where(login_attempts.c.username == username))


def change_passphrase(conn: Connection, user_id: str, body: p.PassphraseChange, auth_hash: bytes,
                      auth_params: str) -> None:
    conn.execute(users.update().where(users.c.user_id == user_id).values(
        kdf=body.kdf.model_dump_json(), auth_hash=auth_hash, auth_params=auth_params,
        wrapped_secrets=body.wrapped_secrets))
