"""Erasure everywhere (issue 13, item 3): a coordinator of the case's team (or, in a team without one,
the case's worker) erases a case on the server, signed; the laptops that held it learn it from the
feed and erase their copy. The SQL is crud/erasure.py's (shared with the retention sweep)."""

from __future__ import annotations

from typing import Annotated

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi import APIRouter, Query, Response

from leerrecht_core import protocol as p
from leerrecht_core import protocol_lifecycle as pl
from leerrecht_server.api.access import visible_case
from leerrecht_server.api.deps import CaseIdPath, CurrentDevice, Cursor, EngineDep
from leerrecht_server.api.errors import ApiError
from leerrecht_server.crud import erasure as crud
from leerrecht_server.crud import retention
from leerrecht_server.crud.audit import audit_caller
from leerrecht_server.crud.cases import current_members, owner
from leerrecht_server.crud.directory import team_user_ids
from leerrecht_server.db import SeqAllocator, committed_high_water, read_transaction, write_transaction
from leerrecht_server.retention import utc_today

router = APIRouter(prefix=p.API_PREFIX, tags=["erasure"])
FeedLimit = Annotated[int, Query(ge=1, le=pl.MAX_ERASURE_FEED)]


def already_erased() -> ApiError:
    """The answer to registering or erasing an erased case again, for whom crud.told_of allows."""
    return ApiError(410, "case_erased", "This case was erased; it can't be registered or erased again.")


@router.post("/cases/{case_id}/erase", status_code=204)
def erase(case_id: CaseIdPath, body: pl.CaseErase, c: CurrentDevice, engine: EngineDep) -> Response:
    with write_transaction(engine) as conn:
        SeqAllocator(conn)  # the counter lock first: one erasure (or push, or registration) at a time
        erased = crud.find_erasure(conn, case_id)
        if erased is not None and crud.told_of(erased, c):
            raise already_erased()
        case = visible_case(conn, case_id, c, manage=True)  # 404 for anyone who can't see it
        coordinators = team_user_ids(conn, case.team_id, role="coordinator")
        if coordinators:
            allowed = c.role == "coordinator" and c.team_id == case.team_id
        else:
            worker = owner(conn, case)
            allowed = c.user_id == worker if worker is not None else c.user_id in current_members(conn, case_id)
        if not allowed:
            raise ApiError(403, "forbidden", "Only a coordinator of the case's team may erase it (in a team "
                                             "without a coordinator: the case's own worker).")
        if not body.reason.strip():
            raise ApiError(400, "bad_request", "An erasure needs a reason.")
        # A hold is a duty to keep (a legal claim, GDPR art. 17(3)(e)): it stops a requested erasure too,
        # until a coordinator lifts it, which the audit log shows.
        held_until = retention.active_hold(conn, case_id, utc_today())
        if held_until is not None:
            raise ApiError(409, "case_held", f"This case's erasure is postponed until {held_until.isoformat()}; "
                                             "lift the hold first.")
        try:
            Ed25519PublicKey.from_public_bytes(c.signing_public).verify(
                body.signature, pl.erasure_message(case_id, c.user_id))
        except InvalidSignature:
            raise ApiError(400, "bad_request", "The erasure's signature does not verify.") from None
        crud.erase_case(conn, case_id, cause="request", erased_by=c.user_id, signature=body.signature,
                        reason=body.reason)
        audit_caller(conn, c, "case_erased", [case_id], detail=body.reason)
    return Response(status_code=204)


@router.get("/erasures")
def erasures(c: CurrentDevice, engine: EngineDep, after: Cursor = 0,
             limit: FeedLimit = pl.MAX_ERASURE_FEED) -> pl.ErasureFeed:
    with read_transaction(engine) as conn:
        # Never beyond the committed high-water mark: every erasure up to it is committed (SeqAllocator),
        # so a cursor that moved past a number never misses an erasure committed later with it.
        high = committed_high_water(conn)
        if after >= high:
            return pl.ErasureFeed(erasures=[], next_cursor=after, more=False)
        rows = crud.feed(conn, c, after, high, limit)
    page, more = rows[:limit], len(rows) > limit
    # The whole range up to `high` was read when there is no more: the cursor moves to it, also past
    # erasures this caller may not see, so the pull's erasure_mark stops asking for the feed.
    return pl.ErasureFeed(erasures=[crud.to_event(r) for r in page],
                          next_cursor=int(page[-1].seq) if more else high, more=more)
