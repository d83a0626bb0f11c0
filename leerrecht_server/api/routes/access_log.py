"""The access log (protocol_access): laptops report who opened, printed, exported, shared, handed over
or erased a case there; a case's coordinator reads its log. The SQL is crud/access_log.py's."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from sqlalchemy import Connection

from leerrecht_core import protocol as p
from leerrecht_core import protocol_access as pa
from leerrecht_server.api.access import not_found
from leerrecht_server.api.deps import CaseIdPath, CurrentDevice, EngineDep
from leerrecht_server.api.errors import ApiError
from leerrecht_server.crud import access_log as crud
from leerrecht_server.crud.audit import audit_caller
from leerrecht_server.crud.cases import find_case, is_member, owner
from leerrecht_server.crud.devices import Caller
from leerrecht_server.crud.directory import team_user_ids
from leerrecht_server.db import read_transaction, write_transaction

router = APIRouter(prefix=p.API_PREFIX, tags=["access-log"])


@router.post("/access-log", status_code=204)
def push_access_log(body: pa.AccessLogPush, c: CurrentDevice, engine: EngineDep) -> Response:
    """One audit row per entry for a case the caller is or was a member of; the rest dropped unsaid
    (the answer is the same either way: no oracle of which case ids exist)."""
    with write_transaction(engine) as conn:
        crud.record_entries(conn, c, body.entries)
        crud.prune_if_due(conn)
    return Response(status_code=204)


def check_may_read_log(conn: Connection, case: Any, c: Caller) -> None:
    """A coordinator of the case's team, or, in a team without one, the case's own worker. Another
    member is told 403 (they know the case); anyone else 404, whether or not it exists."""
    if case is not None:
        if c.role == "coordinator" and c.team_id == case.team_id:
            return
        if is_member(conn, case.case_id, c.user_id):
            if owner(conn, case) == c.user_id and not team_user_ids(conn, case.team_id, role="coordinator"):
                return
            raise ApiError(403, "forbidden", "Only a coordinator of the case's team (in a team without one, "
                                             "the case's own worker) may read its access log.")
    raise not_found()


@router.get("/cases/{case_id}/access-log")
def case_access_log(case_id: CaseIdPath, c: CurrentDevice, engine: EngineDep) -> pa.CaseAccessLog:
    with read_transaction(engine) as conn:
        check_may_read_log(conn, find_case(conn, case_id), c)
        log = crud.case_log(conn, case_id)
    with write_transaction(engine) as conn:
        audit_caller(conn, c, "access_log_show", [case_id])
    return log
