"""The schema: Alembic migrations are the truth on disk, `store.tables` is what the code queries. They
must agree, and a data folder written by the first release must open with today's code."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
import uuid
from contextlib import closing
from pathlib import Path
from typing import Any

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, inspect

from leerrecht_core.crypto.kdf import PURPOSE_WRAP, KdfParams, derive_master_key, derive_subkey
from leerrecht_core.crypto.keys import UserSecrets, new_case_key, wrap_case_key
from leerrecht_core.crypto.local import seal_local
from leerrecht_core.crypto.records import RecordHeader, seal
from leerrecht_desktop.models.entries import HomeVisit
from leerrecht_desktop.models.enums import Kind
from leerrecht_desktop.store import tables
from leerrecht_desktop.store.database import (
    MIGRATIONS_DIR,
    current_revision,
    database_path,
    migrate,
    open_engine,
)
from leerrecht_desktop.store.workspace import Workspace
from tests.kits.storekit import PASSPHRASE, content_as, note_text

ROOT = Path(__file__).resolve().parents[2]


def script_directory() -> ScriptDirectory:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(cfg)


def test_schema_head_is_alembics_only_head() -> None:
    heads = script_directory().get_heads()
    assert heads == [tables.SCHEMA_HEAD], "store.tables.SCHEMA_HEAD must name the newest migration"


def test_the_migrations_form_one_line_from_0001() -> None:
    revisions = list(script_directory().walk_revisions())
    assert revisions[-1].revision == "0001" and revisions[-1].down_revision is None
    assert all(not r.is_branch_point and not r.is_merge_point for r in revisions)


def _describe(engine: Engine) -> dict[str, Any]:
    """Tables, columns (name, type, nullability, primary key), indexes and foreign keys, as SQLite has them."""
    insp = inspect(engine)
    out: dict[str, Any] = {}
    for table in sorted(set(insp.get_table_names()) - {"alembic_version"}):
        out[table] = {
            "columns": [(c["name"], str(c["type"]), bool(c["nullable"])) for c in insp.get_columns(table)],
            "primary_key": sorted(insp.get_pk_constraint(table)["constrained_columns"]),
            "indexes": sorted((i["name"], tuple(i["column_names"]), bool(i["unique"]))
                              for i in insp.get_indexes(table)),
            "foreign_keys": sorted((tuple(f["constrained_columns"]), f["referred_table"],
                                    tuple(f["referred_columns"])) for f in insp.get_foreign_keys(table)),
        }
    return out


def test_the_migrated_schema_matches_store_tables(tmp_path: Path) -> None:
    migrated = open_engine(tmp_path / "migrated")
    declared = create_engine(f"sqlite:///{tmp_path / 'declared.sqlite3'}")
    try:
        migrate(migrated)
        tables.metadata.create_all(declared)
        from_migrations, from_code = _describe(migrated), _describe(declared)
        assert sorted(from_migrations) == sorted(tables.metadata.tables)
        for name in from_code:  # table by table, so a failure names the table that drifted
            assert from_migrations[name] == from_code[name], name
    finally:
        migrated.dispose()
        declared.dispose()


def test_a_fresh_folder_is_migrated_to_head(workspace: Workspace) -> None:
    assert current_revision(workspace.engine) == tables.SCHEMA_HEAD


def test_opening_a_folder_at_head_does_not_load_alembic(data_dir: Path, workspace: Workspace) -> None:
    # The fast path of DESIGN §6 (cold start): a current schema is recognised without Alembic.
    workspace.close()
    code = (
        "import sys; from pathlib import Path\n"
        "from leerrecht_desktop.store.workspace import Workspace\n"
        f"ws = Workspace(Path({str(data_dir)!r}))\n"
        "ws.close()\n"
        "print('alembic' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True, timeout=120)
    assert result.stdout.strip() == "False"


# -- a data folder from the first release ----------------------------------------------------------

V1_PROFILE = {  # a case profile payload as release 0001 wrote it
    "first_name": "Fictiefoud", "last_name": "Testkind-Eersteversie", "birth_date": "2011-09-30", "gender": "m",
    "school": "TSM middenschool", "level": "graad1", "class_name": "1C", "home_language": "", "address": "",
    "contacts": [{"name": "Fictieve Voogd", "relation": "voogd", "phone": "015 00 00 00"}], "network": "",
    "referral": {"source": "clb", "referred_on": "2024-10-01", "referred_by": "", "concern": "Fictief"},
    "target_groups": ["vsv"], "life_domains": ["school"], "status": "actief", "closed_reason": "",
    "assigned": [], "consent": {"given": True, "on": "2024-10-02", "recorded_by": "Fictieve Werker"},
}
V1_VISIT = {
    "occurred_on": "2024-10-15", "author_id": "", "author_name": "Fictieve Werker", "start_time": "17:00",
    "duration_minutes": 60, "location": "thuis", "present": "Fictieve Voogd", "purpose": "Kennismaking",
    "observations": "Fictieve observatie uit release 1", "agreements": "", "next_step": "Bellen",
    "next_step_on": "2024-11-01", "referrals": [],
}
V1_NOTE_REVISIONS = [
    {"occurred_on": "2024-10-20", "text": "Fictieve notitie, eerste versie", "action": "", "action_owner": "",
     "due_on": None, "done": False},
    {"occurred_on": "2024-10-20", "text": "Fictieve notitie, tweede versie", "action": "", "action_owner": "",
     "due_on": None, "done": False},
]


def _write_release_0001_folder(data_dir: Path) -> dict[str, str]:
    """A data folder as the first release left it, written with raw SQL against the 0001 schema (so this
    test keeps describing release 1 when the code moves on), using only the vault primitives."""
    engine = open_engine(data_dir)
    migrate(engine, "0001")
    assert current_revision(engine) == "0001"
    engine.dispose()

    user_id, case_id = str(uuid.uuid4()), str(uuid.uuid4())
    secrets = UserSecrets.generate(user_id)
    params = KdfParams.minimum()
    wrap_key = derive_subkey(derive_master_key(PASSPHRASE, params), PURPOSE_WRAP)
    case_key = new_case_key()
    wrapped = wrap_case_key(case_key, case_id, 1, user_id, secrets.exchange_public)
    now = "2024-10-20T10:00:00.000+00:00"
    ids = {"case_id": case_id, "profile": str(uuid.uuid4()), "visit": str(uuid.uuid4()), "note": str(uuid.uuid4())}

    with closing(sqlite3.connect(database_path(data_dir))) as conn, conn:
        conn.execute(
            "INSERT INTO vault (id, user_id, kdf, wrapped_secrets, exchange_public, signing_public, sealed_profile,"
            " created_at, failed_attempts, last_failed_at) VALUES (1, ?, ?, ?, ?, ?, ?, ?, 0, NULL)",
            (user_id, json.dumps(params.to_json()), secrets.wrap(wrap_key), secrets.exchange_public,
             secrets.signing_public,
             seal_local(secrets.local_key, "profile", user_id,
                        {"user_id": user_id, "name": "Fictieve Werker", "role": "netsterk", "team": "Fictief"}),
             "2024-10-01T09:00:00+00:00"),
        )
        conn.execute("INSERT INTO known_keys (user_id, exchange_public, signing_public) VALUES (?, ?, ?)",
                     (user_id, secrets.exchange_public, secrets.signing_public))
        conn.execute("INSERT INTO case_keys (case_id, key_version, recipient_id, ephemeral_public, ciphertext)"
                     " VALUES (?, 1, ?, ?, ?)", (case_id, user_id, wrapped.ephemeral_public, wrapped.ciphertext))

        def put(record_id: str, kind: Kind, revision: int, payload: dict[str, Any], head: bool) -> None:
            header = RecordHeader(record_id, str(uuid.uuid4()), case_id, kind.value, revision,
                                  None if revision == 1 else revision - 1, user_id, 1, False)
            sealed = seal(header, payload, case_key, secrets.signing)
            conn.execute(
                "INSERT INTO records (revision_id, record_id, case_id, kind, revision, base_revision, author_id,"
                " key_version, deleted, nonce, ciphertext, signature, saved_at, is_head, server_seq)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, 1, 0, ?, ?, ?, ?, ?, NULL)",
                (header.revision_id, record_id, case_id, kind.value, revision, header.base_revision, user_id,
                 sealed.nonce, sealed.ciphertext, sealed.signature, now, int(head)),
            )
            conn.execute("INSERT INTO outbox (revision_id, case_id, queued_at, attempts, state, last_error)"
                         " VALUES (?, ?, ?, 0, 'pending', NULL)", (header.revision_id, case_id, now))

        put(ids["profile"], Kind.CASE, 1, {**V1_PROFILE, "assigned": [{"user_id": user_id,
                                                                       "name": "Fictieve Werker"}]}, True)
        put(ids["visit"], Kind.HOME_VISIT, 1, {**V1_VISIT, "author_id": user_id}, True)
        put(ids["note"], Kind.NOTE, 1, {**V1_NOTE_REVISIONS[0], "author_id": user_id}, False)
        put(ids["note"], Kind.NOTE, 2, {**V1_NOTE_REVISIONS[1], "author_id": user_id}, True)
        summary = {
            "case_id": case_id, "first_name": V1_PROFILE["first_name"], "last_name": V1_PROFILE["last_name"],
            "birth_date": "2011-09-30", "school": "TSM middenschool", "level": "graad1", "class_name": "1C",
            "status": "actief", "target_groups": ["vsv"], "assigned_ids": [user_id],
            "assigned_names": ["Fictieve Werker"], "referred_on": "2024-10-01",
            "entries": {ids["visit"]: {"kind": "home_visit", "contact_on": "2024-10-15", "action_due": "2024-11-01"},
                        ids["note"]: {"kind": "note", "contact_on": None, "action_due": None}},
        }
        conn.execute("INSERT INTO case_index (case_id, blob) VALUES (?, ?)",
                     (case_id, seal_local(secrets.local_key, "case-index", case_id, summary)))
        conn.execute("INSERT INTO drafts (draft_id, case_id, blob, updated_at) VALUES (?, ?, ?, ?)",
                     ("draft-v1", case_id, seal_local(secrets.local_key, "draft", "draft-v1", {"text": "Fictief"}),
                      now))
    return ids


def test_a_folder_from_release_0001_opens_and_reads_back(data_dir: Path) -> None:
    ids = _write_release_0001_folder(data_dir)
    ws = Workspace(data_dir)  # migrates to head
    try:
        assert current_revision(ws.engine) == tables.SCHEMA_HEAD
        session = ws.unlock(PASSPHRASE)
        assert (session.user.name, session.user.role) == ("Fictieve Werker", "netsterk")

        (summary,) = session.summaries()
        assert summary.full_name == "Fictiefoud Testkind-Eersteversie"
        assert (summary.last_contact, summary.next_action) == (dt.date(2024, 10, 15), dt.date(2024, 11, 1))

        case = session.load_case(ids["case_id"])
        assert case.refused == []
        assert case.content.contacts[0].name == "Fictieve Voogd"
        assert case.content.consent.on == dt.date(2024, 10, 2)
        by_id = {r.record_id: r for r in case.entries}
        assert set(by_id) == {ids["visit"], ids["note"]}
        assert content_as(by_id[ids["visit"]], HomeVisit).observations == "Fictieve observatie uit release 1"
        assert note_text(by_id[ids["note"]]) == "Fictieve notitie, tweede versie"
        assert [note_text(r) for r in session.history(ids["note"])] == [
            "Fictieve notitie, eerste versie", "Fictieve notitie, tweede versie"]
        assert session.load_draft("draft-v1") == {"text": "Fictief"}
        assert session.pending_changes() == 4

        # And it keeps working: a new revision on top of release-1 data.
        edited = session.save(ids["case_id"], by_id[ids["note"]].content, record_id=ids["note"])
        assert edited.revision == 3
    finally:
        ws.close()
    reopened = Workspace(data_dir)
    try:
        assert len(reopened.unlock(PASSPHRASE).load_case(ids["case_id"]).entries) == 2
    finally:
        reopened.close()


def test_migrating_a_fresh_database_to_a_named_revision_stops_there(tmp_path: Path) -> None:
    engine = open_engine(tmp_path / "d")
    try:
        migrate(engine, "0001")
        assert current_revision(engine) == "0001"
        migrate(engine)  # and on to head from there
        assert current_revision(engine) == tables.SCHEMA_HEAD
    finally:
        engine.dispose()
