"""Attachments on the server: the row per attachment, its received chunks, the feed of complete ones,
a team's usage (the quota), and their erasure with the case. The chunks' bytes go through the blob
store (leerrecht_server/blobs/); everything here is metadata, in the caller's transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from leerrecht_core import protocol_blobs as pb
from leerrecht_server.blobs import BlobStore, store_for
from leerrecht_server.crud.devices import Caller
from leerrecht_server.db import committed_high_water, now_iso
from leerrecht_server.tables import BLOB_COUNTER, attachment_chunks, attachments, cases, counters, memberships, teams


def find(conn: Connection, attachment_id: str) -> Any:
    return conn.execute(sa.select(attachments).where(attachments.c.attachment_id == attachment_id)).first()


def team_usage(conn: Connection, team_id: str) -> int:
    """Sealed bytes announced by the attachments of the team's cases, complete or still uploading (an
    upload reserves its size when it begins, so two uploads at once can't both pass the quota). By the
    case's current team: a case handed to another team takes its attachments along."""
    total = conn.execute(sa.select(sa.func.coalesce(sa.func.sum(attachments.c.sealed_size), 0))
                         .select_from(attachments.join(cases, cases.c.case_id == attachments.c.case_id))
                         .where(cases.c.team_id == team_id)).scalar()
    return int(total or 0)


def team_quota(conn: Connection, team_id: str, default_bytes: int) -> int:
    """The sealed bytes the team's attachments may take: its own quota (set by a beheerder, migration
    0011) or the server's default."""
    mb = conn.execute(sa.select(teams.c.attachment_quota_mb).where(teams.c.team_id == team_id)).scalar()
    return default_bytes if mb is None else int(mb) * 1024 * 1024


def usage_by_team(conn: Connection) -> dict[str, int]:
    """Every team's usage at once (the console's teams page): one grouped query."""
    rows = conn.execute(sa.select(cases.c.team_id, sa.func.sum(attachments.c.sealed_size))
                        .select_from(attachments.join(cases, cases.c.case_id == attachments.c.case_id))
                        .group_by(cases.c.team_id)).all()
    return {team_id: int(total or 0) for team_id, total in rows}


def begin(conn: Connection, body: pb.UploadBegin, c: Caller) -> None:
    conn.execute(attachments.insert().values(
        attachment_id=body.attachment_id, case_id=body.case_id, key_version=body.key_version,
        author_id=body.author_id, device_id=c.device_id, chunk_count=body.chunk_count,
        sealed_size=body.sealed_size, created_at=now_iso()))


def received(conn: Connection, attachment_id: str) -> dict[int, int]:
    """Index -> length of every chunk the server holds of the attachment."""
    return {int(i): int(n) for i, n in conn.execute(
        sa.select(attachment_chunks.c.chunk_index, attachment_chunks.c.size)
        .where(attachment_chunks.c.attachment_id == attachment_id))}


def put_chunk(conn: Connection, store: BlobStore, attachment_id: str, index: int, data: bytes) -> None:
    store.put(conn, attachment_id, index, data)
    where = (attachment_chunks.c.attachment_id == attachment_id) & (attachment_chunks.c.chunk_index == index)
    conn.execute(attachment_chunks.delete().where(where))
    conn.execute(attachment_chunks.insert().values(attachment_id=attachment_id, chunk_index=index, size=len(data)))


def complete(conn: Connection, attachment_id: str, body: pb.ManifestUpload) -> int:
    """Store the manifest and give the attachment its feed number: from now on it is listed."""
    # The counter row is locked until commit, so feed numbers are committed in order, without gaps
    # (as db.SeqAllocator does for the pull): a reader that sees N has every number below it.
    value = int(conn.execute(sa.select(counters.c.value).where(counters.c.name == BLOB_COUNTER)
                             .with_for_update()).scalar_one()) + 1
    conn.execute(counters.update().where(counters.c.name == BLOB_COUNTER).values(value=value))
    conn.execute(attachments.update().where(attachments.c.attachment_id == attachment_id).values(
        nonce=body.nonce, sealed_manifest=body.sealed_manifest, signature=body.signature, feed_seq=value,
        completed_at=now_iso()))
    return value


