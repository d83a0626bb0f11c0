"""What sync keeps on this laptop: the enrolment (server, device, sealed token, cursor), the outbox seen
from the sync side (pending and quarantined revisions), cases the server knows, sharing changes queued
while offline, and merge conflicts for the user to choose (sealed under the local key).

No network and no wire format here (the store does not import `sync`): the engine hands in plain
values and SealedRecords, and calls these methods inside `CaseFiles.sync_transaction()` where a step
must be atomic (a pulled page and the cursor move together)."""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, delete, func, select, update

from leerrecht_core.crypto.local import open_local, seal_local
from leerrecht_core.i18n import tr
from leerrecht_desktop.store import tables as t
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.database import write_transaction
from leerrecht_desktop.store.errors import StoreError
from leerrecht_desktop.store.locked_outbox import (
    PENDING,
    QUARANTINED,
    Outgoing,
    chunks,
    count,
    mark_pushed,
    outgoing,
    sealed_from_row,
    set_seqs,
)

# Re-exported: the outbox's names have always been importable from here.
__all__ = ["PENDING", "QUARANTINED", "NotEnrolled", "Outgoing", "PendingMember", "Quarantined", "StoredConflict",
           "SyncState", "SyncStore", "sealed_from_row"]

# A passphrase change not yet sent to the server: a row in `settings` (no schema change), its value the
# base64 of a blob sealed under the local key (it holds the new authentication key).
PENDING_PASSPHRASE_KEY = "sync.pending_passphrase_change"
# Set when the server said this laptop was replaced by a new enrolment of the account (a reset): a
# plain settings row (no schema change); the laptop then never syncs again, and never wipes.
REPLACED_KEY = "sync.replaced_at"
# Set once this profile read the directory: until then the former keys it lists are taken on first use
# also for this user (a profile made anew after a reset), see sync/directory.py.
DIRECTORY_SEEN_KEY = "sync.directory_seen"


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


class NotEnrolled(StoreError):
    pass


@dataclass(frozen=True)
class SyncState:
    server_url: str
    device_id: str
    device_token: str
    team_id: str
    role: str
    recovery_public: bytes | None
    cursor: int
    last_success_at: str | None
    pinned_sha256: str | None


@dataclass(frozen=True)
class Quarantined:
    revision_id: str
    case_id: str
    reason: str
    queued_at: str


@dataclass(frozen=True)
class StoredConflict:
    conflict_id: int
    case_id: str
    record_id: str
    details: dict[str, Any]
    at: str


@dataclass(frozen=True)
class PendingMember:
    pending_id: int
    case_id: str
    action: str
    user_id: str
    grants: list[dict[str, Any]]


