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

import contextlib
import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from cryptography.exceptions import InvalidSignature
from sqlalchemy import Engine, select

from leerrecht_core.crypto.keys import public_signing_key
from leerrecht_core.i18n import tr
from leerrecht_core.protocol import (
    MAX_CASE_STATES,
    CaseStatesRequest,
    CaseStatesResponse,
    PassphraseChange,
    PullPage,
    RevokedProof,
    revoked_message,
)
from leerrecht_desktop.store import tables as t
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.server_identity import pinned as pinned_server_identity
from leerrecht_desktop.store.syncstore import SyncStore
from leerrecht_desktop.sync.access_log import send_access_log
from leerrecht_desktop.sync.blobs import sync_blobs
from leerrecht_desktop.sync.coordinators import directory_check_due, share_with_new_coordinators
from leerrecht_desktop.sync.erasure import apply_erasures, note_erasure_mark
from leerrecht_desktop.sync.held_apart import hand_in, handed_in_message
from leerrecht_desktop.sync.incoming import IncomingPages
from leerrecht_desktop.sync.membership import MembershipSync
from leerrecht_desktop.sync.progress import Cancelled, SyncProgress, SyncReport
from leerrecht_desktop.sync.push import PushBatches
from leerrecht_desktop.sync.removals import removal_proven, unproven_message
from leerrecht_desktop.sync.retention import check_notice, note_closings, report_closings
from leerrecht_desktop.sync.transport import (
    DeviceReplaced,
    DeviceRevoked,
    RevocationUnproven,
    ServerRefused,
    Transport,
)
from leerrecht_desktop.sync.wire import sealed_bytes

__all__ = ["SyncEngine", "SyncProgress", "SyncReport", "replaced_message"]

log = logging.getLogger(__name__)


def replaced_message(unsent: int) -> str:
    """What a replaced laptop tells its user (docs/sync-client.md, "A replaced laptop")."""
    if unsent == 0:
        return tr("Deze laptop is vervangen door een nieuwe aanmelding van jouw account. Wat nog niet verstuurd "
                  "was, is verstuurd; deze laptop synchroniseert niet meer. De dossiers blijven hier leesbaar "
                  "tot je ze wist.")
    return tr("Deze laptop is vervangen door een nieuwe aanmelding van jouw account en synchroniseert niet meer. "
              "{n} wijzigingen konden niet meer verstuurd worden; ze blijven op deze laptop. Meld dit aan je "
              "coördinator. De dossiers blijven hier leesbaar tot je ze wist.", n=unsent)


def revocation_proven(engine: Engine, device_id: str, proof: RevokedProof | None) -> bool:
    """Is this `device_revoked` answer signed by the server identity pinned at enrolment, for this device?"""
    public = pinned_server_identity(engine)
    if public is None or proof is None or proof.device_id != device_id:
        return False
    try:
        public_signing_key(public).verify(proof.signature, revoked_message(proof.device_id, proof.revoked_at))
    except (InvalidSignature, ValueError):
        return False
    return True


def _revocation_unproven() -> str:
    return tr("De server meldt dat deze laptop ingetrokken is, maar kan dat niet aantonen met de sleutel die "
              "deze laptop bij de aanmelding van de server kreeg. Er wordt niets gewist en deze laptop "
              "synchroniseert niet meer tot dit is uitgeklaard. Meld dit aan je coördinator.")


