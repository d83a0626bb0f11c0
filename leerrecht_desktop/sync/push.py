"""The push of a sync round: the outbox sent in batches, two in flight, each answer applied in its own
local transaction.

Pipelined: while the server decides batch n, batch n+1 is already on its way, so the laptop's work
(reading the outbox, encoding, applying an answer) and the server's overlap. A batch never holds a
revision of a record that a batch still in flight holds: the server takes a record's revisions in
their order, and two requests in flight may be decided in either order. Each answer is applied
alone, as it comes; a cancel sends nothing more and applies what is in flight. A batch whose answer
never came (a cut connection) stays in the outbox and is pushed again next round, where the server
answers what it took already as a duplicate with its number: nothing lost, nothing twice."""

from __future__ import annotations

import logging
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from leerrecht_core.i18n import tr
from leerrecht_core.protocol import KEY_ROTATED_REASON, PushRequest, PushResponse
from leerrecht_desktop.store.key_versions import behind, unsent_under_older
from leerrecht_desktop.store.locked_outbox import Outgoing
from leerrecht_desktop.sync.directory import DirectorySync
from leerrecht_desktop.sync.progress import Cancelled, SyncReport
from leerrecht_desktop.sync.transport import SyncError
from leerrecht_desktop.sync.wire import to_wire

log = logging.getLogger("leerrecht_desktop.sync.engine")
MAX_PUSH_ROUNDS = 10_000
# Requests in flight at once: one being decided by the server, the next already sent.
IN_FLIGHT = 2


def _key_withheld() -> str:
    return tr("Een dossier kreeg een nieuwe sleutel, maar de server gaf die sleutel niet aan deze laptop. Je "
              "wijzigingen aan dat dossier blijven hier bewaard en worden verstuurd zodra de sleutel er is. Blijft "
              "dit duren, meld het dan aan je coördinator.")


@dataclass
class _Round:
    """What one push round knows across its batches."""

    floors: dict[str, int]
    # Cases known registered: read once per round (a lookup per case and batch was an eighth of a
    # first push's time on the laptop); a case not in it is looked up, as before.
    registered: set[str] = field(default_factory=set)
    tried: set[str] = field(default_factory=set)
    # Tried this round and still pending (a conflict, or no answer): the outbox query must reach past
    # them. Accepted and refused ones leave the pending outbox, so they don't count; counting them
    # made a first push of a large outbox quadratic.
    still_pending: set[str] = field(default_factory=set)
    resealed: set[str] = field(default_factory=set)  # cases sealed again under a newer key (once each)
    held_back: int = 0
    waiting_seen: bool = False  # the last batch built held revisions back for a key


@dataclass
class _Batch:
    outgoing: list[Outgoing]
    answer: Future[PushResponse]

    @property
    def ids(self) -> list[str]:
        return [o.sealed.header.revision_id for o in self.outgoing]


