"""The outbox of a data folder read without its key: what is needed to deliver the unsent changes of
a profile whose passphrase was forgotten (sync/reenrol.py), and what `SyncStore` uses for its own outbox.

A queued revision is already sealed and signed when it is saved, and its header is plaintext in the
`records` table, so it can be sent as it is: nothing here opens a sealed value. The vault's user id is
plaintext too (it is bound into the wrapped secrets, not secret)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Row, bindparam, delete, func, select, update

from leerrecht_core.crypto.records import RecordHeader, SealedRecord
from leerrecht_desktop.store import tables as t

PENDING = "pending"
QUARANTINED = "quarantined"
# Below SQLite's limit on bound parameters (32,766 since 3.32; 999 before).
IN_CHUNK = 500


def chunks(items: list[str]) -> list[list[str]]:
    return [items[i:i + IN_CHUNK] for i in range(0, len(items), IN_CHUNK)]


@dataclass(frozen=True)
class Outgoing:
    outbox_id: int
    sealed: SealedRecord


def sealed_from_row(row: Row[Any]) -> SealedRecord:
    header = RecordHeader(
        record_id=row.record_id, revision_id=row.revision_id, case_id=row.case_id, kind=row.kind,
        revision=row.revision, base_revision=row.base_revision, author_id=row.author_id,
        key_version=row.key_version, deleted=bool(row.deleted),
    )
    return SealedRecord(header, row.nonce, row.ciphertext, row.signature)


def outgoing(engine: Engine, limit: int) -> list[Outgoing]:
    """Up to `limit` pending revisions, oldest first, at most one per record (its lowest revision):
    a later one may only go once the server accepted the one it is based on."""
    # In SQL, stopping at `limit` (reading the whole outbox for every batch made a first push of a
    # large data set quadratic): a pending row qualifies when its revision is the record's lowest
    # unsent one (pending or quarantined). A record whose first unsent revision is quarantined
    # waits for the user's retry or discard.
    unsent, queued = t.records.alias("unsent"), t.outbox.alias("queued")
    first_unsent = (select(func.min(unsent.c.revision))
                    .select_from(queued.join(unsent, unsent.c.revision_id == queued.c.revision_id))
                    .where(unsent.c.record_id == t.records.c.record_id).scalar_subquery())
    with engine.connect() as conn:
        rows = conn.execute(
            select(t.outbox.c.id.label("outbox_id"), t.records)
            .join(t.records, t.records.c.revision_id == t.outbox.c.revision_id)
            .where(t.outbox.c.state == PENDING, t.records.c.revision == first_unsent)
            .order_by(t.outbox.c.id).limit(limit)
        ).all()
    return [Outgoing(r.outbox_id, sealed_from_row(r)) for r in rows]


def count(engine: Engine, state: str = PENDING) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.outbox)
                                .where(t.outbox.c.state == state)).scalar_one())


def registered_case_ids(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(select(t.sync_cases.c.case_id)).scalars())


def profile_user_id(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return conn.execute(select(t.vault.c.user_id)).scalar()


def set_seqs(conn: Connection, seqs: dict[str, int | None]) -> None:
    rows = [{"rid": rid, "seq": seq} for rid, seq in seqs.items() if seq is not None]
    if rows:
        conn.execute(update(t.records).where(t.records.c.revision_id == bindparam("rid"))
                     .values(server_seq=bindparam("seq")), rows)


def mark_pushed(conn: Connection, pushed: dict[str, int | None]) -> None:
    """Revisions the server took (revision_id -> seq): out of the outbox, seq noted."""
    set_seqs(conn, pushed)
    for chunk in chunks(list(pushed)):
        conn.execute(delete(t.outbox).where(t.outbox.c.revision_id.in_(chunk)))


def unsent(engine: Engine, case_ids: list[str] | None = None) -> list[tuple[SealedRecord, str]]:
    """Every revision the server has not taken (pending or quarantined), with its outbox state, record by
    record in revision order: what a laptop hands in when it may no longer push (sync/held_apart.py)."""
    query = (select(t.records, t.outbox.c.state).join(t.outbox, t.outbox.c.revision_id == t.records.c.revision_id)
             .order_by(t.records.c.case_id, t.records.c.record_id, t.records.c.revision))
    with engine.connect() as conn:
        if case_ids is None:
            rows = list(conn.execute(query).all())
        else:
            rows = [r for chunk in chunks(case_ids)
                    for r in conn.execute(query.where(t.records.c.case_id.in_(chunk))).all()]
    return [(sealed_from_row(r), r.state) for r in rows]