class SyncEngine(MembershipSync, IncomingPages, PushBatches):
    """One user's sync with the server. The directory and grants are `DirectorySync`'s, sharing
    `MembershipSync`'s, incoming pages `IncomingPages`'s, the push `PushBatches`'s; here: the round,
    pull and wipe."""

    @classmethod
    def for_case_files(cls, case_files: CaseFiles, *, ca_file: str | None = None, **kw: Any) -> SyncEngine:
        state = SyncStore(case_files).state()
        transport = Transport(state.server_url, token=state.device_token, pinned_sha256=state.pinned_sha256,
                              ca_file=ca_file)
        return cls(case_files, transport, **kw)

    # -- the round -------------------------------------------------------------------------------

    def sync_once(self, progress: Callable[[SyncProgress], None] | None = None,
                  cancel: threading.Event | None = None) -> SyncReport:
        """One round. `progress` is called after each page; when `cancel` is set the round stops
        cleanly right after the page being applied (push batch or pull page; a case's history is
        fetched whole first, so its registration never outruns it) and the report says `cancelled`.
        Every page moves the cursor / clears the outbox in its own transaction, so the next round
        resumes there: nothing skipped, nothing twice."""
        report = SyncReport()
        if self.store.replaced():
            raise DeviceReplaced(replaced_message(self.store.pending_count()), "device_replaced", 401)
        self.transport.unsent = self.store.pending_count()
        self._refused.clear()
        self._directory_fresh = False
        self._progress, self._cancel, self._counts = progress, cancel, {}
        self._erasure_mark: int | None = None
        self.attachment_mark: int | None = None  # the pull's, for sync/blobs.py
        try:
            self.send_passphrase_change(report)
            # Before anything is registered or pushed; with nothing to send, only on news (sync/erasure.py).
            idle = not (self.transport.unsent or self.store.unregistered_cases() or self.store.pending_member_changes())
            apply_erasures(self, report, idle=idle)
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
            note_closings(self)  # reported after the pull, merged with what colleagues changed (sync/retention.py)
            self._push_conflicted = False
            self.push(report)
            send_access_log(self)  # after the push: a case registered this round is the caller's
            self.transport.unsent = self.store.pending_count()
            self.pull(report)
            if note_erasure_mark(self, self._erasure_mark):
                apply_erasures(self, report)  # an erasure made since the round began: at once, not next round
            if self._push_conflicted:
                # The pull merged the refused revisions with every server revision in order; send the result.
                self.push(report)
            sync_blobs(self, report)  # attachments after the records: send, list, fetch some (sync/blobs.py)
            report_closings(self)
            check_notice(self, report)  # a coordinator's first round of the day
        except Cancelled:
            report.cancelled = True
        except DeviceReplaced:
            self._progress, self._cancel = None, None
            self.leave_replaced(report)
            raise DeviceReplaced(replaced_message(self.store.pending_count()), "device_replaced", 401) from None
        except DeviceRevoked as revoked:
            self._progress, self._cancel = None, None
            if not revocation_proven(self.case_files.engine, self.store.state().device_id, revoked.proof):
                log.warning("a device_revoked answer without a valid proof from the pinned server identity")
                raise RevocationUnproven(_revocation_unproven(), revoked.code, revoked.status) from None
            message = self.leave_revoked()
            raise DeviceRevoked(f"{revoked} {message}" if message else str(revoked), revoked.code,
                                revoked.status) from None
        finally:
            self._progress, self._cancel = None, None
        if not report.cancelled:
            self.store.mark_success()
        report.remaining_conflicts = self.store.conflict_count()
        report.waiting = self.store.pending_count()
        return report

    def leave_replaced(self, report: SyncReport) -> None:
        """The server answered `device_replaced` (the account was reset and enrolled again elsewhere):
        it still takes this laptop's pushes, so send what was not sent yet, then note that this laptop
        is replaced. Nothing is wiped. A push that can't reach the server raises (Unreachable) before
        anything is noted, so the next round tries again."""
        # If not even a push is taken any more, what is left stays here, and the message says how much.
        with contextlib.suppress(DeviceReplaced):
            self.push(report)
        self.store.mark_replaced()
        log.info("this laptop was replaced by a new enrolment; it syncs no more")

    def leave_revoked(self) -> str | None:
        """The server answered `device_revoked` (a lost or retired laptop): hand in what was not sent
        yet to the held-apart queue, then wipe. A case whose changes could not be handed in stays (the
        returned sentence says so); if the server can't be reached, nothing is wiped and the next round
        tries again."""
        done = hand_in(self, "revoked")
        self.wipe(keep=set(done.kept))
        return handed_in_message(done, "revoked")

    def wipe(self, keep: set[str] | None = None) -> None:
        """A revoked device: erase every case (but `keep`), forget the enrolment, drop the keys."""
        case_ids = set(self.store.local_case_ids()) | set(self._all_key_cases())
        with self.case_files.batch():
            for case_id in case_ids - (keep or set()):
                self.case_files.erase_case(case_id)
        self.case_files.checkpoint()
        self.store.clear()
        self.case_files.lock()

    def _all_key_cases(self) -> Iterable[str]:
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
            if page.erasure_mark is not None:
                self._erasure_mark = page.erasure_mark
            self.attachment_mark = page.attachment_mark
            if page.high_water is not None and page.high_water < cursor:
                cursor = self.recover_from_restore(page.high_water, report)
                continue
            final: dict[str, str] = {}
            unproven = False
            for event in sorted(page.memberships, key=lambda e: e.seq):
                if event.user_id == self.me:
                    # A removal no known colleague signed acts on nothing (sync/removals.py).
                    if event.action == "removed" and not removal_proven(self, event, report):
                        unproven = True
                        continue
                    final[event.case_id] = event.action
            if unproven:
                log.warning("a removal event without a valid signature was not acted on")
                report.errors.append(unproven_message())
            # A case registered here without a key of ours (shared before a reset, when our old key
            # can't be used) comes again as added once its grants were recovered: fetch it anew.
            added = [c for c, action in final.items()
                     if action == "added" and (not self.store.registered(c) or not self.store.key_versions(c))]
            if added:
                self.fetch_cases(added, report, history_upto=cursor)
                self.resume_histories(report)
            self._fetch_missing_keys(page.revisions, report)
            # Removed from a case: what this laptop had not sent of it goes to the held-apart queue first.
            # A case with a change the server would not hold stays here (read-only: the server refuses
            # its pushes); an unreachable server raises before the page is applied, so it comes again.
            removed = [c for c, action in final.items() if action == "removed"]
            keep = self._hand_in_removed(removed, report) if removed else set()
            if page.more and page.next_cursor > cursor:
                ahead = (page.next_cursor, prefetch.submit(self._fetch_page, page.next_cursor))
            with self.case_files.sync_transaction() as conn:
                self.apply_page(conn, page.revisions, report)
                for case_id in removed:
                    if case_id not in keep:
                        self.case_files.erase_case(case_id)
                self.store.set_cursor(conn, page.next_cursor)
            if any(action == "removed" for action in final.values()):
                self.case_files.checkpoint()
            self._page_done("pull", len(page.revisions), sealed_bytes(page.revisions),
                            may_stop=page.more and page.next_cursor > cursor)
            if not page.more or page.next_cursor <= cursor:
                return
            cursor = page.next_cursor

    def _hand_in_removed(self, case_ids: list[str], report: SyncReport) -> set[str]:
        done = hand_in(self, "removed", case_ids)
        # What the push of this round refused ("not a member") was handed in, not left in quarantine.
        report.quarantined = max(0, report.quarantined - done.from_quarantine)
        report.held_apart += done.held
        message = handed_in_message(done, "removed")
        if message:
            report.errors.append(message)
        return set(done.kept)

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
            self._page_done("history", len(revisions), sealed_bytes(revisions))
            if done:
                return
            after = page.next_cursor
