"""A case's attachments on this laptop (issue 15): add a scan or photo, list them, open one into a file
object, save one as a file, delete one. Sealed in chunks by leerrecht_core/crypto/attachments.py under
a key derived from the case key, signed by the author, and kept in tables of their own (migration
0007): `attachments` (the signed, sealed manifest) and `attachment_chunks` (one row per 256 KiB), so
loading a case, unlocking and the case list never touch them (docs/attachments.md).

Nothing is ever held whole in memory: adding reads the file chunk by chunk into the rows of one
transaction, opening streams the rows one by one into the sink. Every open checks the signature and
every chunk again, as records are checked on every open."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any, BinaryIO

from sqlalchemy import Connection, Row, delete, select, text

from leerrecht_core.crypto.attachments import (
    MAX_SIZE,
    AttachmentHeader,
    AttachmentMeta,
    Manifest,
    SealedChunk,
    SealedManifest,
    open_chunks,
    open_manifest,
    seal_attachment,
)
from leerrecht_core.crypto.errors import CryptoError
from leerrecht_core.i18n import tr
from leerrecht_desktop.files import private_file
from leerrecht_desktop.models.attachment_types import (
    SNIFF_BYTES,
    AttachmentRefused,
    check_size,
    check_type,
    safe_file_name,
)
from leerrecht_desktop.store import tables as t
from leerrecht_desktop.store.errors import CaseNotFound, StoreError
from leerrecht_desktop.store.sealed_store import SealedStore, now_text

# The `state` of an attachment on this laptop (sync/blobs.py): made here and not sent yet; being sent
# (some chunks are on the server, the manifest not yet); on the server and here; or known from its
# manifest (title, type, size can be shown) with its chunks not (all) here yet: fetched in the
# background after a sync round, or at once when it is opened.
STATE_LOCAL = "local"
STATE_UPLOADING = "uploading"
STATE_SYNCED = "synced"
STATE_REMOTE = "remote"


class NotHereYet(StoreError):
    """Opened while only its manifest is here (state remote): fetch it first (sync/blobs.fetch_attachment)."""


@dataclass(frozen=True)
class AttachmentInfo:
    """What the list shows of an attachment, from its manifest alone (no chunk read). `refused` is the
    sentence for one whose manifest failed its check; its other fields are then empty."""

    attachment_id: str
    case_id: str
    title: str
    file_name: str
    media_type: str
    size: int
    added_at: dt.datetime | None
    added_by_id: str
    added_by_name: str = ""
    state: str = STATE_LOCAL
    sha256: str = ""
    refused: str = ""

    @property
    def label(self) -> str:
        return self.title or self.file_name


Infos = list[AttachmentInfo]


class Attachments:
    """The attachments of one unlocked session: `Attachments(case_files)`."""

    def __init__(self, store: SealedStore):
        self.store = store

    # -- adding ------------------------------------------------------------------------------------

    def add(self, case_id: str, source: str | os.PathLike[str] | BinaryIO, title: str = "", *,
            file_name: str | None = None) -> AttachmentInfo:
        """Seal a file (a path, or a seekable binary file object) into the case. Refused with a
        sentence (AttachmentRefused) when it is over 25 MiB, empty, or not a JPEG, PNG, HEIC or PDF by
        its content."""
        self.store.summary(case_id)  # CaseNotFound before anything is read
        with _opened(source) as fh:
            name = file_name or _name_of(source, fh)
            start = fh.tell()
            size = _remaining(fh)
            check_size(size, MAX_SIZE)
            kind = check_type(fh.read(SNIFF_BYTES), name)
            if not PurePath(name).suffix:  # a pasted image: named after what it is
                name = (name or tr("bijlage")) + kind.extensions[0]
            fh.seek(start)
            secrets = self.store.secrets
            attachment_id = str(uuid.uuid4())
            meta = AttachmentMeta(file_name=name, title=title.strip(), media_type=kind.media_type,
                                  added_at=now_text(), added_by_name=self.store.user.name)
            with self.store._lock, self.store._tx() as conn:
                key_version, case_key = self.store._case_key(conn, case_id)
                header = AttachmentHeader(attachment_id, case_id, key_version, secrets.user_id)

                def write_chunk(chunk: SealedChunk) -> None:
                    conn.execute(t.attachment_chunks.insert(), {
                        "attachment_id": attachment_id, "chunk_index": chunk.index, "nonce": chunk.nonce,
                        "ciphertext": chunk.ciphertext})

                try:
                    sealed = seal_attachment(header, meta, fh, size, case_key, secrets.signing, write_chunk)
                except ValueError:
                    raise AttachmentRefused(tr("Het bestand veranderde terwijl het gelezen werd. Probeer het "
                                               "opnieuw.")) from None
                conn.execute(t.attachments.insert(), {
                    "id": attachment_id, "case_id": case_id, "key_version": key_version,
                    "author_id": secrets.user_id, "nonce": sealed.nonce, "sealed_manifest": sealed.ciphertext,
                    "signature": sealed.signature, "state": STATE_LOCAL})
                manifest = self._open_manifest(conn, self._row(conn, attachment_id))
        return self._info(manifest, STATE_LOCAL)

    # -- reading -----------------------------------------------------------------------------------

    def list(self, case_id: str) -> Infos:
        """The case's attachments, oldest first, from their manifests: no chunk is read. One whose
        manifest fails its check is listed with its refusal, so it is said, not hidden."""
        with self.store._lock, self.store.engine.connect() as conn:
            rows = conn.execute(select(t.attachments).where(t.attachments.c.case_id == case_id)
                                .order_by(t.attachments.c.id)).all()
            infos: Infos = []
            for row in rows:
                try:
                    infos.append(self._info(self._open_manifest(conn, row), row.state))
                except (CryptoError, CaseNotFound) as exc:
                    infos.append(AttachmentInfo(row.id, row.case_id, "", "", "", 0, None, row.author_id,
                                                state=row.state, refused=str(exc)))
        return sorted(infos, key=lambda i: (i.added_at is None, i.added_at or dt.datetime.min, i.attachment_id))

    def count(self, case_id: str) -> int:
        with self.store.engine.connect() as conn:
            return len(conn.execute(select(t.attachments.c.id).where(t.attachments.c.case_id == case_id)).all())

    def info(self, attachment_id: str) -> AttachmentInfo:
        with self.store._lock, self.store.engine.connect() as conn:
            row = self._row(conn, attachment_id)
            return self._info(self._open_manifest(conn, row), row.state)

    def open_to(self, attachment_id: str, sink: BinaryIO) -> AttachmentInfo:
        """Write the attachment's bytes into `sink`, chunk by chunk, each checked first. On a refusal
        (TamperedAttachment) `sink` holds a beginning only and must be discarded; save_as does."""
        with self.store._lock, self.store.engine.connect() as conn:
            row = self._row(conn, attachment_id)
            manifest = self._open_manifest(conn, row)
            if row.state == STATE_REMOTE:
                raise NotHereYet(tr("Deze bijlage staat nog niet op deze laptop. Ze wordt opgehaald bij de "
                                    "server; probeer het zo opnieuw."))
            _, case_key = self.store._case_key(conn, row.case_id, row.key_version)
            open_chunks(manifest, chunks(conn, attachment_id), case_key, sink)
        return self._info(manifest, row.state)

    def save_as(self, attachment_id: str, path: str | os.PathLike[str], *, overwrite: bool = False) -> AttachmentInfo:
        """Write the attachment to `path`: mode 0600 from the first byte, through a temporary file in the
        same folder, so a refusal, a full disk or a crash leaves no half file. FileExistsError when
        `path` exists (or appears meanwhile) and `overwrite` is false."""
        with private_file(Path(path), overwrite=overwrite) as fh:
            info = self.open_to(attachment_id, fh)
        return info

    # -- deleting ----------------------------------------------------------------------------------

    def delete(self, attachment_id: str) -> None:
        """Remove an attachment from this laptop, its chunks overwritten (secure_delete) and the
        write-ahead log emptied, as erasing a case does."""
        with self.store._lock:
            with self.store._tx() as conn:
                self._row(conn, attachment_id)
                conn.execute(delete(t.attachment_chunks).where(t.attachment_chunks.c.attachment_id == attachment_id))
                conn.execute(delete(t.attachments).where(t.attachments.c.id == attachment_id))
            if self.store._batch_conn is None:
                with self.store.engine.connect() as conn:
                    conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))

    # -- internals ---------------------------------------------------------------------------------

    def _row(self, conn: Connection, attachment_id: str) -> Row[Any]:
        row = conn.execute(select(t.attachments).where(t.attachments.c.id == attachment_id)).first()
        if row is None:
            raise CaseNotFound(tr("Deze bijlage bestaat niet (meer) op deze laptop."))
        return row

    def _open_manifest(self, conn: Connection, row: Row[Any]) -> Manifest:
        _, case_key = self.store._case_key(conn, row.case_id, row.key_version)
        header = AttachmentHeader(row.id, row.case_id, row.key_version, row.author_id)
        sealed = SealedManifest(header, row.nonce, row.sealed_manifest, row.signature)
        return open_manifest(sealed, case_key, self.store._signer(conn, row.author_id))

    def _info(self, manifest: Manifest, state: str) -> AttachmentInfo:
        header, meta = manifest.header, manifest.meta
        try:
            added_at: dt.datetime | None = dt.datetime.fromisoformat(meta.added_at)
        except ValueError:
            added_at = None
        # Our own name as it is now; a colleague's as they signed it (sealed under the case key).
        name = self.store.user.name if header.author_id == self.store.user.user_id else meta.added_by_name
        return AttachmentInfo(header.attachment_id, header.case_id, meta.title, meta.file_name, meta.media_type,
                              manifest.total_size, added_at, header.author_id, name, state,
                              manifest.plain_sha256.hex())


def erase_attachments(conn: Connection, case_id: str) -> None:
    """Every attachment of a case, in the caller's transaction (CaseFiles.erase_case)."""
    ids = select(t.attachments.c.id).where(t.attachments.c.case_id == case_id)
    conn.execute(delete(t.attachment_chunks).where(t.attachment_chunks.c.attachment_id.in_(ids)))
    conn.execute(delete(t.attachments).where(t.attachments.c.case_id == case_id))


