"""What the admin CLI does, as functions (tests call them directly). Every action is audited."""

from __future__ import annotations

import csv
import datetime as dt
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from leerrecht_core import protocol_access as pa
from leerrecht_core.errors import LeerrechtError
from leerrecht_core.protocol import Role
from leerrecht_core.protocol_lifecycle import RETENTION_MAX_CLOSED_DAYS, RETENTION_MIN_CLOSED_DAYS
from leerrecht_server import security
from leerrecht_server.crud import access_log, retention
from leerrecht_server.crud.devices import revoke_with_descendants
from leerrecht_server.db import now_iso, read_transaction, write_transaction
from leerrecht_server.retention import SweepResult, sweep, utc_today
from leerrecht_server.tables import audit_log, devices, org_settings, teams, users

ROLES: tuple[str, ...] = get_args(Role)
ENROLMENT_CODE_DAYS = 14


class AdminError(LeerrechtError):
    """A refusal with one plain line for the operator."""


@dataclass(frozen=True)
class DeviceInfo:
    device_id: str
    username: str
    name: str
    created_at: str
    last_seen: str | None
    revoked_at: str | None
    state: str  # active | replaced | revoked
    app_version: str | None
    unsent_reported: int | None


def _audit(conn: Connection, action: str, detail: str, *, actor: str = "admin", ip: str | None = None,
           user_id: str | None = None, device_id: str | None = None) -> None:
    """An admin action: by the CLI ("admin"), or by a beheerder in the console ("console:NAME", their address).
    `user_id`/`device_id` name whom it was about, so the audit log filtered on a user shows what was done
    to their account (a reset, a move, a revoked laptop) beside what they did."""
    conn.execute(audit_log.insert().values(at=now_iso(), actor=actor, ip=ip, action=action, detail=detail,
                                           user_id=user_id, device_id=device_id))


def create_team(engine: Engine, name: str, *, actor: str = "admin", ip: str | None = None) -> str:
    name = name.strip()
    if not name:
        raise AdminError("a team needs a name")
    with write_transaction(engine) as conn:
        if conn.execute(sa.select(teams.c.team_id).where(teams.c.name == name)).first():
            raise AdminError(f"team {name!r} already exists")
        team_id = str(uuid.uuid4())
        conn.execute(teams.insert().values(team_id=team_id, name=name, created_at=now_iso()))
        _audit(conn, "create_team", f"team {team_id}", actor=actor, ip=ip)
    return team_id


def rename_team(engine: Engine, team: str, name: str, *, actor: str = "admin", ip: str | None = None) -> None:
    """A team's new name (by name or id); its id, members and cases stay."""
    name = name.strip()
    if not name or len(name) > 200:
        raise AdminError("a team needs a name of 1 to 200 characters")
    with write_transaction(engine) as conn:
        row = conn.execute(sa.select(teams.c.team_id)
                           .where(sa.or_(teams.c.name == team, teams.c.team_id == team))).first()
        if row is None:
            raise AdminError(f"no team {team!r}")
        if conn.execute(sa.select(teams.c.team_id).where(teams.c.name == name, teams.c.team_id != row.team_id)).first():
            raise AdminError(f"team {name!r} already exists")
        conn.execute(teams.update().where(teams.c.team_id == row.team_id).values(name=name))
        _audit(conn, "rename_team", f"team {row.team_id}", actor=actor, ip=ip)


@dataclass(frozen=True)
class TeamSpace:
    """What a team's attachments take on the server, and its own quota (None: the server's default)."""

    team_id: str
    name: str
    used_bytes: int
    quota_mb: int | None


def team_spaces(engine: Engine) -> list[TeamSpace]:
    from leerrecht_server.crud.blobs import usage_by_team

    with read_transaction(engine) as conn:
        used = usage_by_team(conn)
        return [TeamSpace(r.team_id, r.name, used.get(r.team_id, 0), r.attachment_quota_mb)
                for r in conn.execute(sa.select(teams.c.team_id, teams.c.name, teams.c.attachment_quota_mb)
                                      .order_by(teams.c.name))]


