"""A coordinator's review of the held-apart queue (sync/held_apart.py hands changes in): list what
waits for the team, open one (its author's signature and its case key checked here, never trusted
from the server), and accept it or discard it.

Accepting writes a new revision of the coordinator's own, sealed under the case's current key, merged
with what the record became since the held change was written: fields the held change did not touch
keep their newer values, fields it changed take its values (the coordinator chose it). The server is
told which revision carries it, so the queue keeps who accepted what, and as which revision."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from leerrecht_core.crypto.errors import CryptoError
from leerrecht_core.i18n import tr
from leerrecht_core.protocol_held_apart import (
    HeldApartAccept,
    HeldApartDiscard,
    HeldApartItem,
    HeldApartList,
    HeldApartShow,
)
from leerrecht_desktop.models.enums import Kind
from leerrecht_desktop.models.records import without_saved_at
from leerrecht_desktop.store import tables as t
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.errors import CaseNotFound
from leerrecht_desktop.sync.engine import SyncEngine
from leerrecht_desktop.sync.merge import merge_deleted, resolve
from leerrecht_desktop.sync.progress import SyncReport
from leerrecht_desktop.sync.transport import ConflictError, Forbidden, NotFound, SyncError
from leerrecht_desktop.sync.wire import from_wire


def status_word(status: str) -> str:
    """An item's status in words (looked up each time, so in the language chosen now)."""
    return {"pending": tr("wacht"), "accepted": tr("overgenomen"), "discarded": tr("weggegooid")}[status]


def received_text(item: HeldApartItem) -> str:
    """When the server received the item, in this computer's time zone ("2026-12-03 06:57")."""
    try:
        return dt.datetime.fromisoformat(item.received_at).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return item.received_at[:16].replace("T", " ")


def reason_word(reason: str) -> str:
    return {"revoked": tr("ingetrokken laptop"), "removed": tr("uit het dossier verwijderd")}[reason]


class HeldApartError(SyncError):
    """A held-apart change that can't be opened or taken in here; the sentence says why and what to do."""


@dataclass(frozen=True)
class OpenedItem:
    item: HeldApartItem
    kind: Kind
    payload: dict[str, Any] | None  # None: the held change deletes the record
    base_revision: int | None  # the revision of the record its author had when writing it


@contextmanager
def _worded() -> Iterator[None]:
    """The server's refusals of the held-apart routes, in the words that fit them."""
    try:
        yield
    except Forbidden:
        raise HeldApartError(tr("Alleen een coördinator bekijkt apart gezette wijzigingen en beslist erover.")) \
            from None
    except NotFound:
        raise HeldApartError(tr("Deze apart gezette wijziging bestaat niet (meer) in jouw team. Bekijk de lijst "
                                "opnieuw.")) from None
    except ConflictError:
        raise HeldApartError(tr("Over deze wijziging is al beslist, of ze is intussen veranderd. Bekijk de lijst "
                                "opnieuw.")) from None


