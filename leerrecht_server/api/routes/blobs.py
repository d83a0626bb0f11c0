"""Attachments (leerrecht_core/protocol_blobs.py): an upload announced, sent chunk by chunk (resumable:
the announcement answers which chunks are in), and completed by its signed manifest, last, so a
half-uploaded attachment is listed to nobody; the feed of complete ones; a chunk fetched.

Who may: the members of the case, as for its revisions (api/access.visible_case: anyone else gets
404, whether the case or attachment exists or not). Only the author's own account uploads an
attachment, and the manifest must verify under that account's signing key (current or former). The
25 MB limit and the team's quota are checked when the upload is announced, against the sizes
announced, and every chunk against them again."""

from __future__ import annotations

from typing import Annotated, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Connection

from leerrecht_core import protocol as p
from leerrecht_core import protocol_blobs as pb
from leerrecht_core.crypto.attachments import MAX_SEALED_CHUNK, AttachmentHeader, SealedManifest, signature_valid
from leerrecht_core.crypto.keys import NONCE_LEN
from leerrecht_server.api.access import not_found, visible_case
from leerrecht_server.api.deps import UUID_PATTERN, CurrentDevice, Cursor, EngineDep, SettingsDep
from leerrecht_server.api.errors import ApiError
from leerrecht_server.blobs import store_for
from leerrecht_server.crud import blobs as crud
from leerrecht_server.crud.audit import audit_caller
from leerrecht_server.crud.cases import held_versions
from leerrecht_server.crud.devices import Caller
from leerrecht_server.crud.user_keys import former_signing_keys
from leerrecht_server.db import read_transaction, write_transaction

router = APIRouter(prefix=p.API_PREFIX, tags=["attachments"])

AttachmentIdPath = Annotated[str, Path(pattern=UUID_PATTERN)]
ChunkIndexPath = Annotated[int, Path(ge=0, lt=pb.MAX_CHUNKS)]
FeedLimit = Annotated[int, Query(ge=1, le=pb.MAX_FEED_LIMIT)]
_MIN_CHUNK = NONCE_LEN + 16  # an empty file's one chunk: nonce and tag


def _too_large(detail: str) -> ApiError:
    return ApiError(413, pb.TOO_LARGE_CODE, detail)


def _own_upload(conn: Connection, attachment_id: str, c: Caller) -> Any:
    """The attachment row, if the caller's account is uploading it and may still see its case."""
    row = crud.find(conn, attachment_id)
    if row is None or row.author_id != c.user_id:
        raise not_found()
    visible_case(conn, row.case_id, c)
    return row


def _state(conn: Connection, row: Any) -> pb.UploadState:
    return pb.UploadState(received=sorted(crud.received(conn, row.attachment_id)), complete=row.feed_seq is not None)


@router.post("/attachments")
def begin_upload(body: pb.UploadBegin, c: CurrentDevice, engine: EngineDep, settings: SettingsDep) -> pb.UploadState:
    with write_transaction(engine) as conn:
        case = visible_case(conn, body.case_id, c)
        if body.author_id != c.user_id or body.key_version not in held_versions(conn, body.case_id, c.user_id):
            raise ApiError(403, "forbidden", "An attachment is uploaded by its author, under a key they hold.")
        row = crud.find(conn, body.attachment_id)
        if row is not None:
            if (row.case_id, row.author_id, row.chunk_count, row.sealed_size) != (
                    body.case_id, body.author_id, body.chunk_count, body.sealed_size):
                raise ApiError(409, "conflict", "Another attachment has this id.")
            return _state(conn, row)  # a resumed upload: which chunks are in
        if body.chunk_count > pb.MAX_CHUNKS or body.sealed_size > pb.MAX_SEALED_SIZE:
            raise _too_large(f"An attachment is at most {pb.MAX_SEALED_SIZE} sealed bytes.")
        if not body.chunk_count * _MIN_CHUNK <= body.sealed_size <= body.chunk_count * MAX_SEALED_CHUNK:
            raise ApiError(400, "bad_request", "The sealed size does not fit the chunk count.")
        if crud.team_usage(conn, case.team_id) + body.sealed_size > crud.team_quota(
                conn, case.team_id, settings.team_quota_bytes):
            raise ApiError(413, pb.QUOTA_CODE, "The team's attachments would pass the server's quota.")
        crud.begin(conn, body, c)
        return pb.UploadState(received=[], complete=False)


