"""The beheerder's accounts for the web console (/admin), apart from the workers' accounts: created
by `leerrecht-server admin create-admin NAME` with a one-time password, which the first login
replaces by a password of the admin's own choosing while enrolling a TOTP second factor.

Passwords are hashed with Argon2id from `cryptography` (security.hash_auth_key, the same function
that hashes the laptops' authentication keys): it is the library the server already trusts for every
other primitive, its Argon2id is OpenSSL's (3.2+), and it needs no second binding (argon2-cffi) to
keep up to date. The parameters are stored beside each hash, so stronger ones later lock nobody out.

The TOTP secret is sealed (AES-256-GCM) under a key derived from the server secret (org_settings),
bound to the admin's name. The server secret is in the same database: against a thief of the whole
database this is no protection, and docs/threat-model.md §14 says so; it keeps the secret out of a
dump of this table alone, and a sealed secret copied to another admin's row does not open there."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import time
import unicodedata
from dataclasses import dataclass
from typing import Any

import pyotp
import sqlalchemy as sa
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Connection, Engine

from leerrecht_server import security
from leerrecht_server.admin import AdminError, _audit
from leerrecht_server.core.config import CONSOLE_PASSWORD_HASH
from leerrecht_server.crud.org import setting
from leerrecht_server.db import now_iso, read_transaction, write_transaction
from leerrecht_server.security import AuthHashParams
from leerrecht_server.tables import admin_accounts, admin_sessions

NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{0,47}")
PASSWORD_MIN_LEN = 12
PASSWORD_MAX_LEN = 256
# A session in the login's intermediate stages (code to type, password and TOTP to set) lasts at most this.
PARTIAL_SESSION_SECONDS = 10 * 60
# Whatever the idle timeout, a session ends this long after its login.
MAX_SESSION_SECONDS = 12 * 3600
TOTP_ISSUER = "Leerrecht"
_TOTP_INFO = b"leerrecht/console-totp/v1"


def actor(name: str) -> str:
    """How the audit log names an admin acting in the console (never a worker's user name)."""
    return f"console:{name}"


def check_name(name: str) -> str:
    name = name.strip()
    if not NAME_PATTERN.fullmatch(name):
        raise AdminError("an admin name has 1 to 48 characters: lower-case letters, digits, '.', '_' or '-', "
                         "starting with a letter or digit")
    return name


def _password_bytes(password: str) -> bytes:
    return unicodedata.normalize("NFC", password).encode("utf-8")


def hash_password(password: str, params: AuthHashParams) -> tuple[bytes, str]:
    return security.hash_auth_key(_password_bytes(password), params)


def verify_password(password: str, stored: bytes, params_json: str) -> bool:
    return security.verify_auth_key(_password_bytes(password), stored, params_json)


def burn_password_time(password: str, params: AuthHashParams) -> None:
    """The time a real check takes, for an unknown name or an account without a usable password."""
    security.burn_auth_time(_password_bytes(password), params)


def _totp_key(conn: Connection) -> bytes:
    secret = setting(conn, "server_secret")
    if not secret:
        raise AdminError("the server secret is missing (run the migrations)")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_TOTP_INFO).derive(bytes.fromhex(secret))


def seal_totp(conn: Connection, name: str, secret: str) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(_totp_key(conn)).encrypt(nonce, secret.encode("ascii"), b"totp|" + name.encode())


def open_totp(conn: Connection, name: str, sealed: bytes) -> str:
    return AESGCM(_totp_key(conn)).decrypt(sealed[:12], sealed[12:], b"totp|" + name.encode()).decode("ascii")


def new_totp_secret() -> str:
    return pyotp.random_base32()  # 32 base32 characters: 160 bits


def totp_uri(name: str, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=name, issuer_name=TOTP_ISSUER)


