"""The access log on the server (issue 13 item 6): the entries laptops report (who opened, printed,
exported, shared, handed over or erased a case there) as audit_log rows, a case's log for its
coordinator, and the retention that keeps the log from outliving its use.

A laptop's entry becomes one audit_log row: the caller as actor, user and device (from the device
token, never from the entry), the laptop's time as `at`, the action word, the one case id, and in
`detail` only when the server received it. Entries for cases the caller never held are dropped
without saying which, as are entries older than the retention period (they would be pruned at once)
and entries dated more than a day ahead (a laptop's clock gone wrong)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from leerrecht_core import protocol_access as pa
from leerrecht_server.crud.devices import Caller
from leerrecht_server.db import now_iso
from leerrecht_server.tables import audit_log, memberships, org_settings, users

RETENTION_KEY = "access_log_retention_days"
PRUNED_ON_KEY = "access_log_pruned_on"
FUTURE_SLACK = dt.timedelta(days=1)
# The server's own events that belong in a case's access log: who got or lost access to it (sharing,
# a member removed with its key rotation, a hand-over to another team), who fetched its whole history,
# a held-apart change of it looked at or decided, and its erasure. Pushes and pulls are every sync
# round's and say nothing about who looked at the case; they stay in the audit log only.
SERVER_EVENTS = ("case_register", "member_add", "member_remove", "case_transfer", "history",
                 "held_apart_show", "held_apart_accept", "held_apart_discard", "case_erased",
                 "retention_erase")
_SUBJECT = re.compile(r"^user ([0-9a-f-]{36})$")


def _iso(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat(timespec="milliseconds")


# -- the setting -----------------------------------------------------------------------------------

def retention_days(conn: Connection) -> int:
    row = conn.execute(sa.select(org_settings.c.value).where(org_settings.c.key == RETENTION_KEY)).first()
    return int(row[0]) if row else pa.ACCESS_LOG_DEFAULT_DAYS


def _put_setting(conn: Connection, key: str, value: str) -> None:
    conn.execute(org_settings.delete().where(org_settings.c.key == key))
    conn.execute(org_settings.insert().values(key=key, value=value))


def set_retention_days(conn: Connection, days: int) -> None:
    """The caller checked the range (pa.ACCESS_LOG_MIN_DAYS..ACCESS_LOG_MAX_DAYS)."""
    _put_setting(conn, RETENTION_KEY, str(days))


# -- entries from laptops --------------------------------------------------------------------------

def record_entries(conn: Connection, c: Caller, entries: Iterable[pa.AccessEntry],
                   now: dt.datetime | None = None) -> int:
    """Write one audit row per acceptable entry (see the module docstring); returns how many."""
    now = now or dt.datetime.now(dt.UTC)
    oldest = now - dt.timedelta(days=retention_days(conn))
    wanted = [e for e in entries if oldest <= e.at <= now + FUTURE_SLACK]
    case_ids = sorted({e.case_id for e in wanted})
    held: set[str] = set()
    for i in range(0, len(case_ids), 500):
        held |= set(conn.execute(sa.select(memberships.c.case_id).where(
            memberships.c.case_id.in_(case_ids[i:i + 500]), memberships.c.user_id == c.user_id)).scalars())
    received = f"received {now_iso()}"
    rows = [{"at": _iso(e.at), "actor": c.username, "user_id": c.user_id, "device_id": c.device_id, "ip": c.ip,
             "action": e.action, "case_ids": e.case_id, "detail": received} for e in wanted if e.case_id in held]
    if rows:
        conn.execute(audit_log.insert(), rows)
    return len(rows)


# -- retention -------------------------------------------------------------------------------------

def prune(conn: Connection, now: dt.datetime | None = None) -> int:
    """Delete the laptops' access entries older than the retention period. Returns how many."""
    now = now or dt.datetime.now(dt.UTC)
    cutoff = _iso(now - dt.timedelta(days=retention_days(conn)))
    result = conn.execute(audit_log.delete().where(audit_log.c.action.in_(pa.ACCESS_ACTIONS),
                                                   audit_log.c.at < cutoff))
    _put_setting(conn, PRUNED_ON_KEY, now.date().isoformat())
    return int(result.rowcount or 0)


def prune_if_due(conn: Connection, now: dt.datetime | None = None) -> int:
    """`prune` at most once a day (run by the access-log route, so no one has to remember)."""
    now = now or dt.datetime.now(dt.UTC)
    row = conn.execute(sa.select(org_settings.c.value).where(org_settings.c.key == PRUNED_ON_KEY)).first()
    if row is not None and row[0] >= now.date().isoformat():
        return 0
    return prune(conn, now)


def erase_case_entries(conn: Connection, case_id: str) -> None:
    """An erased case leaves the audit log nothing but its erasure (crud/erasure.erase_case; the
    erasure's own entry is written after): the entries of that case alone (access entries, pushes,
    shares, holds with their reasons) go, and the id is taken out of the entries of several cases,
    which stay for the others. Who was active when stays knowable; that it concerned this case not."""
    padded = sa.literal(" ") + audit_log.c.case_ids + sa.literal(" ")
    rows = conn.execute(sa.select(audit_log.c.id, audit_log.c.case_ids).where(padded.like(f"% {case_id} %"))).all()
    alone = {r.id for r in rows if str(r.case_ids).split() == [case_id]}
    ids = sorted(alone)
    for start in range(0, len(ids), 500):
        conn.execute(audit_log.delete().where(audit_log.c.id.in_(ids[start:start + 500])))
    for row in rows:
        if row.id not in alone:
            others = " ".join(i for i in str(row.case_ids).split() if i != case_id)
            conn.execute(audit_log.update().where(audit_log.c.id == row.id).values(case_ids=others or None))


# -- a case's log ----------------------------------------------------------------------------------

def case_log(conn: Connection, case_id: str, limit: int = pa.MAX_ACCESS_LOG) -> pa.CaseAccessLog:
    """The case's laptop and server entries, newest first, with each user's display name."""
    padded = sa.literal(" ") + audit_log.c.case_ids + sa.literal(" ")
    rows = conn.execute(
        sa.select(audit_log.c.at, audit_log.c.action, audit_log.c.user_id, audit_log.c.detail,
                  users.c.display_name)
        .select_from(audit_log.outerjoin(users, users.c.user_id == audit_log.c.user_id))
        .where(audit_log.c.action.in_((*pa.ACCESS_ACTIONS, *SERVER_EVENTS)), padded.like(f"% {case_id} %"))
        .order_by(audit_log.c.at.desc(), audit_log.c.id.desc()).limit(limit + 1)).all()
    subjects = {m.group(1) for r in rows if r.action in ("member_add", "member_remove")
                and (m := _SUBJECT.match(r.detail or ""))}
    names: dict[str, str] = {}
    if subjects:
        names = {r.user_id: r.display_name for r in conn.execute(
            sa.select(users.c.user_id, users.c.display_name).where(users.c.user_id.in_(sorted(subjects))))}
    return pa.CaseAccessLog(case_id=case_id, entries=[_entry(r, names) for r in rows[:limit]],
                            more=len(rows) > limit)


def _entry(row: Any, names: dict[str, str]) -> pa.CaseAccessEntry:
    subject = _SUBJECT.match(row.detail or "") if row.action in ("member_add", "member_remove") else None
    return pa.CaseAccessEntry(
        at=row.at, action=row.action, user_id=row.user_id, display_name=row.display_name,
        source="laptop" if row.action in pa.ACCESS_ACTIONS else "server",
        subject_name=names.get(subject.group(1)) if subject else None)