class PushBatches(DirectorySync):
    """The outgoing side of a sync engine: the outbox to the server."""

    def push(self, report: SyncReport) -> None:
        state = _Round(self._key_floors(report), set(self.store.registered_case_ids()))
        total = self.store.pending_count() if self._progress is not None else None
        flight: deque[_Batch] = deque()
        with ThreadPoolExecutor(max_workers=IN_FLIGHT, thread_name_prefix="sync-push") as sender:
            try:
                for _ in range(MAX_PUSH_ROUNDS):
                    # Once cancelled, nothing more is sent: what is in flight is applied, then the round stops.
                    while len(flight) < IN_FLIGHT and not (flight and self._cancelling()):
                        batch = self._next_batch(state, flight, sender)
                        if batch is None:
                            break
                        flight.append(batch)
                    if not flight:
                        if state.waiting_seen:
                            continue
                        break
                    batch = flight.popleft()
                    try:
                        self._apply_answer(batch, batch.answer.result(), state, report, total)
                    except Cancelled:
                        self._apply_in_flight(flight, state, report, total)
                        raise
            finally:
                # A failed or cancelled round leaves nothing running: what was sent and not applied
                # stays in the outbox (see the module docstring).
                wait([b.answer for b in flight])
        if state.held_back:
            report.errors.append(_key_withheld())

    def _cancelling(self) -> bool:
        return self._cancel is not None and self._cancel.is_set()

    def _apply_in_flight(self, flight: deque[_Batch], state: _Round, report: SyncReport, total: int | None) -> None:
        """A cancelled round: the answers of the batches already sent are kept too (the laptop knows what
        the server took); one that failed stays queued."""
        while flight:
            batch = flight.popleft()
            try:
                response = batch.answer.result()
            except SyncError:
                continue
            self._apply_answer(batch, response, state, report, total, may_stop=False)

    def _next_batch(self, state: _Round, flight: deque[_Batch], sender: ThreadPoolExecutor) -> _Batch | None:
        """The next batch to send (its attempt noted), or None when nothing more can go now."""
        in_flight = {i for b in flight for i in b.ids}
        busy_records = {o.sealed.header.record_id for b in flight for o in b.outgoing}
        limit = self.push_batch * (1 + len(flight)) + len(state.still_pending)
        candidates = [o for o in self.store.outgoing(limit)
                      if o.sealed.header.revision_id not in state.tried
                      and o.sealed.header.revision_id not in in_flight]
        # One lookup per case not known registered, not per revision.
        unknown = {o.sealed.header.case_id for o in candidates} - state.registered
        state.registered.update(c for c in unknown if self.store.registered(c))
        outgoing = [o for o in candidates if o.sealed.header.case_id in state.registered]
        # Sealed under a key older than the newest the server showed, whose newer key we lack: wait.
        waiting = {o.sealed.header.revision_id for o in outgoing
                   if o.sealed.header.key_version < state.floors.get(o.sealed.header.case_id, 0)}
        state.waiting_seen = bool(waiting)
        if waiting:
            state.held_back += len(waiting)
            state.tried.update(waiting)
            state.still_pending.update(waiting)
            outgoing = [o for o in outgoing if o.sealed.header.revision_id not in waiting]
        # A record with a revision in flight waits for that answer (the server takes a record in order).
        deferred = {o.sealed.header.record_id for o in outgoing if o.sealed.header.record_id in busy_records}
        outgoing = [o for o in outgoing if o.sealed.header.record_id not in deferred][: self.push_batch]
        if not outgoing:
            return None
        self.store.note_attempt([o.sealed.header.revision_id for o in outgoing])
        request = PushRequest(revisions=[to_wire(o.sealed) for o in outgoing])
        return _Batch(outgoing, sender.submit(self.transport.post, "/push", request, PushResponse))

    def _apply_answer(self, batch: _Batch, response: PushResponse, state: _Round, report: SyncReport,
                      total: int | None, *, may_stop: bool = True) -> None:
        """One batch's answer into the outbox, in one local transaction."""
        ids = batch.ids
        by_id = {o.sealed.header.revision_id: o for o in batch.outgoing}
        gone: set[str] = set()
        rotated: dict[str, list[str]] = {}  # case id -> revisions refused for a rotated-out key
        taken: dict[str, int | None] = {}
        with self.case_files.sync_transaction() as conn:
            for result in response.results:
                item = by_id.get(result.revision_id)
                if item is None or result.revision_id in state.tried:
                    continue
                state.tried.add(result.revision_id)
                if result.status in ("accepted", "duplicate"):
                    taken[result.revision_id] = result.seq
                    report.pushed += 1
                elif result.status == "rejected" and result.reason == KEY_ROTATED_REASON:
                    # Not quarantined: sealed again under the newest key below and pushed again.
                    rotated.setdefault(item.sealed.header.case_id, []).append(result.revision_id)
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
        state.tried.update(ids)
        state.still_pending.update(i for i in ids if i not in taken and i not in gone)
        for case_id in self._seal_again(sorted(set(rotated) - state.resealed), report):
            state.resealed.add(case_id)
            state.tried.difference_update(rotated[case_id])
            state.still_pending.difference_update(rotated[case_id])
        state.resealed.update(rotated)
        self._page_done("push", len(batch.outgoing), sum(len(o.sealed.nonce) + len(o.sealed.ciphertext)
                                                         + len(o.sealed.signature) for o in batch.outgoing), total,
                        may_stop=may_stop)

    def _key_floors(self, report: SyncReport) -> dict[str, int]:
        """Before a push: fetch the grants of every case whose newest key seen this laptop lacks, and
        seal unsent revisions again under the newest key held. Returns the cases still behind (case
        id -> the key version seen): their revisions under an older key wait (store/key_versions.py)."""
        lagging = behind(self.case_files.engine, self.me)
        if lagging:
            self.fetch_cases(sorted(lagging), report)
        for case_id in unsent_under_older(self.case_files.engine, self.me):
            with self.case_files.sync_transaction() as conn:
                self.case_files.reseal_under_newest(conn, case_id)
        return behind(self.case_files.engine, self.me) if lagging else {}

    def _seal_again(self, case_ids: list[str], report: SyncReport) -> list[str]:
        """The server refused revisions of these cases for a key it rotated past (a member removed
        since holds it): fetch the cases' grants and seal what is unsent again under the newest key
        held. Returns the cases sealed again (to push once more this round). A case whose newer key
        the server does not give keeps its changes here, unsent and readable, with a notice: they
        never go out under the old key, and go out once the key arrives (docs/sync-client.md)."""
        if not case_ids:
            return []
        self.fetch_cases(case_ids, report)
        again: list[str] = []
        for case_id in case_ids:
            with self.case_files.sync_transaction() as conn:
                _, count = self.case_files.reseal_under_newest(conn, case_id)
            if count:
                again.append(case_id)
            else:
                report.errors.append(_key_withheld())
        log.info("revisions refused for a rotated-out key; %d of %d cases sealed again", len(again), len(case_ids))
        return again
