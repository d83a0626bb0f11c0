"""The base of a sync engine: its state for one round, the directory of colleagues (keys trusted on
first use), the key grants it wraps for others, and accepting the grants and members of a case from
the server. Membership changes (sync/membership.py) and incoming pages (sync/incoming.py) build on it;
the round itself is `SyncEngine`'s (sync/engine.py)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Literal

from cryptography.exceptions import InvalidSignature
from sqlalchemy import Connection

from leerrecht_core.crypto.errors import CryptoError
from leerrecht_core.crypto.keys import WrappedKey, public_signing_key, unwrap_case_key, wrap_case_key
from leerrecht_core.crypto.recovery import recovery_grant_key, verify_recovery_grant_tag
from leerrecht_core.i18n import tr
from leerrecht_core.protocol import (
    MAX_CASE_STATES,
    MAX_PULL_LIMIT,
    MAX_PUSH_BATCH,
    RECOVERY_GRANTER,
    RECOVERY_RECIPIENT,
    CaseState,
    CaseStatesRequest,
    CaseStatesResponse,
    DirectoryEntry,
    DirectoryResponse,
    KeyGrant,
    grant_message,
)
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.former_keys import add_former_keys, former_keys
from leerrecht_desktop.store.key_versions import note_seen
from leerrecht_desktop.store.syncstore import SyncStore
from leerrecht_desktop.sync.progress import Cancelled, SyncProgress, SyncReport
from leerrecht_desktop.sync.transport import DeviceRevoked, ServerRefused, SyncError, Transport

log = logging.getLogger("leerrecht_desktop.sync.engine")


class DirectorySync:
    """A sync engine's state for one round, the directory and the key grants (see the module docstring)."""

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

    @property
    def me(self) -> str:
        return self.case_files.user.user_id

    def _page_done(self, phase: Literal["push", "pull", "history"], records: int, nbytes: int,
                   total: int | None = None, *, may_stop: bool = True) -> None:
        """Called right after a page was committed locally: report progress, then honour a cancel."""
        counts = self._counts.setdefault(phase, [0, 0])
        counts[0] += records
        counts[1] += nbytes
        if self._progress is not None:
            self._progress(SyncProgress(phase, counts[0], total, counts[1]))
        if may_stop and self._cancel is not None and self._cancel.is_set():
            raise Cancelled

    # -- directory -------------------------------------------------------------------------------

    def refresh_directory(self, report: SyncReport) -> None:
        directory = self.transport.get("/directory", DirectoryResponse)
        self._directory_fresh = True
        self._directory = {}
        first_directory = not self.store.directory_seen()
        for entry in directory.users:
            if self._accept_keys(entry, report, first_directory):
                self._directory[entry.user_id] = entry
            else:
                report.errors.append(tr(
                    "De server geeft voor een collega andere sleutels dan eerder. Die worden niet gebruikt; "
                    "meld dit aan je coördinator."))
        self.store.note_directory_seen()
        self.case_files.forget_signers()
        state = self.store.state()
        if directory.recovery_public is not None:
            if state.recovery_public is None:
                self.store.set_recovery_public(directory.recovery_public)
            elif state.recovery_public != directory.recovery_public:
                report.errors.append(tr(
                    "De server geeft een andere herstelsleutel dan eerder. Die wordt niet gebruikt; meld dit aan "
                    "je coördinator."))

    def _accept_keys(self, entry: DirectoryEntry, report: SyncReport, first_directory: bool) -> bool:
        """Trust on first use, and again after a reset (docs/threat-model.md, "After a reset"): a user's
        former signing keys are taken when this laptop meets the user (or, for its own user, reads the
        directory for the first time); later, only the key this laptop knew moves to the former ones,
        when the server lists it as former: the new keys are then accepted, with a notice. Anything
        else that differs is refused. Revisions signed before stay verifiable either way."""
        local_key = self.case_files.secrets.local_key
        engine = self.case_files.engine
        former = list(entry.former_signing_public)
        known = self.store.known_keys(entry.user_id)
        current = (entry.exchange_public, entry.signing_public)
        if known is None or (first_directory and entry.user_id == self.me):
            accepted = self.store.remember_keys(entry.user_id, *current)
            if accepted:
                add_former_keys(engine, local_key, entry.user_id, former)
            return accepted
        if known == current:
            return True
        if known[1] not in former or entry.user_id == self.me:
            return False  # our own keys change only on this laptop; another's only as the reset says
        add_former_keys(engine, local_key, entry.user_id, [known[1]])
        self.store.replace_keys(entry.user_id, entry.exchange_public, entry.signing_public)
        report.errors.append(tr(
            "{name} heeft nieuwe sleutels (opnieuw aangemeld na een reset). Wat {name} eerder schreef, blijft "
            "geldig; wat je vanaf nu met {name} deelt, gebruikt de nieuwe sleutels.", name=entry.display_name))
        log.info("a colleague's keys changed with a reset; accepted with a notice")
        return True

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
            if grant.granted_by == RECOVERY_GRANTER:
                if self._recovered_grant_ok(case_id, grant, report):
                    self.store.store_own_grant(case_id, grant.key_version, grant.ephemeral_public, grant.ciphertext,
                                               conn)
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
                self._verify_grant_signature(grant.granted_by, keys[1], grant.signature, message)
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
                self._registered(c, case_state, history_upto)
        else:
            self._registered(conn, case_state, history_upto)

    def _registered(self, conn: Connection, case_state: CaseState, history_upto: int) -> None:
        self.store.mark_registered(case_state.case_id, list(case_state.members), conn)
        self.store.start_history(conn, case_state.case_id, history_upto)
        # The newest key version the server shows: nothing of ours goes out under an older one.
        note_seen(conn, case_state.case_id, case_state.key_version)

    def _recovered_grant_ok(self, case_id: str, grant: KeyGrant, report: SyncReport) -> bool:
        """A grant made by `recover-user` (granted_by RECOVERY_GRANTER): its HMAC tag must verify under
        the key agreed between our exchange key and the recovery public key pinned at enrolment (the
        server can't compute it), and it must unwrap with our key. Else refused, said, used for nothing."""
        recovery_public = self.store.state().recovery_public
        secrets = self.case_files.secrets
        try:
            if recovery_public is None:
                raise CryptoError
            key = recovery_grant_key(secrets.exchange, recovery_public, self.me)
            if not verify_recovery_grant_tag(key, case_id, grant.recipient_id, grant.key_version,
                                             grant.ephemeral_public, grant.ciphertext, grant.signature):
                raise CryptoError
            unwrap_case_key(WrappedKey(grant.ephemeral_public, grant.ciphertext), case_id, grant.key_version,
                            self.me, secrets.exchange)
        except (CryptoError, ValueError):
            report.refused += 1
            report.errors.append(tr("Een herstelde dossiersleutel is niet gemaakt met de herstelsleutel van je "
                                    "organisatie en wordt niet gebruikt. Meld dit aan je coördinator."))
            log.warning("refused a recovered grant whose tag does not verify")
            return False
        return True

    def _verify_grant_signature(self, granter: str, current: bytes, signature: bytes, message: bytes) -> None:
        """InvalidSignature unless the granter's current key or one of their former keys (a grant made
        before their reset) signed `message`."""
        former = former_keys(self.case_files.engine, self.case_files.secrets.local_key, granter)
        for raw in [current, *former]:
            try:
                public_signing_key(raw).verify(signature, message)
                return
            except InvalidSignature:
                continue
        raise InvalidSignature

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
