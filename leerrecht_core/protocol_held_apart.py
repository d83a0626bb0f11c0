"""Wire models for the held-apart queue (issues 11 and 12): what a laptop could no longer push (its
device was revoked, or its user was removed from the case) is delivered here instead of being lost,
and a coordinator of the team reviews each change: accepted into the case (sealed again, by the
coordinator, under the case's current key) or discarded. Nothing delivered goes straight into a case.

    POST /held-apart                   HeldApartDelivery -> HeldApartResponse   a laptop delivers
    GET  /held-apart                   -> HeldApartList      a coordinator: the team's undecided items
    GET  /held-apart/{item_id}         -> HeldApartShow      a coordinator: one item with its sealed revision
    POST /held-apart/{item_id}/accept  HeldApartAccept -> HeldApartItem   taken in as `revision_id`
    POST /held-apart/{item_id}/discard HeldApartDiscard -> HeldApartItem

Same rules as `protocol.py`: version 1, base64 bytes, extra fields refused."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from leerrecht_core.protocol import B64, MAX_PUSH_BATCH, Kind, Model, Uuid, WireRevision

HeldApartReason = Literal["revoked", "removed"]
HeldApartStatus = Literal["pending", "accepted", "discarded"]
# A laptop can't flood its team's coordinators: undecided items per device beyond this are refused.
MAX_HELD_APART_PER_DEVICE = 5000


class RecoveryWrap(Model):
    """A case key wrapped for the organisation's recovery key (keys.wrap_case_key with recipient
    RECOVERY_RECIPIENT), for a case the server never knew: only the recovery key opens its items."""

    case_id: Uuid
    key_version: int = Field(ge=1)
    ephemeral_public: B64 = Field(min_length=32, max_length=32)
    ciphertext: B64 = Field(min_length=28, max_length=128)


class HeldApartDelivery(Model):
    reason: HeldApartReason
    revisions: list[WireRevision] = Field(min_length=1, max_length=MAX_PUSH_BATCH)
    recovery_wraps: list[RecoveryWrap] = Field(default=[], max_length=MAX_PUSH_BATCH)


class HeldApartResult(Model):
    revision_id: Uuid
    status: Literal["held", "duplicate", "rejected"]
    reason: str | None = None


class HeldApartResponse(Model):
    results: list[HeldApartResult]


class HeldApartItem(Model):
    item_id: int
    case_id: Uuid
    record_id: Uuid
    revision_id: Uuid
    kind: Kind
    deleted: bool
    key_version: int
    author_id: Uuid
    author_name: str
    device_name: str
    reason: HeldApartReason
    received_at: str
    status: HeldApartStatus
    # False: the case was never registered, so no coordinator holds its key; the item waits, sealed
    # to the recovery key, for the beheerder.
    openable: bool
    decided_by: str | None = None
    decided_at: str | None = None
    accepted_as: Uuid | None = None


class HeldApartList(Model):
    items: list[HeldApartItem]


class HeldApartShow(Model):
    item: HeldApartItem
    revision: WireRevision


class HeldApartAccept(Model):
    # The coordinator's own revision that carries the accepted content (pushed before this call).
    revision_id: Uuid


class HeldApartDiscard(Model):
    # The item's own revision id, as the coordinator saw it: a stale list never discards another item.
    revision_id: Uuid
