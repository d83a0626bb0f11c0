"""Applying revisions that come from the server: each checked (signature, tag) before anything is
written, stored in one batch per page, and merged with this laptop's unsent edits of the same record
(fields in conflict recorded). A refused revision is reported and never stored."""

from __future__ import annotations

import logging
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection, Row, select

from leerrecht_core.crypto.errors import CryptoError
from leerrecht_core.crypto.records import SealedRecord, verify
from leerrecht_core.i18n import tr
from leerrecht_core.protocol import WireRevision
from leerrecht_desktop.models.enums import Kind
from leerrecht_desktop.models.records import without_saved_at
from leerrecht_desktop.store import tables as t
from leerrecht_desktop.store.casefiles import VerifiedIncoming
from leerrecht_desktop.store.errors import CaseNotFound
from leerrecht_desktop.store.former_keys import signers
from leerrecht_desktop.store.key_versions import note_seen
from leerrecht_desktop.sync.directory import DirectorySync
from leerrecht_desktop.sync.merge import merge_deleted
from leerrecht_desktop.sync.progress import SyncReport
from leerrecht_desktop.sync.wire import from_wire

# The sync engine's log, under the one name it has always had (log files, filters).
log = logging.getLogger("leerrecht_desktop.sync.engine")


class IncomingPages(DirectorySync):
    """The incoming side of a sync engine: a pulled page or a case's history page into the store."""

    def _merge(self, conn: Connection, theirs: SealedRecord, theirs_payload: dict[str, Any] | None,
               seq: int | None, local: list[Row[Any]], report: SyncReport) -> None:
        """The server holds `theirs`, this laptop has unsent revisions of the same record: merge the
        newest local content with theirs against the revision the first local edit was based on, keep
        theirs as the base of a new local revision, and record the fields in conflict."""
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
        elif result is not None and (h.deleted or result.merged != without_saved_at(theirs_payload or {})):
            self.case_files.write_revision(conn, h.case_id, h.record_id, kind, result.merged)
        if result is not None and result.conflicts:
            self.store.add_conflict(conn, h.case_id, h.record_id, {
                "kind": h.kind, "server_revision": h.revision,
                "conflicts": [c.to_dict() for c in result.conflicts],
            })
            report.conflicts += len(result.conflicts)

    @staticmethod
    def _revision_row(conn: Connection, record_id: str, revision: int) -> Row[Any] | None:
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

    # -- keys an incoming page needs -------------------------------------------------------------

    def _fetch_missing_keys(self, revisions: list[WireRevision], report: SyncReport) -> None:
        # One lookup per distinct author (a page holds many revisions of few authors).
        missing_authors = {a for a in {w.author_id for w in revisions} if self.store.known_keys(a) is None}
        if not self._directory_fresh and (missing_authors or self._signed_by_unknown_key(revisions)):
            self.refresh_directory(report)
        needed = {(w.case_id, w.key_version) for w in revisions}
        missing = sorted({c for c, v in needed if not self.store.has_key(c, v)})
        if missing:
            self.fetch_cases(missing, report)
            # A colleague wrote under a key version this laptop lacked: even if the server withholds
            # it, nothing of ours goes out under an older key from now on (store/key_versions.py).
            with self.case_files.sync_transaction() as conn:
                for case_id, version in needed:
                    if case_id in missing:
                        note_seen(conn, case_id, version)

    def _signed_by_unknown_key(self, revisions: list[WireRevision]) -> bool:
        """Did a known colleague sign with a key this laptop does not know (new keys after a reset)? Then
        the directory is read before the page is applied, so their revisions are not refused for it.
        Checked on each author's first and last revision of the page only: a page is mostly one key per
        author, and this costs two signature checks per author instead of one per revision."""
        by_author: dict[str, list[WireRevision]] = {}
        for w in revisions:
            by_author.setdefault(w.author_id, []).append(w)
        for author, theirs in by_author.items():
            keys = self.store.known_keys(author)
            if keys is None:
                continue
            with self.case_files.engine.connect() as conn:
                known = signers(conn, self.case_files.secrets.local_key, author, keys[1])
            for w in {theirs[0].revision_id: theirs[0], theirs[-1].revision_id: theirs[-1]}.values():
                sealed = from_wire(w)
                if not any(_verifies(sealed, key) for key in known):
                    return True
        return False

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

        # Every signature of the page checked on every core first; the loop below still opens each
        # revision (its tag) and refuses any whose signature did not verify, with its reason.
        checked = self.case_files.signatures_verified(
            conn, [from_wire(w) for w in fresh if w.record_id not in with_local])

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
            verified, payload = self._verify(conn, sealed, report, signature_checked=w.revision_id in checked)
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

    def _verify(self, conn: Connection, sealed: SealedRecord, report: SyncReport, *,
                signature_checked: bool = False) -> tuple[bool, dict[str, Any] | None]:
        """(True, payload) for a revision that passes its checks (payload None: a tombstone); a refused
        one is counted, said, and remembered for the rest of the round."""
        try:
            return True, self.case_files.verify_incoming(conn, sealed, signature_checked=signature_checked)
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


def _verifies(sealed: SealedRecord, key: Ed25519PublicKey) -> bool:
    try:
        verify(sealed, key)
    except CryptoError:
        return False
    return True
