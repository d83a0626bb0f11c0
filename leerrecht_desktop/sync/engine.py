"""One sync round: directory, case registration, queued sharing, push, pull (DESIGN.md §3).

Order matters: cases are registered (with their key grants) before their records are pushed, sharing
changes (a rotated key) before records sealed under the new key, and the push before the pull, so a
conflict is merged against the server's head while the local edits are still in the outbox.

Every revision that comes from the server is checked before anything is written: the author's
Ed25519 signature (key from the directory, trusted on first use) and the AES-GCM tag, whose associated
data binds record, revision, case, kind, author and key version. A refused revision is reported and
never stored. A pulled page and the cursor move in one local transaction, so an interrupted pull
resumes where it stopped and never skips a revision."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

from cryptography.exceptions import InvalidSignature
from sqlalchemy import Connection, Row

from leerrecht_core.crypto.errors import CryptoError
from leerrecht_core.crypto.keys import WrappedKey, new_case_key, public_signing_key, unwrap_case_key, wrap_case_key
from leerrecht_core.crypto.records import RecordHeader, SealedRecord
from leerrecht_core.i18n import tr
from leerrecht_core.protocol import (
    MAX_CASE_STATES,
    MAX_PULL_LIMIT,
    MAX_PUSH_BATCH,
    RECOVERY_RECIPIENT,
    CaseRegistration,
    CaseState,
    CaseStatesRequest,
    CaseStatesResponse,
    DirectoryEntry,
    DirectoryResponse,
    KeyGrant,
    MemberAdd,
    MemberRemove,
    PassphraseChange,
    PullPage,
    PushRequest,
    PushResponse,
    WireRevision,
    grant_message,
)
from leerrecht_desktop.models.enums import Kind
from leerrecht_desktop.store.casefiles import CaseFiles, VerifiedIncoming
from leerrecht_desktop.store.errors import CaseNotFound
from leerrecht_desktop.store.syncstore import SyncStore
from leerrecht_desktop.sync.coordinators import directory_check_due, share_with_new_coordinators
from leerrecht_desktop.sync.transport import (
    ConflictError,
    DeviceRevoked,
    ServerRefused,
    SyncError,
    Transport,
)

log = logging.getLogger(__name__)
MAX_PUSH_ROUNDS = 10_000


@dataclass
class SyncReport:
    pushed: int = 0
    pulled: int = 0
    conflicts: int = 0  # fields newly found in conflict by this round
    quarantined: int = 0  # revisions the server refused in this round
    refused: int = 0  # incoming revisions that failed their checks and were not stored
    errors: list[str] = field(default_factory=list)
    remaining_conflicts: int = 0  # unresolved, in total
    waiting: int = 0  # still in the outbox (pending)
    cancelled: bool = False  # stopped on request after a page; the next sync resumes there
    server_restored: bool = False  # the server had gone back to an older backup; see recover_from_restore
    requeued: int = 0  # own revisions the restored server had lost, queued and pushed again


@dataclass(frozen=True)
class SyncProgress:
    """Where a sync round is, reported after each page (push batch, pull page, history page).
    `records_total` is known for the push (the outbox) and not for a pull (the server does not say how
    much is waiting); `bytes_done` counts the sealed bytes (nonce, ciphertext, signature) of the phase."""

    phase: Literal["push", "pull", "history"]
    records_done: int
    records_total: int | None
    bytes_done: int


class _Cancelled(Exception):
    """Internal: the caller's cancel event was set; raised only right after a page was committed."""


def _sealed_bytes(revisions: Iterable[WireRevision]) -> int:
    return sum(len(w.nonce) + len(w.ciphertext) + len(w.signature) for w in revisions)


def to_wire(sealed: SealedRecord) -> WireRevision:
    h = sealed.header
    return WireRevision(
        revision_id=h.revision_id, record_id=h.record_id, case_id=h.case_id, kind=h.kind,  # type: ignore[arg-type]
        revision=h.revision, base_revision=h.base_revision, author_id=h.author_id, key_version=h.key_version,
        deleted=h.deleted, nonce=sealed.nonce, ciphertext=sealed.ciphertext, signature=sealed.signature,
    )


def from_wire(w: WireRevision) -> SealedRecord:
    header = RecordHeader(
        record_id=w.record_id, revision_id=w.revision_id, case_id=w.case_id, kind=w.kind, revision=w.revision,
        base_revision=w.base_revision, author_id=w.author_id, key_version=w.key_version, deleted=w.deleted,
    )
    return SealedRecord(header, w.nonce, w.ciphertext, w.signature)


