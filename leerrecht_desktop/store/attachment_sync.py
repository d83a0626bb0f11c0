"""What the blob sync (sync/blobs.py) needs of the attachments' tables: which to send and which to fetch
(by `state`, an indexed read that touches no manifest), a sealed chunk to send, a received manifest
kept after its check, a received chunk kept after its digest check, and the whole attachment checked
once every chunk is here (as `open_to` checks it, into nothing) before it counts as here.

A chunk is checked against its digest in the signed manifest before it is stored, so a chunk the
server changed never lands in the table; the final check (every tag, the order, the plaintext's hash)
decides whether the attachment becomes `synced` or its chunks are dropped."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select, update

from leerrecht_core.crypto.attachments import (
    AttachmentHeader,
    Manifest,
    SealedManifest,
    open_chunks,
    open_manifest,
    refusal,
)
from leerrecht_core.crypto.keys import NONCE_LEN
from leerrecht_desktop.store import tables as t
from leerrecht_desktop.store.attachments import (
    STATE_LOCAL,
    STATE_REMOTE,
    STATE_SYNCED,
    STATE_UPLOADING,
    Attachments,
    chunks,
)


@dataclass(frozen=True)
class Outgoing:
    """An attachment to send: its clear header, the counts the server checks, the signed manifest."""

    sealed: SealedManifest
    chunk_count: int
    sealed_size: int


class _Discard:
    """A sink that keeps nothing: the final check decrypts every chunk and throws the plaintext away."""

    def write(self, data: bytes) -> int:
        return len(data)


class AttachmentSync(Attachments):
    """The sync side of one session's attachments: `AttachmentSync(case_files)`."""

    # -- sending -----------------------------------------------------------------------------------

    def unsent(self) -> list[str]:
        """Attachments made here not yet complete on the server, oldest id first."""
        with self.store.engine.connect() as conn:
            return list(conn.execute(select(t.attachments.c.id).where(
                t.attachments.c.state.in_([STATE_LOCAL, STATE_UPLOADING])).order_by(t.attachments.c.id)).scalars())

    def outgoing(self, attachment_id: str) -> Outgoing:
        with self.store._lock, self.store.engine.connect() as conn:
            row = self._row(conn, attachment_id)
            count, size = conn.execute(select(func.count(), func.coalesce(func.sum(
                func.length(t.attachment_chunks.c.nonce) + func.length(t.attachment_chunks.c.ciphertext)), 0))
                .where(t.attachment_chunks.c.attachment_id == attachment_id)).one()
        header = AttachmentHeader(row.id, row.case_id, row.key_version, row.author_id)
        return Outgoing(SealedManifest(header, row.nonce, row.sealed_manifest, row.signature), int(count), int(size))

    def chunk_bytes(self, attachment_id: str, index: int) -> bytes:
        """One chunk as it travels (nonce ‖ ciphertext): read when it is sent, one in memory at a time
        (no cursor is held open across the network)."""
        with self.store.engine.connect() as conn:
            row = conn.execute(select(t.attachment_chunks.c.nonce, t.attachment_chunks.c.ciphertext).where(
                t.attachment_chunks.c.attachment_id == attachment_id,
                t.attachment_chunks.c.chunk_index == index)).one()
        return bytes(row.nonce) + bytes(row.ciphertext)

    def case_of(self, attachment_id: str) -> str | None:
        with self.store.engine.connect() as conn:
            return conn.execute(select(t.attachments.c.case_id).where(t.attachments.c.id == attachment_id)).scalar()

    def set_state(self, attachment_id: str, state: str) -> None:
        with self.store._lock, self.store._tx() as conn:
            conn.execute(update(t.attachments).where(t.attachments.c.id == attachment_id).values(state=state))

    # -- receiving ---------------------------------------------------------------------------------

    def known(self, attachment_ids: list[str]) -> set[str]:
        with self.store.engine.connect() as conn:
            return set(conn.execute(select(t.attachments.c.id).where(t.attachments.c.id.in_(attachment_ids))).scalars())

    def keep_manifest(self, sealed: SealedManifest) -> Manifest:
        """Check a manifest from the server (its author's signature, against known_keys and their
        former keys, then its tag under the case key) and keep it as `remote`; TamperedAttachment (or
        CaseNotFound without the case key) when it fails, and nothing is kept."""
        h = sealed.header
        with self.store._lock, self.store._tx() as conn:
            _, case_key = self.store._case_key(conn, h.case_id, h.key_version)
            manifest = open_manifest(sealed, case_key, self.store._signer(conn, h.author_id))
            conn.execute(insert(t.attachments).values(
                id=h.attachment_id, case_id=h.case_id, key_version=h.key_version, author_id=h.author_id,
                nonce=sealed.nonce, sealed_manifest=sealed.ciphertext, signature=sealed.signature, state=STATE_REMOTE))
        return manifest

    def remote(self) -> list[str]:
        with self.store.engine.connect() as conn:
            return list(conn.execute(select(t.attachments.c.id).where(t.attachments.c.state == STATE_REMOTE)
                                     .order_by(t.attachments.c.id)).scalars())

    def manifest(self, attachment_id: str) -> tuple[Manifest, str]:
        """The checked manifest of an attachment here, and its state."""
        with self.store._lock, self.store.engine.connect() as conn:
            row = self._row(conn, attachment_id)
            return self._open_manifest(conn, row), str(row.state)

    def present(self, attachment_id: str) -> set[int]:
        with self.store.engine.connect() as conn:
            return set(conn.execute(select(t.attachment_chunks.c.chunk_index)
                                    .where(t.attachment_chunks.c.attachment_id == attachment_id)).scalars())

    def present_bytes(self, attachment_id: str) -> int:
        with self.store.engine.connect() as conn:
            return int(conn.execute(select(func.coalesce(func.sum(
                func.length(t.attachment_chunks.c.nonce) + func.length(t.attachment_chunks.c.ciphertext)), 0))
                .where(t.attachment_chunks.c.attachment_id == attachment_id)).scalar_one())

    def keep_chunks(self, manifest: Manifest, first: int, parts: list[bytes]) -> None:
        """Store received chunks `first`, `first + 1`, ... in one transaction, if each is the one the
        signed manifest names (its SHA-256 over nonce ‖ ciphertext); TamperedAttachment otherwise, and
        the chunks before the bad one are kept (a fetch tried again asks for the rest only)."""
        attachment_id = manifest.header.attachment_id
        good: list[tuple[int, bytes]] = []
        for index, data in enumerate(parts, start=first):
            if index >= manifest.chunk_count or hashlib.sha256(data).digest() != manifest.chunk_digests[index]:
                break
            good.append((index, data))
        with self.store._lock, self.store._tx() as conn:
            for index, data in good:
                conn.execute(delete(t.attachment_chunks).where(t.attachment_chunks.c.attachment_id == attachment_id,
                                                               t.attachment_chunks.c.chunk_index == index))
                conn.execute(insert(t.attachment_chunks).values(attachment_id=attachment_id, chunk_index=index,
                                                                nonce=data[:NONCE_LEN], ciphertext=data[NONCE_LEN:]))
        if len(good) < len(parts):
            raise refusal(manifest.header, "chunk digest")

    def settle(self, manifest: Manifest) -> None:
        """Every chunk is here: check the whole attachment (tags, order, the plaintext's hash) as opening
        it would, then mark it synced. On a refusal its chunks are dropped (it stays remote) and the
        TamperedAttachment is raised."""
        attachment_id = manifest.header.attachment_id
        try:
            with self.store._lock, self.store.engine.connect() as conn:
                _, case_key = self.store._case_key(conn, manifest.header.case_id, manifest.header.key_version)
                open_chunks(manifest, chunks(conn, attachment_id), case_key, _Discard())  # type: ignore[arg-type]
        except Exception:
            self.drop_chunks(attachment_id)
            raise
        self.set_state(attachment_id, STATE_SYNCED)

    def drop_chunks(self, attachment_id: str) -> None:
        with self.store._lock, self.store._tx() as conn:
            conn.execute(delete(t.attachment_chunks).where(t.attachment_chunks.c.attachment_id == attachment_id))

