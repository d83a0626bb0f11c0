"""The held-apart queue: storing what a laptop delivers, and a coordinator's list and decisions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection

from leerrecht_core import protocol as p
from leerrecht_core import protocol_held_apart as ph
from leerrecht_core.crypto.parallel import signed_by_any
from leerrecht_server.crud.devices import Caller
from leerrecht_server.crud.erasure import CASE_ERASED, erased_for
from leerrecht_server.crud.revisions import sealed_of
from leerrecht_server.db import now_iso
from leerrecht_server.tables import cases, devices, held_apart, memberships, revisions, users


def pending_count(conn: Connection, device_id: str) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(held_apart).where(
        held_apart.c.device_id == device_id, held_apart.c.status == "pending")).scalar_one())


def hold_one(conn: Connection, rev: p.WireRevision, c: Caller, reason: str, signers: list[Ed25519PublicKey],
             wraps: dict[tuple[str, int], ph.RecoveryWrap]) -> ph.HeldApartResult:
    """Decide one delivered revision: kept (all of it) or refused with the reason."""

    def rejected(why: str) -> ph.HeldApartResult:
        return ph.HeldApartResult(revision_id=rev.revision_id, status="rejected", reason=why)

    if rev.author_id != c.user_id:
        return rejected("author is not the delivering user")
    if not signed_by_any(sealed_of(rev), signers):
        return rejected("signature does not verify")
    held = conn.execute(sa.select(held_apart.c.signature).where(held_apart.c.revision_id == rev.revision_id)).first()
    if held is not None:
        if bytes(held.signature) != rev.signature:
            return rejected("revision id already used for different content")
        return ph.HeldApartResult(revision_id=rev.revision_id, status="duplicate")
    if conn.execute(sa.select(revisions.c.seq).where(revisions.c.revision_id == rev.revision_id)).first():
        return ph.HeldApartResult(revision_id=rev.revision_id, status="duplicate")  # it reached the case itself
    case = conn.execute(sa.select(cases).where(cases.c.case_id == rev.case_id)).first()
    wrap = wraps.get((rev.case_id, rev.key_version))
    if case is None and erased_for(conn, rev.case_id, c):
        return rejected(CASE_ERASED)  # not kept for a coordinator: the case it belonged to is gone
    if case is not None:
        # Only what a member once could write: a removed member's, a revoked laptop's own cases. The
        # same answer as for a case that does not exist, so no other team's case ids are learnt.
        was_member = conn.execute(sa.select(memberships.c.id).where(
            memberships.c.case_id == rev.case_id, memberships.c.user_id == c.user_id)).first()
        if was_member is None:
            return rejected("no such case, or never shared with you")
        if rev.key_version > case.key_version:
            return rejected("unknown key version for this case")
        team_id, wrap = case.team_id, None
    elif wrap is None:
        return rejected("no such case, or never shared with you")
    else:
        team_id = c.team_id
    conn.execute(held_apart.insert().values(
        team_id=team_id, device_id=c.device_id, reason=reason, revision_id=rev.revision_id,
        record_id=rev.record_id, case_id=rev.case_id, kind=rev.kind, revision=rev.revision,
        base_revision=rev.base_revision, author_id=rev.author_id, key_version=rev.key_version,
        deleted=rev.deleted, nonce=rev.nonce, ciphertext=rev.ciphertext, signature=rev.signature,
        recovery_ephemeral=None if wrap is None else wrap.ephemeral_public,
        recovery_ciphertext=None if wrap is None else wrap.ciphertext,
        received_at=now_iso(), status="pending"))
    return ph.HeldApartResult(revision_id=rev.revision_id, status="held")


def _listing() -> sa.Select[Any]:
    return (sa.select(held_apart, users.c.display_name.label("author_name"), devices.c.name.label("device_name"))
            .outerjoin(users, users.c.user_id == held_apart.c.author_id)
            .outerjoin(devices, devices.c.device_id == held_apart.c.device_id))


def team_items(conn: Connection, team_id: str, *, undecided_only: bool) -> Sequence[Any]:
    query = _listing().where(held_apart.c.team_id == team_id)
    if undecided_only:
        query = query.where(held_apart.c.status == "pending")
    return conn.execute(query.order_by(held_apart.c.item_id)).all()


def find_item(conn: Connection, item_id: int) -> Any:
    return conn.execute(_listing().where(held_apart.c.item_id == item_id)).first()


def decide(conn: Connection, item_id: int, status: str, decided_by: str, accepted_as: str | None = None) -> None:
    conn.execute(held_apart.update().where(held_apart.c.item_id == item_id, held_apart.c.status == "pending")
                 .values(status=status, decided_by=decided_by, decided_at=now_iso(), accepted_as=accepted_as))


def own_revision_of(conn: Connection, revision_id: str, record_id: str, case_id: str, author_id: str) -> bool:
    """Whether `revision_id` is in the case, on that record, written by `author_id`."""
    return conn.execute(sa.select(revisions.c.seq).where(
        revisions.c.revision_id == revision_id, revisions.c.record_id == record_id,
        revisions.c.case_id == case_id, revisions.c.author_id == author_id)).first() is not None


def to_item(r: Any) -> ph.HeldApartItem:
    return ph.HeldApartItem(
        item_id=r.item_id, case_id=r.case_id, record_id=r.record_id, revision_id=r.revision_id, kind=r.kind,
        deleted=bool(r.deleted), key_version=r.key_version, author_id=r.author_id,
        author_name=r.author_name or "?", device_name=r.device_name or "?", reason=r.reason,
        received_at=r.received_at, status=r.status, openable=r.recovery_ephemeral is None,
        decided_by=r.decided_by, decided_at=r.decided_at, accepted_as=r.accepted_as)