def set_team_quota(engine: Engine, team: str, quota_mb: int | None, *, actor: str = "admin",
                   ip: str | None = None) -> TeamSpace:
    """A team's own attachment quota in MiB (by name or id), or None for the server's default. Lower than
    what it already uses is allowed: new uploads are refused until there is room; nothing is deleted."""
    from leerrecht_server.core.config import MAX_TEAM_QUOTA_MB

    if quota_mb is not None and not 1 <= quota_mb <= MAX_TEAM_QUOTA_MB:
        raise AdminError(f"a quota is 1 to {MAX_TEAM_QUOTA_MB} MiB, or 'default'")
    with write_transaction(engine) as conn:
        row = conn.execute(sa.select(teams.c.team_id)
                           .where(sa.or_(teams.c.name == team, teams.c.team_id == team))).first()
        if row is None:
            raise AdminError(f"no team {team!r}")
        conn.execute(teams.update().where(teams.c.team_id == row.team_id).values(attachment_quota_mb=quota_mb))
        _audit(conn, "set_team_quota", f"team {row.team_id} quota {'default' if quota_mb is None else quota_mb} MiB",
               actor=actor, ip=ip)
    return next(t for t in team_spaces(engine) if t.team_id == row.team_id)


def _new_code(conn: Connection, username: str, days: float) -> str:
    code = security.new_enrolment_code()
    conn.execute(users.update().where(users.c.username == username).values(
        enrolment_code_hash=security.hash_code(code), enrolment_expires=time.time() + days * 86400))
    return code


def create_user(engine: Engine, username: str, role: str, team: str, *, days: float = ENROLMENT_CODE_DAYS,
                actor: str = "admin", ip: str | None = None) -> str:
    """Create a user awaiting enrolment; returns the one-time enrolment code (stored only hashed)."""
    username = username.strip()
    if not username or len(username) > 64:
        raise AdminError("a user name has 1 to 64 characters")
    if role not in ROLES:
        raise AdminError(f"unknown role {role!r}; choose one of: {', '.join(ROLES)}")
    with write_transaction(engine) as conn:
        team_row = conn.execute(sa.select(teams.c.team_id).where(
            sa.or_(teams.c.name == team, teams.c.team_id == team))).first()
        if team_row is None:
            raise AdminError(f"no team {team!r}; create it first with create-team")
        if conn.execute(sa.select(users.c.username).where(users.c.username == username)).first():
            raise AdminError(f"user {username!r} already exists; use reset-user for a new code")
        conn.execute(users.insert().values(username=username, display_name=username, role=role,
                                           team_id=team_row[0], status="pending", created_at=now_iso()))
        code = _new_code(conn, username, days)
        _audit(conn, "create_user", f"user {username} role {role}", actor=actor, ip=ip)
    return code


def reset_user(engine: Engine, username: str, *, days: float = ENROLMENT_CODE_DAYS, actor: str = "admin",
               ip: str | None = None) -> str:
    """New enrolment code for a user who forgot their passphrase or needs a new laptop. Login is
    refused until they enrol again; their laptops are *replaced*, not revoked: each may still push
    what it had not sent, then stops syncing, and never wipes (a lost laptop is revoke-device)."""
    with write_transaction(engine) as conn:
        row = conn.execute(sa.select(users.c.user_id, users.c.status).where(users.c.username == username)).first()
        if row is None:
            raise AdminError(f"no user {username!r}")
        if row.status == "disabled":
            raise AdminError(f"user {username!r} is disabled")
        replaced = 0
        if row.user_id:
            replaced = conn.execute(devices.update().where(
                devices.c.user_id == row.user_id, devices.c.state == "active", devices.c.revoked_at.is_(None))
                .values(state="replaced")).rowcount
        # Never enrolled: still pending. Otherwise "reset" until the new enrolment.
        status = "reset" if row.user_id else "pending"
        conn.execute(users.update().where(users.c.username == username).values(
            status=status, auth_hash=None, auth_params=None))
        code = _new_code(conn, username, days)
        _audit(conn, "reset_user", f"user {username} devices_replaced {replaced}", actor=actor, ip=ip,
               user_id=row.user_id)
    return code


