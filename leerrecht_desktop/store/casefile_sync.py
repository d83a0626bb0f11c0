"""What the sync side (store/syncstore.py, sync/) needs of the case files: incoming revisions must be
verified, stored, made head and summarised in the same transaction as the sync cursor moves; these few
methods give it that without reaching into the sealing and summary internals of `SealedStore`."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, select, update

from leerrecht_core.crypto.errors import TamperedRecord
from leerrecht_core.crypto.parallel import signatures_ok
from leerrecht_core.crypto.records import RecordHeader, SealedRecord, open_sealed, seal
from leerrecht_desktop.models.enums import Kind
from leerrecht_desktop.models.records import Record, encode, signed_time, time_text
from leerrecht_desktop.store import tables as t
from leerrecht_desktop.store.former_keys import open_signed
from leerrecht_desktop.store.sealed_store import SealedStore, now_text

# A pulled page's revisions in one executemany on the driver's cursor: through SQLAlchemy's per-row
# parameter processing the insert was about 8 % of the laptop's side of a first full sync (py-spy).
_RECORD_COLUMNS = [c.name for c in t.records.columns]
_INSERT_RECORDS_SQL = (f"INSERT INTO records ({', '.join(_RECORD_COLUMNS)}) "
                       f"VALUES ({', '.join('?' for _ in _RECORD_COLUMNS)})")


@dataclass
class VerifiedIncoming:
    """A revision from the server that passed verify_incoming, on its way into the store."""
    sealed: SealedRecord
    payload: dict[str, Any] | None
    seq: int | None
    head: bool  # the record's head once the batch is stored
    summarise: bool  # it was the head when it arrived (a later one in the same batch may replace it)


class SyncHooks(SealedStore):
    """The case files as the sync side sees them (see the module docstring)."""

    @contextmanager
    def sync_transaction(self) -> Iterator[Connection]:
        """One write transaction (a `batch`) whose connection sync code uses for its own tables."""
        with self.batch():
            conn = self._batch_conn
            assert conn is not None and self._summaries is not None
            yield conn

    def case_key(self, case_id: str, version: int | None = None) -> tuple[int, bytes]:
        """(version, key) of a case key this user holds; the newest when `version` is None."""
        with self._lock, self.engine.connect() as conn:
            return self._case_key(conn, case_id, version)

    def forget_cached_key(self, case_id: str) -> None:
        """After a new key version was stored (rotation, grants received): pick it up on the next save."""
        self._case_keys.pop(case_id, None)
        self._version_keys.pop(case_id, None)

    def forget_signers(self) -> None:
        self._signers.clear()

    def verify_incoming(self, conn: Connection, sealed: SealedRecord, *,
                        signature_checked: bool = False) -> dict[str, Any] | None:
        """Check an incoming revision's signature (author's key from known_keys) and AEAD tag, and
        decrypt it. Raises TamperedRecord / CaseNotFound (no key) before anything is written; returns
        the payload as signed (with the author's save time, `SAVED_AT_KEY`, when it carries one: the
        store dates the row by it; readers of the fields drop it), None for a tombstone.
        `signature_checked`: `signatures_verified` found its signature good against the same keys
        (a page is checked on every core first); the tag is checked here all the same."""
        header = sealed.header
        Kind(header.kind)  # a kind this version knows (the wire format already restricts it)
        _, case_key = self._case_key(conn, header.case_id, header.key_version)
        if signature_checked:
            payload = open_sealed(sealed, case_key, None)
        else:
            payload = open_signed(sealed, case_key, self._signer(conn, header.author_id))
        return None if header.deleted else payload

    def signatures_verified(self, conn: Connection, records: list[SealedRecord]) -> set[str]:
        """The revision ids of `records` whose signature verifies under their author's known keys
        (current, then former), checked on every core. The others (an unknown author, a bad
        signature) are left out, for verify_incoming to refuse with its reason."""
        keys: dict[str, list[Any]] = {}
        for record in records:
            author = record.header.author_id
            if author not in keys:
                try:
                    keys[author] = list(self._signer(conn, author))
                except TamperedRecord:
                    keys[author] = []
        good = signatures_ok(records, lambda record: keys[record.header.author_id])
        return {r.header.revision_id for r, ok in zip(records, good, strict=True) if ok}

    def head_row(self, conn: Connection, record_id: str) -> Row[Any] | None:
        return self._head(conn, record_id)

    def head_rows(self, conn: Connection, record_ids: list[str]) -> dict[str, Any]:
        """The head revisions of these records (metadata only), one query per 500 records."""
        cols = (t.records.c.revision_id, t.records.c.record_id, t.records.c.case_id, t.records.c.kind,
                t.records.c.revision, t.records.c.is_head, t.records.c.head_mac)
        heads: dict[str, Any] = {}
        for i in range(0, len(record_ids), 500):
            for row in conn.execute(select(*cols).where(t.records.c.record_id.in_(record_ids[i:i + 500]),
                                                        t.records.c.is_head.is_(True))):
                self.bookkeeping.check_head(row)  # incoming revisions are never ordered against a forged head
                heads[row.record_id] = row
        return heads

    def store_verified_many(self, conn: Connection, items: list[VerifiedIncoming], demote: list[str]) -> None:
        """Insert revisions verify_incoming accepted, in one statement: `demote` are the stored heads
        they replace; each item's `head` says whether it is its record's head after the batch. The case
        summaries follow the items in order, so a later revision of a record wins."""
        for i in range(0, len(demote), 500):
            conn.execute(update(t.records).where(t.records.c.revision_id.in_(demote[i:i + 500]))
                         .values(is_head=False, head_mac=None))
        if not items:
            return
        arrived = now_text()
        rows = []
        for it in items:
            h = it.sealed.header
            row = {"revision_id": h.revision_id, "record_id": h.record_id, "case_id": h.case_id, "kind": h.kind,
                   "revision": h.revision, "base_revision": h.base_revision, "author_id": h.author_id,
                   "key_version": h.key_version, "deleted": bool(h.deleted), "nonce": it.sealed.nonce,
                   "ciphertext": it.sealed.ciphertext, "signature": it.sealed.signature,
                   "saved_at": _stored_time(it.payload, arrived),
                   "is_head": bool(it.head), "server_seq": it.seq,
                   "head_mac": self.bookkeeping.head_mac(h.revision_id, h.record_id, h.case_id, h.kind, h.revision)
                   if it.head else None}
            rows.append(tuple(row[c] for c in _RECORD_COLUMNS))
        conn.exec_driver_sql(_INSERT_RECORDS_SQL, rows)
        for it in items:
            if it.summarise:
                h = it.sealed.header
                self._summarise(conn, h.case_id, h.record_id, Kind(h.kind), it.payload)

    def store_verified(self, conn: Connection, sealed: SealedRecord, payload: dict[str, Any] | None,
                       seq: int | None, *, head: bool) -> None:
        """Insert a revision verify_incoming accepted (never queued for push: it came from the server).
        As head, it replaces the record's head and updates the case summary."""
        h = sealed.header
        if head:
            conn.execute(update(t.records).where(t.records.c.record_id == h.record_id,
                                                 t.records.c.is_head.is_(True)).values(is_head=False, head_mac=None))
        conn.execute(t.records.insert().values(
            revision_id=h.revision_id, record_id=h.record_id, case_id=h.case_id, kind=h.kind,
            revision=h.revision, base_revision=h.base_revision, author_id=h.author_id,
            key_version=h.key_version, deleted=h.deleted, nonce=sealed.nonce, ciphertext=sealed.ciphertext,
            signature=sealed.signature, saved_at=_stored_time(payload, now_text()), is_head=head, server_seq=seq,
            head_mac=self.bookkeeping.head_mac(h.revision_id, h.record_id, h.case_id, h.kind, h.revision)
            if head else None,
        ))
        if head:
            self._summarise(conn, h.case_id, h.record_id, Kind(h.kind), payload)

    def write_revision(self, conn: Connection, case_id: str, record_id: str, kind: Kind,
                       payload: dict[str, Any], *, deleted: bool = False) -> Record:
        """A new local revision (a merge result) on top of the record's current head, queued for push."""
        head = self._head(conn, record_id)
        record = self._insert_revision(conn, case_id, record_id, kind, payload, head, deleted=deleted)
        self._summarise(conn, case_id, record_id, kind, None if deleted else payload)
        return record

    def reseal_unsent(self, conn: Connection, case_id: str, old_version: int, old_key: bytes,
                      new_version: int) -> int:
        """Seal again, under key version `new_version`, this laptop's unsent revisions of a case that
        were sealed with a key the server never took (a key rotation of ours that lost to another).
        Same revision ids and content; queued again if the server had refused them. Returns how many."""
        _, new_key = self._case_key(conn, case_id, new_version)
        rows = conn.execute(select(t.records).join(t.outbox, t.outbox.c.revision_id == t.records.c.revision_id)
                            .where(t.records.c.case_id == case_id, t.records.c.key_version == old_version)).all()
        for row in rows:
            header = RecordHeader(
                record_id=row.record_id, revision_id=row.revision_id, case_id=row.case_id, kind=row.kind,
                revision=row.revision, base_revision=row.base_revision, author_id=row.author_id,
                key_version=old_version, deleted=bool(row.deleted),
            )
            payload = open_sealed(SealedRecord(header, row.nonce, row.ciphertext, row.signature), old_key, None)
            header = dataclasses.replace(header, key_version=new_version)
            sealed = seal(header, payload, new_key, self.secrets.signing)
            conn.execute(update(t.records).where(t.records.c.revision_id == row.revision_id).values(
                key_version=new_version, nonce=sealed.nonce, ciphertext=sealed.ciphertext,
                signature=sealed.signature))
            conn.execute(update(t.outbox).where(t.outbox.c.revision_id == row.revision_id)
                         .values(state="pending", last_error=None))
        return len(rows)

    def reseal_under_newest(self, conn: Connection, case_id: str) -> tuple[int, int]:
        """Seal again, under the newest key this user holds of the case, every unsent revision of it
        sealed under an older key (the server refused them: the key was rotated past, and a member
        removed since holds it). Same revision ids and content, left pending. Returns (the newest
        version held, how many were sealed again); none when no newer key is held (it is withheld)."""
        newest, new_key = self._case_key(conn, case_id)
        rows = conn.execute(select(t.records).join(t.outbox, t.outbox.c.revision_id == t.records.c.revision_id)
                            .where(t.records.c.case_id == case_id, t.records.c.key_version < newest,
                                   t.outbox.c.state == "pending")).all()
        for row in rows:
            header = RecordHeader(
                record_id=row.record_id, revision_id=row.revision_id, case_id=row.case_id, kind=row.kind,
                revision=row.revision, base_revision=row.base_revision, author_id=row.author_id,
                key_version=row.key_version, deleted=bool(row.deleted),
            )
            _, old_key = self._case_key(conn, case_id, row.key_version)
            payload = open_sealed(SealedRecord(header, row.nonce, row.ciphertext, row.signature), old_key, None)
            sealed = seal(dataclasses.replace(header, key_version=newest), payload, new_key, self.secrets.signing)
            conn.execute(update(t.records).where(t.records.c.revision_id == row.revision_id).values(
                key_version=newest, nonce=sealed.nonce, ciphertext=sealed.ciphertext, signature=sealed.signature))
        return newest, len(rows)

    def open_revision(self, conn: Connection, revision_id: str) -> tuple[Row[Any], dict[str, Any] | None]:
        """A stored revision's row and payload (verified again), None payload for a tombstone."""
        row = conn.execute(select(t.records).where(t.records.c.revision_id == revision_id)).one()
        record = self._open_row(conn, row)
        return row, (None if record is None else encode(record.content))


def _stored_time(payload: dict[str, Any] | None, arrived: str) -> str:
    """The `saved_at` of an incoming row: the author's signed save time when the payload carries a
    believable one, else (none, malformed, too far ahead, a tombstone) the time it arrived. Reading
    decides again from the payload (SealedStore._saved_at), so a tombstone still shows its author's time."""
    signed = signed_time(payload, dt.datetime.fromisoformat(arrived))
    return arrived if signed is None else time_text(signed)