class SyncEngine:
    def __init__(self, case_files: CaseFiles, transport: Transport, *, page_size: int = MAX_PULL_LIMIT,
                 push_batch: int = MAX_PUSH_BATCH):
        self.case_files = case_files
        self.store = SyncStore(case_files)
        self.transport = transport
        self.page_size = page_size
        self.push_batch = min(push_batch, MAX_PUSH_BATCH)
        self._directory: dict[str, DirectoryEntry] = {}
        # Revisions refused in this round: a case's history and the pull page may both carry one,
        # and it is reported once.
        self._refused: set[str] = set()
        # A push this round was refused for a newer server revision: push again after the pull merged it.
        self._push_conflicted = False
        self._directory_fresh = False  # fetched in this round already
        # Set for the duration of one sync_once (progress reporting and cancelling between pages).
        self._progress: Callable[[SyncProgress], None] | None = None
        self._cancel: threading.Event | None = None
        self._counts: dict[str, list[int]] = {}  # phase -> [records_done, bytes_done]

    @classmethod
    def for_case_files(cls, case_files: CaseFiles, *, ca_file: str | None = None, **kw: Any) -> SyncEngine:
        state = SyncStore(case_files).state()
        transport = Transport(state.server_url, token=state.device_token, pinned_sha256=state.pinned_sha256,
                              ca_file=ca_file)
        return cls(case_files, transport, **kw)

    @property
    def me(self) -> str:
        return self.case_files.user.user_id

    # -- the round -------------------------------------------------------------------------------

    def sync_once(self, progress: Callable[[SyncProgress], None] | None = None,
                  cancel: threading.Event | None = None) -> SyncReport:
        """One round. `progress` is called after each page; when `cancel` is set the round stops
        cleanly right after the page being applied (push batch or pull page; a case's history is
        fetched whole first, so its registration never outruns it) and the report says `cancelled`.
        Every page moves the cursor / clears the outbox in its own transaction, so the next round
        resumes there: nothing skipped, nothing twice."""
        report = SyncReport()
        self._refused.clear()
        self._directory_fresh = False
        self._progress, self._cancel, self._counts = progress, cancel, {}
        try:
            self.send_passphrase_change(report)
            # The directory is fetched only when something needs it (cases to register, sharing to send,
            # an author not known yet, the hourly check for coordinators who enrolled since), so a sync
            # with nothing new is one round trip: the pull.
            coordinator_check = directory_check_due(self)
            if self.store.unregistered_cases() or self.store.pending_member_changes() or coordinator_check:
                self.refresh_directory(report)
            if coordinator_check:
                share_with_new_coordinators(self, report)
            self.register_cases(report)
            self.send_member_changes(report)
            self._push_conflicted = False
            self.push(report)
            self.pull(report)
            if self._push_conflicted:
                # The pull merged the refused revisions with every server revision in order; send the result.
                self.push(report)
        except _Cancelled:
            report.cancelled = True
        except DeviceRevoked:
            self.wipe()
            raise
        finally:
            self._progress, self._cancel = None, None
        if not report.cancelled:
            self.store.mark_success()
        report.remaining_conflicts = self.store.conflict_count()
        report.waiting = self.store.pending_count()
        return report

    def _page_done(self, phase: Literal["push", "pull", "history"], records: int, nbytes: int,
                   total: int | None = None, *, may_stop: bool = True) -> None:
        """Called right after a page was committed locally: report progress, then honour a cancel."""
        counts = self._counts.setdefault(phase, [0, 0])
        counts[0] += records
        counts[1] += nbytes
        if self._progress is not None:
            self._progress(SyncProgress(phase, counts[0], total, counts[1]))
        if may_stop and self._cancel is not None and self._cancel.is_set():
            raise _Cancelled

    def wipe(self) -> None:
        """A revoked device: erase every case, forget the enrolment, drop the keys."""
        case_ids = set(self.store.local_case_ids()) | set(self._all_key_cases())
        with self.case_files.batch():
            for case_id in case_ids:
                self.case_files.erase_case(case_id)
        self.case_files.checkpoint()
        self.store.clear()
        self.case_files.lock()

    def _all_key_cases(self) -> Iterable[str]:
        from sqlalchemy import select

        from leerrecht_desktop.store import tables as t
        with self.case_files.engine.connect() as conn:
            return set(conn.execute(select(t.case_keys.c.case_id)).scalars())

    # -- passphrase change -------------------------------------------------------------------------

    def send_passphrase_change(self, report: SyncReport) -> bool:
        """Send a local passphrase change queued by account.push_passphrase_change (new Argon2id
        parameters, authentication key and wrap), so a further laptop logs in with the new passphrase.
        True when nothing is left waiting. Unreachable propagates (it stays queued, like the outbox)."""
        pending = self.store.pending_passphrase_change()
        if pending is None:
            return True
        try:
            self.transport.post_empty("/account/passphrase", PassphraseChange.model_validate(pending))
        except ServerRefused as exc:
            if isinstance(exc, DeviceRevoked):
                raise
            report.errors.append(tr("De server nam je nieuwe wachtwoordzin niet aan; ze wordt bij de volgende "
                                    "synchronisatie opnieuw gestuurd.") + " " + str(exc))
            return False
        self.store.clear_pending_passphrase_change(pending)
        return True

    # -- directory -------------------------------------------------------------------------------

    def refresh_directory(self, report: SyncReport) -> None:
        directory = self.transport.get("/directory", DirectoryResponse)
        self._directory_fresh = True
        self._directory = {}
        for entry in directory.users:
            if self.store.remember_keys(entry.user_id, entry.exchange_public, entry.signing_public):
                self._directory[entry.user_id] = entry
            else:
                report.errors.append(tr(
                    "De server geeft voor een collega andere sleutels dan eerder. Die worden niet gebruikt; "
                    "meld dit aan je coördinator."))
        self.case_files.forget_signers()
        state = self.store.state()
        if directory.recovery_public is not None:
            if state.recovery_public is None:
                self.store.set_recovery_public(directory.recovery_public)
            elif state.recovery_public != directory.recovery_public:
                report.errors.append(tr(
                    "De server geeft een andere herstelsleutel dan eerder. Die wordt niet gebruikt; meld dit aan "
                    "je coördinator."))

    def _exchange_public(self, user_id: str) -> bytes | None:
        keys = self.store.known_keys(user_id)
        if keys is None and not self._directory_fresh:
            # A colleague not met yet: ask the directory when online; offline, the caller says so.
            try:
                self.refresh_directory(SyncReport())
            except SyncError:
                return None
            keys = self.store.known_keys(user_id)
        return None if keys is None else keys[0]

    def directory_entries(self) -> list[DirectoryEntry]:
        """The directory as last fetched in this round (empty when it was not needed)."""
        return list(self._directory.values())

    def colleagues(self) -> list[DirectoryEntry]:
        """The team as the server lists it (names and roles for a "share with" choice), when online."""
        self.refresh_directory(SyncReport())
        return sorted(self._directory.values(), key=lambda e: e.display_name.casefold())

    # -- key grants ------------------------------------------------------------------------------

    def _grant(self, case_id: str, key_version: int, recipient_id: str, wrapped: WrappedKey) -> KeyGrant:
        message = grant_message(case_id, recipient_id, key_version, wrapped.ephemeral_public, wrapped.ciphertext)
        return KeyGrant(recipient_id=recipient_id, key_version=key_version,
                        ephemeral_public=wrapped.ephemeral_public, ciphertext=wrapped.ciphertext,
                        granted_by=self.me, signature=self.case_files.secrets.signing.sign(message))

    def _grants_for(self, case_id: str, recipients: dict[str, bytes]) -> list[KeyGrant]:
        """Every key version this user holds of a case, wrapped for each recipient (id -> X25519 public)."""
        grants: list[KeyGrant] = []
        for row in self.store.key_versions(case_id):
            version, key = self.case_files.case_key(case_id, row.key_version)
            for recipient_id, public in recipients.items():
                if recipient_id == self.me:
                    wrapped = WrappedKey(row.ephemeral_public, row.ciphertext)
                else:
                    wrapped = wrap_case_key(key, case_id, version, recipient_id, public)
                grants.append(self._grant(case_id, version, recipient_id, wrapped))
        return grants

    def _default_recipients(self) -> dict[str, bytes]:
        """Self, the coordinators of this user's team, the organisation's recovery key."""
        state = self.store.state()
        recipients = {self.me: self.case_files.secrets.exchange_public}
        for entry in self._directory.values():
            if entry.role == "coordinator" and entry.team_id == state.team_id:
                recipients[entry.user_id] = entry.exchange_public
        if state.recovery_public is not None:
            recipients[RECOVERY_RECIPIENT] = state.recovery_public
        return recipients

    def accept_case_state(self, case_state: CaseState, report: SyncReport, conn: Connection | None = None,
                          *, history_upto: int = 0) -> None:
        """Store the caller's own grants of a case after checking them: signed by a known colleague over
        exactly these bytes, and unwrapping with this user's key. With `history_upto`, the case is newly
        shared and its history up to that pull cursor is still to fetch (noted in the same transaction
        as the registration, so an interruption can't leave it registered without its history)."""
        case_id = case_state.case_id
        secrets = self.case_files.secrets
        for grant in case_state.grants:
            if grant.recipient_id != self.me:
                continue
            if self.store.has_key(case_id, grant.key_version, conn):
                continue
            keys = self.store.known_keys(grant.granted_by)
            if keys is None and not self._directory_fresh:
                self.refresh_directory(report)  # a colleague not seen before
                keys = self.store.known_keys(grant.granted_by)
            try:
                if keys is None:
                    raise CryptoError
                message = grant_message(case_id, grant.recipient_id, grant.key_version, grant.ephemeral_public,
                                        grant.ciphertext)
                public_signing_key(keys[1]).verify(grant.signature, message)
                unwrap_case_key(WrappedKey(grant.ephemeral_public, grant.ciphertext), case_id, grant.key_version,
                                self.me, secrets.exchange)
            except (CryptoError, InvalidSignature, ValueError):
                report.refused += 1
                report.errors.append(tr("Een dossiersleutel van de server is niet echt of niet voor jou bestemd "
                                        "en wordt niet gebruikt. Meld dit aan je coördinator."))
                continue
            self.store.store_own_grant(case_id, grant.key_version, grant.ephemeral_public, grant.ciphertext, conn)
        if case_state.registered_seq is not None and case_state.registered_seq >= history_upto:
            history_upto = 0  # registered after the cursor: all its revisions come with the pull
        if conn is None:
            with self.case_files.sync_transaction() as c:
                self.store.mark_registered(case_id, list(case_state.members), c)
                self.store.start_history(c, case_id, history_upto)
        else:
            self.store.mark_registered(case_id, list(case_state.members), conn)
            self.store.start_history(conn, case_id, history_upto)

    def fetch_cases(self, case_ids: list[str], report: SyncReport, *, history_upto: int = 0) -> None:
        """The states of many cases, a few round trips in all; each accepted in one transaction per request."""
        for i in range(0, len(case_ids), MAX_CASE_STATES):
            wanted = case_ids[i:i + MAX_CASE_STATES]
            try:
                answer = self.transport.post("/case-states", CaseStatesRequest(case_ids=wanted), CaseStatesResponse)
            except ServerRefused as exc:
                if isinstance(exc, DeviceRevoked):
                    raise
                report.errors.append(str(exc))
                continue
            asked = set(wanted)
            with self.case_files.sync_transaction() as conn:
                for state in answer.cases:
                    if state.case_id not in asked:
                        report.errors.append(tr("De server gaf een ander dossier dan gevraagd; het wordt genegeerd."))
                        continue
                    self.accept_case_state(state, report, conn, history_upto=history_upto)

    def fetch_case(self, case_id: str, report: SyncReport) -> bool:
        try:
            state = self.transport.get(f"/cases/{case_id}", CaseState)
        except ServerRefused as exc:
            if isinstance(exc, DeviceRevoked):
                raise
            report.errors.append(str(exc))
            return False
        if state.case_id != case_id:
            report.errors.append(tr("De server gaf een ander dossier dan gevraagd; het wordt genegeerd."))
            return False
        self.accept_case_state(state, report)
        return True

    # -- registration and sharing ----------------------------------------------------------------

    def register_cases(self, report: SyncReport) -> None:
        case_ids = self.store.unregistered_cases()
        if not case_ids:
            return
        recipients = self._default_recipients()
        for case_id in case_ids:
            registration = CaseRegistration(case_id=case_id, grants=self._grants_for(case_id, recipients))
            try:
                state = self.transport.post("/cases", registration, CaseState)
            except ConflictError:
                # Registered before, but the answer was lost: the server's view is the truth.
                self.fetch_case(case_id, report)
                continue
            except ServerRefused as exc:
                if isinstance(exc, DeviceRevoked):
                    raise
                report.errors.append(str(exc))
                continue
            self.store.mark_registered(case_id, list(state.members))

    def share_case(self, case_id: str, user_id: str) -> None:
        """Give a colleague every key version of a case. Works offline: queued, sent at the next sync."""
        public = self._exchange_public(user_id)
        if public is None:
            raise SyncError(tr("Deze collega is nog niet bekend op deze laptop. Synchroniseer eerst."))
        grants = self._grants_for(case_id, {user_id: public})
        if not grants:
            raise CaseNotFound(tr("Je hebt geen sleutel voor dit dossier. Vraag je coördinator om toegang."))
        self.store.queue_member_change(case_id, "add", user_id, [g.model_dump(mode="json") for g in grants])

    def unshare_case(self, case_id: str, user_id: str) -> None:
        """Remove a colleague: a new key version for everyone who stays (and the recovery key); what is
        saved from now on uses it. Works offline: queued, sent at the next sync before any push."""
        versions = [row.key_version for row in self.store.key_versions(case_id)]
        if not versions:
            raise CaseNotFound(tr("Je hebt geen sleutel voor dit dossier. Vraag je coördinator om toegang."))
        remaining = [m for m in self.store.members(case_id) if m != user_id]
        if self.me not in remaining:
            remaining.append(self.me)
        recipients: dict[str, bytes] = {}
        for member in remaining:
            public = self.case_files.secrets.exchange_public if member == self.me else self._exchange_public(member)
            if public is None:
                raise SyncError(tr("Niet alle collega's van dit dossier zijn bekend op deze laptop. "
                                   "Synchroniseer eerst."))
            recipients[member] = public
        state = self.store.state()
        if state.recovery_public is not None:
            recipients[RECOVERY_RECIPIENT] = state.recovery_public
        version, key = max(versions) + 1, new_case_key()
        grants = [self._grant(case_id, version, rid, wrap_case_key(key, case_id, version, rid, public))
                  for rid, public in recipients.items()]
        own = next(g for g in grants if g.recipient_id == self.me)
        with self.case_files.sync_transaction() as conn:
            self.store.store_own_grant(case_id, version, own.ephemeral_public, own.ciphertext, conn)
            self.store.mark_registered(case_id, remaining, conn)
        self.store.queue_member_change(case_id, "remove", user_id, [g.model_dump(mode="json") for g in grants])

    def send_member_changes(self, report: SyncReport, *, again: bool = True) -> None:
        redo = False
        for change in self.store.pending_member_changes():
            grants = [KeyGrant.model_validate(g) for g in change.grants]
            state: CaseState | None
            refusal = ""
            try:
                if change.action == "add":
                    state = self.transport.post(f"/cases/{change.case_id}/members",
                                                MemberAdd(user_id=change.user_id, grants=grants), CaseState)
                else:
                    state = self.transport.post(f"/cases/{change.case_id}/members/remove",
                                                MemberRemove(user_id=change.user_id, grants=grants), CaseState)
            except ServerRefused as exc:
                if isinstance(exc, DeviceRevoked):
                    raise
                state = None
                if change.action == "remove" and exc.code == "bad_request":
                    state = self._retry_removal(change.case_id, change.user_id, grants, report)
                if state is None:
                    refusal = str(exc)
            if change.action == "remove":
                rotated = max(g.key_version for g in grants)
                outcome = self._reconcile_rotation(change.case_id, change.user_id, rotated, state, report)
                redo |= outcome == "redo"
                if outcome == "lost" and refusal:
                    report.errors.append(refusal)
            elif state is not None:
                self.store.mark_registered(change.case_id, list(state.members))
            else:
                report.errors.append(refusal)
            self.store.drop_member_change(change.pending_id)
        if redo and again:
            self.send_member_changes(report, again=False)

    def _reconcile_rotation(self, case_id: str, user_id: str, version: int, state: CaseState | None,
                            report: SyncReport) -> Literal["done", "redo", "lost"]:
        """After a removal was sent: did the server take *our* key of `version`? If another rotation
        won (the server holds a different key under that number, or refused ours for good), drop
        ours, take the server's keys, seal what we wrote since under the newest key, and (if the
        colleague is still a member) rotate again on top of the server's key. "done": the colleague
        is off the case; "redo": a new removal is queued; "lost": the case is out of reach."""
        if state is None:
            try:
                state = self.transport.get(f"/cases/{case_id}", CaseState)
            except ServerRefused as exc:
                if isinstance(exc, DeviceRevoked):
                    raise
                return "lost"  # not ours any more: the pull's removal event erases the case
        ours = next((r for r in self.store.key_versions(case_id) if r.key_version == version), None)
        theirs = next((g for g in state.grants if g.recipient_id == self.me and g.key_version == version), None)
        if ours is not None and theirs is not None and \
                (theirs.ephemeral_public, theirs.ciphertext) == (ours.ephemeral_public, ours.ciphertext):
            self.store.mark_registered(case_id, list(state.members))
            return "done"
        old_key = self.case_files.case_key(case_id, version)[1] if ours is not None else None
        with self.case_files.sync_transaction() as conn:
            self.store.drop_own_grant(conn, case_id, version)
            self.accept_case_state(state, report, conn)
        redo = user_id in state.members
        if redo:
            self.unshare_case(case_id, user_id)  # a new rotation on top of the server's newest key
        if old_key is not None:
            newest = max(r.key_version for r in self.store.key_versions(case_id))
            with self.case_files.sync_transaction() as conn:
                self.case_files.reseal_unsent(conn, case_id, version, old_key, newest)
        log.info("a key rotation lost to another; redone on the server's key")
        return "redo" if redo else "done"

    def _retry_removal(self, case_id: str, user_id: str, grants: list[KeyGrant],
                       report: SyncReport) -> CaseState | None:
        """A removal queued offline names the members as they were; if others were added meanwhile the
        server wants the rotated key for them too. Wrap the same new key for today's members, once."""
        try:
            current = self.transport.get(f"/cases/{case_id}", CaseState)
        except ServerRefused as exc:
            if isinstance(exc, DeviceRevoked):
                raise
            return None
        version = max(g.key_version for g in grants)
        if current.key_version != version - 1:
            return None  # someone else rotated meanwhile: this key can't be the next one
        self.refresh_directory(report)
        recipients: dict[str, bytes] = {}
        for member in current.members:
            if member == user_id:
                continue
            public = self.case_files.secrets.exchange_public if member == self.me else self._exchange_public(member)
            if public is None:
                return None
            recipients[member] = public
        recovery = self.store.state().recovery_public
        if recovery is not None:
            recipients[RECOVERY_RECIPIENT] = recovery
        _, key = self.case_files.case_key(case_id, version)
        fresh = [self._grant(case_id, version, rid, wrap_case_key(key, case_id, version, rid, public))
                 for rid, public in recipients.items()]
        try:
            return self.transport.post(f"/cases/{case_id}/members/remove",
                                       MemberRemove(user_id=user_id, grants=fresh), CaseState)
        except ServerRefused as exc:
            if isinstance(exc, DeviceRevoked):
                raise
            return None

    # -- push ------------------------------------------------------------------------------------

    def push(self, report: SyncReport) -> None:
        tried: set[str] = set()
        # Tried this round and still pending (a conflict, or no answer): the outbox query must reach
        # past them. Accepted and refused ones leave the pending outbox, so they don't count; counting
        # them made a first push of a large outbox quadratic.
        still_pending: set[str] = set()
        total = self.store.pending_count() if self._progress is not None else None
        for _ in range(MAX_PUSH_ROUNDS):
            candidates = [o for o in self.store.outgoing(self.push_batch + len(still_pending))
                          if o.sealed.header.revision_id not in tried]
            # One lookup per case, not per revision (a batch holds many revisions of few cases).
            registered = {c for c in {o.sealed.header.case_id for o in candidates} if self.store.registered(c)}
            outgoing = [o for o in candidates if o.sealed.header.case_id in registered]
            outgoing = outgoing[: self.push_batch]
            if not outgoing:
                return
            ids = [o.sealed.header.revision_id for o in outgoing]
            self.store.note_attempt(ids)
            response = self.transport.post("/push", PushRequest(revisions=[to_wire(o.sealed) for o in outgoing]),
                                           PushResponse)
            by_id = {o.sealed.header.revision_id: o for o in outgoing}
            gone: set[str] = set()
            with self.case_files.sync_transaction() as conn:
                taken: dict[str, int | None] = {}
                for result in response.results:
                    item = by_id.get(result.revision_id)
                    if item is None or result.revision_id in tried:
                        continue
                    tried.add(result.revision_id)
                    if result.status in ("accepted", "duplicate"):
                        taken[result.revision_id] = result.seq
                        report.pushed += 1
                    elif result.status == "rejected":
                        self.store.quarantine(conn, result.revision_id, result.reason or "rejected")
                        report.quarantined += 1
                        gone.add(result.revision_id)
                    else:
                        # Not merged here: against the server's head alone, a field the server changed and
                        # changed back in between would look untouched and a stale local value would win
                        # silently. The pull that follows brings every revision in order and merges each
                        # in turn (_merge); the merged revision is pushed after it.
                        self._push_conflicted = True
                self.store.mark_pushed(conn, taken)
            # Anything the server did not answer for stays queued for the next round.
            tried.update(ids)
            still_pending.update(i for i in ids if i not in taken and i not in gone)
            self._page_done("push", len(outgoing), sum(len(o.sealed.nonce) + len(o.sealed.ciphertext)
                                                       + len(o.sealed.signature) for o in outgoing), total)

    def _merge(self, conn: Connection, theirs: SealedRecord, theirs_payload: dict[str, Any] | None,
               seq: int | None, local: list[Row[Any]], report: SyncReport) -> None:
        """The server holds `theirs`, this laptop has unsent revisions of the same record: merge the
        newest local content with theirs against the revision the first local edit was based on, keep
        theirs as the base of a new local revision, and record the fields in conflict."""
        from leerrecht_desktop.sync.merge import merge_deleted

        h = theirs.header
        first, last = local[0], local[-1]
        if first.case_id != h.case_id or first.kind != h.kind:
            report.refused += 1
            report.errors.append(tr("Een deel van een dossier hoort volgens de server bij een ander dossier; het "
                                    "wordt niet overgenomen."))
            return
        base: dict[str, Any] | None = None
        if first.base_revision is not None:
            base_row = self._revision_row(conn, h.record_id, first.base_revision)
            if base_row is not None:
                base = self.case_files.open_revision(conn, base_row.revision_id)[1]
        mine = None if last.deleted else self.case_files.open_revision(conn, last.revision_id)[1]
        self.store.drop_revisions(conn, [row.revision_id for row in local])
        self._store_incoming(conn, theirs, theirs_payload, seq, report)
        deleted, result = merge_deleted(base, bool(last.deleted), mine, h.deleted, theirs_payload)
        kind = Kind(h.kind)
        if deleted:
            if not h.deleted:
                self.case_files.write_revision(conn, h.case_id, h.record_id, kind, {}, deleted=True)
        elif result is not None and (h.deleted or result.merged != theirs_payload):
            self.case_files.write_revision(conn, h.case_id, h.record_id, kind, result.merged)
        if result is not None and result.conflicts:
            self.store.add_conflict(conn, h.case_id, h.record_id, {
                "kind": h.kind, "server_revision": h.revision,
                "conflicts": [c.to_dict() for c in result.conflicts],
            })
            report.conflicts += len(result.conflicts)

    @staticmethod
    def _revision_row(conn: Connection, record_id: str, revision: int) -> Row[Any] | None:
        from sqlalchemy import select

        from leerrecht_desktop.store import tables as t
        return conn.execute(select(t.records).where(t.records.c.record_id == record_id,
                                                    t.records.c.revision == revision)).first()

    def _store_incoming(self, conn: Connection, sealed: SealedRecord, payload: dict[str, Any] | None,
                        seq: int | None, report: SyncReport) -> bool:
        h = sealed.header
        if self.store.revision_exists(conn, h.revision_id):
            self.store.set_seq(conn, h.revision_id, seq)
            return False
        head = self.case_files.head_row(conn, h.record_id)
        if head is not None and (head.case_id != h.case_id or head.kind != h.kind):
            report.refused += 1
            report.errors.append(tr("Een deel van een dossier hoort volgens de server bij een ander dossier; het "
                                    "wordt niet overgenomen."))
            return False
        if head is None or head.revision < h.revision:
            self.case_files.store_verified(conn, sealed, payload, seq, head=True)
        elif not self.store.revision_taken(conn, h.record_id, h.revision):
            self.case_files.store_verified(conn, sealed, payload, seq, head=False)  # older history
        else:
            report.refused += 1
            report.errors.append(tr("De server stuurde een tweede, andere versie {revision} van een deel van een "
                                    "dossier; die wordt niet overgenomen.", revision=h.revision))
            return False
        report.pulled += 1
        return True

    # -- pull ------------------------------------------------------------------------------------

    def pull(self, report: SyncReport) -> None:
        self.resume_histories(report)
        cursor = self.store.state().cursor
        # The next page is fetched while this one is checked and stored: the server's time and the
        # laptop's overlap. Only one request is ever in flight (the rest of the loop makes none while
        # a prefetch runs), and a failed prefetch raises here, after the page before it was kept.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync-prefetch") as prefetch:
            self._pull_pages(report, cursor, prefetch)

    def _fetch_page(self, after: int) -> PullPage:
        return self.transport.get("/pull", PullPage, params={"after": after, "limit": self.page_size})

    def _pull_pages(self, report: SyncReport, cursor: int, prefetch: ThreadPoolExecutor) -> None:
        ahead: tuple[int, Future[PullPage]] | None = None
        while True:
            page = ahead[1].result() if ahead is not None and ahead[0] == cursor else self._fetch_page(cursor)
            ahead = None
            if page.high_water is not None and page.high_water < cursor:
                cursor = self.recover_from_restore(page.high_water, report)
                continue
            final: dict[str, str] = {}
            for event in sorted(page.memberships, key=lambda e: e.seq):
                if event.user_id == self.me:
                    final[event.case_id] = event.action
            added = [c for c, action in final.items() if action == "added" and not self.store.registered(c)]
            if added:
                self.fetch_cases(added, report, history_upto=cursor)
                self.resume_histories(report)
            self._fetch_missing_keys(page.revisions, report)
            if page.more and page.next_cursor > cursor:
                ahead = (page.next_cursor, prefetch.submit(self._fetch_page, page.next_cursor))
            with self.case_files.sync_transaction() as conn:
                self.apply_page(conn, page.revisions, report)
                for case_id, action in final.items():
                    if action == "removed":
                        self.case_files.erase_case(case_id)
                self.store.set_cursor(conn, page.next_cursor)
            if any(action == "removed" for action in final.values()):
                self.case_files.checkpoint()
            self._page_done("pull", len(page.revisions), _sealed_bytes(page.revisions),
                            may_stop=page.more and page.next_cursor > cursor)
            if not page.more or page.next_cursor <= cursor:
                return
            cursor = page.next_cursor

    def recover_from_restore(self, high_water: int, report: SyncReport) -> int:
        """The server went back in time (restored from a backup): give it back what it lost of ours.
        Our revisions after its high-water mark are queued again, cases it no longer knows registered
        again, and the cursor set back to its high-water mark, so what others push again (with new
        numbers) reaches us. Returns the new cursor."""
        log.warning("the server was restored to an older backup; pushing what it lost")
        lost_cases: list[str] = []
        registered = self.store.registered_case_ids()
        for i in range(0, len(registered), MAX_CASE_STATES):
            wanted = registered[i:i + MAX_CASE_STATES]
            answer = self.transport.post("/case-states", CaseStatesRequest(case_ids=wanted), CaseStatesResponse)
            known = {state.case_id for state in answer.cases}
            lost_cases.extend(c for c in wanted if c not in known)
        with self.case_files.sync_transaction() as conn:
            report.requeued += self.store.requeue_lost(conn, high_water)
            self.store.forget_registrations(conn, lost_cases)
            self.store.set_cursor(conn, high_water)
        report.server_restored = True
        if lost_cases:
            self.refresh_directory(report)
        self.register_cases(report)
        self.push(report)
        return high_water

    def resume_histories(self, report: SyncReport) -> None:
        """Fetch the history of every newly shared case that still lacks it, from where it got to."""
        for case_id, after, upto in self.store.unfinished_histories():
            self.fetch_history(case_id, report, after=after, upto=upto)

    def fetch_history(self, case_id: str, report: SyncReport, *, after: int, upto: int) -> None:
        """A case newly shared with this user: its history up to the pull cursor `upto` of the moment
        it was shared, page by page, each page and the progress marker in one transaction. What came
        after that cursor arrives with the pull itself (the server serves a member's cases whole from
        the cursor on), so a fresh laptop fetches no history twice; a cut connection resumes here."""
        while True:
            page = self.transport.get(f"/cases/{case_id}/history", PullPage,
                                      params={"after": after, "limit": self.page_size})
            revisions = [w for w in page.revisions if w.seq is not None and w.seq <= upto]
            done = not page.more or page.next_cursor <= after or page.next_cursor >= upto
            self._fetch_missing_keys(revisions, report)
            with self.case_files.sync_transaction() as conn:
                ours = [w for w in revisions if w.case_id == case_id]
                if len(ours) < len(revisions):
                    report.refused += len(revisions) - len(ours)
                    report.errors.append(tr("De server gaf een deel van een ander dossier mee; het wordt "
                                            "niet overgenomen."))
                self.apply_page(conn, ours, report)
                self.store.history_progress(conn, case_id, page.next_cursor, done=done)
            self._page_done("history", len(revisions), _sealed_bytes(revisions))
            if done:
                return
            after = page.next_cursor

    def _fetch_missing_keys(self, revisions: list[WireRevision], report: SyncReport) -> None:
        # One lookup per distinct author (a page holds many revisions of few authors).
        missing_authors = {a for a in {w.author_id for w in revisions} if self.store.known_keys(a) is None}
        if missing_authors and not self._directory_fresh:
            self.refresh_directory(report)
        needed = {(w.case_id, w.key_version) for w in revisions}
        missing = sorted({c for c, v in needed if not self.store.has_key(c, v)})
        if missing:
            self.fetch_cases(missing, report)

    def apply_page(self, conn: Connection, wires: list[WireRevision], report: SyncReport) -> None:
        """Apply incoming revisions in order. Most are new revisions of records with no unsent local
        edit: those are checked one by one and stored together (a handful of statements per page, not
        several per revision); a record with local edits goes through apply_incoming and its merge."""
        existing = self.store.existing_revisions(conn, [w.revision_id for w in wires])
        self.store.set_seqs(conn, {w.revision_id: w.seq for w in wires if w.revision_id in existing})
        fresh: list[WireRevision] = []
        seen: set[str] = set()
        for w in wires:
            if w.revision_id not in existing and w.revision_id not in self._refused and w.revision_id not in seen:
                seen.add(w.revision_id)
                fresh.append(w)
        record_ids = sorted({w.record_id for w in fresh})
        with_local = self.store.with_local_revisions(conn, record_ids)
        heads: dict[str, tuple[str, str, int, str]] = {  # record -> (case, kind, revision, revision_id)
            rid: (r.case_id, r.kind, r.revision, r.revision_id)
            for rid, r in self.case_files.head_rows(conn, record_ids).items()}
        batch: list[VerifiedIncoming] = []
        in_batch: dict[str, VerifiedIncoming] = {}  # revision_id -> item
        taken: set[tuple[str, int]] = set()
        demote: list[str] = []

        def flush() -> None:
            self.case_files.store_verified_many(conn, batch, demote)
            batch.clear()
            in_batch.clear()
            demote.clear()

        for w in fresh:
            if w.record_id in with_local:
                flush()
                self.apply_incoming(conn, w, report)
                head = self.case_files.head_row(conn, w.record_id)
                if head is not None:
                    heads[w.record_id] = (head.case_id, head.kind, head.revision, head.revision_id)
                continue
            sealed = from_wire(w)
            verified, payload = self._verify(conn, sealed, report)
            if not verified:
                continue
            current = heads.get(w.record_id)
            if current is not None and (current[0] != w.case_id or current[1] != w.kind):
                report.refused += 1
                report.errors.append(tr("Een deel van een dossier hoort volgens de server bij een ander dossier; "
                                        "het wordt niet overgenomen."))
                continue
            if current is None or current[2] < w.revision:
                if current is not None:
                    replaced = in_batch.get(current[3])
                    if replaced is not None:
                        replaced.head = False
                    else:
                        demote.append(current[3])
                item = VerifiedIncoming(sealed, payload, w.seq, head=True, summarise=True)
                heads[w.record_id] = (w.case_id, w.kind, w.revision, w.revision_id)
            elif (w.record_id, w.revision) not in taken and not self.store.revision_taken(conn, w.record_id,
                                                                                            w.revision):
                item = VerifiedIncoming(sealed, payload, w.seq, head=False, summarise=False)  # older history
            else:
                report.refused += 1
                report.errors.append(tr("De server stuurde een tweede, andere versie {revision} van een deel van een "
                                        "dossier; die wordt niet overgenomen.", revision=w.revision))
                continue
            taken.add((w.record_id, w.revision))
            batch.append(item)
            in_batch[w.revision_id] = item
            report.pulled += 1
        flush()

    def _verify(self, conn: Connection, sealed: SealedRecord,
                report: SyncReport) -> tuple[bool, dict[str, Any] | None]:
        """(True, payload) for a revision that passes its checks (payload None: a tombstone); a refused
        one is counted, said, and remembered for the rest of the round."""
        try:
            return True, self.case_files.verify_incoming(conn, sealed)
        except (CryptoError, CaseNotFound) as exc:
            self._refused.add(sealed.header.revision_id)
            report.refused += 1
            report.errors.append(str(exc))
            log.warning("refused an incoming revision (%s)", type(exc).__name__)
            return False, None

    def apply_incoming(self, conn: Connection, wire: WireRevision, report: SyncReport) -> None:
        sealed = from_wire(wire)
        if self.store.revision_exists(conn, wire.revision_id):
            self.store.set_seq(conn, wire.revision_id, wire.seq)  # our own revision, or one pulled before
            return
        if wire.revision_id in self._refused:
            return
        verified, payload = self._verify(conn, sealed, report)
        if not verified:
            return
        local = self.store.local_revisions(conn, wire.record_id)
        if local and wire.revision >= local[0].revision:
            self._merge(conn, sealed, payload, wire.seq, local, report)
        else:
            self._store_incoming(conn, sealed, payload, wire.seq, report)
