"""The unlocked case files of one user: sealed records in, decrypted records out.

Every save is one local transaction that writes the sealed revision, marks it as the record's head,
queues it in the outbox for sync and updates the sealed case-list summary. Earlier revisions stay
(history); deleting writes a tombstone revision; erasing a case removes it and its keys for good."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from leerrecht_core.crypto.errors import CryptoError
from leerrecht_core.crypto.keys import new_case_key, wrap_case_key
from leerrecht_core.crypto.local import open_local, seal_local
from leerrecht_core.i18n import tr
from leerrecht_desktop.models.case import CaseProfile, check_change, known_names
from leerrecht_desktop.models.entries import Entry
from leerrecht_desktop.models.enums import Kind
from leerrecht_desktop.models.records import Content, Record, decode, encode, time_text
from leerrecht_desktop.models.summary import CaseSummary
from leerrecht_desktop.store import tables as t
from leerrecht_desktop.store.access_log import AccessLog
from leerrecht_desktop.store.attachments import Attachments, erase_attachments, export_entries
from leerrecht_desktop.store.bookkeeping import head_refused
from leerrecht_desktop.store.casefile_sync import SyncHooks, VerifiedIncoming
from leerrecht_desktop.store.errors import CaseNotFound
from leerrecht_desktop.store.profile_history import ProfileHistory
from leerrecht_desktop.store.sealed_store import now_text

__all__ = ["CaseFile", "CaseFiles", "VerifiedIncoming"]


@dataclass
class RemovedEntry:
    """An entry deleted from the case: when and by whom (the tombstone's author), nothing of what it
    held. The deletion syncs as a revision like any other change, so every laptop shows the same."""
    record_id: str
    kind: Kind
    removed_at: dt.datetime
    author_id: str
    author_name: str = ""


@dataclass
class CaseFile:
    case_id: str
    profile: Record
    entries: list[Record]
    summary: CaseSummary
    # Records that failed their signature or tag check: not shown, but said.
    refused: list[str] = field(default_factory=list)
    # Entries deleted from the case (verified tombstones), newest first: the timeline says so.
    removed: list[RemovedEntry] = field(default_factory=list)

    @property
    def content(self) -> CaseProfile:
        assert isinstance(self.profile.content, CaseProfile)
        return self.profile.content

    def of_kind(self, kind: Kind) -> list[Record]:
        return [r for r in self.entries if r.kind == kind]


class CaseFiles(SyncHooks, ProfileHistory):
    """A user's unlocked case files: reading and writing cases, drafts and the GDPR export. The sealing
    core is `SealedStore`, the sync side's hooks `SyncHooks`; the constructor is theirs:
    `CaseFiles(workspace, user, secrets)`."""

    def load_case(self, case_id: str) -> CaseFile:
        with self._lock, self.engine.connect() as conn:
            rows = conn.execute(
                select(t.records).where(t.records.c.case_id == case_id, t.records.c.is_head.is_(True))
            ).all()
            if not rows:
                raise CaseNotFound(tr("Dit dossier bestaat niet (meer) op deze laptop."))
            rows, heads_refused = self.bookkeeping.check_heads(conn, case_id, rows)
            profile: Record | None = None
            entries: list[Record] = []
            tombstones: list[Any] = []
            # One sentence for whatever was wrong with the heads: a single change outside the app (a
            # head moved to another record id) leaves both a forged head and a record without one.
            refused: list[str] = [str(head_refused())] if heads_refused else []
            for row, record in zip(rows, self._open_rows(conn, rows), strict=True):
                if isinstance(record, CryptoError | CaseNotFound):
                    refused.append(str(record))
                    continue
                if record is None:  # a verified tombstone
                    tombstones.append(row)
                    continue
                if record.kind == Kind.CASE:
                    profile = record
                else:
                    entries.append(record)
            if profile is not None and isinstance(profile.content, CaseProfile) and not profile.content.history:
                # Saved before the profile kept a history: the one derived from its revisions.
                previous = self._previous_profile(conn, profile.record_id)
                profile.content.history = previous.history if previous is not None else []
        if profile is None:
            raise CaseNotFound(refused[0] if refused else tr("Dit dossier heeft geen leesbaar profiel."))
        entries.sort(key=timeline_key, reverse=True)
        names = known_names(profile.content) if isinstance(profile.content, CaseProfile) else {}
        names[self.user.user_id] = self.user.name
        removed = sorted((RemovedEntry(row.record_id, Kind(row.kind), dt.datetime.fromisoformat(row.saved_at),
                                       row.author_id, names.get(row.author_id, "")) for row in tombstones),
                         key=lambda r: r.removed_at, reverse=True)
        return CaseFile(case_id, profile, entries, self.summary(case_id), refused, removed)

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

    def create_case(self, profile: CaseProfile, *, today: dt.date | None = None,
                    changed_on: dt.date | None = None, change_reason: str = "") -> Record:
        """A new case. Its history starts with its first status, school and assignment, dated
        `changed_on` (today when not given)."""
        day = today or dt.date.today()
        profile.validate(day)
        check_change(changed_on or day, change_reason, day)
        if not profile.assigned:
            profile.assigned = [self.me]
        profile.record_changes(None, changed_on or day, self.user.user_id, self.user.name, change_reason)
        case_id = str(uuid.uuid4())
        case_key = new_case_key()
        secrets = self.secrets
        wrapped = wrap_case_key(case_key, case_id, 1, secrets.user_id, secrets.exchange_public)
        with self._lock:
            self.summaries()
            with self._tx() as conn:
                self.bookkeeping.insert_case_key(conn, case_id, 1, secrets.user_id, wrapped.ephemeral_public,
                                                 wrapped.ciphertext)
                self._case_keys[case_id] = (1, case_key)
                record, summary = self._write(conn, case_id, str(uuid.uuid4()), profile, CaseSummary(case_id=case_id))
            self._commit_summary(summary)
        return record

    def save(self, case_id: str, content: Content, *, record_id: str | None = None,
             today: dt.date | None = None, changed_on: dt.date | None = None,
             change_reason: str = "") -> Record:
        """Save a new entry (record_id None) or a new revision of an existing record. A profile's
        changes of status, school or assignment go into its history, dated `changed_on` (today when
        not given), with `change_reason` (store/profile_history.py)."""
        day = today or dt.date.today()
        content.validate(day)
        if isinstance(content, CaseProfile):
            check_change(changed_on or day, change_reason, day)
        if isinstance(content, Entry) and not content.author_id:
            content.author_id, content.author_name = self.user.user_id, self.user.name
        with self._lock:
            summary = self._summary_to_change(case_id)
            with self._tx() as conn:
                record_id = record_id or str(uuid.uuid4())
                if isinstance(content, CaseProfile):
                    self._record_profile_changes(conn, record_id, content, changed_on or day, change_reason)
                record, summary = self._write(conn, case_id, record_id, content, summary)
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
            self.summaries()  # a case list still coming in (read_summaries) must not bring it back
            with self._tx() as conn:
                # The sync tables (migration 0002) hold per-case rows too: conflicts, queued sharing.
                for table in (t.outbox, t.records, t.case_keys, t.case_index, t.drafts,
                              t.conflicts, t.pending_members, t.sync_cases):
                    conn.execute(delete(table).where(table.c.case_id == case_id))
                erase_attachments(conn, case_id)  # migration 0007: its scans and photos, chunks and all
            if self._batch_conn is None:
                self.checkpoint()
                AccessLog.of(self).record(case_id, "case_erased_local")  # the user's erase (sync's run in a batch)
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
                .values(draft_id=draft_id, case_id=case_id, blob=blob, updated_at=now_text())
                .on_conflict_do_update(index_elements=["draft_id"], set_={"blob": blob, "updated_at": now_text()})
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

    def export(self, case_ids: Collection[str] | None = None) -> dict[str, Any]:
        """Everything this user may read, decrypted (docs/export-format.md); with `case_ids`, only
        those cases (an access request for one young person), in the same structure. A wanted case
        that is not on this laptop raises CaseNotFound: a file that silently left it out would look
        like an answer."""
        summaries = self.summaries()
        if case_ids is not None:
            wanted = set(case_ids)
            summaries = [s for s in summaries if s.case_id in wanted]
            if len(summaries) != len(wanted):
                raise CaseNotFound(tr("Dit dossier bestaat niet (meer) op deze laptop."))
        cases = []
        refused: list[dict[str, Any]] = []
        for summary in sorted(summaries, key=lambda s: (s.last_name, s.first_name)):
            with self.engine.connect() as conn:
                rows = conn.execute(
                    select(t.records).where(t.records.c.case_id == summary.case_id)
                    .order_by(t.records.c.record_id, t.records.c.revision)
                ).all()
                records: dict[str, dict[str, Any]] = {}
                for row in rows:
                    entry = records.setdefault(row.record_id, {"record_id": row.record_id, "kind": row.kind,
                                                               "revisions": []})
                    # A revision that can't be opened can't show a signed time: its stored one,
                    # counted as the author's only for this user's own revisions.
                    revision: dict[str, Any] = {
                        "revision": row.revision, "saved_at": row.saved_at,
                        "saved_at_source": "author" if row.author_id == self.user.user_id else "received",
                        "author_id": row.author_id, "deleted": bool(row.deleted),
                    }
                    # One damaged record must not withhold the rest of a GDPR access request.
                    try:
                        payload = self._open_payload(conn, row)
                        saved_at, received = self._saved_at(row, payload)
                        revision["saved_at"] = time_text(saved_at)
                        revision["saved_at_source"] = "received" if received else "author"
                        if not row.deleted:
                            revision["content"] = encode(decode(Kind(row.kind), payload))
                    except (CryptoError, CaseNotFound) as exc:
                        revision["refused"] = str(exc)
                        refused.append({"case_id": row.case_id, "record_id": row.record_id,
                                        "revision": row.revision, "reason": str(exc)})
                    entry["revisions"].append(revision)
            # The attachments' metadata; their bytes come with `leerrecht attachments --out`.
            cases.append({"case_id": summary.case_id, "records": list(records.values()),
                          "attachments": export_entries(Attachments(self).list(summary.case_id))})
        AccessLog.of(self).record_many([s.case_id for s in summaries], "case_exported")
        return {
            "format": "leerrecht-export",
            "format_version": 1,
            "exported_at": now_text(),
            "user": {"user_id": self.user.user_id, "name": self.user.name, "role": self.user.role,
                     "team": self.user.team},
            "cases": cases,
            "refused": refused,
        }

def timeline_key(record: Record) -> tuple[dt.date, dt.datetime]:
    occurred = getattr(record.content, "occurred_on", None) or record.saved_at.date()
    return occurred, record.saved_at
