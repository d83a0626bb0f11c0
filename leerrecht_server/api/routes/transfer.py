"""Handing cases on: the people a laptop may name, and a coordinator's transfer of a case to another
team (the receiving team's coordinators get every key version and a new one; the sending team's
members are removed, so the new version is not theirs)."""

from __future__ import annotations

from fastapi import APIRouter

from leerrecht_core import protocol as p
from leerrecht_core import protocol_transfer as pt
from leerrecht_server.api.access import check_grants, check_holds_keys, visible_case
from leerrecht_server.api.deps import CaseIdPath, CurrentDevice, EngineDep
from leerrecht_server.api.errors import ApiError
from leerrecht_server.crud import transfer as crud
from leerrecht_server.crud.audit import audit_caller
from leerrecht_server.crud.cases import current_members, is_member, store_grants
from leerrecht_server.crud.directory import team_user_ids
from leerrecht_server.crud.org import recovery_public
from leerrecht_server.db import SeqAllocator, read_transaction, write_transaction

router = APIRouter(prefix=p.API_PREFIX, tags=["transfer"])


@router.get("/people")
def people(c: CurrentDevice, engine: EngineDep) -> pt.PeopleResponse:
    with read_transaction(engine) as conn:
        rows = crud.people(conn, c)
    return pt.PeopleResponse(people=[pt.Person(user_id=r.user_id, username=r.username, display_name=r.display_name,
                                               role=r.role, team_id=r.team_id, team_name=r.team_name)
                                     for r in rows])


@router.post("/cases/{case_id}/transfer")
def transfer_case(case_id: CaseIdPath, body: pt.TransferRequest, c: CurrentDevice,
                  engine: EngineDep) -> pt.TransferResponse:
    with write_transaction(engine) as conn:
        seqs = SeqAllocator(conn)
        case = visible_case(conn, case_id, c, manage=True)
        # Only a coordinator of the case's team who holds its key: the grants are wrapped by the caller.
        if c.role != "coordinator" or c.team_id != case.team_id or not is_member(conn, case_id, c.user_id):
            raise ApiError(403, "forbidden", "Only a coordinator of the case's team who holds its key may transfer it.")
        if body.team_id == case.team_id or not crud.team_exists(conn, body.team_id):
            raise ApiError(400, "bad_request", "Transfer to another, existing team.")
        receivers = team_user_ids(conn, body.team_id, role="coordinator")
        if not receivers:
            raise ApiError(400, "bad_request", "The receiving team has no enrolled coordinator.")
        check_holds_keys(conn, case, c, set(range(1, case.key_version + 1)))
        check_grants(case_id, body.grants, c)
        new_version = case.key_version + 1
        expected = {(r, v) for r in receivers for v in range(1, new_version + 1)}
        if recovery_public(conn) is not None:
            expected.add((p.RECOVERY_RECIPIENT, new_version))
        if {(g.recipient_id, g.key_version) for g in body.grants} != expected:
            raise ApiError(400, "bad_request", "Grants needed: every key version for each coordinator of the "
                                               "receiving team, the new one for the recovery key, nothing else.")
        leaving = [m for m in current_members(conn, case_id) if m not in receivers]
        staying = set(current_members(conn, case_id)) & receivers
        removed = {m: seqs.take() for m in leaving}
        added = {r: seqs.take() for r in sorted(receivers - staying)}
        crud.move_case(conn, case_id, body.team_id, new_version, removed, added, c.user_id, body.signature)
        store_grants(conn, case_id, body.grants)
        seqs.flush()
        audit_caller(conn, c, "case_transfer", [case_id],
                     detail=f"team {case.team_id} -> {body.team_id}; key version {new_version}; "
                            f"removed {len(removed)}, added {len(added)}")
        return pt.TransferResponse(case_id=case_id, team_id=body.team_id, key_version=new_version,
                                   members=current_members(conn, case_id))