def totp_step(secret: str, code: str, *, after: int | None, now: float | None = None) -> int | None:
    """The time step whose code `code` is (this one, or one step either side for a slow hand or
    clock), if it is later than `after` (the last step used: a code is accepted once); else None."""
    code = "".join(ch for ch in code if not ch.isspace())
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    moment = time.time() if now is None else now
    found: int | None = None
    for offset in (-1, 0, 1):
        at = moment + offset * totp.interval
        step = int(at // totp.interval)
        if security.constant_time_equal(totp.at(at), code) and (after is None or step > after):
            found = step
    return found


def one_time_password() -> str:
    """About 100 random bits, in groups of five without look-alikes, for a beheerder to type once."""
    return security.new_enrolment_code()


def create_admin(engine: Engine, name: str, *, params: AuthHashParams = CONSOLE_PASSWORD_HASH, actor: str = "admin",
                 ip: str | None = None) -> str:
    """A new admin account; returns its one-time password (stored only as a hash)."""
    name = check_name(name)
    password = one_time_password()
    digest, params_json = hash_password(password, params)
    with write_transaction(engine) as conn:
        if conn.execute(sa.select(admin_accounts.c.name).where(admin_accounts.c.name == name)).first():
            raise AdminError(f"admin {name!r} already exists (reset-admin gives a new one-time password)")
        conn.execute(admin_accounts.insert().values(
            name=name, password_hash=digest, password_params=params_json, must_change=True, totp_sealed=None,
            totp_last_step=None, status="active", created_at=now_iso()))
        _audit(conn, "create_admin", f"admin {name}", actor=actor, ip=ip)
    return password


def reset_admin(engine: Engine, name: str, *, params: AuthHashParams = CONSOLE_PASSWORD_HASH, actor: str = "admin",
                ip: str | None = None) -> str:
    """A forgotten password or a lost phone: a new one-time password, the TOTP factor to enrol again,
    every session of the account ended. Returns the one-time password."""
    password = one_time_password()
    digest, params_json = hash_password(password, params)
    with write_transaction(engine) as conn:
        if not conn.execute(sa.select(admin_accounts.c.name).where(admin_accounts.c.name == name)).first():
            raise AdminError(f"no admin {name!r}")
        conn.execute(admin_accounts.update().where(admin_accounts.c.name == name).values(
            password_hash=digest, password_params=params_json, must_change=True, totp_sealed=None,
            totp_last_step=None, status="active"))
        conn.execute(admin_sessions.delete().where(admin_sessions.c.admin_name == name))
        _audit(conn, "reset_admin", f"admin {name}", actor=actor, ip=ip)
    return password


@dataclass(frozen=True)
class AdminInfo:
    name: str
    status: str  # active | disabled
    state: str  # one-time password | set up
    created_at: str
    last_login_at: str | None


def list_admins(engine: Engine) -> list[AdminInfo]:
    with read_transaction(engine) as conn:
        rows = conn.execute(sa.select(admin_accounts).order_by(admin_accounts.c.name)).all()
    return [AdminInfo(r.name, r.status, "one-time password" if r.must_change else "set up", r.created_at,
                      r.last_login_at) for r in rows]


def disable_admin(engine: Engine, name: str, *, actor: str = "admin", ip: str | None = None) -> None:
    """No more logins, every session ended at once; `reset-admin` enables the account again."""
    with write_transaction(engine) as conn:
        if not conn.execute(admin_accounts.update().where(admin_accounts.c.name == name)
                            .values(status="disabled")).rowcount:
            raise AdminError(f"no admin {name!r}")
        conn.execute(admin_sessions.delete().where(admin_sessions.c.admin_name == name))
        _audit(conn, "disable_admin", f"admin {name}", actor=actor, ip=ip)


def account(conn: Connection, name: str) -> Any:
    return conn.execute(sa.select(admin_accounts).where(admin_accounts.c.name == name)).first()


# -- sessions --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Session:
    token_hash: str
    admin_name: str
    stage: str  # totp | setup | full
    csrf: str
    pending_totp: bytes | None


def _token_hash(token: str) -> str:
    return hashlib.sha256(b"leerrecht/console-session|" + token.encode("utf-8")).hexdigest()


def start_session(conn: Connection, name: str, stage: str, *, pending_totp: bytes | None = None) -> str:
    """A new session row; returns the cookie's token (stored only as a hash)."""
    token = secrets.token_urlsafe(32)
    now = time.time()
    conn.execute(admin_sessions.insert().values(
        token_hash=_token_hash(token), admin_name=name, stage=stage, csrf=secrets.token_urlsafe(32),
        pending_totp=pending_totp, created_at=now, last_seen=now))
    return token


def find_session(conn: Connection, token: str, idle_seconds: float) -> Session | None:
    """The live session behind a cookie's token, its last-seen time moved on; None (and the row gone)
    when unknown, idle too long, too old, in a login stage for too long, or of a disabled admin."""
    if not token or len(token) > 200:
        return None
    key = _token_hash(token)
    row = conn.execute(sa.select(admin_sessions, admin_accounts.c.status)
                       .join(admin_accounts, admin_accounts.c.name == admin_sessions.c.admin_name)
                       .where(admin_sessions.c.token_hash == key)).first()
    if row is None:
        return None
    now = time.time()
    limit = MAX_SESSION_SECONDS if row.stage == "full" else PARTIAL_SESSION_SECONDS
    if row.last_seen < now - idle_seconds or row.created_at < now - limit or row.status != "active":
        conn.execute(admin_sessions.delete().where(admin_sessions.c.token_hash == key))
        return None
    conn.execute(admin_sessions.update().where(admin_sessions.c.token_hash == key).values(last_seen=now))
    return Session(key, row.admin_name, row.stage, row.csrf, row.pending_totp)


def end_session(conn: Connection, token_hash: str) -> None:
    conn.execute(admin_sessions.delete().where(admin_sessions.c.token_hash == token_hash))


def prune_sessions(conn: Connection, idle_seconds: float) -> None:
    """Sessions nobody can use any more (idle past the timeout, or older than any session may be)."""
    now = time.time()
    conn.execute(admin_sessions.delete().where(sa.or_(
        admin_sessions.c.last_seen < now - idle_seconds, admin_sessions.c.created_at < now - MAX_SESSION_SECONDS)))
