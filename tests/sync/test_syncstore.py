"""The sync side of the local store, without a server: migrations 0002 and 0003 over a folder with data, what is
sealed, the outbox as the push sees it, quarantine, conflicts, and erasing a case's sync rows."""

from __future__ import annotations

import uuid
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import select

from leerrecht_desktop.models.entries import FollowUpNote
from leerrecht_desktop.store import tables as t
from leerrecht_desktop.store.database import MIGRATIONS_DIR, current_revision, database_path, write_transaction
from leerrecht_desktop.store.syncstore import SyncStore
from leerrecht_desktop.store.workspace import Workspace
from tests.kits.storekit import write_profile_as_before_0004
from tests.kits.synckit import DAY, PASSPHRASE, make_case, new_profile, snapshot


def test_a_0001_folder_with_data_upgrades_to_the_head_and_still_reads(tmp_path: Path) -> None:
    laptop = new_profile(tmp_path / "d", "Fictieve Werker", "netsterk", "Noord")
    case_id = make_case(laptop.case_files, notes=2)
    before = snapshot(laptop.case_files, case_id)
    write_profile_as_before_0004(laptop.workspace, laptop.case_files)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with write_transaction(laptop.workspace.engine) as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001")
    assert current_revision(laptop.workspace.engine) == "0001"
    laptop.close()

    ws = Workspace(tmp_path / "d")
    try:
        assert current_revision(ws.engine) == t.SCHEMA_HEAD == "0008"
        cf = ws.unlock(PASSPHRASE)
        assert snapshot(cf, case_id) == before
        store = SyncStore(cf)
        assert not store.is_enrolled() and store.pending_count() == 3 and store.unregistered_cases() == [case_id]
    finally:
        ws.close()


def test_the_device_token_and_conflicts_are_sealed(tmp_path: Path) -> None:
    laptop = new_profile(tmp_path / "d", "Fictieve Werker", "netsterk", "Noord")
    try:
        store = SyncStore(laptop.case_files)
        token = "tok-" + uuid.uuid4().hex
        store.save_enrolment(server_url="https://leerrecht.voorbeeld.be", device_id=str(uuid.uuid4()),
                             device_token=token, team_id="t1", role="netsterk", recovery_public=None,
                             pinned_sha256=None)
        assert store.state().device_token == token
        case_id = make_case(laptop.case_files, notes=0)
        secret = "Fictiefgeheimeschool" + uuid.uuid4().hex[:6]
        with laptop.case_files.sync_transaction() as conn:
            store.add_conflict(conn, case_id, str(uuid.uuid4()),
                               {"conflicts": [{"path": "school", "mine": secret, "theirs": "x"}]})
        assert store.conflicts(case_id)[0].details["conflicts"][0]["mine"] == secret
        laptop.case_files.checkpoint()
        raw = database_path(laptop.data_dir).read_bytes()
        assert token.encode() not in raw and secret.encode() not in raw

        laptop.case_files.erase_case(case_id)
        assert store.conflicts() == []
    finally:
        laptop.close()


def test_the_push_sees_one_revision_per_record_oldest_first_and_quarantine_holds_a_record(tmp_path: Path) -> None:
    laptop = new_profile(tmp_path / "d", "Fictieve Werker", "netsterk", "Noord")
    try:
        cf = laptop.case_files
        store = SyncStore(cf)
        case_id = make_case(cf, notes=0)
        note = cf.save(case_id, FollowUpNote(occurred_on=DAY, text="Fictief een"), today=DAY)
        cf.save(case_id, FollowUpNote(occurred_on=DAY, text="Fictief twee"), record_id=note.record_id, today=DAY)
        outgoing = store.outgoing(10)
        assert [(o.sealed.header.kind, o.sealed.header.revision) for o in outgoing] == [("case", 1), ("note", 1)]

        first_note = outgoing[1].sealed.header.revision_id
        with cf.sync_transaction() as conn:
            store.quarantine(conn, first_note, "refused for a test")
        assert [q.reason for q in store.quarantined()] == ["refused for a test"]
        assert [o.sealed.header.kind for o in store.outgoing(10)] == ["case"]  # the note waits for the user

        store.retry_quarantined(first_note)
        assert len(store.outgoing(10)) == 2 and store.quarantined() == []

        second = next(r for r in _outbox_revisions(cf) if r not in (first_note, outgoing[0].sealed.header.revision_id))
        store.discard_quarantined(second)  # pending, not refused: nothing happens
        assert len(cf.history(note.record_id)) == 2
        with cf.sync_transaction() as conn:
            store.quarantine(conn, second, "refused for a test")
        # Discarding the head revision makes the one before it the head again.
        store.discard_quarantined(second)
        assert [r.revision for r in cf.history(note.record_id)] == [1]
        assert cf.load_case(case_id).entries[0].revision == 1
    finally:
        laptop.close()


def _outbox_revisions(cf: object) -> list[str]:
    from leerrecht_desktop.store.casefiles import CaseFiles

    assert isinstance(cf, CaseFiles)
    with cf.engine.connect() as conn:
        return list(conn.execute(select(t.outbox.c.revision_id)).scalars())