def list_devices(engine: Engine, username: str | None = None) -> list[DeviceInfo]:
    with read_transaction(engine) as conn:
        q = (sa.select(devices, users.c.username).join(users, users.c.user_id == devices.c.user_id)
             .order_by(users.c.username, devices.c.created_at))
        if username:
            if not conn.execute(sa.select(users.c.username).where(users.c.username == username)).first():
                raise AdminError(f"no user {username!r}")
            q = q.where(users.c.username == username)
        return [DeviceInfo(r.device_id, r.username, r.name, r.created_at, r.last_seen, r.revoked_at,
                           "revoked" if r.revoked_at else r.state, r.app_version, r.unsent_reported)
                for r in conn.execute(q)]


def revoke_device(engine: Engine, device_id: str, *, actor: str = "admin", ip: str | None = None) -> list[str]:
    """Revoke a device (it wipes at its next contact) and every device minted from it: a login with
    an auth key this device's passphrase change set, and so on. Returns the ids of those others."""
    with write_transaction(engine) as conn:
        row = conn.execute(sa.select(devices.c.revoked_at, devices.c.user_id)
                           .where(devices.c.device_id == device_id)).first()
        if row is None:
            raise AdminError(f"no device {device_id!r}")
        also = revoke_with_descendants(conn, device_id)
        _audit(conn, "revoke_device", f"device {device_id}" + (f" minted {' '.join(also)}" if also else ""),
               actor=actor, ip=ip, user_id=row.user_id, device_id=device_id)
    return also


def create_recovery_key(engine: Engine, *, replace: bool = False) -> str:
    """Make the organisation's recovery key pair; store the public half, return the private half
    (hex) for the admin to keep offline. It is never stored here."""
    return create_recovery_key_with(engine, replace=replace)[0]


def create_recovery_key_with(engine: Engine, *, replace: bool = False,
                             before_commit: Callable[[str, bytes], None] | None = None) -> tuple[str, bytes]:
    """create_recovery_key, returning (private hex, public bytes); `before_commit` (the kit's
    files) runs inside the transaction, so if it fails nothing is stored."""
    private = X25519PrivateKey.generate()
    public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    raw = private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                serialization.NoEncryption())
    with write_transaction(engine) as conn:
        existing = conn.execute(sa.select(org_settings.c.value).where(org_settings.c.key == "recovery_public")).first()
        if existing and not replace:
            raise AdminError("a recovery key already exists (use --replace to make a new one)")
        conn.execute(org_settings.delete().where(org_settings.c.key == "recovery_public"))
        conn.execute(org_settings.insert().values(key="recovery_public", value=public.hex()))
        # recover-user reads these entries to tell a replaced key from a wrong one.
        _audit(conn, "create_recovery_key", f"public {public.hex()}")
        if before_commit is not None:
            before_commit(raw.hex(), public)
    return raw.hex(), public


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
AUDIT_COLUMNS = ("at", "actor", "user_id", "device_id", "ip", "action", "case_ids", "detail")


