"""Enrolling again on the old data folder after a reset, when its passphrase is forgotten.

The old profile can't be unlocked, but its unsent changes can still be delivered: each queued
revision was sealed and signed when it was saved, and is sent as it is (the server takes it, signed
by a former key of the same user). The steps, each safe to repeat (docs/sync-client.md):

1. A new profile with the new passphrase and the account's user id (the old vault's id is plaintext)
   is made in a staging folder inside the data folder, and enrolled with the code. A second try finds
   it there, unlocks it with the same new passphrase and goes on.
2. The old outbox is pushed with the new session's token. Only when every pending revision was taken
   (accepted, or a duplicate) does the next step run; otherwise nothing is set aside, and the message
   says to try again.
3. The old database is set aside into the data folder's `backups/` (0600; nothing is destroyed) and
   the new one takes its place. The next sync brings the cases back once the beheerder recovered them."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from leerrecht_core.i18n import tr
from leerrecht_core.protocol import MAX_PUSH_BATCH, PushRequest, PushResponse
from leerrecht_desktop.models.enums import Role
from leerrecht_desktop.store import locked_outbox
from leerrecht_desktop.store.database import backup_dir, database_path, write_transaction
from leerrecht_desktop.store.syncstore import SyncStore
from leerrecht_desktop.store.workspace import Workspace
from leerrecht_desktop.sync.account import enrol
from leerrecht_desktop.sync.errors import SyncError
from leerrecht_desktop.sync.transport import Transport
from leerrecht_desktop.sync.wire import to_wire

STAGING_DIRNAME = "nieuw-profiel"
SET_ASIDE_PREFIX = "vergeten-profiel-"  # not a schema backup's prefix: never pruned (store/database.py)
COPIED_SETTINGS = ("language", "idle_lock_minutes")
SIDE_FILES = ("-wal", "-shm", "-journal")


class DeliveryFailed(SyncError):
    """Not every unsent change of the old profile reached the server: nothing was set aside."""


@dataclass(frozen=True)
class Delivery:
    delivered: int  # taken by the server now (accepted or already there)
    quarantined: int  # refused by the server before; they stay in the set-aside copy


@dataclass(frozen=True)
class Reenrolled:
    delivery: Delivery
    set_aside: Path  # where the old database now is


def unsent_changes(data_dir: Path) -> int:
    """How many changes the old profile still has to send (shown before the user confirms)."""
    old = Workspace(data_dir)
    try:
        return locked_outbox.count(old.engine)
    finally:
        old.close()


def deliver_outbox(old: Workspace, transport: Transport) -> Delivery:
    """Push every pending revision of the (locked) old profile; DeliveryFailed unless all were taken."""
    registered = locked_outbox.registered_case_ids(old.engine)
    stuck: set[str] = set()  # sent and not taken, or of a case the server does not know
    not_registered = 0
    delivered = 0
    while True:
        batch = [o for o in locked_outbox.outgoing(old.engine, MAX_PUSH_BATCH + len(stuck))
                 if o.sealed.header.revision_id not in stuck][:MAX_PUSH_BATCH]
        if not batch:
            break
        sendable = [o for o in batch if o.sealed.header.case_id in registered]
        for o in batch:
            if o.sealed.header.case_id not in registered:
                stuck.add(o.sealed.header.revision_id)
                not_registered += 1
        if not sendable:
            continue
        transport.unsent = locked_outbox.count(old.engine)
        response = transport.post("/push", PushRequest(revisions=[to_wire(o.sealed) for o in sendable]),
                                  PushResponse)
        taken = {r.revision_id: r.seq for r in response.results if r.status in ("accepted", "duplicate")}
        with write_transaction(old.engine) as conn:
            locked_outbox.mark_pushed(conn, taken)
        delivered += len(taken)
        stuck.update(o.sealed.header.revision_id for o in sendable if o.sealed.header.revision_id not in taken)
    left = locked_outbox.count(old.engine)
    if left:
        reason = tr("{n} horen bij een dossier dat de server nog niet kent.", n=not_registered) \
            if not_registered else tr("De server nam ze niet aan (een nieuwere versie of een weigering).")
        raise DeliveryFailed(tr(
            "{left} van je niet-verstuurde wijzigingen konden niet afgeleverd worden ({delivered} wel). {reason} "
            "Er is niets opzij gezet en niets gewist; probeer opnieuw, of meld dit aan je coördinator.",
            left=left, delivered=delivered, reason=reason))
    return Delivery(delivered, locked_outbox.count(old.engine, locked_outbox.QUARANTINED))


def _move_database(src: Path, dst: Path) -> None:
    os.replace(src, dst)
    os.chmod(dst, 0o600)
    for side in SIDE_FILES:
        side_src = src.with_name(src.name + side)
        if side_src.exists():
            os.replace(side_src, dst.with_name(dst.name + side))


def _checkpoint(ws: Workspace) -> None:
    # Everything into the main file before it moves (the WAL would otherwise travel separately).
    with ws.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    ws.close()


def reenrol_forgotten(data_dir: Path, server_url: str, username: str, code: str, new_passphrase: str, *,
                      pinned_sha256: str | None = None, ca_file: str | None = None,
                      transport: Transport | None = None,
                      deliver: Callable[[Workspace, Transport], Delivery] = deliver_outbox,
                      now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)) -> Reenrolled:
    """The three steps of the module docstring. Raises (and sets nothing aside) on any failure."""
    data_dir = Path(data_dir)
    old = Workspace(data_dir)
    staged: Workspace | None = None
    try:
        user_id = locked_outbox.profile_user_id(old.engine)
        if user_id is None:
            raise SyncError(tr("Er is geen profiel in deze map om te vervangen. Gebruik 'leerrecht enroll' zonder "
                               "--reset-profile."))
        staged = Workspace(data_dir / STAGING_DIRNAME, create=True)
        if staged.has_profile():
            case_files = staged.unlock(new_passphrase)  # an earlier try: the same new passphrase
            if case_files.user.user_id != user_id:
                raise SyncError(tr("In {path} staat een ander nieuw profiel. Verplaats die map en probeer opnieuw.",
                                   path=str(data_dir / STAGING_DIRNAME)))
        else:
            # Name, role and team are the server's after enrolment; these only pass the local checks.
            case_files = staged.create_profile(name=username, role=Role.NETSTERK.value, team="",
                                               passphrase=new_passphrase, user_id=user_id)
        for key in COPIED_SETTINGS:
            value = old.setting(key, "")
            if value:
                staged.set_setting(key, value)
        try:
            store = SyncStore(case_files)
            if not store.is_enrolled():
                enrol(staged, case_files, server_url, username, code, new_passphrase, pinned_sha256=pinned_sha256,
                      ca_file=ca_file, transport=transport, profile_from_server=True)
            state = store.state()
            push = transport or Transport(state.server_url, pinned_sha256=state.pinned_sha256, ca_file=ca_file)
            push.with_token(state.device_token)
            try:
                delivery = deliver(old, push)
            finally:
                if transport is None:
                    push.close()
        finally:
            case_files.lock()
        _checkpoint(staged)
        _checkpoint(old)
        folder = backup_dir(data_dir)
        folder.mkdir(mode=0o700, exist_ok=True)
        set_aside = folder / f"{SET_ASIDE_PREFIX}{now().strftime('%Y%m%d-%H%M%S')}.sqlite3"
        _move_database(database_path(data_dir), set_aside)
        _move_database(database_path(data_dir / STAGING_DIRNAME), database_path(data_dir))
        shutil.rmtree(data_dir / STAGING_DIRNAME, ignore_errors=True)
        return Reenrolled(delivery, set_aside)
    finally:
        old.close()
        if staged is not None:
            staged.close()