class HeldApartReview:
    def __init__(self, engine: SyncEngine):
        self.engine = engine

    def items(self, *, decided: bool = False) -> list[HeldApartItem]:
        with _worded():
            return self.engine.transport.get("/held-apart", HeldApartList,
                                             params={"decided": "true"} if decided else None).items

    def open(self, item_id: int) -> OpenedItem:
        with _worded():
            shown = self.engine.transport.get(f"/held-apart/{item_id}", HeldApartShow)
        item, wire = shown.item, shown.revision
        if (wire.revision_id, wire.case_id, wire.record_id, wire.author_id) != (
                item.revision_id, item.case_id, item.record_id, item.author_id):
            raise HeldApartError(tr("De server gaf bij deze apart gezette wijziging een andere inhoud mee; ze "
                                    "wordt niet geopend."))
        if not item.openable:
            raise HeldApartError(tr("Deze wijziging hoort bij een dossier dat de server nooit kende; alleen de "
                                    "beheerder kan ze openen met de herstelsleutel."))
        engine = self.engine
        engine._fetch_missing_keys([wire], SyncReport())
        if not engine.store.has_key(item.case_id, item.key_version):
            raise HeldApartError(tr("Je hebt de sleutel niet waaronder deze wijziging bewaard is. Synchroniseer "
                                    "eerst; lukt het dan nog niet, vraag de beheerder."))
        try:
            with engine.case_files.engine.connect() as conn:
                payload = engine.case_files.verify_incoming(conn, from_wire(wire))
        except (CryptoError, CaseNotFound) as exc:
            raise HeldApartError(tr("Deze apart gezette wijziging klopt niet met de handtekening van haar auteur "
                                    "en wordt niet geopend.") + " " + str(exc)) from None
        # The fields only: the author's save time (models/records.py) is no field to show or merge.
        return OpenedItem(item, Kind(wire.kind), None if payload is None else without_saved_at(payload),
                          wire.base_revision)

    def accept(self, item_id: int) -> HeldApartItem:
        """Take the change into its case as a revision of ours, send it, then mark the item accepted.
        A sync round first: the case's newest key (rotated when a member left) and its newest revisions
        are then here, so the change is sealed under the current key and merged with the current head."""
        self.engine.sync_once()
        opened = self.open(item_id)
        item = opened.item
        if item.status != "pending":
            raise HeldApartError(tr("Over deze wijziging is al beslist ({status}). Bekijk de lijst opnieuw.",
                                    status=status_word(item.status)))
        engine = self.engine
        # A rotation with no revision after it brings no new key by itself: ask for the case's grants.
        report = SyncReport()
        if not engine.fetch_case(item.case_id, report):
            raise HeldApartError(" ".join(report.errors) or tr("De server kent dit dossier niet (meer)."))
        engine.case_files.forget_cached_key(item.case_id)
        if not engine.store.registered(item.case_id) or item.case_id not in engine.store.local_case_ids():
            raise HeldApartError(tr("Dit dossier staat niet op deze laptop. Synchroniseer eerst en probeer "
                                    "opnieuw."))
        with engine.case_files.sync_transaction() as conn:
            head = engine.case_files.head_row(conn, item.record_id)
            if head is not None and (head.case_id != item.case_id or head.kind != opened.kind.value):
                raise HeldApartError(tr("Deze wijziging hoort volgens de server bij een ander dossier; ze wordt "
                                        "niet overgenomen."))
            deleted, content = self._merged(conn, opened, head)
            engine.case_files.write_revision(conn, item.case_id, item.record_id, opened.kind, content,
                                             deleted=deleted)
            new_head = engine.case_files.head_row(conn, item.record_id)
            assert new_head is not None  # just written
            written = str(new_head.revision_id)
        engine.push(report)
        if engine._push_conflicted:
            # Someone changed the record in between: a whole round merges ours with theirs and sends it.
            engine.sync_once()
        with engine.case_files.engine.connect() as conn:
            sent = conn.execute(select(t.outbox.c.id).join(t.records, t.records.c.revision_id == t.outbox.c.revision_id)
                                .where(t.records.c.record_id == item.record_id)).first()
            kept = conn.execute(select(t.records.c.revision_id).where(
                t.records.c.record_id == item.record_id, t.records.c.author_id == engine.me,
                t.records.c.is_head.is_(True))).scalar()
        if sent is not None:
            raise HeldApartError(tr("De overgenomen wijziging kon nog niet verstuurd worden; ze staat klaar en "
                                    "wordt met de volgende synchronisatie verstuurd. Neem ze daarna opnieuw "
                                    "over."))
        with _worded():
            return engine.transport.post(f"/held-apart/{item_id}/accept",
                                         HeldApartAccept(revision_id=kept or written), HeldApartItem)

    def discard(self, item_id: int) -> HeldApartItem:
        item = next((i for i in self.items() if i.item_id == item_id), None)
        if item is None:
            raise HeldApartError(tr("Over deze wijziging is al beslist, of ze bestaat niet (meer) in jouw team. "
                                    "Bekijk de lijst opnieuw."))
        with _worded():
            return self.engine.transport.post(f"/held-apart/{item_id}/discard",
                                              HeldApartDiscard(revision_id=item.revision_id), HeldApartItem)

    def _merged(self, conn: Any, opened: OpenedItem, head: Any) -> tuple[bool, dict[str, Any]]:
        held_deleted = opened.payload is None
        if head is None:
            return held_deleted, opened.payload or {}
        case_files = self.engine.case_files
        current = case_files.open_revision(conn, head.revision_id)[1]
        base_id = None if opened.base_revision is None else conn.execute(select(t.records.c.revision_id).where(
            t.records.c.record_id == opened.item.record_id, t.records.c.revision == opened.base_revision)).scalar()
        base = case_files.open_revision(conn, base_id)[1] if base_id else None
        deleted, result = merge_deleted(base, held_deleted, opened.payload, bool(head.deleted), current)
        if deleted or result is None:
            return True, {}
        merged = result.merged
        for conflict in result.conflicts:  # the coordinator chose the held change
            if conflict.path:
                merged = resolve(merged, conflict.path, conflict.mine)
        return False, merged


@dataclass(frozen=True)
class ListedItem:
    """An item as the window lists it: the case's name when the case is on this laptop."""
    item: HeldApartItem
    case_name: str | None


def _session(case_files: CaseFiles) -> tuple[SyncEngine, HeldApartReview]:
    engine = SyncEngine.for_case_files(case_files)
    return engine, HeldApartReview(engine)


def list_held_apart(case_files: CaseFiles) -> list[ListedItem]:
    """The team's undecided items, with the names of the cases this laptop holds (for the window)."""
    engine, review = _session(case_files)
    try:
        items = review.items()
    finally:
        engine.transport.close()
    names = {s.case_id: s.full_name for s in case_files.summaries()}
    return [ListedItem(item, names.get(item.case_id)) for item in items]


def open_held_apart(case_files: CaseFiles, item_id: int) -> OpenedItem:
    engine, review = _session(case_files)
    try:
        return review.open(item_id)
    finally:
        engine.transport.close()


def decide_held_apart(case_files: CaseFiles, item_id: int, *, accept: bool) -> HeldApartItem:
    engine, review = _session(case_files)
    try:
        return review.accept(item_id) if accept else review.discard(item_id)
    finally:
        engine.transport.close()