def export_entries(infos: Infos) -> list[dict[str, Any]]:
    """The GDPR export's lines for a case's attachments: what they are, not their bytes (those come
    with `leerrecht attachments --out`)."""
    entries: list[dict[str, Any]] = []
    for info in infos:
        if info.refused:
            entries.append({"attachment_id": info.attachment_id, "refused": info.refused})
            continue
        entries.append({
            "attachment_id": info.attachment_id, "title": info.title, "file_name": info.file_name,
            "media_type": info.media_type, "size": info.size, "sha256": info.sha256,
            "added_at": info.added_at.isoformat(timespec="milliseconds") if info.added_at else None,
            "added_by_id": info.added_by_id, "added_by_name": info.added_by_name,
        })
    return entries


def chunks(conn: Connection, attachment_id: str) -> Iterator[SealedChunk]:
    # Row by row from SQLite's cursor: one chunk in memory at a time, however many there are.
    result = conn.execute(select(t.attachment_chunks.c.chunk_index, t.attachment_chunks.c.nonce,
                                 t.attachment_chunks.c.ciphertext)
                          .where(t.attachment_chunks.c.attachment_id == attachment_id)
                          .order_by(t.attachment_chunks.c.chunk_index))
    for row in result:
        yield SealedChunk(row.chunk_index, row.nonce, row.ciphertext)


@contextlib.contextmanager
def _opened(source: str | os.PathLike[str] | BinaryIO) -> Iterator[BinaryIO]:
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise AttachmentRefused(tr("Het bestand {name} bestaat niet of is geen gewoon bestand.",
                                       name=safe_file_name(path.name)))
        with path.open("rb") as fh:
            yield fh
    else:
        if not source.seekable():
            raise ValueError("an attachment's source must be seekable: its size is sealed into every chunk")
        yield source


def _name_of(source: str | os.PathLike[str] | BinaryIO, fh: BinaryIO) -> str:
    """The file's own name, without its folder (sealed as it was; made safe only when written out)."""
    if isinstance(source, (str, os.PathLike)):
        return Path(source).name
    name = getattr(fh, "name", "")
    return str(name).replace("\\", "/").split("/")[-1] if isinstance(name, str) else ""


def _remaining(fh: BinaryIO) -> int:
    start = fh.tell()
    end = fh.seek(0, os.SEEK_END)
    fh.seek(start)
    return end - start
