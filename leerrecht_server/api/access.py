"""Who may see or change a case, and whether the key grants a caller sends may be stored: the
checks the case and member routes share. Each refuses with an ApiError.

Membership changes by role: a member's add or removal is made by a coordinator of the case's team or
by the case's owner (the worker the server knows for it: `crud.cases.owner`), in both cases a
current member holding the key versions the change builds on, on record (a grant wrapped for them).
Any key holder may still give the key to a coordinator of the case's team (they see every case of
their team anyway: a coordinator enrolled after the case was registered gets it this way), and
nobody takes a coordinator of the case's team off it."""

from __future__ import annotations

from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection

from leerrecht_core import protocol as p
from leerrecht_server.api.errors import ApiError
from leerrecht_server.crud.cases import find_case, held_versions, is_member, owner
from leerrecht_server.crud.devices import Caller
from leerrecht_server.crud.directory import team_user_ids

NOT_FOUND = "No such case, or not shared with you."


def visible_case(conn: Connection, case_id: str, c: Caller, *, manage: bool = False) -> Any:
    """The case row if the caller may see it (a current member) or, with `manage`, change its
    members (a member, or a coordinator of its team). Otherwise 404, whether or not it exists,
    so nobody learns which case ids exist elsewhere."""
    case = find_case(conn, case_id)
    if case is not None:
        if is_member(conn, case_id, c.user_id):
            return case
        if manage and c.role == "coordinator" and c.team_id == case.team_id:
            return case
    raise ApiError(404, "not_found", NOT_FOUND)


def not_found() -> ApiError:
    """The one answer for a case id the caller may not see, whether it exists or not."""
    return ApiError(404, "not_found", NOT_FOUND)


def check_holds_keys(conn: Connection, case: Any, c: Caller, versions: set[int]) -> None:
    """The caller is a current member of the case with a grant of every one of `versions` on record:
    what they wrap for others, they provably received."""
    if not is_member(conn, case.case_id, c.user_id) or not versions <= held_versions(conn, case.case_id, c.user_id):
        raise ApiError(403, "forbidden", "Only a member who holds the case's key may change its members.")


def is_team_coordinator(conn: Connection, case: Any, user_id: str) -> bool:
    return user_id in team_user_ids(conn, case.team_id, role="coordinator")


def check_may_manage(conn: Connection, case: Any, c: Caller, *, target: str, adding: bool) -> None:
    """A coordinator of the case's team or the case's owner may add or remove members; anyone may add
    one of the team's coordinators; nobody removes one."""
    target_is_coordinator = is_team_coordinator(conn, case, target)
    if not adding and target_is_coordinator:
        raise ApiError(403, "forbidden", "A coordinator of the case's team stays on every case of the team.")
    if adding and target_is_coordinator:
        return
    if (c.role == "coordinator" and c.team_id == case.team_id) or owner(conn, case) == c.user_id:
        return
    raise ApiError(403, "forbidden", "Only a coordinator of the case's team or the case's own worker may "
                                     "change its members.")


def check_grants(case_id: str, grants: list[p.KeyGrant], c: Caller) -> None:
    """Every grant granted by the caller, none twice, each signed by the caller's key."""
    key = Ed25519PublicKey.from_public_bytes(c.signing_public)
    seen: set[tuple[str, int]] = set()
    for g in grants:
        if g.granted_by != c.user_id:
            raise ApiError(400, "bad_request", "A key grant must be granted by the caller.")
        if (g.recipient_id, g.key_version) in seen:
            raise ApiError(400, "bad_request", "A key grant appears twice.")
        seen.add((g.recipient_id, g.key_version))
        try:
            key.verify(g.signature, p.grant_message(case_id, g.recipient_id, g.key_version,
                                                    g.ephemeral_public, g.ciphertext))
        except InvalidSignature:
            raise ApiError(400, "bad_request", "A key grant's signature does not verify.") from None