class SyncStore:
    def __init__(self, case_files: CaseFiles):
        self.case_files = case_files
        self.engine = case_files.engine

    @property
    def _local_key(self) -> bytes:
        return self.case_files.secrets.local_key

    # -- enrolment -------------------------------------------------------------------------------

    def is_enrolled(self) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(select(t.sync_state.c.id)).first() is not None

    def save_enrolment(self, *, server_url: str, device_id: str, device_token: str, team_id: str, role: str,
                       recovery_public: bytes | None, pinned_sha256: str | None) -> None:
        sealed = seal_local(self._local_key, "device-token", device_id, device_token)
        with write_transaction(self.engine) as conn:
            conn.execute(delete(t.sync_state))
            conn.execute(t.sync_state.insert().values(
                id=1, server_url=server_url, device_id=device_id, sealed_token=sealed, team_id=team_id,
                role=role, recovery_public=recovery_public, cursor=0, last_success_at=None,
                pinned_sha256=pinned_sha256,
            ))

    def state(self) -> SyncState:
        with self.engine.connect() as conn:
            row = conn.execute(select(t.sync_state)).first()
        if row is None:
            raise NotEnrolled(tr("Deze laptop is nog niet aangemeld bij een server. Gebruik eerst "
                                 "'leerrecht enroll'."))
        token = open_local(self._local_key, "device-token", row.device_id, row.sealed_token)
        return SyncState(row.server_url, row.device_id, str(token), row.team_id, row.role, row.recovery_public,
                         int(row.cursor), row.last_success_at, row.pinned_sha256)

    def set_server_url(self, server_url: str) -> None:
        """The same server at a new address (the city moved it); the caller has checked that the new
        address answers as this server and accepts this laptop's token."""
        with write_transaction(self.engine) as conn:
            conn.execute(update(t.sync_state).values(server_url=server_url))

    def set_recovery_public(self, recovery_public: bytes | None) -> None:
        with write_transaction(self.engine) as conn:
            conn.execute(update(t.sync_state).values(recovery_public=recovery_public))

    def set_cursor(self, conn: Connection, cursor: int) -> None:
        conn.execute(update(t.sync_state).values(cursor=cursor))

    def mark_success(self) -> None:
        with write_transaction(self.engine) as conn:
            conn.execute(update(t.sync_state).values(last_success_at=_now()))

    def clear(self) -> None:
        """Forget the enrolment (a revoked device)."""
        with write_transaction(self.engine) as conn:
            conn.execute(delete(t.sync_state))
            conn.execute(delete(t.settings).where(t.settings.c.key == PENDING_PASSPHRASE_KEY))

    def mark_replaced(self) -> None:
        with write_transaction(self.engine) as conn:
            conn.execute(delete(t.settings).where(t.settings.c.key == REPLACED_KEY))
            conn.execute(t.settings.insert().values(key=REPLACED_KEY, value=_now()))

    def replaced(self) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(select(t.settings.c.key).where(t.settings.c.key == REPLACED_KEY)).first() \
                is not None

    # -- a passphrase change waiting for the server ------------------------------------------------

    def set_pending_passphrase_change(self, change: dict[str, Any]) -> None:
        """Queue (replacing an older one) the JSON of a protocol.PassphraseChange, sealed."""
        blob = seal_local(self._local_key, "passphrase-change", self.case_files.user.user_id, change)
        with write_transaction(self.engine) as conn:
            conn.execute(delete(t.settings).where(t.settings.c.key == PENDING_PASSPHRASE_KEY))
            conn.execute(t.settings.insert().values(key=PENDING_PASSPHRASE_KEY,
                                                    value=base64.b64encode(blob).decode("ascii")))

    def pending_passphrase_change(self) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            value = conn.execute(select(t.settings.c.value)
                                 .where(t.settings.c.key == PENDING_PASSPHRASE_KEY)).scalar()
        if value is None:
            return None
        change: dict[str, Any] = open_local(self._local_key, "passphrase-change", self.case_files.user.user_id,
                                            base64.b64decode(value))
        return change

    def clear_pending_passphrase_change(self, sent: dict[str, Any]) -> None:
        """Drop the queued change once the server took it, unless a newer one was queued meanwhile."""
        if self.pending_passphrase_change() == sent:
            with write_transaction(self.engine) as conn:
                conn.execute(delete(t.settings).where(t.settings.c.key == PENDING_PASSPHRASE_KEY))

    # -- public keys of colleagues ---------------------------------------------------------------

    def remember_keys(self, user_id: str, exchange_public: bytes, signing_public: bytes) -> bool:
        """Trust on first use: a user's keys are stored once and never silently replaced (a server that
        swaps a colleague's keys would otherwise read what is shared with "them"). False on a mismatch."""
        with write_transaction(self.engine) as conn:
            row = self.case_files.bookkeeping.known_keys_row(conn, user_id)
            if row is None:
                self.case_files.bookkeeping.insert_known_keys(conn, user_id, exchange_public, signing_public)
                return True
            return bool(row.exchange_public == exchange_public and row.signing_public == signing_public)

    def replace_keys(self, user_id: str, exchange_public: bytes, signing_public: bytes) -> None:
        """A colleague's new keys after a reset, accepted with a notice by the caller (sync/directory.py);
        written by `remember_keys`, so the row is what every other known_keys row is."""
        with write_transaction(self.engine) as conn:
            conn.execute(delete(t.known_keys).where(t.known_keys.c.user_id == user_id))
        self.remember_keys(user_id, exchange_public, signing_public)

    def directory_seen(self) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(select(t.settings.c.key).where(t.settings.c.key == DIRECTORY_SEEN_KEY)).first() \
                is not None

    def note_directory_seen(self) -> None:
        if not self.directory_seen():
            with write_transaction(self.engine) as conn:
                conn.execute(t.settings.insert().values(key=DIRECTORY_SEEN_KEY, value=_now()))

    def known_keys(self, user_id: str) -> tuple[bytes, bytes] | None:
        with self.engine.connect() as conn:
            row = self.case_files.bookkeeping.known_keys_row(conn, user_id)
        return None if row is None else (row.exchange_public, row.signing_public)

    # -- cases known to the server, key grants ------------------------------------------------------

    def local_case_ids(self) -> list[str]:
        with self.engine.connect() as conn:
            return list(conn.execute(select(t.case_index.c.case_id)).scalars())

    def registered(self, case_id: str) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(select(t.sync_cases.c.case_id).where(t.sync_cases.c.case_id == case_id)).first() \
                is not None

    def unregistered_cases(self) -> list[str]:
        """Local cases the server does not know yet: those with a key of our own but no sync_cases row."""
        # One anti-join in SQLite: a sync with nothing new asks this twice, and reading both id lists
        # into Python sets was most of its time on a coordinator's laptop (thousands of cases).
        registered = select(t.sync_cases.c.case_id).where(t.sync_cases.c.case_id == t.case_keys.c.case_id)
        with self.engine.connect() as conn:
            return list(conn.execute(
                select(t.case_keys.c.case_id).distinct()
                .where(t.case_keys.c.recipient_id == self.case_files.user.user_id, ~registered.exists())
                .order_by(t.case_keys.c.case_id)).scalars())

    def mark_registered(self, case_id: str, members: list[str], conn: Connection | None = None) -> None:
        def run(c: Connection) -> None:
            seen = c.execute(select(t.sync_cases.c.key_version_seen).where(t.sync_cases.c.case_id == case_id)).scalar()
            c.execute(delete(t.sync_cases).where(t.sync_cases.c.case_id == case_id))
            c.execute(t.sync_cases.insert().values(case_id=case_id, members=json.dumps(sorted(members)),
                                                   key_version_seen=seen))
        if conn is not None:
            run(conn)
        else:
            with write_transaction(self.engine) as c:
                run(c)

    def start_history(self, conn: Connection, case_id: str, upto: int) -> None:
        """A newly shared case whose history up to pull cursor `upto` is still to fetch (0: nothing to fetch)."""
        if upto > 0:
            conn.execute(update(t.sync_cases).where(t.sync_cases.c.case_id == case_id)
                         .values(history_upto=upto, history_after=0))

    def history_progress(self, conn: Connection, case_id: str, after: int, *, done: bool) -> None:
        values = {"history_upto": None, "history_after": None} if done else {"history_after": after}
        conn.execute(update(t.sync_cases).where(t.sync_cases.c.case_id == case_id).values(**values))

    def unfinished_histories(self) -> list[tuple[str, int, int]]:
        """(case_id, after, upto) of every case whose history fetch was interrupted."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.sync_cases.c.case_id, t.sync_cases.c.history_after,
                                       t.sync_cases.c.history_upto)
                                .where(t.sync_cases.c.history_upto.is_not(None))
                                .order_by(t.sync_cases.c.case_id)).all()
        return [(r.case_id, int(r.history_after or 0), int(r.history_upto)) for r in rows]

    def members(self, case_id: str) -> list[str]:
        with self.engine.connect() as conn:
            raw = conn.execute(select(t.sync_cases.c.members).where(t.sync_cases.c.case_id == case_id)).scalar()
        return [] if raw is None else list(json.loads(raw))

    def key_versions(self, case_id: str) -> list[Row[Any]]:
        """This user's own wrapped keys of a case, every version."""
        with self.engine.connect() as conn:
            rows = list(conn.execute(select(t.case_keys).where(
                t.case_keys.c.case_id == case_id, t.case_keys.c.recipient_id == self.case_files.user.user_id,
            ).order_by(t.case_keys.c.key_version)).all())
        return self.case_files.bookkeeping.checked_case_keys(rows)

    def has_key(self, case_id: str, key_version: int, conn: Connection | None = None) -> bool:
        """Inside a write transaction pass its connection: another one would not see its changes yet."""
        query = select(t.case_keys.c.case_id).where(
            t.case_keys.c.case_id == case_id, t.case_keys.c.key_version == key_version,
            t.case_keys.c.recipient_id == self.case_files.user.user_id)
        if conn is not None:
            return conn.execute(query).first() is not None
        with self.engine.connect() as c:
            return c.execute(query).first() is not None

    def store_own_grant(self, case_id: str, key_version: int, ephemeral_public: bytes, ciphertext: bytes,
                        conn: Connection | None = None) -> None:
        """A key grant for this user, already checked (signature, unwrap) by the caller."""
        def run(c: Connection) -> None:
            exists = c.execute(select(t.case_keys.c.case_id).where(
                t.case_keys.c.case_id == case_id, t.case_keys.c.key_version == key_version,
                t.case_keys.c.recipient_id == self.case_files.user.user_id)).first()
            if exists is None:
                self.case_files.bookkeeping.insert_case_key(c, case_id, key_version, self.case_files.user.user_id,
                                                            ephemeral_public, ciphertext)
        if conn is not None:
            run(conn)
        else:
            with write_transaction(self.engine) as c:
                run(c)
        self.case_files.forget_cached_key(case_id)

    def drop_own_grant(self, conn: Connection, case_id: str, key_version: int) -> None:
        """Forget this user's key of one version (a rotation of ours the server never took)."""
        conn.execute(delete(t.case_keys).where(
            t.case_keys.c.case_id == case_id, t.case_keys.c.key_version == key_version,
            t.case_keys.c.recipient_id == self.case_files.user.user_id))
        self.case_files.forget_cached_key(case_id)

    # -- sharing queued while offline -------------------------------------------------------------

    def queue_member_change(self, case_id: str, action: str, user_id: str, grants: list[dict[str, Any]]) -> None:
        with write_transaction(self.engine) as conn:
            conn.execute(t.pending_members.insert().values(
                case_id=case_id, action=action, user_id=user_id, grants=json.dumps(grants), queued_at=_now()))

    def pending_member_changes(self) -> list[PendingMember]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.pending_members).order_by(t.pending_members.c.id)).all()
        return [PendingMember(r.id, r.case_id, r.action, r.user_id, json.loads(r.grants)) for r in rows]

    def drop_member_change(self, pending_id: int) -> None:
        with write_transaction(self.engine) as conn:
            conn.execute(delete(t.pending_members).where(t.pending_members.c.id == pending_id))

    # -- outbox ----------------------------------------------------------------------------------

    def outgoing(self, limit: int) -> list[Outgoing]:
        return outgoing(self.engine, limit)

    def requeue_lost(self, conn: Connection, high_water: int) -> int:
        """The server was restored to a backup that ends at `high_water`: this user's revisions it
        took after that are queued again (in the order the server first took them), the others'
        forget their sequence number (their authors push them again). Returns how many are queued."""
        lost = conn.execute(select(t.records.c.revision_id, t.records.c.case_id)
                            .where(t.records.c.server_seq > high_water,
                                   t.records.c.author_id == self.case_files.user.user_id)
                            .order_by(t.records.c.server_seq)).all()
        conn.execute(update(t.records).where(t.records.c.server_seq > high_water).values(server_seq=None))
        now = _now()
        if lost:
            conn.execute(t.outbox.insert(), [{"revision_id": r.revision_id, "case_id": r.case_id, "queued_at": now,
                                              "attempts": 0, "state": PENDING} for r in lost])
        return len(lost)

    def forget_registrations(self, conn: Connection, case_ids: list[str]) -> None:
        """Cases the server no longer knows (restored from an older backup): registered again at the
        next step of the sync, from this laptop's keys."""
        for chunk in chunks(case_ids):
            conn.execute(delete(t.sync_cases).where(t.sync_cases.c.case_id.in_(chunk)))

    def registered_case_ids(self) -> list[str]:
        with self.engine.connect() as conn:
            return sorted(conn.execute(select(t.sync_cases.c.case_id)).scalars())

    def pending_count(self) -> int:
        return count(self.engine)

    def local_revisions(self, conn: Connection, record_id: str) -> list[Row[Any]]:
        """Revisions of a record that the server has not accepted (pending or quarantined), oldest first."""
        return list(conn.execute(
            select(t.records, t.outbox.c.state)
            .join(t.outbox, t.outbox.c.revision_id == t.records.c.revision_id)
            .where(t.records.c.record_id == record_id).order_by(t.records.c.revision)
        ).all())

    def drop_revisions(self, conn: Connection, revision_ids: list[str]) -> None:
        """Remove local revisions the server never took (replaced by a merge); their content lives on in it."""
        if revision_ids:
            conn.execute(delete(t.outbox).where(t.outbox.c.revision_id.in_(revision_ids)))
            conn.execute(delete(t.records).where(t.records.c.revision_id.in_(revision_ids)))

    def mark_pushed(self, conn: Connection, pushed: dict[str, int | None]) -> None:
        """Revisions the server took (revision_id -> seq): out of the outbox, seq noted."""
        mark_pushed(conn, pushed)

    def note_attempt(self, revision_ids: list[str]) -> None:
        with write_transaction(self.engine) as conn:
            conn.execute(update(t.outbox).where(t.outbox.c.revision_id.in_(revision_ids))
                         .values(attempts=t.outbox.c.attempts + 1))

    def quarantine(self, conn: Connection, revision_id: str, reason: str) -> None:
        conn.execute(update(t.outbox).where(t.outbox.c.revision_id == revision_id)
                     .values(state=QUARANTINED, last_error=reason[:500]))

    def quarantined(self) -> list[Quarantined]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.outbox).where(t.outbox.c.state == QUARANTINED)
                                .order_by(t.outbox.c.id)).all()
        return [Quarantined(r.revision_id, r.case_id, r.last_error or "", r.queued_at) for r in rows]

    def retry_quarantined(self, revision_id: str) -> None:
        with write_transaction(self.engine) as conn:
            conn.execute(update(t.outbox).where(t.outbox.c.revision_id == revision_id)
                         .values(state=PENDING, last_error=None))

    def discard_quarantined(self, revision_id: str) -> None:
        """Drop a refused revision; the record's previous revision becomes its head again."""
        with self.case_files.sync_transaction() as conn:
            row = conn.execute(select(t.records).join(t.outbox, t.outbox.c.revision_id == t.records.c.revision_id)
                               .where(t.records.c.revision_id == revision_id,
                                      t.outbox.c.state == QUARANTINED)).first()
            if row is None:  # only what the server refused can be discarded
                return
            self.drop_revisions(conn, [revision_id])
            if row.is_head:
                previous = conn.execute(select(t.records.c.revision_id).where(t.records.c.record_id == row.record_id)
                                        .order_by(t.records.c.revision.desc())).first()
                if previous is not None:
                    self.case_files.bookkeeping.promote(conn, previous[0])

    # -- incoming --------------------------------------------------------------------------------

    def revision_exists(self, conn: Connection, revision_id: str) -> bool:
        return conn.execute(select(t.records.c.revision_id).where(t.records.c.revision_id == revision_id)) \
            .first() is not None

    def existing_revisions(self, conn: Connection, revision_ids: list[str]) -> set[str]:
        """Which of these revisions this laptop has (a pulled page asks once, not per revision)."""
        found: set[str] = set()
        for chunk in chunks(revision_ids):
            found.update(conn.execute(select(t.records.c.revision_id)
                                      .where(t.records.c.revision_id.in_(chunk))).scalars())
        return found

    def with_local_revisions(self, conn: Connection, record_ids: list[str]) -> set[str]:
        """Which of these records have revisions the server has not accepted (they need a merge)."""
        found: set[str] = set()
        for chunk in chunks(record_ids):
            found.update(conn.execute(
                select(t.records.c.record_id).distinct()
                .join(t.outbox, t.outbox.c.revision_id == t.records.c.revision_id)
                .where(t.records.c.record_id.in_(chunk))).scalars())
        return found

    def set_seq(self, conn: Connection, revision_id: str, seq: int | None) -> None:
        self.set_seqs(conn, {revision_id: seq})

    def set_seqs(self, conn: Connection, seqs: dict[str, int | None]) -> None:
        set_seqs(conn, seqs)

    def revision_taken(self, conn: Connection, record_id: str, revision: int) -> bool:
        return conn.execute(select(t.records.c.revision_id).where(
            t.records.c.record_id == record_id, t.records.c.revision == revision)).first() is not None

    # -- conflicts -------------------------------------------------------------------------------

    def add_conflict(self, conn: Connection, case_id: str, record_id: str, details: dict[str, Any]) -> None:
        at = _now()
        # The blob is bound to the record id; details hold field values, so they are sealed.
        blob = seal_local(self._local_key, "conflict", record_id, details)
        conn.execute(t.conflicts.insert().values(case_id=case_id, record_id=record_id, blob=blob, at=at))

    def conflicts(self, case_id: str | None = None) -> list[StoredConflict]:
        query = select(t.conflicts).order_by(t.conflicts.c.id)
        if case_id is not None:
            query = query.where(t.conflicts.c.case_id == case_id)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [StoredConflict(r.id, r.case_id, r.record_id, open_local(self._local_key, "conflict", r.record_id,
                                                                          r.blob), r.at) for r in rows]

    def conflict_count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(t.conflicts)).scalar_one())

    def resolve_conflict(self, conflict_id: int) -> None:
        """The user chose (by saving the record as they want it): the conflict is no longer shown."""
        with write_transaction(self.engine) as conn:
            conn.execute(delete(t.conflicts).where(t.conflicts.c.id == conflict_id))

    def update_conflict(self, conflict_id: int, details: dict[str, Any]) -> None:
        """Keep a conflict with fewer fields (the user chose some of them, not all yet)."""
        with write_transaction(self.engine) as conn:
            row = conn.execute(select(t.conflicts.c.record_id).where(t.conflicts.c.id == conflict_id)).first()
            if row is not None:
                blob = seal_local(self._local_key, "conflict", row.record_id, details)
                conn.execute(update(t.conflicts).where(t.conflicts.c.id == conflict_id).values(blob=blob))
