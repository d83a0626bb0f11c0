"""The wire format of a case's end (issue 13): erasure everywhere and retention. Shared by both sides.

    POST /cases/{id}/erase       CaseErase         -> 204        a coordinator (or, in a team without
                                                                 one, the case's worker) erases a case
    GET  /erasures?after=N                          -> ErasureFeed  erased cases this caller held

An erasure leaves on the server only the fact (`case_erasures`): the laptops that held the case learn
it from the feed at their next contact and erase their copy. A requested erasure carries its author's
Ed25519 signature over `erasure_message`, so a server can't make laptops erase on its own; a retention
erasure carries the policy in force, and a laptop erases on it only when its own copy of the case was
closed at least that long ago and the policy is at least RETENTION_MIN_CLOSED_DAYS.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from leerrecht_core.protocol import _NO_CONTROL, Model, Signature, Uuid

MAX_ERASURE_REASON_LEN = 500
MAX_ERASURE_FEED = 1000
# The organisation's retention period for closed cases, in days (admin set-retention --closed-days N):
# the range the server accepts, and the floor a laptop checks again before it acts on a retention erasure.
RETENTION_MIN_CLOSED_DAYS = 365
RETENTION_MAX_CLOSED_DAYS = 36500

Reason = Annotated[str, Field(min_length=1, max_length=MAX_ERASURE_REASON_LEN,
                              json_schema_extra={"pattern": r"^[^\u0000-\u001f\u007f-\u009f]*$"}), _NO_CONTROL]
Cause = Literal["request", "retention"]


def erasure_message(case_id: str, user_id: str) -> bytes:
    """What the user erasing a case signs. A case id is never used again, so there is nothing to replay."""
    return f"leerrecht/v1/case-erased|{case_id}|{user_id}".encode()


class CaseErase(Model):
    reason: Reason
    signature: Signature  # the caller's, over erasure_message(case id, caller's user id)


class ErasureEvent(Model):
    seq: int
    case_id: Uuid
    erased_at: str
    cause: Cause
    erased_by: Uuid | None = None  # request
    signature: Signature | None = None  # request
    reason: str | None = None  # request: as typed
    closed_days: int | None = None  # retention: the policy in force
    closed_on: str | None = None  # retention: the closing date the server had (YYYY-MM-DD)


class ErasureFeed(Model):
    erasures: list[ErasureEvent]  # ordered by seq
    next_cursor: int
    more: bool
