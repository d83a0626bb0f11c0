"""Registering a case and reading its state (members, key version, the caller's key grants)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter
from sqlalchemy import Connection

from leerrecht_core import protocol as p
from leerrecht_server.api.access import check_grants, not_found, visible_case
from leerrecht_server.api.deps import CaseIdPath, CurrentDevice, EngineDep
from leerrecht_server.api.errors import ApiError
from leerrecht_server.api.routes.erasure import already_erased
from leerrecht_server.crud import cases as crud
from leerrecht_server.crud.audit import audit_caller
from leerrecht_server.crud.devices import Caller
from leerrecht_server.crud.directory import team_user_ids
from leerrecht_server.crud.erasure import erased_for
from leerrecht_server.crud.members import add_membership
from leerrecht_server.crud.org import recovery_public
from leerrecht_server.db import SeqAllocator, read_transaction, write_transaction

router = APIRouter(prefix=p.API_PREFIX, tags=["cases"])


@dataclass(frozen=True)
class _TeamView:
    """What every registration of one request checks its grants against, read once per request."""

    team: set[str]
    required: set[str]  # the caller, the team's coordinators and (if set) the recovery key


def _team_view(conn: Connection, c: Caller) -> _TeamView:
    required = {c.user_id} | team_user_ids(conn, c.team_id, role="coordinator")
    if recovery_public(conn) is not None:
        required.add(p.RECOVERY_RECIPIENT)
    return _TeamView(team_user_ids(conn, c.team_id), required)


def _register(conn: Connection, body: p.CaseRegistration, c: Caller, seqs: SeqAllocator, view: _TeamView) -> bool:
    """Register one case with its grants (True), or raise the ApiError that refuses it before anything
    is written. A case the caller registered before (a retry after a lost answer) is left as it is (False)."""
    if erased_for(conn, body.case_id, c):
        # A laptop that has not heard of the erasure yet can't bring the case back.
        raise already_erased()
    if crud.find_case(conn, body.case_id) is not None:
        if crud.is_member(conn, body.case_id, c.user_id):
            return False  # a retry after a lost answer
        # Whatever team it is in: the answer for a case id the caller may not see (no oracle).
        raise not_found()
    check_grants(body.case_id, body.grants, c)
    if any(g.key_version != 1 for g in body.grants):
        raise ApiError(400, "bad_request", "A new case starts at key version 1.")
    recipients = {g.recipient_id for g in body.grants}
    recipients_users = recipients - {p.RECOVERY_RECIPIENT}
    if not recipients_users <= view.team:
        raise ApiError(400, "bad_request", "Every grant must be for an enrolled user of your team.")
    missing = view.required - recipients
    if missing:
        raise ApiError(400, "bad_request", "Grants missing for: " + ", ".join(sorted(missing)))
    # Its owner: the registering worker (a coordinator manages the team's cases by role; their
    # case gets an owner when they give it to a worker, routes/members.py).
    crud.create_case(conn, body.case_id, c.team_id, None if c.role == "coordinator" else c.user_id)
    # Everyone the key is wrapped for (the caller, the team's coordinators, any colleague
    # assigned at once) is a member: membership is what pull and history serve by.
    for member in sorted(recipients_users):
        add_membership(conn, body.case_id, member, seqs.take(), added_by=c.user_id)
    crud.store_grants(conn, body.case_id, body.grants)
    return True


@router.post("/cases")
def register_case(body: p.CaseRegistration, c: CurrentDevice, engine: EngineDep) -> p.CaseState:
    with write_transaction(engine) as conn:
        seqs = SeqAllocator(conn)  # taken first: serialises registrations of one id, too
        if _register(conn, body, c, seqs, _team_view(conn, c)):
            seqs.flush()
            audit_caller(conn, c, "case_register", [body.case_id])
        return crud.case_state(conn, body.case_id, c.user_id)


@router.post("/case-registrations")
def register_cases(body: p.CaseRegistrations, c: CurrentDevice, engine: EngineDep) -> p.CaseRegistrationsResponse:
    """Many registrations in one request and one transaction, each decided as `POST /cases` decides
    it: a refused case is answered with the code and status that route gives, the others are kept."""
    if len({r.case_id for r in body.cases}) < len(body.cases):
        raise ApiError(400, "bad_request", "A case appears twice in one registration request.")
    results: list[p.CaseRegistered] = []
    with write_transaction(engine) as conn:
        seqs = SeqAllocator(conn)
        view = _team_view(conn, c)
        registered: list[str] = []
        for registration in body.cases:
            try:
                if _register(conn, registration, c, seqs, view):
                    registered.append(registration.case_id)
            except ApiError as refused:
                results.append(p.CaseRegistered(case_id=registration.case_id, code=refused.code,
                                                status=refused.status))
                continue
            results.append(p.CaseRegistered(case_id=registration.case_id,
                                            state=crud.case_state(conn, registration.case_id, c.user_id)))
        seqs.flush()
        if registered:
            audit_caller(conn, c, "case_register", registered, detail=f"bulk={len(registered)}")
    return p.CaseRegistrationsResponse(results=results)


@router.get("/cases/{case_id}")
def get_case(case_id: CaseIdPath, c: CurrentDevice, engine: EngineDep) -> p.CaseState:
    with read_transaction(engine) as conn:
        visible_case(conn, case_id, c)
        return crud.case_state(conn, case_id, c.user_id)


@router.post("/case-states")
def get_case_states(body: p.CaseStatesRequest, c: CurrentDevice, engine: EngineDep) -> p.CaseStatesResponse:
    with read_transaction(engine) as conn:
        ids = sorted(set(body.case_ids))
        visible = crud.member_case_ids(conn, ids, c.user_id)
        return p.CaseStatesResponse(cases=crud.case_states(conn, [i for i in ids if i in visible], c.user_id))