def _store_chunks(engine: Any, c: Caller, attachment_id: str, first: int, parts: list[bytes]) -> None:
    with write_transaction(engine) as conn:
        row = _own_upload(conn, attachment_id, c)
        if row.feed_seq is not None:
            raise ApiError(409, "conflict", "This attachment is complete; its chunks no longer change.")
        if first + len(parts) > row.chunk_count:
            raise ApiError(400, "bad_request", "No such chunk in this attachment.")
        if not all(_MIN_CHUNK <= len(part) <= MAX_SEALED_CHUNK for part in parts):
            raise _too_large(f"A sealed chunk is {_MIN_CHUNK} to {MAX_SEALED_CHUNK} bytes.")
        sent = range(first, first + len(parts))
        others = sum(n for i, n in crud.received(conn, attachment_id).items() if i not in sent)
        if others + sum(len(part) for part in parts) > row.sealed_size:
            raise _too_large("The chunks pass the size announced for this attachment.")
        store = store_for(engine)
        for index, part in zip(sent, parts, strict=True):
            crud.put_chunk(conn, store, attachment_id, index, part)


@router.put("/attachments/{attachment_id}/chunks/{index}", status_code=204)
async def put_chunks(attachment_id: AttachmentIdPath, index: ChunkIndexPath, request: Request, c: CurrentDevice,
                     engine: EngineDep) -> Response:
    # The body is bounded by the BodyLimit middleware (16 MiB), and each chunk by its length check.
    data = await request.body()
    lengths = pb.parse_lengths(request.headers.get(pb.CHUNK_LENGTHS_HEADER), len(data), pb.CHUNKS_PER_REQUEST)
    if lengths is None:
        raise ApiError(400, "bad_request", f"{pb.CHUNK_LENGTHS_HEADER} must add up to the body's length.")
    await run_in_threadpool(_store_chunks, engine, c, attachment_id, index, pb.split(data, lengths))
    return Response(status_code=204)


@router.post("/attachments/{attachment_id}/manifest")
def complete_upload(attachment_id: AttachmentIdPath, body: pb.ManifestUpload, c: CurrentDevice,
                    engine: EngineDep) -> pb.UploadState:
    with write_transaction(engine) as conn:
        row = _own_upload(conn, attachment_id, c)
        if row.feed_seq is not None:
            return _state(conn, row)  # the answer to an earlier try was lost
        have = crud.received(conn, attachment_id)
        if set(have) != set(range(row.chunk_count)) or sum(have.values()) != row.sealed_size:
            raise ApiError(409, "conflict", "Not every chunk of this attachment is in yet.")
        header = AttachmentHeader(row.attachment_id, row.case_id, row.key_version, row.author_id)
        keys = [c.signing_public, *former_signing_keys(conn, [c.user_id]).get(c.user_id, [])]
        sealed = SealedManifest(header, body.nonce, body.sealed_manifest, body.signature)
        if not signature_valid(sealed, [Ed25519PublicKey.from_public_bytes(k) for k in keys]):
            raise ApiError(400, "bad_request", "The manifest's signature does not verify.")
        crud.complete(conn, attachment_id, body)
        audit_caller(conn, c, "attachment_upload", [row.case_id],
                     detail=f"attachment={attachment_id} chunks={row.chunk_count} bytes={row.sealed_size}")
        return pb.UploadState(received=sorted(have), complete=True)


@router.get("/attachments/feed")
def feed(c: CurrentDevice, engine: EngineDep, after: Cursor = 0, since: Cursor = 0, pos: Cursor = 0,
         limit: FeedLimit = pb.MAX_FEED_LIMIT) -> pb.AttachmentFeed:
    with read_transaction(engine) as conn:
        page = crud.feed(conn, c.user_id, after=after, since=since, pos=pos, limit=limit)
    if page.manifests:
        with write_transaction(engine) as conn:
            audit_caller(conn, c, "attachment_feed", [m.case_id for m in page.manifests],
                         detail=f"after={after} manifests={len(page.manifests)}")
    return page


@router.get("/attachments/{attachment_id}/chunks/{index}")
def get_chunks(attachment_id: AttachmentIdPath, index: ChunkIndexPath, c: CurrentDevice, engine: EngineDep,
               count: Annotated[int, Query(ge=1, le=pb.CHUNKS_PER_REQUEST)] = 1) -> Response:
    with read_transaction(engine) as conn:
        row = crud.find(conn, attachment_id)
        if row is None or row.feed_seq is None:  # a half-uploaded attachment is nobody's to fetch
            raise not_found()
        visible_case(conn, row.case_id, c)
        store = store_for(engine)
        parts = [store.get(conn, attachment_id, i) for i in range(index, min(index + count, row.chunk_count))]
    # What the store has, up to the first chunk it lacks; none at all is a 404 (the laptop refuses it).
    held: list[bytes] = []
    for part in parts:
        if part is None:
            break
        held.append(part)
    if not held:
        raise ApiError(404, "not_found", "The server does not hold this chunk.")
    if index == 0:  # one entry per fetch of an attachment, not one per chunk
        with write_transaction(engine) as conn:
            audit_caller(conn, c, "attachment_fetch", [row.case_id], detail=f"attachment={attachment_id}")
    return Response(content=b"".join(held), media_type="application/octet-stream",
                    headers={pb.CHUNK_LENGTHS_HEADER: ",".join(str(len(part)) for part in held)})
