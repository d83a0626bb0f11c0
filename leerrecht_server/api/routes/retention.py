"""Retention (issue 13, item 4; models in leerrecht_core/protocol_retention): laptops report closing
dates, the team's coordinators (in a team without one: the case's worker) list what is erased soon and
postpone an erasure with a hold, or lift it. The sweep itself is leerrecht_server/retention.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Response
from sqlalchemy import Connection

from leerrecht_core import protocol as p
from leerrecht_core import protocol_retention as pr
from leerrecht_server.api.access import not_found
from leerrecht_server.api.deps import CaseIdPath, CurrentDevice, EngineDep
from leerrecht_server.api.errors import ApiError
from leerrecht_server.crud import retention as crud
from leerrecht_server.crud.audit import audit_caller
from leerrecht_server.crud.cases import find_case, is_member, owner
from leerrecht_server.crud.devices import Caller
from leerrecht_server.crud.directory import team_user_ids
from leerrecht_server.db import read_transaction, write_transaction
from leerrecht_server.retention import utc_today

router = APIRouter(prefix=p.API_PREFIX, tags=["retention"])
_ONLY_COORDINATORS = ("Only a coordinator of the team (in a team without one, the case's own worker) manages "
                      "the erasures of closed cases.")


@router.post("/closings")
def report_closings(body: pr.ClosingsRequest, c: CurrentDevice, engine: EngineDep) -> pr.ClosingsResponse:
    with write_transaction(engine) as conn:
        recorded = crud.record_closings(conn, c.user_id, body.cases)
        if recorded:
            closed = sum(1 for x in body.cases if x.case_id in recorded and x.closed_on is not None)
            audit_caller(conn, c, "closings", recorded, detail=f"closed={closed} open={len(recorded) - closed}")
    return pr.ClosingsResponse(recorded=recorded)


def _team_has_coordinator(conn: Connection, team_id: str) -> bool:
    return bool(team_user_ids(conn, team_id, role="coordinator"))


@router.get("/retention")
def due_list(c: CurrentDevice, engine: EngineDep) -> pr.RetentionList:
    today = utc_today()
    with read_transaction(engine) as conn:
        if c.role == "coordinator":
            found = crud.due_cases(conn, c.team_id, today)
        elif not _team_has_coordinator(conn, c.team_id):
            found = [d for d in crud.due_cases(conn, c.team_id, today, owner_id=c.user_id)
                     if is_member(conn, d.case_id, c.user_id)]
        else:
            raise ApiError(403, "forbidden", _ONLY_COORDINATORS)
        return pr.RetentionList(closed_days=crud.closed_days(conn), today=today, cases=found)


def _managed_case(conn: Connection, case_id: str, c: Caller) -> Any:
    """The case if the caller may hold or lift its erasure. A case they may not see: the unknown-id 404;
    one they see but may not manage: 403."""
    case = find_case(conn, case_id)
    coordinator = case is not None and c.role == "coordinator" and c.team_id == case.team_id
    if case is None or not (coordinator or is_member(conn, case_id, c.user_id)):
        raise not_found()
    if coordinator:
        return case
    if not _team_has_coordinator(conn, case.team_id) and owner(conn, case) == c.user_id:
        return case
    raise ApiError(403, "forbidden", _ONLY_COORDINATORS)


@router.post("/cases/{case_id}/retention-hold")
def hold(case_id: CaseIdPath, body: pr.HoldRequest, c: CurrentDevice, engine: EngineDep) -> pr.DueCase:
    today = utc_today()
    reason = body.reason.strip()
    with write_transaction(engine) as conn:
        _managed_case(conn, case_id, c)  # first: a caller who may not see the case learns nothing else
        if not reason:
            raise ApiError(400, "bad_request", "A hold needs a reason.")
        if body.until <= today:
            raise ApiError(400, "bad_request", "A hold runs until a day after today.")
        if body.until > today + dt.timedelta(days=pr.MAX_HOLD_DAYS):
            raise ApiError(400, "bad_request", f"A hold runs at most {pr.MAX_HOLD_DAYS} days from today.")
        if crud.due_case(conn, case_id) is None:
            raise ApiError(409, "conflict", "This case is not closed: there is no erasure to postpone.")
        crud.set_hold(conn, case_id, body.until, reason, c.user_id)
        audit_caller(conn, c, "retention_hold", [case_id], detail=f"until={body.until.isoformat()} reason={reason}")
        due = crud.due_case(conn, case_id)
    assert due is not None
    return due


@router.delete("/cases/{case_id}/retention-hold", status_code=204)
def lift(case_id: CaseIdPath, c: CurrentDevice, engine: EngineDep) -> Response:
    with write_transaction(engine) as conn:
        _managed_case(conn, case_id, c)
        lifted = crud.lift_hold(conn, case_id)
        if lifted:
            audit_caller(conn, c, "retention_hold_lift", [case_id])
    return Response(status_code=204)
