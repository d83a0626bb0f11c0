"""The wire format of attachments (issue 15): sealed chunks and the signed, sealed manifest, uploaded
and fetched chunk by chunk. Shared by both sides; same rules as `protocol.py`. The server never holds
a key: it stores the bytes it is given and checks who gives and asks for them.

    POST /attachments                      UploadBegin -> UploadState   announce (or resume) an upload
    PUT  /attachments/{id}/chunks/{i}      raw bytes (nonce ‖ ciphertext of chunk i, i+1, ...) -> 204
    POST /attachments/{id}/manifest        ManifestUpload -> UploadState  last: only now it is listed
    GET  /attachments/feed?after=&since=&pos=&limit=  -> AttachmentFeed  manifests the caller may see
    GET  /attachments/{id}/chunks/{i}?count=k  -> raw bytes of chunks i..i+k-1 (application/octet-stream)

Chunks travel as their raw bytes, not as base64 in JSON (a third more bytes and a parse, for
nothing), and up to CHUNKS_PER_REQUEST of them in one request, one after the other, their lengths in
the CHUNK_LENGTHS_HEADER ("262172,262172,..."; absent on a PUT: one chunk): a request, its access
checks and its commit cost about as much as moving a chunk over loopback, so eight at a time (2 MiB)
halve the time of a 10 MB transfer, and a cut connection still resends at most 2 MiB.

The feed: `after` is the caller's position in the server's attachment numbering (`high` of the last
complete pass), `since` the pull's sequence number of that pass (`mark`): a case the caller became a
member of after `since` comes whole, so a newly shared case brings its older attachments too. `pos`
pages within one pass (the `next_pos` of the page before; 0 first).

Refusals (ErrorBody codes, besides the usual ones): `attachment_too_large` (413: more than 25 MB, or a
chunk larger than 256 KiB sealed) and `quota_exceeded` (413: the team's attachments would pass the
server's per-team quota). The laptop turns each into its Dutch sentence and keeps the attachment.
"""

from __future__ import annotations

from pydantic import Field

from leerrecht_core.crypto.attachments import CHUNK_SIZE, MAX_SIZE, chunk_count_for, sealed_size
from leerrecht_core.protocol import B64, Model, Uuid

MAX_CHUNKS = chunk_count_for(MAX_SIZE, CHUNK_SIZE)
MAX_SEALED_SIZE = sealed_size(MAX_SIZE, CHUNK_SIZE)
# A sealed manifest: 100 digests in hex and the sealed metadata are about 8 KiB; far below this.
MAX_MANIFEST_BYTES = 64 * 1024
MAX_FEED_LIMIT = 200
CHUNKS_PER_REQUEST = 8
CHUNK_LENGTHS_HEADER = "X-Leerrecht-Chunk-Lengths"
TOO_LARGE_CODE = "attachment_too_large"
QUOTA_CODE = "quota_exceeded"


def parse_lengths(value: str | None, total: int, most: int) -> list[int] | None:
    """The lengths a CHUNK_LENGTHS_HEADER names, if they are 1..`most` numbers adding up to `total`."""
    if value is None:
        return [total]
    parts = value.split(",")
    if not 1 <= len(parts) <= most or not all(p.strip().isdigit() and len(p.strip()) <= 9 for p in parts):
        return None
    lengths = [int(p) for p in parts]
    return lengths if sum(lengths) == total else None


def split(data: bytes, lengths: list[int]) -> list[bytes]:
    out, at = [], 0
    for n in lengths:
        out.append(data[at:at + n])
        at += n
    return out


class UploadBegin(Model):
    attachment_id: Uuid
    case_id: Uuid
    key_version: int = Field(ge=1)
    author_id: Uuid
    chunk_count: int = Field(ge=1)
    sealed_size: int = Field(ge=0)  # the sum of the chunks' lengths (nonce ‖ ciphertext)


class UploadState(Model):
    """Which chunks the server holds already (a resumed upload sends only the others), and whether the
    manifest is in (then the attachment is listed, and the upload is done)."""

    received: list[int]
    complete: bool


class ManifestUpload(Model):
    nonce: B64 = Field(min_length=12, max_length=12)
    sealed_manifest: B64 = Field(min_length=16, max_length=MAX_MANIFEST_BYTES)
    signature: B64 = Field(min_length=64, max_length=64)


class AttachmentManifest(Model):
    """A complete attachment as the feed gives it: the clear header, the counts, the sealed manifest."""

    attachment_id: Uuid
    case_id: Uuid
    key_version: int
    author_id: Uuid
    chunk_count: int
    sealed_size: int
    nonce: B64
    sealed_manifest: B64
    signature: B64


class AttachmentFeed(Model):
    manifests: list[AttachmentManifest]
    next_pos: int
    more: bool
    high: int  # the attachment numbering's committed high-water mark when this pass began
    mark: int  # the pull's committed high-water mark then (for `since`)