def feed_high(conn: Connection) -> int:
    return int(conn.execute(sa.select(counters.c.value).where(counters.c.name == BLOB_COUNTER)).scalar_one())


def feed(conn: Connection, user_id: str, *, after: int, since: int, pos: int, limit: int) -> pb.AttachmentFeed:
    """Complete attachments of the caller's current cases numbered after `after`, and every complete
    attachment of a case they became a member of after the pull's `since`, from `pos` on, in order."""
    high, mark = feed_high(conn), committed_high_water(conn)
    mine = sa.select(memberships.c.case_id).where(memberships.c.user_id == user_id,
                                                  memberships.c.removed_seq.is_(None))
    joined_since = mine.where(memberships.c.added_seq > since)
    newly = conn.execute(joined_since.limit(1)).first() is not None
    if not newly and max(after, pos) >= high:
        # Nothing new (a laptop's round with nothing to fetch): one indexed read, whatever is stored.
        return pb.AttachmentFeed(manifests=[], next_pos=pos, more=False, high=high, mark=mark)
    query = sa.select(attachments).where(attachments.c.feed_seq.is_not(None), attachments.c.feed_seq > pos,
                                         attachments.c.feed_seq <= high, attachments.c.case_id.in_(mine))
    if newly:
        query = query.where(sa.or_(attachments.c.feed_seq > after, attachments.c.case_id.in_(joined_since)))
    else:
        query = query.where(attachments.c.feed_seq > after)
    rows = conn.execute(query.order_by(attachments.c.feed_seq).limit(limit + 1)).all()
    page, more = rows[:limit], len(rows) > limit
    return pb.AttachmentFeed(manifests=[to_wire(r) for r in page],
                             next_pos=int(page[-1].feed_seq) if page else pos, more=more, high=high, mark=mark)


def to_wire(row: Any) -> pb.AttachmentManifest:
    return pb.AttachmentManifest(
        attachment_id=row.attachment_id, case_id=row.case_id, key_version=row.key_version,
        author_id=row.author_id, chunk_count=row.chunk_count, sealed_size=row.sealed_size,
        nonce=bytes(row.nonce), sealed_manifest=bytes(row.sealed_manifest), signature=bytes(row.signature))


def erase(conn: Connection, attachment_ids: Sequence[str]) -> None:
    if not attachment_ids:
        return
    ids = list(attachment_ids)
    store_for(conn.engine).delete(conn, ids)
    conn.execute(attachment_chunks.delete().where(attachment_chunks.c.attachment_id.in_(ids)))
    conn.execute(attachments.delete().where(attachments.c.attachment_id.in_(ids)))


# An upload not completed in a week is given up (retention.sweep): its chunks go and its reserved quota
# is free again. Nothing is lost: the laptop keeps the attachment and, at its next round, announces it
# again and is told that the server holds none of its chunks, so it sends them all.
ABANDONED_AFTER = dt.timedelta(days=7)


def abandoned(conn: Connection, now: dt.datetime) -> list[str]:
    """Uploads begun more than ABANDONED_AFTER before `now` whose manifest never came."""
    before = (now - ABANDONED_AFTER).isoformat(timespec="milliseconds")
    return list(conn.execute(sa.select(attachments.c.attachment_id)
                             .where(attachments.c.feed_seq.is_(None), attachments.c.created_at < before)
                             .order_by(attachments.c.created_at)).scalars())


def erase_case_attachments(conn: Connection, case_id: str) -> None:
    """Every attachment of an erased case, its chunks in the store too (crud/erasure.erase_case)."""
    erase(conn, list(conn.execute(sa.select(attachments.c.attachment_id)
                                  .where(attachments.c.case_id == case_id)).scalars()))