def audit_query(conn: Connection, *, username: str | None = None, case_id: str | None = None,
                start: dt.date | None = None, end: dt.date | None = None, action: str | None = None) -> sa.Select[Any]:
    """The audit entries of one user (as actor, or about their account), one case, one action and/or a
    period (`start` and `end` inclusive, UTC days), oldest first: for export_audit and the console."""
    if start is not None and end is not None and start > end:
        raise AdminError(f"--from {start} is after --to {end}")
    if case_id is not None and not _UUID.fullmatch(case_id):
        raise AdminError(f"{case_id!r} is not a case id (a UUID such as 3f2b…-…)")
    query = sa.select(audit_log.c.id, *[audit_log.c[name] for name in AUDIT_COLUMNS]).order_by(audit_log.c.id)
    if username is not None:
        user = conn.execute(sa.select(users.c.user_id).where(users.c.username == username)).first()
        if user is None:
            raise AdminError(f"no user {username!r}")
        # As actor, or about their account: an admin action about them names their user id, and (before
        # they enrolled, without one) their name first in its detail ("user NAME ...", create_user).
        named = audit_log.c.detail.startswith(f"user {username} ", autoescape=True)  # "_" and "%" as themselves
        about = [audit_log.c.actor == username, named]
        if user.user_id is not None:
            about.append(audit_log.c.user_id == user.user_id)
        query = query.where(sa.or_(*about))
    if case_id is not None:
        # case_ids is space-separated: match the whole id, never a part of another.
        padded = sa.literal(" ") + audit_log.c.case_ids + sa.literal(" ")
        query = query.where(padded.like(f"% {case_id} %"))
    if action is not None:
        query = query.where(audit_log.c.action == action)
    if start is not None:
        query = query.where(audit_log.c.at >= start.isoformat())
    if end is not None:
        query = query.where(audit_log.c.at < (end + dt.timedelta(days=1)).isoformat())
    return query


def export_audit(engine: Engine, out: Path, *, username: str | None = None, case_id: str | None = None,
                 start: dt.date | None = None, end: dt.date | None = None) -> int:
    """The audit log as CSV, optionally only one user's entries (as actor, or about their account), one
    case's, or those of a period (`start` and `end` inclusive, UTC days). Returns how many were written."""
    with read_transaction(engine) as conn:
        rows = conn.execute(audit_query(conn, username=username, case_id=case_id, start=start, end=end)).all()
    with out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(AUDIT_COLUMNS)
        writer.writerows(tuple(r)[1:] for r in rows)
    return len(rows)


def set_access_log_retention(engine: Engine, days: int) -> None:
    """How long the laptops' access entries are kept in the audit log (docs/operations.md)."""
    if not pa.ACCESS_LOG_MIN_DAYS <= days <= pa.ACCESS_LOG_MAX_DAYS:
        raise AdminError(f"--days must be between {pa.ACCESS_LOG_MIN_DAYS} and {pa.ACCESS_LOG_MAX_DAYS} "
                         f"(the default is {pa.ACCESS_LOG_DEFAULT_DAYS})")
    with write_transaction(engine) as conn:
        access_log.set_retention_days(conn, days)
        _audit(conn, "set_access_log_retention", f"days {days}")


def prune_audit(engine: Engine) -> tuple[int, int]:
    """Delete the access entries older than the retention period now (the access-log route also does
    it once a day). Returns (how many were deleted, the period in days)."""
    with write_transaction(engine) as conn:
        days = access_log.retention_days(conn)
        n = access_log.prune(conn)
        _audit(conn, "prune_audit", f"access entries {n} older than {days} days")
    return n, days


def set_retention(engine: Engine, closed_days: str, *, actor: str = "admin", ip: str | None = None) -> int:
    """The organisation's retention period: a closed case is erased everywhere this many days after its
    closing date. Refused, with nothing changed, unless a whole number in the protocol's range."""
    text = closed_days.strip()
    days = int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None
    if days is None or not RETENTION_MIN_CLOSED_DAYS <= days <= RETENTION_MAX_CLOSED_DAYS:
        raise AdminError(f"--closed-days must be a whole number of days from {RETENTION_MIN_CLOSED_DAYS} to "
                         f"{RETENTION_MAX_CLOSED_DAYS} (e.g. 3650 for ten years), not {closed_days!r}; nothing changed")
    with write_transaction(engine) as conn:
        before = retention.closed_days(conn) if retention.policy_is_set(conn) else None
        retention.set_closed_days(conn, days)
        _audit(conn, "set_retention", f"closed_days {days} before {before if before is not None else 'default'}",
               actor=actor, ip=ip)
    return days


