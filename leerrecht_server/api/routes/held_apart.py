"""The held-apart queue: a laptop that may no longer push (revoked, or its user removed from the case)
hands in its unsent revisions; a coordinator of the team lists them, opens one, and accepts it (after
pushing their own revision with its content) or discards it. See protocol_held_apart."""

from __future__ import annotations

from typing import Annotated, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi import APIRouter, Path, Query
from sqlalchemy import Connection

from leerrecht_core import protocol as p
from leerrecht_core import protocol_held_apart as ph
from leerrecht_server.api.deps import CurrentDevice, DeliveringDevice, EngineDep
from leerrecht_server.api.errors import ApiError
from leerrecht_server.crud import held_apart as crud
from leerrecht_server.crud.audit import audit_caller
from leerrecht_server.crud.devices import Caller
from leerrecht_server.crud.revisions import to_wire
from leerrecht_server.crud.user_keys import former_signing_keys
from leerrecht_server.db import read_transaction, write_transaction

router = APIRouter(prefix=p.API_PREFIX, tags=["held-apart"])
ItemId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.post("/held-apart")
def deliver(body: ph.HeldApartDelivery, c: DeliveringDevice, engine: EngineDep) -> ph.HeldApartResponse:
    wraps = {(w.case_id, w.key_version): w for w in body.recovery_wraps}
    results: list[ph.HeldApartResult] = []
    with write_transaction(engine) as conn:
        room = ph.MAX_HELD_APART_PER_DEVICE - crud.pending_count(conn, c.device_id)
        signers = [Ed25519PublicKey.from_public_bytes(k) for k in
                   [c.signing_public, *former_signing_keys(conn, [c.user_id]).get(c.user_id, [])]]
        for rev in body.revisions:
            if room <= 0:
                results.append(ph.HeldApartResult(revision_id=rev.revision_id, status="rejected",
                                                  reason="too many changes held apart for this device"))
                continue
            result = crud.hold_one(conn, rev, c, body.reason, signers, wraps)
            room -= result.status == "held"
            results.append(result)
        held = sorted({r.case_id for r, res in zip(body.revisions, results, strict=True) if res.status == "held"})
        audit_caller(conn, c, "held_apart_deliver", held, detail=f"reason={body.reason} " + " ".join(
            f"{s}={sum(r.status == s for r in results)}" for s in ("held", "duplicate", "rejected")))
    return ph.HeldApartResponse(results=results)


def _coordinator(c: Caller) -> None:
    if c.role != "coordinator":
        raise ApiError(403, "forbidden", "Only a coordinator reviews changes held apart.")


def _team_item(conn: Connection, item_id: int, c: Caller) -> Any:
    """The item if it belongs to the coordinator's team; 404 otherwise, whether or not it exists."""
    _coordinator(c)
    row = crud.find_item(conn, item_id)
    if row is None or row.team_id != c.team_id:
        raise ApiError(404, "not_found", "No such held-apart change in your team.")
    return row


@router.get("/held-apart")
def list_items(c: CurrentDevice, engine: EngineDep, decided: Annotated[bool, Query()] = False) -> ph.HeldApartList:
    _coordinator(c)
    with read_transaction(engine) as conn:
        rows = crud.team_items(conn, c.team_id, undecided_only=not decided)
    return ph.HeldApartList(items=[crud.to_item(r) for r in rows])


@router.get("/held-apart/{item_id}")
def show_item(item_id: ItemId, c: CurrentDevice, engine: EngineDep) -> ph.HeldApartShow:
    with read_transaction(engine) as conn:
        row = _team_item(conn, item_id, c)
    with write_transaction(engine) as conn:
        audit_caller(conn, c, "held_apart_show", [row.case_id], detail=f"item={item_id}")
    return ph.HeldApartShow(item=crud.to_item(row), revision=to_wire(row))


def _decide(item_id: int, c: Caller, engine: EngineDep, status: str, action: str,
            accepted_as: str | None, *, seen: str | None = None) -> ph.HeldApartItem:
    with write_transaction(engine) as conn:
        row = _team_item(conn, item_id, c)
        item = crud.to_item(row)
        if seen is not None and seen != item.revision_id:
            raise ApiError(409, "conflict", "This item holds another change than the one you saw.")
        if item.status != "pending":
            raise ApiError(409, "conflict", f"This change was already {item.status}.")
        if accepted_as is not None and not crud.own_revision_of(conn, accepted_as, item.record_id, item.case_id,
                                                                c.user_id):
            raise ApiError(409, "conflict", "Push your own revision with the accepted content first.")
        crud.decide(conn, item_id, status, c.username, accepted_as)
        audit_caller(conn, c, action, [item.case_id],
                     detail=f"item={item_id}" + (f" as={accepted_as}" if accepted_as else ""))
        return crud.to_item(crud.find_item(conn, item_id))


@router.post("/held-apart/{item_id}/accept")
def accept_item(item_id: ItemId, body: ph.HeldApartAccept, c: CurrentDevice, engine: EngineDep) -> ph.HeldApartItem:
    return _decide(item_id, c, engine, "accepted", "held_apart_accept", body.revision_id)


@router.post("/held-apart/{item_id}/discard")
def discard_item(item_id: ItemId, body: ph.HeldApartDiscard, c: CurrentDevice,
                 engine: EngineDep) -> ph.HeldApartItem:
    return _decide(item_id, c, engine, "discarded", "held_apart_discard", None, seen=body.revision_id)
