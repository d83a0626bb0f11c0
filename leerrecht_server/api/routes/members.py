"""Adding a member to a case (grants for every key version so far) and removing one (the case key
rotated, granted to everyone who stays). Who may: `api.access.check_may_manage`; the case's owner
follows a hand-over (`_pass_ownership`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import Connection

from leerrecht_core import protocol as p
from leerrecht_server.api.access import (
    check_grants,
    check_holds_keys,
    check_may_manage,
    is_team_coordinator,
    visible_case,
)
from leerrecht_server.api.deps import CaseIdPath, CurrentDevice, EngineDep
from leerrecht_server.api.errors import ApiError
from leerrecht_server.crud import members as crud
from leerrecht_server.crud.audit import audit_caller
from leerrecht_server.crud.cases import (
    case_state,
    current_members,
    is_member,
    owner,
    set_key_version,
    set_owner,
    store_grants,
)
from leerrecht_server.crud.directory import disabled_user_ids, team_user_ids
from leerrecht_server.crud.org import recovery_public
from leerrecht_server.db import SeqAllocator, write_transaction

router = APIRouter(prefix=p.API_PREFIX, tags=["members"])


@router.post("/cases/{case_id}/members")
def add_member(case_id: CaseIdPath, body: p.MemberAdd, c: CurrentDevice, engine: EngineDep) -> p.CaseState:
    with write_transaction(engine) as conn:
        seqs = SeqAllocator(conn)
        case = visible_case(conn, case_id, c, manage=True)
        if body.user_id not in team_user_ids(conn, case.team_id):
            raise ApiError(404, "not_found", "No such enrolled user in this case's team.")
        check_may_manage(conn, case, c, target=body.user_id, adding=True)
        if is_member(conn, case_id, body.user_id):
            return case_state(conn, case_id, c.user_id)  # already added (a retry)
        check_holds_keys(conn, case, c, set(range(1, case.key_version + 1)))
        check_grants(case_id, body.grants, c)
        if any(g.recipient_id != body.user_id for g in body.grants):
            raise ApiError(400, "bad_request", "Every grant must be for the user being added.")
        versions = {g.key_version for g in body.grants}
        if versions != set(range(1, case.key_version + 1)):
            raise ApiError(400, "bad_request", f"Grants needed for key versions 1 to {case.key_version}.")
        store_grants(conn, case_id, body.grants)
        crud.add_membership(conn, case_id, body.user_id, seqs.take(), added_by=c.user_id)
        if owner(conn, case) is None and c.role == "coordinator" and not is_team_coordinator(conn, case, body.user_id):
            # A coordinator giving an ownerless case (theirs, or transferred to the team) to a worker.
            set_owner(conn, case_id, body.user_id)
        seqs.flush()
        audit_caller(conn, c, "member_add", [case_id], detail=f"user {body.user_id}")
        return case_state(conn, case_id, c.user_id)


@router.post("/cases/{case_id}/members/remove")
def remove_member(case_id: CaseIdPath, body: p.MemberRemove, c: CurrentDevice, engine: EngineDep) -> p.CaseState:
    with write_transaction(engine) as conn:
        seqs = SeqAllocator(conn)
        case = visible_case(conn, case_id, c, manage=True)
        if not is_member(conn, case_id, body.user_id):
            if not crud.was_ever_member(conn, case_id, body.user_id):
                raise ApiError(404, "not_found", "That user is not a member of this case.")
            return case_state(conn, case_id, c.user_id)  # already removed (a retry)
        check_may_manage(conn, case, c, target=body.user_id, adding=False)
        check_holds_keys(conn, case, c, {case.key_version})
        check_grants(case_id, body.grants, c)
        new_version = case.key_version + 1
        if any(g.key_version != new_version for g in body.grants):
            raise ApiError(400, "bad_request", f"Removing a member needs grants of key version {new_version}.")
        staying = current_members(conn, case_id)
        # A disabled member (a leaver) gets no new key: the directory no longer lists them.
        expected = set(staying) - {body.user_id} - disabled_user_ids(conn, staying)
        if recovery_public(conn) is not None:
            expected.add(p.RECOVERY_RECIPIENT)
        granted = {g.recipient_id for g in body.grants}
        if not expected <= granted:
            raise ApiError(400, "bad_request",
                           "The rotated key must be granted to every remaining member (and the recovery key).")
        # Beyond those, only the team's users (e.g. a coordinator doing the removal) may get it;
        # never the removed user.
        if body.user_id in granted or not granted - expected <= team_user_ids(conn, case.team_id):
            raise ApiError(400, "bad_request", "The rotated key may not go to the removed user or outsiders.")
        was_owner = owner(conn, case) == body.user_id
        crud.end_membership(conn, case_id, body.user_id, seqs.take(), by=c.user_id, key_version=new_version,
                            signature=body.signature)
        if was_owner:
            _pass_ownership(conn, case, c.user_id, body.user_id)
        set_key_version(conn, case_id, new_version)
        store_grants(conn, case_id, body.grants)
        seqs.flush()
        audit_caller(conn, c, "member_remove", [case_id], detail=f"user {body.user_id}")
        return case_state(conn, case_id, c.user_id)


def _pass_ownership(conn: Connection, case: Any, by: str, removed: str) -> None:
    """The owner left or was taken off: a hand-over (the owner handing their place on, or a
    coordinator moving the case) adds the next worker first, so the case passes to the worker the
    remover added last (not a coordinator); with none, it has no owner (coordinators only)."""
    coordinators = team_user_ids(conn, case.team_id, role="coordinator")
    set_owner(conn, case.case_id, crud.newest_added_by(conn, case.case_id, by, {removed, *coordinators}))
