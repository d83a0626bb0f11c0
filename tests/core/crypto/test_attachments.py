"""Sealed attachments: a file sealed in chunks comes back byte for byte; whatever an attacker does to
the chunks or the manifest (change, drop, swap, move in from another attachment, truncate, add, forge)
is refused with one Dutch sentence that holds nothing of the file; and a 25 MiB file is sealed and
opened with a few chunks of memory. Every byte here is random or fictitious."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from leerrecht_core.crypto.attachments import (
    CHUNK_SIZE,
    MAX_SIZE,
    AttachmentHeader,
    AttachmentMeta,
    Manifest,
    SealedChunk,
    SealedManifest,
    _manifest,
    attachment_key,
    chunk_count_for,
    open_chunks,
    open_manifest,
    seal_attachment,
)
from leerrecht_core.crypto.errors import CryptoError, TamperedAttachment
from leerrecht_core.crypto.keys import new_case_key
from leerrecht_core.i18n import set_language

SMALL_CHUNK = 64 * 1024
META = AttachmentMeta(file_name="toestemming-Fictief-Testkind.pdf", title="Fictieve toestemming",
                      media_type="application/pdf", added_at="2025-02-03T10:00:00.000+00:00",
                      added_by_name="Fictieve Werker")


def header(attachment_id: str = "a77ac4ed-0000-4000-8000-00000000a001") -> AttachmentHeader:
    return AttachmentHeader(attachment_id=attachment_id, case_id="a77ac4ed-0000-4000-8000-00000000c001",
                            key_version=1, author_id="a77ac4ed-0000-4000-8000-00000000d001")


@dataclasses.dataclass
class Sealed:
    manifest: SealedManifest
    chunks: list[SealedChunk]
    case_key: bytes
    signer: Ed25519PrivateKey


def seal_bytes(data: bytes, *, hdr: AttachmentHeader | None = None, case_key: bytes | None = None,
               signer: Ed25519PrivateKey | None = None, chunk_size: int = SMALL_CHUNK) -> Sealed:
    case_key = case_key or new_case_key()
    signer = signer or Ed25519PrivateKey.generate()
    chunks: list[SealedChunk] = []
    manifest = seal_attachment(hdr or header(), META, io.BytesIO(data), len(data), case_key, signer,
                               chunks.append, chunk_size=chunk_size)
    return Sealed(manifest, chunks, case_key, signer)


def open_bytes(sealed: Sealed, chunks: list[SealedChunk] | None = None,
               manifest: SealedManifest | None = None) -> bytes:
    opened = open_manifest(manifest or sealed.manifest, sealed.case_key, [sealed.signer.public_key()])
    out = io.BytesIO()
    open_chunks(opened, sealed.chunks if chunks is None else chunks, sealed.case_key, out)
    return out.getvalue()


@pytest.fixture(scope="module")
def data() -> bytes:
    return os.urandom(1_300_000)  # 20 chunks of 64 KiB, the last one short


@pytest.fixture(scope="module")
def sealed(data: bytes) -> Sealed:
    return seal_bytes(data)


def test_a_multi_chunk_file_comes_back_byte_identical(data: bytes, sealed: Sealed) -> None:
    assert len(sealed.chunks) == chunk_count_for(len(data), SMALL_CHUNK) == 20
    assert open_bytes(sealed) == data
    manifest = open_manifest(sealed.manifest, sealed.case_key, [sealed.signer.public_key()])
    assert manifest.meta == META and manifest.total_size == len(data)
    assert manifest.plain_sha256 == hashlib.sha256(data).digest()


def test_nothing_of_the_file_or_its_name_is_in_the_clear(data: bytes, sealed: Sealed) -> None:
    stored = b"".join(c.nonce + c.ciphertext for c in sealed.chunks) + sealed.manifest.ciphertext
    for needle in (data[:32], data[-32:], b"Fictief", META.file_name.encode(), b"application/pdf",
                   hashlib.sha256(data).hexdigest().encode()):
        assert needle not in stored and needle not in sealed.manifest.header.associated_data()


@pytest.mark.parametrize("size", [0, 1, SMALL_CHUNK - 1, SMALL_CHUNK, SMALL_CHUNK + 1, 3 * SMALL_CHUNK])
def test_sizes_at_the_chunk_edges_round_trip(size: int) -> None:
    data = os.urandom(size)
    sealed = seal_bytes(data)
    assert len(sealed.chunks) == max(1, -(-size // SMALL_CHUNK))
    assert open_bytes(sealed) == data


def refused(sealed: Sealed, chunks: list[SealedChunk] | None = None, manifest: SealedManifest | None = None,
            keys: list[Ed25519PrivateKey] | None = None) -> TamperedAttachment:
    with pytest.raises(TamperedAttachment) as caught:
        signers = [k.public_key() for k in keys] if keys is not None else [sealed.signer.public_key()]
        opened = open_manifest(manifest or sealed.manifest, sealed.case_key, signers)
        open_chunks(opened, sealed.chunks if chunks is None else chunks, sealed.case_key, io.BytesIO())
    message = str(caught.value)
    assert "bijlage a77ac4ed" in message and "gewijzigd buiten de app" in message
    assert "Fictief" not in message and "toestemming" not in message
    return caught.value


def flipped(blob: bytes, index: int) -> bytes:
    changed = bytearray(blob)
    changed[index] ^= 0x01
    return bytes(changed)


def test_a_flipped_byte_in_a_chunk_is_refused(sealed: Sealed) -> None:
    chunks = list(sealed.chunks)
    chunks[7] = dataclasses.replace(chunks[7], ciphertext=flipped(chunks[7].ciphertext, 100))
    assert refused(sealed, chunks).reason == "chunk digest"
    chunks[7] = dataclasses.replace(sealed.chunks[7], nonce=flipped(sealed.chunks[7].nonce, 0))
    assert refused(sealed, chunks).reason == "chunk digest"


def test_a_dropped_chunk_is_refused(sealed: Sealed) -> None:
    assert refused(sealed, sealed.chunks[:5] + sealed.chunks[6:]).reason == "missing chunk"


def test_two_swapped_chunks_are_refused(sealed: Sealed) -> None:
    chunks = list(sealed.chunks)
    chunks[3], chunks[4] = chunks[4], chunks[3]
    assert refused(sealed, chunks).reason in {"missing chunk", "chunk order"}
    # Also with their index numbers swapped too (rows renumbered in the database).
    renumbered = list(sealed.chunks)
    renumbered[3] = dataclasses.replace(sealed.chunks[4], index=3)
    renumbered[4] = dataclasses.replace(sealed.chunks[3], index=4)
    assert refused(sealed, renumbered).reason == "chunk digest"


def test_a_chunk_moved_in_from_another_attachment_is_refused(data: bytes, sealed: Sealed) -> None:
    # Another attachment of the same case, by the same author, under the same case key.
    other = seal_bytes(data, hdr=header("a77ac4ed-0000-4000-8000-00000000a002"), case_key=sealed.case_key,
                       signer=sealed.signer)
    chunks = list(sealed.chunks)
    chunks[2] = other.chunks[2]
    assert refused(sealed, chunks).reason == "chunk digest"
    # And a whole manifest moved onto another attachment's id: its signature binds the header.
    moved = dataclasses.replace(other.manifest, header=sealed.manifest.header)
    assert refused(sealed, manifest=moved).reason == "signature"


def test_a_truncated_last_chunk_is_refused(sealed: Sealed) -> None:
    chunks = list(sealed.chunks)
    chunks[-1] = dataclasses.replace(chunks[-1], ciphertext=chunks[-1].ciphertext[:-50])
    assert refused(sealed, chunks).reason == "chunk digest"
    assert refused(sealed, chunks[:-1]).reason == "missing chunk"


def test_an_added_chunk_is_refused(sealed: Sealed) -> None:
    extra = SealedChunk(len(sealed.chunks), os.urandom(12), os.urandom(200))
    assert refused(sealed, [*sealed.chunks, extra]).reason == "extra chunk"
    assert refused(sealed, [*sealed.chunks, sealed.chunks[-1]]).reason == "extra chunk"


def test_a_changed_manifest_is_refused(sealed: Sealed) -> None:
    manifest = sealed.manifest
    for changed in (
        dataclasses.replace(manifest, ciphertext=flipped(manifest.ciphertext, 10)),
        dataclasses.replace(manifest, nonce=flipped(manifest.nonce, 3)),
        dataclasses.replace(manifest, signature=flipped(manifest.signature, 5)),
        dataclasses.replace(manifest, header=dataclasses.replace(manifest.header, key_version=2)),
        dataclasses.replace(manifest, header=dataclasses.replace(manifest.header,
                                                                 case_id="a77ac4ed-0000-4000-8000-00000000c002")),
    ):
        assert refused(sealed, manifest=changed).reason == "signature"


def test_a_wrong_signer_is_refused(data: bytes, sealed: Sealed) -> None:
    assert refused(sealed, keys=[Ed25519PrivateKey.generate()]).reason == "signature"
    # Signed by someone else who has the case key: the author's key does not verify it.
    forged = seal_bytes(data, case_key=sealed.case_key, signer=Ed25519PrivateKey.generate())
    assert refused(sealed, chunks=forged.chunks, manifest=forged.manifest).reason == "signature"
    # A former key of the author still verifies (a key rotated since).
    assert open_manifest(sealed.manifest, sealed.case_key,
                         [Ed25519PrivateKey.generate().public_key(), sealed.signer.public_key()])


def test_a_signed_manifest_under_another_case_key_is_refused(sealed: Sealed) -> None:
    wrong_key = dataclasses.replace(sealed, case_key=new_case_key())
    assert refused(wrong_key).reason == "manifest"


def test_the_refusal_is_in_english_when_english_is_chosen(sealed: Sealed) -> None:
    set_language("en")
    with pytest.raises(CryptoError, match="attachment a77ac4ed"):
        open_manifest(sealed.manifest, sealed.case_key, [Ed25519PrivateKey.generate().public_key()])


def test_a_source_that_changes_size_while_read_is_not_sealed() -> None:
    with pytest.raises(ValueError):
        seal_attachment(header(), META, io.BytesIO(b"kort"), 10, new_case_key(), Ed25519PrivateKey.generate(),
                        lambda _c: None)
    with pytest.raises(ValueError):
        seal_attachment(header(), META, io.BytesIO(b"langer dan gezegd"), 4, new_case_key(),
                        Ed25519PrivateKey.generate(), lambda _c: None)


# -- 25 MiB with bounded memory -------------------------------------------------------------------

class ChunkFiles:
    """Sealed chunks kept in files, one per chunk, so the test itself holds none in memory."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.count = 0

    def write(self, chunk: SealedChunk) -> None:
        (self.folder / f"{chunk.index:04d}").write_bytes(chunk.nonce + chunk.ciphertext)
        self.count += 1

    def read(self) -> Iterator[SealedChunk]:
        for index in range(self.count):
            blob = (self.folder / f"{index:04d}").read_bytes()
            yield SealedChunk(index, blob[:12], blob[12:])


