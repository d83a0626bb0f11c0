"""The sealed-record core of a user's unlocked case files: the keys this session holds (unwrapped on
demand, dropped on lock), the decrypted case-list summaries, and sealing, storing and opening one
revision. `CaseFiles` (store/casefiles.py) builds the user-facing reads and writes on top of it, and
`SyncHooks` (store/casefile_sync.py) what the sync side needs to store incoming revisions."""

from __future__ import annotations

import copy
import datetime as dt
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Row, bindparam, func, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from leerrecht_core.crypto.errors import CryptoError, TamperedRecord
from leerrecht_core.crypto.keys import (
    UserSecrets,
    WrappedKey,
    unwrap_case_key,
)
from leerrecht_core.crypto.local import open_local, seal_local
from leerrecht_core.crypto.records import RecordHeader, SealedRecord, open_sealed, seal
from leerrecht_core.i18n import tr
from leerrecht_desktop.models.case import CaseProfile, WorkerRef
from leerrecht_desktop.models.codec import from_dict, to_dict
from leerrecht_desktop.models.entries import Entry
from leerrecht_desktop.models.enums import Kind
from leerrecht_desktop.models.records import (
    Content,
    Record,
    author_time,
    decode,
    encode,
    kind_of,
    time_text,
    with_saved_at,
)
from leerrecht_desktop.models.summary import CaseSummary
from leerrecht_desktop.store import tables as t
from leerrecht_desktop.store.bookkeeping import Bookkeeping, head_refused
from leerrecht_desktop.store.data_folder import DataFolder
from leerrecht_desktop.store.database import write_transaction
from leerrecht_desktop.store.errors import CaseNotFound, Locked
from leerrecht_desktop.store.former_keys import open_signed, signature_refusals, signers
from leerrecht_desktop.store.locked_outbox import sealed_from_row
from leerrecht_desktop.store.user_profile import UserProfile

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def now_text() -> str:
    return time_text(dt.datetime.now(dt.UTC))


# The statements of a save, built once: building a statement with .values(...) and its cache key on
# every save was most of a save's time (and of generating demo data). Executed with parameters.
_HEAD = select(t.records).where(t.records.c.record_id == bindparam("b_record_id"), t.records.c.is_head.is_(True))
_NEWEST_REVISION = select(func.max(t.records.c.revision)).where(t.records.c.record_id == bindparam("b_record_id"))
_DEMOTE = update(t.records).where(t.records.c.revision_id == bindparam("b_revision_id")) \
    .values(is_head=False, head_mac=None)
_INSERT_RECORD = t.records.insert()
_INSERT_OUTBOX = t.outbox.insert()
_upsert = sqlite_insert(t.case_index)
_UPSERT_SUMMARY = _upsert.on_conflict_do_update(index_elements=["case_id"], set_={"blob": _upsert.excluded.blob})
_KEY_OF_VERSION = select(t.case_keys).where(
    t.case_keys.c.case_id == bindparam("b_case_id"), t.case_keys.c.recipient_id == bindparam("b_recipient_id"),
    t.case_keys.c.key_version == bindparam("b_key_version"))
_NEWEST_KEY = select(t.case_keys).where(
    t.case_keys.c.case_id == bindparam("b_case_id"), t.case_keys.c.recipient_id == bindparam("b_recipient_id"),
).order_by(t.case_keys.c.key_version.desc())



