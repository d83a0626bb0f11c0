"""The audit log: who did what, when (metadata only; never content)."""

from __future__ import annotations

from sqlalchemy import Connection

from leerrecht_server.crud.devices import Caller
from leerrecht_server.db import now_iso
from leerrecht_server.tables import audit_log


def audit(conn: Connection, action: str, *, actor: str | None = None, user_id: str | None = None,
          device_id: str | None = None, ip: str | None = None, case_ids: list[str] | None = None,
          detail: str | None = None) -> None:
    conn.execute(audit_log.insert().values(
        at=now_iso(), actor=actor, user_id=user_id, device_id=device_id, ip=ip, action=action,
        case_ids=" ".join(sorted(set(case_ids))) if case_ids else None, detail=detail))


def audit_caller(conn: Connection, c: Caller, action: str, case_ids: list[str] | None = None,
                 detail: str | None = None) -> None:
    audit(conn, action, actor=c.username, user_id=c.user_id, device_id=c.device_id, ip=c.ip,
          case_ids=case_ids, detail=detail)
