"""The audit log page: filters by user (a worker, as actor or about their account; or an actor such as
`admin` or `console:NAME`), case id, action and period (the query of `admin export-audit`,
admin.audit_query), newest first, 50 a page; and the CSV export of exactly the filtered rows, oldest
first as the CLI writes it. The export is itself audited.

A cell that a spreadsheet would take for a formula (=, +, -, @ first, or a tab or carriage return) is
written with a leading apostrophe: actor names of failed logins are whatever someone typed."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response, StreamingResponse

from leerrecht_server import admin
from leerrecht_server.admin_accounts import actor
from leerrecht_server.api.deps import EngineDep
from leerrecht_server.console.i18n import N_
from leerrecht_server.console.web import PREFIX, FullSession, check_csrf, client_ip, render
from leerrecht_server.crud.audit import audit
from leerrecht_server.db import read_transaction, write_transaction
from leerrecht_server.tables import audit_log, users

router = APIRouter(prefix=PREFIX, include_in_schema=False, dependencies=[Depends(check_csrf)])
PAGE_SIZE = 50
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class _Filters:
    def __init__(self, user: str, case: str, action: str, start: str, end: str) -> None:
        self.user, self.case, self.action, self.start, self.end = (v.strip() for v in (user, case, action, start,
                                                                                       end))

    def as_dict(self) -> dict[str, str]:
        return {"user": self.user, "case": self.case, "action": self.action, "start": self.start, "end": self.end}

    def query(self, conn: sa.Connection) -> sa.Select[Any]:
        """The filtered query, or AdminError with a refusal (shown as its N_ message by the caller)."""
        try:
            start = dt.date.fromisoformat(self.start) if self.start else None
            end = dt.date.fromisoformat(self.end) if self.end else None
        except ValueError:
            raise admin.AdminError(N_("Een datum is dag-maand-jaar zoals de kalender hem kiest.")) from None
        if start is not None and end is not None and start > end:
            raise admin.AdminError(N_("De begindatum ligt na de einddatum."))
        if self.case and not admin._UUID.fullmatch(self.case):
            raise admin.AdminError(N_("Een dossier-id is een UUID (zoals 3f2b1c0e-…)."))
        worker = bool(self.user) and conn.execute(
            sa.select(users.c.username).where(users.c.username == self.user)).first() is not None
        query = admin.audit_query(conn, username=self.user if worker else None, case_id=self.case or None,
                                  start=start, end=end, action=self.action or None)
        if self.user and not worker:
            # Not a worker: an actor of the log by name ("admin" for the CLI, "console:NAME" for a beheerder).
            if conn.execute(sa.select(audit_log.c.id).where(audit_log.c.actor == self.user).limit(1)).first() is None:
                raise admin.AdminError(N_("Die gebruiker bestaat niet."))
            query = query.where(audit_log.c.actor == self.user)
        return query


def _actions(conn: sa.Connection) -> list[str]:
    return [r[0] for r in conn.execute(sa.select(audit_log.c.action).distinct().order_by(audit_log.c.action))]


@router.get("/audit")
def audit_page(request: Request, _session: FullSession, engine: EngineDep, user: str = "", case: str = "",
               action: str = "", start: str = "", end: str = "", page: int = 1) -> Response:
    filters = _Filters(user, case, action, start, end)
    page = max(1, min(page, 10**6))
    rows: list[Any] = []
    total = 0
    error = None
    with read_transaction(engine) as conn:
        actions = _actions(conn)
        try:
            query = filters.query(conn)
        except admin.AdminError as exc:
            error = str(exc)
        else:
            total = int(conn.execute(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
                        .scalar_one())
            newest_first = query.order_by(None).order_by(audit_log.c.id.desc())
            rows = list(conn.execute(newest_first.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)))
    pages = max(1, -(-total // PAGE_SIZE))
    return render(request, "audit.html", status=400 if error else 200, rows=rows, total=total, page=page,
                  pages=pages, actions=actions, filters=filters.as_dict(), error=error,
                  query_string=request.url.query)


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


@router.get("/audit.csv")
def audit_csv(request: Request, session: FullSession, engine: EngineDep, user: str = "", case: str = "",
              action: str = "", start: str = "", end: str = "") -> Response:
    filters = _Filters(user, case, action, start, end)
    with read_transaction(engine) as conn:
        try:
            rows = conn.execute(filters.query(conn)).all()
        except admin.AdminError as exc:
            return render(request, "audit.html", status=400, rows=[], total=0, page=1, pages=1,
                          actions=_actions(conn), filters=filters.as_dict(), error=str(exc), query_string="")
    with write_transaction(engine) as conn:
        shown = " ".join(f"{k}={v}" for k, v in filters.as_dict().items() if v)
        audit(conn, "console_export_audit", actor=actor(session.admin_name), ip=client_ip(request),
              detail=f"rows {len(rows)}" + (f" filter {shown}"[:400] if shown else ""))

    def lines() -> Iterator[str]:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(admin.AUDIT_COLUMNS)
        for row in rows:
            writer.writerow([_cell(v) for v in tuple(row)[1:]])
            if out.tell() > 64 * 1024:
                yield out.getvalue()
                out.seek(0)
                out.truncate()
        yield out.getvalue()

    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M")
    return StreamingResponse(lines(), media_type="text/csv; charset=utf-8",
                             headers={"content-disposition": f'attachment; filename="leerrecht-audit-{stamp}.csv"'})