class SealedStore:
    def __init__(self, workspace: DataFolder, user: UserProfile, secrets: UserSecrets):
        self.workspace = workspace
        self.engine = workspace.engine
        self.user = user
        self._secrets: UserSecrets | None = secrets
        self._bookkeeping: Bookkeeping | None = Bookkeeping.under(secrets.local_key)
        self._case_keys: dict[str, tuple[int, bytes]] = {}
        # Every version of a case key unwrapped so far: an incoming page holds hundreds of revisions
        # of few cases, and an unwrap is an X25519 exchange plus HKDF.
        self._version_keys: dict[str, dict[int, bytes]] = {}
        self._summaries: dict[str, CaseSummary] | None = None
        # While the case list comes in parts after unlock (read_summaries): the sealed rows still to
        # open, read in one snapshot, and the summaries opened so far. `summaries()` (every write
        # calls it first) opens the rest at once, so nothing is ever written on a partial cache.
        self._unread: list[Row[Any]] | None = None
        self._opened: dict[str, CaseSummary] = {}
        self._signers: dict[str, list[Ed25519PublicKey]] = {}
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
            self._bookkeeping = None
            self._case_keys.clear()
            self._version_keys.clear()
            self._summaries = None
            self._unread = None
            self._opened = {}
            self._signers.clear()

    @property
    def secrets(self) -> UserSecrets:
        if self._secrets is None:
            raise Locked(tr("Leerrecht is vergrendeld. Ontgrendel met je wachtwoordzin."))
        return self._secrets

    @property
    def bookkeeping(self) -> Bookkeeping:
        """The MACs of the local bookkeeping (case keys, known keys, heads): every write and check."""
        if self._bookkeeping is None:
            raise Locked(tr("Leerrecht is vergrendeld. Ontgrendel met je wachtwoordzin."))
        return self._bookkeeping

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
        """Every case's summary (the case list), opened once per session and kept current by writes."""
        with self._lock:
            if self._summaries is None:
                self.read_summaries(None)
            assert self._summaries is not None
            return list(self._summaries.values())

    @property
    def summaries_complete(self) -> bool:
        """Whether every summary is open (else the case list is still coming in: read_summaries)."""
        return self._summaries is not None

    def read_summaries(self, more: int | None) -> tuple[list[CaseSummary], bool]:
        """Open up to `more` further summaries (None: all the rest), for a case list that shows its first
        screen before the rest is in (docs/performance.md, "Unlock"). Returns every summary opened so
        far, always in the same order (a later call's list starts with an earlier one's), and whether
        that is all of them. The rows are read in one snapshot at the first call, under the lock;
        any write completes the list first (`summaries()`), so a partial list is never written on."""
        with self._lock:
            if self._summaries is not None:
                return list(self._summaries.values()), True
            key = self.secrets.local_key
            if self._unread is None:
                with self.engine.connect() as conn:
                    rows: list[Row[Any]] = list(conn.execute(select(t.case_index)).all())
                    self._unread = rows
                self._unread.reverse()  # popped from the end: the table's order
                self._opened = {}
            unread, opened = self._unread, self._opened
            count = len(unread) if more is None else min(more, len(unread))
            for _ in range(count):
                row = unread.pop()
                try:
                    data = open_local(key, "case-index", row.case_id, row.blob)
                    opened[row.case_id] = from_dict(CaseSummary, data)
                except CryptoError:
                    # Derived data: one damaged row is rebuilt from the case's records, not fatal.
                    rebuilt = self._rebuild_summary(row.case_id)
                    if rebuilt is not None:
                        opened[row.case_id] = rebuilt
            if unread:
                return list(opened.values()), False
            self._summaries, self._unread, self._opened = opened, None, {}
            return list(opened.values()), True

    def _rebuild_summary(self, case_id: str) -> CaseSummary | None:
        summary = CaseSummary(case_id=case_id)
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.records).where(t.records.c.case_id == case_id, t.records.c.is_head.is_(True))
            ).all()
            rows, _refused = self.bookkeeping.check_heads(conn, case_id, rows)
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
        """The record's head, checked: a new revision is never built on a head planted or moved outside."""
        row = conn.execute(_HEAD, {"b_record_id": record_id}).first()
        if row is not None:
            self.bookkeeping.check_head(row)
            # A head moved back, with the MAC it had when it was the head: older than the newest stored.
            if conn.execute(_NEWEST_REVISION, {"b_record_id": record_id}).scalar() != row.revision:
                raise head_refused()
        return row

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
        """Seal and store a new revision (a save, a tombstone, a merge result) as the record's head,
        queued for push. The author's save time goes inside the sealed payload (models/records.py),
        a new one for every revision, so every laptop that opens it shows the same time."""
        secrets = self.secrets
        key_version, case_key = self._case_key(conn, case_id)
        revision = 1 if head is None else head.revision + 1
        header = RecordHeader(
            record_id=record_id, revision_id=str(uuid.uuid4()), case_id=case_id, kind=kind.value,
            revision=revision, base_revision=None if head is None else head.revision,
            author_id=secrets.user_id, key_version=key_version, deleted=deleted,
        )
        saved_at = now_text()
        payload = with_saved_at(payload, saved_at)
        sealed = seal(header, payload, case_key, secrets.signing)
        if head is not None:
            conn.execute(_DEMOTE, {"b_revision_id": head.revision_id})
        conn.execute(_INSERT_RECORD, {
            "revision_id": header.revision_id, "record_id": record_id, "case_id": case_id, "kind": kind.value,
            "revision": revision, "base_revision": header.base_revision, "author_id": header.author_id,
            "key_version": key_version, "deleted": deleted, "nonce": sealed.nonce, "ciphertext": sealed.ciphertext,
            "signature": sealed.signature, "saved_at": saved_at, "is_head": True, "server_seq": None,
            "head_mac": self.bookkeeping.head_mac(header.revision_id, record_id, case_id, kind.value, revision),
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
        self.bookkeeping.check_case_key(row)  # a key planted or swapped outside the app is never unwrapped
        key = unwrap_case_key(WrappedKey(row.ephemeral_public, row.ciphertext), case_id, row.key_version,
                              secrets.user_id, secrets.exchange)
        if version is None:
            self._case_keys[case_id] = (row.key_version, key)
        self._version_keys.setdefault(case_id, {})[row.key_version] = key
        return row.key_version, key

    def _signer(self, conn: Connection, author_id: str) -> list[Ed25519PublicKey]:
        """The author's current signing key, then their former ones (store/former_keys.py)."""
        if author_id not in self._signers:
            row = self.bookkeeping.known_keys_row(conn, author_id)
            if row is None:
                raise TamperedRecord(
                    tr("Een deel van een dossier komt van een onbekende auteur en wordt niet getoond."))
            self._signers[author_id] = signers(conn, self.secrets.local_key, author_id, row.signing_public)
        return self._signers[author_id]

    def _open_row(self, conn: Connection, row: Row[Any]) -> Record | None:
        """Verify and decrypt one stored revision; None for a (verified) tombstone."""
        return self._record_of(row, self._open_payload(conn, row))

    def _open_rows(self, conn: Connection, rows: list[Row[Any]]) -> list[Record | CryptoError | CaseNotFound | None]:
        """`_open_row` of every row, in order, with what it raised in its place: the same checks, the
        signatures verified in parallel (former_keys.signature_refusals; a case of 30 entries spends
        most of its opening time in Ed25519, which releases the GIL)."""
        out: list[Record | CryptoError | CaseNotFound | None] = []
        ready: list[tuple[int, SealedRecord, bytes, list[Ed25519PublicKey]]] = []
        for row in rows:
            try:
                sealed = sealed_from_row(row)
                _, case_key = self._case_key(conn, row.case_id, row.key_version)
                ready.append((len(out), sealed, case_key, self._signer(conn, row.author_id)))
                out.append(None)
            except (CryptoError, CaseNotFound) as exc:
                out.append(exc)
        refusals = signature_refusals([(sealed, keys) for _, sealed, _, keys in ready])
        for (at, sealed, case_key, _keys), refusal in zip(ready, refusals, strict=True):
            try:
                if refusal is not None:
                    raise refusal
                out[at] = self._record_of(rows[at], open_sealed(sealed, case_key, None))
            except (CryptoError, CaseNotFound) as exc:
                out[at] = exc
        return out

    def _record_of(self, row: Row[Any], payload: dict[str, Any]) -> Record | None:
        """The record of a verified and opened row; None for a tombstone."""
        if row.deleted:
            return None
        kind = Kind(row.kind)
        saved_at, received = self._saved_at(row, payload)
        return Record(row.record_id, row.case_id, kind, row.revision, row.author_id, saved_at,
                      decode(kind, payload), received)

    def _saved_at(self, row: Row[Any], payload: dict[str, Any]) -> tuple[dt.datetime, bool]:
        """(when a stored revision was saved, whether that is only when it arrived here): decided from
        the opened payload on every read (models/records.author_time), so revisions stored before
        the time was signed need no migration."""
        return author_time(payload, dt.datetime.fromisoformat(row.saved_at), row.author_id == self.user.user_id)

    def _open_payload(self, conn: Connection, row: Row[Any]) -> dict[str, Any]:
        """A stored revision's payload, signature and tag checked (a tombstone's too: its save time)."""
        sealed = sealed_from_row(row)
        _, case_key = self._case_key(conn, row.case_id, row.key_version)
        return open_signed(sealed, case_key, self._signer(conn, row.author_id))


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


