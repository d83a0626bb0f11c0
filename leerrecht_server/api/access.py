"""Who may see or change a case, and whether the key grants a caller sends may be stored: the
checks the case and member routes share. Each refuses with an ApiError."""

from __future__ import annotations

from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection

from leerrecht_core import protocol as p
from leerrecht_server.api.errors import ApiError
from leerrecht_server.crud.cases import find_case, is_member
from leerrecht_server.crud.devices import Caller


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
    raise ApiError(404, "not_found", "No such case, or not shared with you.")


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
