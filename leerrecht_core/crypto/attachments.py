"""Sealing and opening attachments (issue 15): a scanned consent form, a photo, a PDF, up to 25 MiB,
sealed in chunks so that neither side ever holds the whole file, and signed by its author.

    attachment key = HKDF-SHA256(case key, info "leerrecht/v1/attachment-key|<case>|<attachment>|<version>")
    chunk i        = nonce_i (96 random bits) ‖ AES-256-GCM(attachment key, plaintext[i], AD = chunk_ad(i))
        chunk_ad(i) = "leerrecht/v1/attachment-chunk|<attachment id>|<i>|<chunk count>"
    manifest       = canonical JSON {ids, key version, author, chunk count, chunk size, total size,
                     SHA-256 of the plaintext, SHA-256 of every chunk's nonce ‖ ciphertext, metadata}
    sealed manifest = nonce ‖ AES-256-GCM(attachment key, manifest, AD = header)
    signature      = Ed25519(author, "leerrecht/v1/attachment-signature\\0" ‖ header ‖ "\\0" ‖ nonce ‖ sealed manifest)

The header (attachment id, case id, key version, author) is all that is in the clear. Opening checks
the signature first, then the manifest's tag, then every chunk, in order, against its digest in the
manifest and its own tag; so a chunk changed, dropped, swapped, truncated, added or moved in from
another attachment is refused before a byte of it is written out. docs/attachments.md has the why.

Sealing takes the chunks one at a time from a file object and hands each to `write_chunk` as soon
as it is sealed; opening takes them from an iterator and writes each to a file object: memory stays at
a few chunks whatever the file's size."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from leerrecht_core.crypto.errors import TamperedAttachment
from leerrecht_core.crypto.keys import NONCE_LEN
from leerrecht_core.i18n import tr

# 256 KiB: a chunk and its ciphertext are half a MiB of memory at most; 100 chunks (rows, later
# requests) for the largest file; 28 bytes of nonce and tag per chunk (0.01 %); and what a broken
# upload will have to send again, once resumable transfer exists, is at most this much.
CHUNK_SIZE = 256 * 1024
# The largest attachment (issue 15): 25 MiB, a multi-page scan at a readable resolution.
MAX_SIZE = 25 * 1024 * 1024
FORMAT_VERSION = 1

_SIG_DOMAIN = b"leerrecht/v1/attachment-signature\x00"
_KEY_INFO = "leerrecht/v1/attachment-key"
_CHUNK_AD = "leerrecht/v1/attachment-chunk"
_TAG_LEN = 16
# The largest sealed chunk (nonce, ciphertext, tag): what the server takes per chunk request.
MAX_SEALED_CHUNK = CHUNK_SIZE + NONCE_LEN + _TAG_LEN


@dataclass(frozen=True)
class AttachmentHeader:
    """What is in the clear and bound to everything else: the signature, the manifest and the key."""

    attachment_id: str
    case_id: str
    key_version: int
    author_id: str

    def associated_data(self) -> bytes:
        return self._associated_data

    @cached_property
    def _associated_data(self) -> bytes:
        bound = {"v": FORMAT_VERSION, "type": "attachment", "attachment_id": self.attachment_id,
                 "case_id": self.case_id, "key_version": self.key_version, "author_id": self.author_id}
        return json.dumps(bound, sort_keys=True, separators=(",", ":")).encode()


@dataclass(frozen=True)
class AttachmentMeta:
    """Sealed inside the manifest, never in the clear."""

    file_name: str
    title: str
    media_type: str
    added_at: str  # ISO 8601, UTC, the author's clock
    # The author's name as they signed it, so a colleague's laptop can say who added it (entries carry
    # `author_name` the same way). "" in manifests sealed before it existed: they still open.
    added_by_name: str = ""


@dataclass(frozen=True)
class SealedChunk:
    index: int
    nonce: bytes
    ciphertext: bytes

    def digest(self) -> bytes:
        return hashlib.sha256(self.nonce + self.ciphertext).digest()


@dataclass(frozen=True)
class SealedManifest:
    header: AttachmentHeader
    nonce: bytes
    ciphertext: bytes
    signature: bytes


@dataclass(frozen=True)
class Manifest:
    """An opened (signature and tag checked) manifest."""

    header: AttachmentHeader
    chunk_count: int
    chunk_size: int
    total_size: int
    plain_sha256: bytes
    chunk_digests: tuple[bytes, ...]
    meta: AttachmentMeta


def attachment_key(case_key: bytes, header: AttachmentHeader) -> bytes:
    """Each attachment its own key, so the ~100 random nonces of one file are all that one key sees."""
    info = f"{_KEY_INFO}|{header.case_id}|{header.attachment_id}|{header.key_version}".encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(case_key)


def chunk_count_for(size: int, chunk_size: int = CHUNK_SIZE) -> int:
    """Chunks for `size` bytes; an empty file is one empty chunk, so every attachment has one."""
    return max(1, -(-size // chunk_size))


def _chunk_ad(attachment_id: str, index: int, count: int) -> bytes:
    return f"{_CHUNK_AD}|v{FORMAT_VERSION}|{attachment_id}|{index}|{count}".encode()


def _signed_bytes(header: AttachmentHeader, nonce: bytes, ciphertext: bytes) -> bytes:
    return _SIG_DOMAIN + header.associated_data() + b"\x00" + nonce + ciphertext


def _read_exactly(source: BinaryIO, n: int) -> bytes:
    parts: list[bytes] = []
    wanted = n
    while wanted > 0:
        part = source.read(wanted)
        if not part:
            break
        parts.append(part)
        wanted -= len(part)
    return b"".join(parts)


def seal_attachment(
    header: AttachmentHeader, meta: AttachmentMeta, source: BinaryIO, size: int, case_key: bytes,
    signer: Ed25519PrivateKey, write_chunk: Callable[[SealedChunk], None], *, chunk_size: int = CHUNK_SIZE,
) -> SealedManifest:
    """Seal `size` bytes read from `source`, handing each sealed chunk to `write_chunk` in order, and
    return the signed manifest. The count is bound into every chunk, so the size must be known first;
    a source that gives more or fewer bytes than `size` (a file changed while read) raises ValueError."""
    if size < 0 or chunk_size <= 0:
        raise ValueError("size and chunk size must be positive")
    key = AESGCM(attachment_key(case_key, header))
    count = chunk_count_for(size, chunk_size)
    plain_hash = hashlib.sha256()
    digests: list[str] = []
    for index in range(count):
        plain = _read_exactly(source, min(chunk_size, size - index * chunk_size))
        if len(plain) != min(chunk_size, size - index * chunk_size):
            raise ValueError("the source ended before its announced size")
        plain_hash.update(plain)
        nonce = os.urandom(NONCE_LEN)
        chunk = SealedChunk(index, nonce, key.encrypt(nonce, plain, _chunk_ad(header.attachment_id, index, count)))
        digests.append(chunk.digest().hex())
        write_chunk(chunk)
        del plain, chunk  # bounded memory: nothing of a chunk outlives its turn
    if source.read(1):
        raise ValueError("the source is longer than its announced size")
    body = {
        "v": FORMAT_VERSION, "attachment_id": header.attachment_id, "case_id": header.case_id,
        "key_version": header.key_version, "author_id": header.author_id, "chunk_count": count,
        "chunk_size": chunk_size, "total_size": size, "sha256": plain_hash.hexdigest(), "chunks": digests,
        "meta": {"file_name": meta.file_name, "title": meta.title, "media_type": meta.media_type,
                 "added_at": meta.added_at, "added_by_name": meta.added_by_name},
    }
    plain_manifest = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    nonce = os.urandom(NONCE_LEN)
    ciphertext = key.encrypt(nonce, plain_manifest, header.associated_data())
    return SealedManifest(header, nonce, ciphertext, signer.sign(_signed_bytes(header, nonce, ciphertext)))


def signature_valid(sealed: SealedManifest, author_keys: Sequence[Ed25519PublicKey]) -> bool:
    """Is the manifest signed by one of `author_keys` over its header? (What the server checks before it
    lists an uploaded attachment: only its author's laptop could have made it.)"""
    signed = _signed_bytes(sealed.header, sealed.nonce, sealed.ciphertext)
    for public in author_keys:
        try:
            public.verify(sealed.signature, signed)
            return True
        except InvalidSignature:
            continue
    return False


def open_manifest(sealed: SealedManifest, case_key: bytes, author_keys: Sequence[Ed25519PublicKey]) -> Manifest:
    """Check the signature (any of the author's keys, current first), then open the manifest."""
    if not signature_valid(sealed, author_keys):
        raise refusal(sealed.header, "signature")
    try:
        plain = AESGCM(attachment_key(case_key, sealed.header)).decrypt(
            sealed.nonce, sealed.ciphertext, sealed.header.associated_data())
        body: dict[str, Any] = json.loads(plain)
        manifest = _manifest(sealed.header, body)
    except (InvalidTag, ValueError, KeyError, TypeError):
        # Signed but not openable under this case key, or not a manifest: refused the same way.
        raise refusal(sealed.header, "manifest") from None
    return manifest


def _manifest(header: AttachmentHeader, body: dict[str, Any]) -> Manifest:
    if (body["v"], body["attachment_id"], body["case_id"], body["key_version"], body["author_id"]) != (
            FORMAT_VERSION, header.attachment_id, header.case_id, header.key_version, header.author_id):
        raise ValueError("manifest does not match its header")
    count, size, chunk_size = int(body["chunk_count"]), int(body["total_size"]), int(body["chunk_size"])
    digests = tuple(bytes.fromhex(d) for d in body["chunks"])
    if chunk_size <= 0 or count != chunk_count_for(size, chunk_size) or len(digests) != count:
        raise ValueError("manifest counts disagree")
    meta = body["meta"]
    return Manifest(header, count, chunk_size, size, bytes.fromhex(body["sha256"]), digests,
                    AttachmentMeta(str(meta["file_name"]), str(meta["title"]), str(meta["media_type"]),
                                   str(meta["added_at"]), str(meta.get("added_by_name", ""))))


def open_chunks(manifest: Manifest, chunks: Iterable[SealedChunk], case_key: bytes, sink: BinaryIO) -> None:
    """Check and decrypt the chunks (in stored order) into `sink`, one at a time. Every chunk is
    checked against the manifest before its plaintext is written; on a refusal `sink` holds the
    chunks before the bad one and must be thrown away (store/attachments.save_as does)."""
    header = manifest.header
    key = AESGCM(attachment_key(case_key, header))
    plain_hash = hashlib.sha256()
    written = 0
    expected = 0
    for chunk in chunks:
        if expected >= manifest.chunk_count:
            raise refusal(header, "extra chunk")
        if chunk.index != expected:
            raise refusal(header, "missing chunk" if chunk.index > expected else "chunk order")
        if chunk.digest() != manifest.chunk_digests[expected]:
            raise refusal(header, "chunk digest")
        try:
            plain = key.decrypt(chunk.nonce, chunk.ciphertext,
                                _chunk_ad(header.attachment_id, expected, manifest.chunk_count))
        except (InvalidTag, ValueError):
            raise refusal(header, "chunk tag") from None
        last = expected == manifest.chunk_count - 1
        if len(plain) != (manifest.total_size - written if last else manifest.chunk_size):
            raise refusal(header, "chunk size")
        plain_hash.update(plain)
        sink.write(plain)
        written += len(plain)
        expected += 1
    if expected != manifest.chunk_count:
        raise refusal(header, "missing chunk")
    if written != manifest.total_size or plain_hash.digest() != manifest.plain_sha256:
        raise refusal(header, "content hash")


def sealed_size(size: int, chunk_size: int = CHUNK_SIZE) -> int:
    """Bytes of nonce and ciphertext the chunks of a `size`-byte file take (what a copy of the file shows)."""
    return size + chunk_count_for(size, chunk_size) * (NONCE_LEN + _TAG_LEN)


def refusal(header: AttachmentHeader, reason: str) -> TamperedAttachment:
    """The one refusal of a bad attachment (also the sync's, for a chunk the server lost or changed)."""
    error = TamperedAttachment(tr(
        "Een bijlage is gewijzigd buiten de app of beschadigd en wordt niet geopend (bijlage {attachment}). "
        "Meld dit aan je coördinator.", attachment=header.attachment_id[:8]))
    error.reason = reason
    return error
