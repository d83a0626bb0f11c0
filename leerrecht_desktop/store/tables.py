"""The current schema, for queries. Migrations in `migrations/versions` are frozen snapshots and do
not import this module; a test checks the two agree."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

# The Alembic revision this code expects. Checked without importing Alembic so a normal start stays fast.
SCHEMA_HEAD = "0008"

metadata = MetaData()

# One row: this laptop's user. Everything personal in it is sealed.
vault = Table(
    "vault", metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", String(36), nullable=False),
    Column("kdf", Text, nullable=False),
    Column("wrapped_secrets", LargeBinary, nullable=False),
    Column("exchange_public", LargeBinary, nullable=False),
    Column("signing_public", LargeBinary, nullable=False),
    Column("sealed_profile", LargeBinary, nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("failed_attempts", Integer, nullable=False, default=0),
    Column("last_failed_at", Float, nullable=True),
)

settings = Table(
    "settings", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

# Public keys of users whose records this laptop holds, to check their signatures. `mac` (migration
# 0004, here and in case_keys and records.head_mac) authenticates the row under the local data key
# (store/bookkeeping.py); NULL only between an upgrade and the first unlock after it.
known_keys = Table(
    "known_keys", metadata,
    Column("user_id", String(36), primary_key=True),
    Column("exchange_public", LargeBinary, nullable=False),
    Column("signing_public", LargeBinary, nullable=False),
    Column("mac", LargeBinary, nullable=True),
)

case_keys = Table(
    "case_keys", metadata,
    Column("case_id", String(36), primary_key=True),
    Column("key_version", Integer, primary_key=True),
    Column("recipient_id", String(36), primary_key=True),
    Column("ephemeral_public", LargeBinary, nullable=False),
    Column("ciphertext", LargeBinary, nullable=False),
    Column("mac", LargeBinary, nullable=True),
)

records = Table(
    "records", metadata,
    Column("revision_id", String(36), primary_key=True),
    Column("record_id", String(36), nullable=False),
    Column("case_id", String(36), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("base_revision", Integer, nullable=True),
    Column("author_id", String(36), nullable=False),
    Column("key_version", Integer, nullable=False),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("nonce", LargeBinary, nullable=False),
    Column("ciphertext", LargeBinary, nullable=False),
    Column("signature", LargeBinary, nullable=False),
    Column("saved_at", String(32), nullable=False),
    Column("is_head", Boolean, nullable=False),
    Column("server_seq", Integer, nullable=True),
    # Set on the head revision only (cleared when it is replaced): a flag flipped outside the app
    # has no valid MAC.
    Column("head_mac", LargeBinary, nullable=True),
    Index("ix_records_case_head", "case_id", "is_head"),
    Index("ux_records_record_revision", "record_id", "revision", unique=True),
)

outbox = Table(
    "outbox", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("revision_id", String(36), ForeignKey("records.revision_id", ondelete="CASCADE"),
           nullable=False, unique=True),
    Column("case_id", String(36), nullable=False),
    Column("queued_at", String(32), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("state", String(16), nullable=False, default="pending"),
    Column("last_error", Text, nullable=True),
)

# Per case, the sealed summary the case list shows (see models/summary.py).
case_index = Table(
    "case_index", metadata,
    Column("case_id", String(36), primary_key=True),
    Column("blob", LargeBinary, nullable=False),
)

drafts = Table(
    "drafts", metadata,
    Column("draft_id", String(120), primary_key=True),
    Column("case_id", String(36), nullable=True),
    Column("blob", LargeBinary, nullable=False),
    Column("updated_at", String(32), nullable=False),
)


# -- sync (migration 0002) ---------------------------------------------------------------------------
# The outbox's `state` is "pending" or "quarantined" (refused by the server; `last_error` holds the
# server's plain reason, never content). Received key grants for this user go into `case_keys`.

# One row once this laptop is enrolled with a server. The device token is sealed under the local key.
sync_state = Table(
    "sync_state", metadata,
    Column("id", Integer, primary_key=True),
    Column("server_url", Text, nullable=False),
    Column("device_id", String(36), nullable=False),
    Column("sealed_token", LargeBinary, nullable=False),
    Column("team_id", String(64), nullable=False),
    Column("role", String(32), nullable=False),
    Column("recovery_public", LargeBinary, nullable=True),
    Column("cursor", Integer, nullable=False, default=0),
    Column("last_success_at", String(32), nullable=True),
    Column("pinned_sha256", String(64), nullable=True),
    # The server's Ed25519 identity, pinned at enrolment (migration 0005): it signs a revocation.
    Column("server_identity", LargeBinary, nullable=True),
)

# Cases the server knows (registered from here or received from it), with the members last seen,
# so a colleague can be removed (key rotation) while offline. A case newly shared with this user has
# its history fetched up to the pull cursor of that moment (`history_upto`, migration 0003), page by
# page; `history_after` is how far it got, so an interrupted fetch resumes there. Both are NULL once
# the history is complete (and for cases registered from here). `key_version_seen` (migration 0005) is the
# newest key version the server has shown for the case (store/key_versions.py).
sync_cases = Table(
    "sync_cases", metadata,
    Column("case_id", String(36), primary_key=True),
    Column("members", Text, nullable=False, default="[]"),
    Column("history_upto", Integer, nullable=True),
    Column("history_after", Integer, nullable=True),
    Column("key_version_seen", Integer, nullable=True),
)

# Sharing changes made while offline, sent before the next push: "add" (grants for the colleague) or
# "remove" (the rotated key's grants for everyone who stays). Wrapped keys only, never a key in clear.
pending_members = Table(
    "pending_members", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(36), nullable=False),
    Column("action", String(8), nullable=False),
    Column("user_id", String(36), nullable=False),
    Column("grants", Text, nullable=False),
    Column("queued_at", String(32), nullable=False),
)

# Fields both sides changed differently in a merge, for the user to choose; sealed under the local key.
conflicts = Table(
    "conflicts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(36), nullable=False),
    Column("record_id", String(36), nullable=False),
    Column("blob", LargeBinary, nullable=False),
    Column("at", String(32), nullable=False),
    Index("ix_conflicts_case", "case_id"),
)


# -- the access log (migration 0006) ----------------------------------------------------------------
# One row per entry not yet sent (store/access_log.py): who, when, what and which case, sealed under the
# local key and bound to the row id. The sync deletes what the server took; nothing else is in the clear.
access_log = Table(
    "access_log", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("blob", LargeBinary, nullable=False),
)

# Attachments (migration 0007, store/attachments.py): the signed, sealed manifest per attachment, and
# its chunks apart, so nothing that opens a case or lists cases reads them. `state` (indexed, migration
# 0008) is local -> uploading -> synced for one made here, remote for one whose manifest came from the
# server and whose chunks are not (all) here yet (sync/blobs.py; docs/attachments.md).
attachments = Table(
    "attachments", metadata,
    Column("id", String(36), primary_key=True),
    Column("case_id", String(36), nullable=False),
    Column("key_version", Integer, nullable=False),
    Column("author_id", String(36), nullable=False),
    Column("nonce", LargeBinary, nullable=False),
    Column("sealed_manifest", LargeBinary, nullable=False),
    Column("signature", LargeBinary, nullable=False),
    Column("state", String(16), nullable=False),
    Index("ix_attachments_case", "case_id"),
    Index("ix_attachments_state", "state"),
)

attachment_chunks = Table(
    "attachment_chunks", metadata,
    Column("attachment_id", String(36), primary_key=True),
    Column("chunk_index", Integer, primary_key=True),
    Column("nonce", LargeBinary, nullable=False),
    Column("ciphertext", LargeBinary, nullable=False),
)