def show_retention(engine: Engine) -> tuple[int, bool]:
    """The retention period in force, and whether the organisation set it (False: the default)."""
    with read_transaction(engine) as conn:
        return retention.closed_days(conn), retention.policy_is_set(conn)


def retention_would_erase(engine: Engine, closed_days: int) -> int:
    """How many cases a sweep today would erase with this period (closed that long ago, not held):
    the console asks a confirmation before a shorter period erases more."""
    with read_transaction(engine) as conn:
        return len(retention.erasable(conn, utc_today(), closed_days))


def run_retention(engine: Engine, *, dry_run: bool = False) -> SweepResult:
    """The retention sweep by hand (the server also runs it hourly): the period, the case ids erased and
    the attachment uploads given up (with `dry_run`: those it would, nothing changed)."""
    result = sweep(engine, dry_run=dry_run)
    if not dry_run:
        with write_transaction(engine) as conn:
            _audit(conn, "run_retention", f"closed_days {result.closed_days} erased {len(result.erased)}")
    return result


BACKUP_KEY = "last_backup_at"


def record_backup(engine: Engine, at: str | None = None) -> str:
    """The operator's backup script says a backup succeeded (`record-backup`, after pg_dump and its check):
    the time (now, or `at`: ISO 8601, a time without a zone taken as UTC) is kept in org_settings for the
    console's status page, and audited. Refused, with nothing changed, for a time that is not one or is
    more than five minutes in the future. Returns the stored time (UTC, ISO 8601)."""
    if at is None:
        when = dt.datetime.now(dt.UTC)
    else:
        try:
            when = dt.datetime.fromisoformat(at.strip())
        except ValueError:
            raise AdminError(f"--at must be a time in ISO 8601 (e.g. 2026-01-12T02:00:00Z), not {at!r}; "
                             "nothing recorded") from None
        when = when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when.astimezone(dt.UTC)
        if when > dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5):
            raise AdminError(f"--at {at!r} is in the future; nothing recorded")
    stamp = when.isoformat(timespec="seconds")
    with write_transaction(engine) as conn:
        conn.execute(org_settings.delete().where(org_settings.c.key == BACKUP_KEY))
        conn.execute(org_settings.insert().values(key=BACKUP_KEY, value=stamp))
        _audit(conn, "record_backup", f"at {stamp}")
    return stamp


def last_backup(engine: Engine) -> dt.datetime | None:
    """The last backup the backup script recorded (record_backup), or None if none was."""
    with read_transaction(engine) as conn:
        row = conn.execute(sa.select(org_settings.c.value).where(org_settings.c.key == BACKUP_KEY)).first()
    if row is None:
        return None
    try:
        when = dt.datetime.fromisoformat(row.value)
    except ValueError:
        return None
    return when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when


def database_size(engine: Engine) -> int | None:
    """The database's size in bytes: pg_database_size on PostgreSQL; on SQLite the file's (with its
    write-ahead log). None when it can't be told (an in-memory database, no right to ask)."""
    if engine.dialect.name == "postgresql":
        try:
            with read_transaction(engine) as conn:
                return int(conn.execute(sa.text("SELECT pg_database_size(current_database())")).scalar_one())
        except SQLAlchemyError:
            return None
    name = engine.url.database
    if engine.dialect.name != "sqlite" or not name or name == ":memory:" or name.startswith("file:"):
        return None
    path = Path(name)
    if not path.is_file():
        return None
    wal = path.with_name(path.name + "-wal")
    return path.stat().st_size + (wal.stat().st_size if wal.is_file() else 0)
