"""Registering cases with the server and sharing them: a colleague added (every key version wrapped
for them) or removed (a new key version for everyone who stays), queued offline and sent at the next
sync, with the reconciliation when another laptop's key rotation won."""

from __future__ import annotations

import logging
from typing import Literal

from leerrecht_core.crypto.keys import new_case_key, wrap_case_key
from leerrecht_core.i18n import tr
from leerrecht_core.protocol import (
    MAX_CASE_REGISTRATIONS,
    RECOVERY_RECIPIENT,
    CaseRegistration,
    CaseRegistrations,
    CaseRegistrationsResponse,
    CaseState,
    KeyGrant,
    MemberAdd,
    MemberRemove,
)
from leerrecht_desktop.store.errors import CaseNotFound
from leerrecht_desktop.sync.directory import DirectorySync
from leerrecht_desktop.sync.progress import SyncReport
from leerrecht_desktop.sync.removals import removal_signature
from leerrecht_desktop.sync.transport import ConflictError, DeviceRevoked, NotFound, ServerRefused, SyncError, refusal

# The sync engine's log, under the one name it has always had (log files, filters).
log = logging.getLogger("leerrecht_desktop.sync.engine")


def _note_refusal(exc: ServerRefused, report: SyncReport) -> None:
    """A registration the server refused: said in the report (kept here, tried again next round); a
    revoked device stops the round."""
    if isinstance(exc, DeviceRevoked):
        raise exc
    report.errors.append(str(exc))


class MembershipSync(DirectorySync):
    """Case registration and the queued sharing changes of a sync engine."""

    def register_cases(self, report: SyncReport) -> None:
        case_ids = self.store.unregistered_cases()
        if not case_ids:
            return
        recipients = self._default_recipients()
        for i in range(0, len(case_ids), MAX_CASE_REGISTRATIONS):
            chunk = [CaseRegistration(case_id=case_id, grants=self._grants_for(case_id, recipients))
                     for case_id in case_ids[i:i + MAX_CASE_REGISTRATIONS]]
            try:
                answer = self.transport.post("/case-registrations", CaseRegistrations(cases=chunk),
                                             CaseRegistrationsResponse)
            except NotFound:
                # A server from before the bulk route: one request per case, as it always was.
                for registration in chunk:
                    self._register_one(registration, report)
                continue
            except ServerRefused as exc:
                _note_refusal(exc, report)
                continue
            sent = {r.case_id for r in chunk}
            with self.case_files.sync_transaction() as conn:  # one commit per request, not per case
                for result in answer.results:
                    if result.state is not None and result.case_id in sent:
                        self.store.mark_registered(result.case_id, list(result.state.members), conn)
            for result in answer.results:
                if result.state is None and result.code == "conflict":
                    self.fetch_case(result.case_id, report)
                elif result.state is None:
                    report.errors.append(str(refusal(result.code or "", result.status or 400)))

    def _register_one(self, registration: CaseRegistration, report: SyncReport) -> None:
        try:
            state = self.transport.post("/cases", registration, CaseState)
        except ConflictError:
            # Registered before, but the answer was lost: the server's view is the truth.
            self.fetch_case(registration.case_id, report)
            return
        except ServerRefused as exc:
            _note_refusal(exc, report)
            return
        self.store.mark_registered(registration.case_id, list(state.members))

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
        self.check_may_unshare(user_id)
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

    def _is_team_coordinator(self, user_id: str) -> bool:
        """Whether the directory (fetched once if not yet this round; offline: as far as known) lists
        `user_id` as a coordinator of this user's team."""
        if user_id not in self._directory and not self._directory_fresh:
            try:
                self.refresh_directory(SyncReport())
            except SyncError:
                return False
        entry = self._directory.get(user_id)
        return entry is not None and entry.role == "coordinator" and entry.team_id == self.store.state().team_id

    def check_may_unshare(self, user_id: str) -> None:
        """Refuses taking a coordinator of the team off a case (the server would refuse it too)."""
        if self._is_team_coordinator(user_id):
            raise SyncError(tr("Een coördinator van je team blijft op elk dossier van het team en kan er niet "
                               "af gehaald worden. Er is niets gewijzigd."))

    def send_member_changes(self, report: SyncReport, *, again: bool = True) -> None:
        redo = False
        for change in self.store.pending_member_changes():
            grants = [KeyGrant.model_validate(g) for g in change.grants]
            state: CaseState | None
            refusal = ""
            # Refused by role (not the coordinator nor the case's own worker, or a coordinator taken off):
            # sending it again would be refused again, so a removal is undone here and not redone.
            forbidden = False
            try:
                if change.action == "add":
                    state = self.transport.post(f"/cases/{change.case_id}/members",
                                                MemberAdd(user_id=change.user_id, grants=grants), CaseState)
                else:
                    signature = removal_signature(self, change.case_id, change.user_id,
                                                  max(g.key_version for g in grants))
                    state = self.transport.post(f"/cases/{change.case_id}/members/remove",
                                                MemberRemove(user_id=change.user_id, grants=grants,
                                                             signature=signature), CaseState)
            except ServerRefused as exc:
                if isinstance(exc, DeviceRevoked):
                    raise
                state = None
                forbidden = exc.code == "forbidden"
                if change.action == "remove" and exc.code == "bad_request":
                    state = self._retry_removal(change.case_id, change.user_id, grants, report)
                if state is None:
                    refusal = _members_forbidden() if forbidden else str(exc)
            if change.action == "remove":
                rotated = max(g.key_version for g in grants)
                outcome = self._reconcile_rotation(change.case_id, change.user_id, rotated, state, report,
                                                   may_redo=not forbidden)
                redo |= outcome == "redo"
                if (outcome == "lost" or forbidden) and refusal:
                    report.errors.append(refusal)
            elif state is not None:
                self.store.mark_registered(change.case_id, list(state.members))
            else:
                report.errors.append(refusal)
            self.store.drop_member_change(change.pending_id)
        if redo and again:
            self.send_member_changes(report, again=False)

    def _reconcile_rotation(self, case_id: str, user_id: str, version: int, state: CaseState | None,
                            report: SyncReport, *, may_redo: bool = True) -> Literal["done", "redo", "lost"]:
        """After a removal was sent: did the server take *our* key of `version`? If another rotation
        won (the server holds a different key under that number, or refused ours for good), drop
        ours, take the server's keys, seal what we wrote since under the newest key, and (if the
        colleague is still a member and `may_redo`) rotate again on top of the server's key. "done":
        the colleague is off the case, or stays on it (a removal refused by role); "redo": a new
        removal is queued; "lost": the case is out of reach."""
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
        redo = may_redo and user_id in state.members
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
                                       MemberRemove(user_id=user_id, grants=fresh,
                                                    signature=removal_signature(self, case_id, user_id, version)),
                                       CaseState)
        except ServerRefused as exc:
            if isinstance(exc, DeviceRevoked):
                raise
            return None


def _members_forbidden() -> str:
    return tr("De server weigerde een wijziging van wie dit dossier deelt: alleen een coördinator van het team of "
              "de begeleider van wie het dossier is, kan collega's toevoegen of eraf halen, en een coördinator "
              "blijft op elk dossier van het team. De wijziging is ongedaan gemaakt; vraag het je coördinator.")