class HashingSink(io.RawIOBase):
    def __init__(self) -> None:
        self.hash = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.hash.update(data)
        self.size += len(data)
        return len(data)


def test_a_25_mib_file_is_sealed_and_opened_chunk_by_chunk(tmp_path: Path) -> None:
    source = tmp_path / "groot.bin"
    expected = hashlib.sha256()
    with source.open("wb") as fh:
        for _ in range(MAX_SIZE // (1024 * 1024)):
            block = os.urandom(1024 * 1024)
            expected.update(block)
            fh.write(block)
    (tmp_path / "chunks").mkdir()
    store = ChunkFiles(tmp_path / "chunks")
    case_key, signer = new_case_key(), Ed25519PrivateKey.generate()

    tracemalloc.start()
    try:
        with source.open("rb") as fh:
            sealed = seal_attachment(header(), META, fh, MAX_SIZE, case_key, signer, store.write)
        _, seal_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        manifest: Manifest = open_manifest(sealed, case_key, [signer.public_key()])
        sink = HashingSink()
        open_chunks(manifest, store.read(), case_key, sink)  # type: ignore[arg-type]
        _, open_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert store.count == MAX_SIZE // CHUNK_SIZE == 100
    assert sink.size == MAX_SIZE and sink.hash.digest() == expected.digest()
    # A few chunks of 256 KiB, nowhere near the file's 25 MiB.
    assert seal_peak < 4 * 1024 * 1024, seal_peak
    assert open_peak < 4 * 1024 * 1024, open_peak


def test_the_author_name_is_sealed_in_the_manifest_and_older_manifests_without_it_still_open() -> None:
    sealed = seal_bytes(b"fictief" * 100)
    opened = open_manifest(sealed.manifest, sealed.case_key, [sealed.signer.public_key()])
    assert opened.meta == META and opened.meta.added_by_name == "Fictieve Werker"
    assert b"Fictieve Werker" not in sealed.manifest.ciphertext  # sealed, not in the clear

    # A manifest sealed before the name was there: the same body without the key.
    body = json.loads(AESGCM(attachment_key(sealed.case_key, sealed.manifest.header)).decrypt(
        sealed.manifest.nonce, sealed.manifest.ciphertext, sealed.manifest.header.associated_data()))
    del body["meta"]["added_by_name"]
    older = _manifest(sealed.manifest.header, body)
    assert older.meta == dataclasses.replace(META, added_by_name="")
