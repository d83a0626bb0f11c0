"""Retention's SQL: the organisation's period (`org_settings.retention_closed_days`), the closing dates
laptops report (`cases.closed_on`), holds (`retention_holds`), and which cases are due. Each function
takes an open connection; the caller owns the transaction. Dates are stored as YYYY-MM-DD text, which
sorts as the days do."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from leerrecht_core import protocol_retention as pr
from leerrecht_server.crud.cases import is_member
from leerrecht_server.crud.org import setting
from leerrecht_server.db import now_iso
from leerrecht_server.tables import cases, org_settings, retention_holds, users

POLICY_KEY = "retention_closed_days"


def closed_days(conn: Connection) -> int:
    """The retention period in force: the organisation's, else the documented default."""
    value = setting(conn, POLICY_KEY)
    return int(value) if value is not None and value.isdigit() else pr.DEFAULT_RETENTION_CLOSED_DAYS


def policy_is_set(conn: Connection) -> bool:
    return setting(conn, POLICY_KEY) is not None


def set_closed_days(conn: Connection, days: int) -> None:
    conn.execute(org_settings.delete().where(org_settings.c.key == POLICY_KEY))
    conn.execute(org_settings.insert().values(key=POLICY_KEY, value=str(days)))


def record_closings(conn: Connection, user_id: str, closings: list[pr.Closing]) -> list[str]:
    """Store the reported closing dates of the cases `user_id` is a current member of; the others are
    left out without a word (no oracle). Returns the case ids recorded."""
    recorded: list[str] = []
    for closing in closings:
        if not is_member(conn, closing.case_id, user_id):
            continue
        conn.execute(cases.update().where(cases.c.case_id == closing.case_id).values(
            closed_on=None if closing.closed_on is None else closing.closed_on.isoformat()))
        recorded.append(closing.case_id)
    return recorded


def _day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _hold(row: Any) -> pr.RetentionHold | None:
    if row.until is None:
        return None
    return pr.RetentionHold(until=_day(row.until), reason=row.reason, held_by=row.held_by_name or "",
                            held_at=row.held_at)


def _with_holds() -> Any:
    return (sa.select(cases.c.case_id, cases.c.closed_on, retention_holds.c.until, retention_holds.c.reason,
                      retention_holds.c.held_at, users.c.username.label("held_by_name"))
            .select_from(cases.outerjoin(retention_holds, retention_holds.c.case_id == cases.c.case_id)
                         .outerjoin(users, users.c.user_id == retention_holds.c.held_by)))


def due_cases(conn: Connection, team_id: str, today: dt.date, *, owner_id: str | None = None) -> list[pr.DueCase]:
    """The team's closed cases erased within RETENTION_NOTICE_DAYS of `today` or overdue, held ones too,
    soonest first; with `owner_id`, only that worker's cases (a team without a coordinator)."""
    days = closed_days(conn)
    latest_closing = today + dt.timedelta(days=pr.RETENTION_NOTICE_DAYS) - dt.timedelta(days=days)
    query = _with_holds().where(cases.c.team_id == team_id, cases.c.closed_on.is_not(None),
                                cases.c.closed_on <= latest_closing.isoformat())
    if owner_id is not None:
        query = query.where(cases.c.owner_id == owner_id)
    found = [pr.DueCase(case_id=r.case_id, closed_on=_day(r.closed_on),
                        erase_on=_day(r.closed_on) + dt.timedelta(days=days), hold=_hold(r))
             for r in conn.execute(query)]
    return sorted(found, key=lambda d: (d.erase_on, d.case_id))


def due_case(conn: Connection, case_id: str) -> pr.DueCase | None:
    """One case as the list shows it (None while it is open)."""
    row = conn.execute(_with_holds().where(cases.c.case_id == case_id)).first()
    if row is None or row.closed_on is None:
        return None
    return pr.DueCase(case_id=row.case_id, closed_on=_day(row.closed_on),
                      erase_on=_day(row.closed_on) + dt.timedelta(days=closed_days(conn)), hold=_hold(row))


def set_hold(conn: Connection, case_id: str, until: dt.date, reason: str, held_by: str) -> None:
    conn.execute(retention_holds.delete().where(retention_holds.c.case_id == case_id))
    conn.execute(retention_holds.insert().values(case_id=case_id, until=until.isoformat(), reason=reason,
                                                 held_by=held_by, held_at=now_iso()))


def active_hold(conn: Connection, case_id: str, today: dt.date) -> dt.date | None:
    """The day a hold on the case runs until, while it runs (until today or later); None without one."""
    until = conn.execute(sa.select(retention_holds.c.until).where(retention_holds.c.case_id == case_id)).scalar()
    return _day(until) if until is not None and until >= today.isoformat() else None


def lift_hold(conn: Connection, case_id: str) -> bool:
    return conn.execute(retention_holds.delete().where(retention_holds.c.case_id == case_id)).rowcount > 0


def erasable(conn: Connection, today: dt.date, days: int, case_id: str | None = None) -> list[Any]:
    """Cases closed at least `days` days before `today` and not held (a hold until today or later holds).
    With `case_id`, that case only, its row locked (FOR UPDATE on PostgreSQL) until the transaction ends,
    so two sweeps never erase it twice: the second one waits, then finds it gone."""
    held = sa.select(retention_holds.c.case_id).where(retention_holds.c.case_id == cases.c.case_id,
                                                      retention_holds.c.until >= today.isoformat())
    query = (sa.select(cases.c.case_id, cases.c.closed_on)
             .where(cases.c.closed_on.is_not(None),
                    cases.c.closed_on <= (today - dt.timedelta(days=days)).isoformat(), ~sa.exists(held))
             .order_by(cases.c.closed_on, cases.c.case_id))
    if case_id is not None:
        locked = conn.execute(sa.select(cases.c.case_id).where(cases.c.case_id == case_id).with_for_update()).first()
        if locked is None:
            return []
        query = query.where(cases.c.case_id == case_id)
    return list(conn.execute(query))
