"""The unlocked case files of one user: sealed records in, decrypted records out.

Every save is one local transaction that writes the sealed revision, marks it as the record's head,
queues it in the outbox for sync and updates the sealed case-list summary. Earlier revisions stay
(history); deleting writes a tombstone revision; erasing a case removes it and its keys for good."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Row, bindparam, delete, func, select, text, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from leerrecht_core.crypto.errors import CryptoError, TamperedRecord
from leerrecht_core.crypto.keys import (
    UserSecrets,
    WrappedKey,
    new_case_key,
    public_signing_key,
    unwrap_case_key,
    wrap_case_key,
)
from leerrecht_core.crypto.local import open_local, seal_local
from leerrecht_core.crypto.records import RecordHeader, SealedRecord, open_sealed, seal
from leerrecht_core.i18n import tr
from leerrecht_desktop.models.case import CaseProfile, WorkerRef
from leerrecht_desktop.models.codec import from_dict, to_dict
from leerrecht_desktop.models.entries import Entry
from leerrecht_desktop.models.enums import Kind
from leerrecht_desktop.models.records import Content, Record, decode, encode, kind_of
from leerrecht_desktop.models.summary import CaseSummary
from leerrecht_desktop.store import tables as t
from leerrecht_desktop.store.database import write_transaction
from leerrecht_desktop.store.errors import CaseNotFound, Locked

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from leerrecht_desktop.store.workspace import UserProfile, Workspace


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


# The statements of a save, built once: building a statement with .values(...) and its cache key on
# every save was most of a save's time (and of generating demo data). Executed with parameters.
_HEAD = select(t.records).where(t.records.c.record_id == bindparam("b_record_id"), t.records.c.is_head.is_(True))
_DEMOTE = update(t.records).where(t.records.c.revision_id == bindparam("b_revision_id")).values(is_head=False)
_INSERT_RECORD = t.records.insert()
_INSERT_OUTBOX = t.outbox.insert()
_upsert = sqlite_insert(t.case_index)
_UPSERT_SUMMARY = _upsert.on_conflict_do_update(index_elements=["case_id"], set_={"blob": _upsert.excluded.blob})
# A pulled page's revisions in one executemany on the driver's cursor: through SQLAlchemy's per-row
# parameter processing the insert was about 8 % of the laptop's side of a first full sync (py-spy).
_RECORD_COLUMNS = [c.name for c in t.records.columns]
_INSERT_RECORDS_SQL = (f"INSERT INTO records ({', '.join(_RECORD_COLUMNS)}) "
                       f"VALUES ({', '.join('?' for _ in _RECORD_COLUMNS)})")
_KEY_OF_VERSION = select(t.case_keys).where(
    t.case_keys.c.case_id == bindparam("b_case_id"), t.case_keys.c.recipient_id == bindparam("b_recipient_id"),
    t.case_keys.c.key_version == bindparam("b_key_version"))
_NEWEST_KEY = select(t.case_keys).where(
    t.case_keys.c.case_id == bindparam("b_case_id"), t.case_keys.c.recipient_id == bindparam("b_recipient_id"),
).order_by(t.case_keys.c.key_version.desc())


@dataclass
class VerifiedIncoming:
    """A revision from the server that passed verify_incoming, on its way into the store."""
    sealed: SealedRecord
    payload: dict[str, Any] | None
    seq: int | None
    head: bool  # the record's head once the batch is stored
    summarise: bool  # it was the head when it arrived (a later one in the same batch may replace it)


@dataclass
class CaseFile:
    case_id: str
    profile: Record
    entries: list[Record]
    summary: CaseSummary
    # Records that failed their signature or tag check: not shown, but said.
    refused: list[str] = field(default_factory=list)

    @property
    def content(self) -> CaseProfile:
        assert isinstance(self.profile.content, CaseProfile)
        return self.profile.content

    def of_kind(self, kind: Kind) -> list[Record]:
        return [r for r in self.entries if r.kind == kind]


class CaseFiles:
    def __init__(self, workspace: Workspace, user: UserProfile, secrets: UserSecrets):
        self.workspace = workspace
        self.engine = workspace.engine
        self.user = user
        self._secrets: UserSecrets | None = secrets
        self._case_keys: dict[str, tuple[int, bytes]] = {}
        # Every version of a case key unwrapped so far: an incoming page holds hundreds of revisions
        # of few cases, and an unwrap is an X25519 exchange plus HKDF.
        self._version_keys: dict[str, dict[int, bytes]] = {}
        self._summaries: dict[str, CaseSummary] | None = None
        self._signers: dict[str, Ed25519PublicKey] = {}
        self._lock = threading.RLock()
        self._batch_conn: Connection | None = None
        self._dirty_summaries: set[str] | None = None  # inside batch() and sync_transaction()

    # -- lifecycle -----------------------------------------------------------------------------

    @property
    def is_locked(self) -> bool:
        return self._secrets is None

    def lock(self) -> None:
        """Drop every key and decrypted summary this session holds."""
        with self._lock:
            self._secrets = None
            self._case_keys.clear()
            self._version_keys.clear()
            self._summaries = None
            self._signers.clear()

    @property
    def secrets(self) -> UserSecrets:
        if self._secrets is None:
            raise Locked(tr("Leerrecht is vergrendeld. Ontgrendel met je wachtwoordzin."))
        return self._secrets

    @property
    def me(self) -> WorkerRef:
        return WorkerRef(self.user.user_id, self.user.name)

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Many saves in one transaction (demo data, imports): one disk flush instead of one per save.
        Either all of them are kept or, on an error, none."""
        with self._lock:
            self.summaries()
            try:
                with write_transaction(self.engine) as conn:
                    self._batch_conn = conn
                    # A batch touches a case many times: its sealed summary is written once, at the end.
                    self._dirty_summaries = set()
                    yield
                    assert self._summaries is not None
                    for case_id in sorted(self._dirty_summaries):
                        if case_id in self._summaries:  # not erased meanwhile
                            self._store_summary(conn, self._summaries[case_id])
            except BaseException:
                self._summaries = None  # the cache saw saves that were rolled back
                raise
            finally:
                self._batch_conn = None
                self._dirty_summaries = None

    @contextmanager
    def _tx(self) -> Iterator[Connection]:
        if self._batch_conn is not None:
            yield self._batch_conn
        else:
            with write_transaction(self.engine) as conn:
                yield conn

    # -- reading -------------------------------------------------------------------------------

    def summaries(self) -> list[CaseSummary]:
        with self._lock:
            if self._summaries is None:
                key = self.secrets.local_key
                with self.engine.connect() as conn:
                    rows = conn.execute(select(t.case_index.c.case_id, t.case_index.c.blob)).all()
                summaries: dict[str, CaseSummary] = {}
                for row in rows:
                    try:
                        data = open_local(key, "case-index", row.case_id, row.blob)
                        summaries[row.case_id] = from_dict(CaseSummary, data)
                    except CryptoError:
                        # Derived data: one damaged row is rebuilt from the case's records, not fatal.
                        rebuilt = self._rebuild_summary(row.case_id)
                        if rebuilt is not None:
                            summaries[row.case_id] = rebuilt
                self._summaries = summaries
            return list(self._summaries.values())

    def _rebuild_summary(self, case_id: str) -> CaseSummary | None:
        summary = CaseSummary(case_id=case_id)
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.records).where(t.records.c.case_id == case_id, t.records.c.is_head.is_(True))
            ).all()
            has_profile = False
            for row in rows:
                try:
                    record = self._open_row(conn, row)
                except (CryptoError, CaseNotFound):
                    continue
                if record is None:
                    continue
                if isinstance(record.content, CaseProfile):
                    summary.apply_profile(record.content)
                    has_profile = True
                elif isinstance(record.content, Entry):
                    summary.apply_entry(record.record_id, record.content)
        if not has_profile:
            return None
        with write_transaction(self.engine) as conn:
            self._store_summary(conn, summary)
        return summary

    def summary(self, case_id: str) -> CaseSummary:
        self.summaries()
        assert self._summaries is not None
        try:
            return self._summaries[case_id]
        except KeyError:
            raise CaseNotFound(tr("Dit dossier bestaat niet (meer) op deze laptop.")) from None

    def load_case(self, case_id: str) -> CaseFile:
        with self._lock, self.engine.connect() as conn:
            rows = conn.execute(
                select(t.records).where(t.records.c.case_id == case_id, t.records.c.is_head.is_(True))
            ).all()
            if not rows:
                raise CaseNotFound(tr("Dit dossier bestaat niet (meer) op deze laptop."))
            profile: Record | None = None
            entries: list[Record] = []
            refused: list[str] = []
            for row in rows:
                try:
                    record = self._open_row(conn, row)
                except (CryptoError, CaseNotFound) as exc:
                    refused.append(str(exc))
                    continue
                if record is None:  # a verified tombstone
                    continue
                if record.kind == Kind.CASE:
                    profile = record
                else:
                    entries.append(record)
        if profile is None:
            raise CaseNotFound(refused[0] if refused else tr("Dit dossier heeft geen leesbaar profiel."))
        entries.sort(key=_timeline_key, reverse=True)
        return CaseFile(case_id, profile, entries, self.summary(case_id), refused)

    def history(self, record_id: str) -> list[Record]:
        """Every readable revision of one record, oldest first. Tombstones are checked but not listed;
        a revision that fails its check raises TamperedRecord."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.records).where(t.records.c.record_id == record_id).order_by(t.records.c.revision)
            ).all()
            opened = [self._open_row(conn, row) for row in rows]
        return [record for record in opened if record is not None]

    def pending_changes(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(t.outbox)).scalar_one())

    # -- writing -------------------------------------------------------------------------------

    def create_case(self, profile: CaseProfile, *, today: dt.date | None = None) -> Record:
        profile.validate(today or dt.date.today())
        if not profile.assigned:
            profile.assigned = [self.me]
        case_id = str(uuid.uuid4())
        case_key = new_case_key()
        secrets = self.secrets
        wrapped = wrap_case_key(case_key, case_id, 1, secrets.user_id, secrets.exchange_public)
        with self._lock:
            self.summaries()
            with self._tx() as conn:
                conn.execute(t.case_keys.insert().values(
                    case_id=case_id, key_version=1, recipient_id=secrets.user_id,
                    ephemeral_public=wrapped.ephemeral_public, ciphertext=wrapped.ciphertext,
                ))
                self._case_keys[case_id] = (1, case_key)
                record, summary = self._write(conn, case_id, str(uuid.uuid4()), profile, CaseSummary(case_id=case_id))
            self._commit_summary(summary)
        return record

    def save(self, case_id: str, content: Content, *, record_id: str | None = None,
             today: dt.date | None = None) -> Record:
        """Save a new entry (record_id None) or a new revision of an existing record."""
        content.validate(today or dt.date.today())
        if isinstance(content, Entry) and not content.author_id:
            content.author_id, content.author_name = self.user.user_id, self.user.name
        with self._lock:
            summary = self._summary_to_change(case_id)
            with self._tx() as conn:
                record, summary = self._write(conn, case_id, record_id or str(uuid.uuid4()), content, summary)
            self._commit_summary(summary)
        return record

    def delete_entry(self, case_id: str, record_id: str) -> None:
        """Write a tombstone revision: the entry disappears from the case, its history stays."""
        with self._lock:
            summary = self._summary_to_change(case_id)
            with self._tx() as conn:
                head = self._head(conn, record_id)
                if head is None or head.case_id != case_id or head.kind == Kind.CASE.value or head.deleted:
                    raise CaseNotFound(tr("Deze notitie bestaat niet (meer)."))
                self._insert_revision(conn, case_id, record_id, Kind(head.kind), {}, head, deleted=True)
                summary.apply_entry(record_id, None)
                self._store_or_defer_summary(conn, summary)
            self._commit_summary(summary)

    def erase_case(self, case_id: str) -> None:
        """Remove a case, its history, keys, drafts and queued changes from this laptop for good."""
        with self._lock:
            with self._tx() as conn:
                # The sync tables (migration 0002) hold per-case rows too: conflicts, queued sharing.
                for table in (t.outbox, t.records, t.case_keys, t.case_index, t.drafts,
                              t.conflicts, t.pending_members, t.sync_cases):
                    conn.execute(delete(table).where(table.c.case_id == case_id))
            if self._batch_conn is None:
                self.checkpoint()
            self.forget_cached_key(case_id)
            if self._summaries is not None:
                self._summaries.pop(case_id, None)

    def checkpoint(self) -> bool:
        """Copy the write-ahead log into the database file and empty it, so erased pages are overwritten
        in place (secure_delete) and not left behind in the log. False if a reader kept it from finishing."""
        with self.engine.connect() as conn:
            busy = conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)")).first()
        return busy is not None and busy[0] == 0

    # -- drafts (sealed under the local key, never synced) -------------------------------------

    def save_draft(self, draft_id: str, case_id: str | None, data: dict[str, Any]) -> None:
        blob = seal_local(self.secrets.local_key, "draft", draft_id, data)
        with self._tx() as conn:
            conn.execute(
                sqlite_insert(t.drafts)
                .values(draft_id=draft_id, case_id=case_id, blob=blob, updated_at=_now())
                .on_conflict_do_update(index_elements=["draft_id"], set_={"blob": blob, "updated_at": _now()})
            )

    def load_draft(self, draft_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            blob = conn.execute(select(t.drafts.c.blob).where(t.drafts.c.draft_id == draft_id)).scalar()
        if blob is None:
            return None
        data: dict[str, Any] = open_local(self.secrets.local_key, "draft", draft_id, blob)
        return data

    def discard_draft(self, draft_id: str) -> None:
        with self._tx() as conn:
            conn.execute(delete(t.drafts).where(t.drafts.c.draft_id == draft_id))

    def draft_ids(self, case_id: str | None = None) -> list[str]:
        query = select(t.drafts.c.draft_id)
        if case_id is not None:
            query = query.where(t.drafts.c.case_id == case_id)
        with self.engine.connect() as conn:
            return list(conn.execute(query).scalars())

    # -- export (GDPR access and portability) --------------------------------------------------

    def export(self) -> dict[str, Any]:
        cases = []
        refused: list[dict[str, Any]] = []
        for summary in sorted(self.summaries(), key=lambda s: (s.last_name, s.first_name)):
            with self.engine.connect() as conn:
                rows = conn.execute(
                    select(t.records).where(t.records.c.case_id == summary.case_id)
                    .order_by(t.records.c.record_id, t.records.c.revision)
                ).all()
                records: dict[str, dict[str, Any]] = {}
                for row in rows:
                    entry = records.setdefault(row.record_id, {"record_id": row.record_id, "kind": row.kind,
                                                               "revisions": []})
                    revision: dict[str, Any] = {
                        "revision": row.revision, "saved_at": row.saved_at, "author_id": row.author_id,
                        "deleted": bool(row.deleted),
                    }
                    # One damaged record must not withhold the rest of a GDPR access request.
                    try:
                        opened = self._open_row(conn, row)
                        if opened is not None:
                            revision["content"] = encode(opened.content)
                    except (CryptoError, CaseNotFound) as exc:
                        revision["refused"] = str(exc)
                        refused.append({"case_id": row.case_id, "record_id": row.record_id,
                                        "revision": row.revision, "reason": str(exc)})
                    entry["revisions"].append(revision)
            cases.append({"case_id": summary.case_id, "records": list(records.values())})
        return {
            "format": "leerrecht-export",
            "format_version": 1,
            "exported_at": _now(),
            "user": {"user_id": self.user.user_id, "name": self.user.name, "role": self.user.role,
                     "team": self.user.team},
            "cases": cases,
            "refused": refused,
        }

    # -- hooks for sync (store/syncstore.py, sync/engine.py) -----------------------------------
    # Incoming revisions must be verified, stored, made head and summarised in the same transaction
    # as the sync cursor moves; these few methods give the sync side that without it reaching into
    # the sealing and summary internals above.

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

    def verify_incoming(self, conn: Connection, sealed: SealedRecord) -> dict[str, Any] | None:
        """Check an incoming revision's signature (author's key from known_keys) and AEAD tag, and
        decrypt it. Raises TamperedRecord / CaseNotFound (no key) before anything is written; returns
        the payload, None for a tombstone."""
        header = sealed.header
        Kind(header.kind)  # a kind this version knows (the wire format already restricts it)
        _, case_key = self._case_key(conn, header.case_id, header.key_version)
        payload = open_sealed(sealed, case_key, self._signer(conn, header.author_id))
        return None if header.deleted else payload

    def head_row(self, conn: Connection, record_id: str) -> Row[Any] | None:
        return self._head(conn, record_id)

    def head_rows(self, conn: Connection, record_ids: list[str]) -> dict[str, Any]:
        """The head revisions of these records (metadata only), one query per 500 records."""
        cols = (t.records.c.revision_id, t.records.c.record_id, t.records.c.case_id, t.records.c.kind,
                t.records.c.revision)
        heads: dict[str, Any] = {}
        for i in range(0, len(record_ids), 500):
            for row in conn.execute(select(*cols).where(t.records.c.record_id.in_(record_ids[i:i + 500]),
                                                        t.records.c.is_head.is_(True))):
                heads[row.record_id] = row
        return heads

    def store_verified_many(self, conn: Connection, items: list[VerifiedIncoming], demote: list[str]) -> None:
        """Insert revisions verify_incoming accepted, in one statement: `demote` are the stored heads
        they replace; each item's `head` says whether it is its record's head after the batch. The case
        summaries follow the items in order, so a later revision of a record wins."""
        for i in range(0, len(demote), 500):
            conn.execute(update(t.records).where(t.records.c.revision_id.in_(demote[i:i + 500]))
                         .values(is_head=False))
        if not items:
            return
        saved_at = _now()
        rows = []
        for it in items:
            h = it.sealed.header
            row = {"revision_id": h.revision_id, "record_id": h.record_id, "case_id": h.case_id, "kind": h.kind,
                   "revision": h.revision, "base_revision": h.base_revision, "author_id": h.author_id,
                   "key_version": h.key_version, "deleted": bool(h.deleted), "nonce": it.sealed.nonce,
                   "ciphertext": it.sealed.ciphertext, "signature": it.sealed.signature, "saved_at": saved_at,
                   "is_head": bool(it.head), "server_seq": it.seq}
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
                                                 t.records.c.is_head.is_(True)).values(is_head=False))
        conn.execute(t.records.insert().values(
            revision_id=h.revision_id, record_id=h.record_id, case_id=h.case_id, kind=h.kind,
            revision=h.revision, base_revision=h.base_revision, author_id=h.author_id,
            key_version=h.key_version, deleted=h.deleted, nonce=sealed.nonce, ciphertext=sealed.ciphertext,
            signature=sealed.signature, saved_at=_now(), is_head=head, server_seq=seq,
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

    def open_revision(self, conn: Connection, revision_id: str) -> tuple[Row[Any], dict[str, Any] | None]:
        """A stored revision's row and payload (verified again), None payload for a tombstone."""
        row = conn.execute(select(t.records).where(t.records.c.revision_id == revision_id)).one()
        record = self._open_row(conn, row)
        return row, (None if record is None else encode(record.content))

    def _summarise(self, conn: Connection, case_id: str, record_id: str, kind: Kind,
                   payload: dict[str, Any] | None) -> None:
        self.summaries()
        assert self._summaries is not None
        if self._dirty_summaries is not None:
            # One private copy per case and transaction (summaries handed out before stay as they
            # were); a rollback drops the whole cache (see batch()).
            if case_id not in self._dirty_summaries:
                existing = self._summaries.get(case_id)
                self._summaries[case_id] = copy.deepcopy(existing) if existing else CaseSummary(case_id=case_id)
            summary = self._summaries[case_id]
            _apply(summary, record_id, kind, payload)
            self._dirty_summaries.add(case_id)
            return
        summary = copy.deepcopy(self._summaries.get(case_id) or CaseSummary(case_id=case_id))
        _apply(summary, record_id, kind, payload)
        self._store_summary(conn, summary)
        self._commit_summary(summary)

    # -- internals -----------------------------------------------------------------------------

    def _commit_summary(self, summary: CaseSummary) -> None:
        if self._summaries is not None:
            self._summaries[summary.case_id] = summary

    def _summary_to_change(self, case_id: str) -> CaseSummary:
        """A private copy of a case's summary (summaries handed out before stay as they were); inside a
        batch, one copy per case and batch, changed in place by every save of the batch."""
        summary = self.summary(case_id)
        if self._dirty_summaries is not None and case_id in self._dirty_summaries:
            return summary
        return copy.deepcopy(summary)

    def _store_or_defer_summary(self, conn: Connection, summary: CaseSummary) -> None:
        if self._dirty_summaries is not None:
            self._dirty_summaries.add(summary.case_id)  # stored once when the batch ends
        else:
            self._store_summary(conn, summary)

    def _store_summary(self, conn: Connection, summary: CaseSummary) -> None:
        blob = seal_local(self.secrets.local_key, "case-index", summary.case_id, to_dict(summary))
        conn.execute(_UPSERT_SUMMARY, {"case_id": summary.case_id, "blob": blob})

    def _head(self, conn: Connection, record_id: str) -> Row[Any] | None:
        return conn.execute(_HEAD, {"b_record_id": record_id}).first()

    def _write(self, conn: Connection, case_id: str, record_id: str, content: Content,
               summary: CaseSummary) -> tuple[Record, CaseSummary]:
        kind = kind_of(content)
        head = self._head(conn, record_id)
        if head is not None and (head.case_id != case_id or head.kind != kind.value):
            raise CaseNotFound(tr("Dit deel hoort niet bij dit dossier."))
        record = self._insert_revision(conn, case_id, record_id, kind, encode(content), head, deleted=False)
        if isinstance(content, CaseProfile):
            summary.apply_profile(content)
        else:
            summary.apply_entry(record_id, content)
        self._store_or_defer_summary(conn, summary)
        return record, summary

    def _insert_revision(self, conn: Connection, case_id: str, record_id: str, kind: Kind,
                         payload: dict[str, Any], head: Row[Any] | None, *, deleted: bool) -> Record:
        secrets = self.secrets
        key_version, case_key = self._case_key(conn, case_id)
        revision = 1 if head is None else head.revision + 1
        header = RecordHeader(
            record_id=record_id, revision_id=str(uuid.uuid4()), case_id=case_id, kind=kind.value,
            revision=revision, base_revision=None if head is None else head.revision,
            author_id=secrets.user_id, key_version=key_version, deleted=deleted,
        )
        sealed = seal(header, payload, case_key, secrets.signing)
        saved_at = _now()
        if head is not None:
            conn.execute(_DEMOTE, {"b_revision_id": head.revision_id})
        conn.execute(_INSERT_RECORD, {
            "revision_id": header.revision_id, "record_id": record_id, "case_id": case_id, "kind": kind.value,
            "revision": revision, "base_revision": header.base_revision, "author_id": header.author_id,
            "key_version": key_version, "deleted": deleted, "nonce": sealed.nonce, "ciphertext": sealed.ciphertext,
            "signature": sealed.signature, "saved_at": saved_at, "is_head": True, "server_seq": None,
        })
        conn.execute(_INSERT_OUTBOX, {
            "revision_id": header.revision_id, "case_id": case_id, "queued_at": saved_at, "attempts": 0,
            "state": "pending",
        })
        return Record(record_id, case_id, kind, revision, header.author_id,
                      dt.datetime.fromisoformat(saved_at), decode(kind, payload) if not deleted else decode(kind, {}))

    def _case_key(self, conn: Connection, case_id: str, version: int | None = None) -> tuple[int, bytes]:
        cached = self._case_keys.get(case_id)
        if cached and (version is None or cached[0] == version):
            return cached
        if version is not None and version in self._version_keys.get(case_id, {}):
            return version, self._version_keys[case_id][version]
        secrets = self.secrets
        params: dict[str, Any] = {"b_case_id": case_id, "b_recipient_id": secrets.user_id}
        if version is not None:
            row = conn.execute(_KEY_OF_VERSION, {**params, "b_key_version": version}).first()
        else:
            row = conn.execute(_NEWEST_KEY, params).first()
        if row is None:
            raise CaseNotFound(tr("Je hebt geen sleutel voor dit dossier. Vraag je coördinator om toegang."))
        key = unwrap_case_key(WrappedKey(row.ephemeral_public, row.ciphertext), case_id, row.key_version,
                              secrets.user_id, secrets.exchange)
        if version is None:
            self._case_keys[case_id] = (row.key_version, key)
        self._version_keys.setdefault(case_id, {})[row.key_version] = key
        return row.key_version, key

    def _signer(self, conn: Connection, author_id: str) -> Ed25519PublicKey:
        if author_id not in self._signers:
            raw = conn.execute(
                select(t.known_keys.c.signing_public).where(t.known_keys.c.user_id == author_id)
            ).scalar()
            if raw is None:
                raise TamperedRecord(
                    tr("Een deel van een dossier komt van een onbekende auteur en wordt niet getoond."))
            self._signers[author_id] = public_signing_key(raw)
        return self._signers[author_id]

    def _open_row(self, conn: Connection, row: Row[Any]) -> Record | None:
        """Verify and decrypt one stored revision; None for a (verified) tombstone."""
        header = RecordHeader(
            record_id=row.record_id, revision_id=row.revision_id, case_id=row.case_id, kind=row.kind,
            revision=row.revision, base_revision=row.base_revision, author_id=row.author_id,
            key_version=row.key_version, deleted=bool(row.deleted),
        )
        sealed = SealedRecord(header, row.nonce, row.ciphertext, row.signature)
        _, case_key = self._case_key(conn, row.case_id, row.key_version)
        payload = open_sealed(sealed, case_key, self._signer(conn, row.author_id))
        if row.deleted:
            return None
        kind = Kind(row.kind)
        return Record(row.record_id, row.case_id, kind, row.revision, row.author_id,
                      dt.datetime.fromisoformat(row.saved_at), decode(kind, payload))


def _apply(summary: CaseSummary, record_id: str, kind: Kind, payload: dict[str, Any] | None) -> None:
    """A record's part of its case summary (None: a tombstone, which removes an entry's part)."""
    if payload is not None:
        content = decode(kind, payload)
        if isinstance(content, CaseProfile):
            summary.apply_profile(content)
        else:
            summary.apply_entry(record_id, content)
    elif kind != Kind.CASE:
        summary.apply_entry(record_id, None)


def _timeline_key(record: Record) -> tuple[dt.date, dt.datetime]:
    occurred = getattr(record.content, "occurred_on", None) or record.saved_at.date()
    return occurred, record.saved_at
