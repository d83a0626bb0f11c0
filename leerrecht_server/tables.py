"""The server's schema as SQLAlchemy Core tables (queries use these; migrations create them).

Only what DESIGN.md section 4 lists: teams, users, devices, org settings, cases, memberships, key
grants, sealed revisions (plus their heads and the sequence counter), attempt counters, audit log.
Nothing here holds plaintext case content: ciphertexts, nonces and signatures are opaque bytes."""

from __future__ import annotations

import sqlalchemy as sa

SCHEMA_HEAD = "0011"
SEQ_COUNTER = "seq"
# The attachment feed's own gapless numbering (crud/blobs.py), apart from the pull's.
BLOB_COUNTER = "blob_seq"

# Users whose keys colleagues see in the directory and may wrap case keys for. A reset user keeps
# their place (with the keys they had) so their revisions stay verifiable; only a disabled or
# never-enrolled user is left out.
LISTED_STATUSES = ("active", "reset", "awaiting_recovery")
# Users who may log in: a reset user first enrols again with the new code.
LOGIN_STATUSES = ("active", "awaiting_recovery")

metadata = sa.MetaData()

teams = sa.Table(
    "teams", metadata,
    sa.Column("team_id", sa.String(36), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("created_at", sa.String(32), nullable=False),
    # MiB of sealed attachment bytes its cases may take; NULL: the server's default (migration 0011).
    sa.Column("attachment_quota_mb", sa.Integer, nullable=True),
)

users = sa.Table(
    "users", metadata,
    sa.Column("username", sa.String(64), primary_key=True),
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("role", sa.String(32), nullable=False),
    sa.Column("team_id", sa.String(36), sa.ForeignKey("teams.team_id"), nullable=False),
    sa.Column("user_id", sa.String(36), nullable=True, unique=True),
    sa.Column("enrolment_code_hash", sa.String(64), nullable=True),
    sa.Column("enrolment_expires", sa.Float, nullable=True),
    sa.Column("auth_hash", sa.LargeBinary, nullable=True),
    sa.Column("auth_params", sa.Text, nullable=True),
    sa.Column("kdf", sa.Text, nullable=True),
    sa.Column("wrapped_secrets", sa.LargeBinary, nullable=True),
    sa.Column("exchange_public", sa.LargeBinary, nullable=True),
    sa.Column("signing_public", sa.LargeBinary, nullable=True),
    # pending (never enrolled) | active | reset (a new code issued, not enrolled again yet) |
    # awaiting_recovery (enrolled again with new keys, case keys not yet recovered) | disabled
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("created_at", sa.String(32), nullable=False),
    # The device whose passphrase change set the current auth key; None when an enrolment set it.
    sa.Column("auth_set_by", sa.String(36), nullable=True),
)

devices = sa.Table(
    "devices", metadata,
    sa.Column("device_id", sa.String(36), primary_key=True),
    sa.Column("user_id", sa.String(36), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("last_seen", sa.String(32), nullable=True),
    sa.Column("revoked_at", sa.String(32), nullable=True),
    # active | replaced (its user was reset: it may still push, nothing else) | revoked (it wipes)
    sa.Column("state", sa.String(16), nullable=False, server_default="active"),
    # What the laptop reported at its last contact (X-Leerrecht-Client, X-Leerrecht-Unsent).
    sa.Column("app_version", sa.String(32), nullable=True),
    sa.Column("unsent_reported", sa.Integer, nullable=True),
    # A device made by login: the users.auth_set_by of that moment (the device whose passphrase
    # change set the auth key it logged in with). Revoking a device revokes what it minted.
    sa.Column("minted_by", sa.String(36), nullable=True, index=True),
)

user_keys = sa.Table(
    "user_keys", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("user_id", sa.String(36), nullable=False),
    sa.Column("exchange_public", sa.LargeBinary, nullable=False),
    sa.Column("signing_public", sa.LargeBinary, nullable=False),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("retired_at", sa.String(32), nullable=True),  # None: the current key pair
)

org_settings = sa.Table(
    "org_settings", metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

cases = sa.Table(
    "cases", metadata,
    sa.Column("case_id", sa.String(36), primary_key=True),
    sa.Column("team_id", sa.String(36), nullable=False),
    sa.Column("key_version", sa.Integer, nullable=False),
    sa.Column("created_at", sa.String(32), nullable=False),
    # The case's worker as far as the server can know it (the registering worker, then whoever a
    # hand-over passes it to); None: only the team's coordinators manage its members.
    sa.Column("owner_id", sa.String(36), nullable=True),
    # The closing date a laptop reported (schema 0008), for retention; None while the case is open.
    sa.Column("closed_on", sa.String(10), nullable=True),
)

memberships = sa.Table(
    "memberships", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("case_id", sa.String(36), nullable=False),
    sa.Column("user_id", sa.String(36), nullable=False),
    sa.Column("added_seq", sa.BigInteger, nullable=False),
    sa.Column("removed_seq", sa.BigInteger, nullable=True),
    sa.Column("added_by", sa.String(36), nullable=True),  # who added them (None: before schema 0005)
    # The removal's proof (schema 0006; None before it, or from a client that sent none): who, at
    # which new key version, their signature; for a transfer the receiving team.
    sa.Column("removed_by", sa.String(36), nullable=True),
    sa.Column("removed_key_version", sa.Integer, nullable=True),
    sa.Column("removed_signature", sa.LargeBinary, nullable=True),
    sa.Column("removed_team_id", sa.String(64), nullable=True),
)

key_grants = sa.Table(
    "key_grants", metadata,
    sa.Column("case_id", sa.String(36), primary_key=True),
    sa.Column("key_version", sa.Integer, primary_key=True),
    sa.Column("recipient_id", sa.String(36), primary_key=True),
    sa.Column("ephemeral_public", sa.LargeBinary, nullable=False),
    sa.Column("ciphertext", sa.LargeBinary, nullable=False),
    sa.Column("granted_by", sa.String(36), nullable=False),
    sa.Column("signature", sa.LargeBinary, nullable=False),
)

revisions = sa.Table(
    "revisions", metadata,
    # Assigned from the counter row, never by an auto-increment (see db.allocate_seqs).
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("revision_id", sa.String(36), nullable=False, unique=True),
    sa.Column("record_id", sa.String(36), nullable=False),
    sa.Column("case_id", sa.String(36), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("base_revision", sa.Integer, nullable=True),
    sa.Column("author_id", sa.String(36), nullable=False),
    sa.Column("key_version", sa.Integer, nullable=False),
    sa.Column("deleted", sa.Boolean, nullable=False),
    sa.Column("nonce", sa.LargeBinary, nullable=False),
    sa.Column("ciphertext", sa.LargeBinary, nullable=False),
    sa.Column("signature", sa.LargeBinary, nullable=False),
    sa.Column("received_at", sa.String(32), nullable=False),
    sa.Column("device_id", sa.String(36), nullable=False),
    sa.UniqueConstraint("record_id", "revision", name="ux_revisions_record_revision"),
    sa.Index("ix_revisions_case_seq", "case_id", "seq"),
)

record_heads = sa.Table(
    "record_heads", metadata,
    sa.Column("record_id", sa.String(36), primary_key=True),
    sa.Column("case_id", sa.String(36), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("revision_id", sa.String(36), nullable=False),
)

counters = sa.Table(
    "counters", metadata,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)

# Attempt counters of the login, enrolment and passphrase-change limits: one row per limited key
# (a SHA-256, never the name or address itself), taken by a conditional UPDATE before the slow hash.
auth_throttle = sa.Table(
    "auth_throttle", metadata,
    sa.Column("key_hash", sa.String(64), primary_key=True),
    sa.Column("hits", sa.Integer, nullable=False),
    sa.Column("window_start", sa.Float, nullable=False, index=True),
)

# What a laptop could no longer push (its device revoked, its user removed from the case), kept for a
# coordinator of the team to accept into the case or discard (protocol_held_apart). The sealed
# revision exactly as pushed; for a case the server never knew, its key wrapped for the recovery key.
held_apart = sa.Table(
    "held_apart", metadata,
    sa.Column("item_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("team_id", sa.String(36), nullable=False),
    sa.Column("device_id", sa.String(36), nullable=False),
    sa.Column("reason", sa.String(16), nullable=False),  # revoked | removed
    sa.Column("revision_id", sa.String(36), nullable=False, unique=True),
    sa.Column("record_id", sa.String(36), nullable=False),
    sa.Column("case_id", sa.String(36), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("base_revision", sa.Integer, nullable=True),
    sa.Column("author_id", sa.String(36), nullable=False),
    sa.Column("key_version", sa.Integer, nullable=False),
    sa.Column("deleted", sa.Boolean, nullable=False),
    sa.Column("nonce", sa.LargeBinary, nullable=False),
    sa.Column("ciphertext", sa.LargeBinary, nullable=False),
    sa.Column("signature", sa.LargeBinary, nullable=False),
    sa.Column("recovery_ephemeral", sa.LargeBinary, nullable=True),
    sa.Column("recovery_ciphertext", sa.LargeBinary, nullable=True),
    sa.Column("received_at", sa.String(32), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # pending | accepted | discarded
    sa.Column("decided_by", sa.String(64), nullable=True),
    sa.Column("decided_at", sa.String(32), nullable=True),
    sa.Column("accepted_as", sa.String(36), nullable=True),
    sa.Index("ix_held_apart_team_status", "team_id", "status"),
)

# The fact of an erased case (schema 0007), for the laptops that still hold it (see the migration).
case_erasures = sa.Table(
    "case_erasures", metadata,
    sa.Column("case_id", sa.String(36), primary_key=True),
    sa.Column("team_id", sa.String(36), nullable=False),
    sa.Column("seq", sa.BigInteger, nullable=False, unique=True),
    sa.Column("erased_at", sa.String(32), nullable=False),
    sa.Column("cause", sa.String(16), nullable=False),  # request | retention
    sa.Column("erased_by", sa.String(36), nullable=True),
    sa.Column("signature", sa.LargeBinary, nullable=True),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("closed_days", sa.Integer, nullable=True),
    sa.Column("closed_on", sa.String(10), nullable=True),
    sa.Column("member_ids", sa.Text, nullable=False),
)

# A coordinator's postponement of one case's retention erasure (schema 0008).
retention_holds = sa.Table(
    "retention_holds", metadata,
    sa.Column("case_id", sa.String(36), primary_key=True),
    sa.Column("until", sa.String(10), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("held_by", sa.String(36), nullable=False),
    sa.Column("held_at", sa.String(32), nullable=False),
)

audit_log = sa.Table(
    "audit_log", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.String(32), nullable=False),
    sa.Column("actor", sa.String(64), nullable=True),  # user name, or "admin" for the CLI
    sa.Column("user_id", sa.String(36), nullable=True),
    sa.Column("device_id", sa.String(36), nullable=True),
    sa.Column("ip", sa.String(64), nullable=True),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("case_ids", sa.Text, nullable=True),  # space-separated ids, never content
    sa.Column("detail", sa.Text, nullable=True),
)

# The beheerder's console (schema 0009): admin accounts apart from worker accounts, and their browser
# sessions (leerrecht_server/admin_accounts.py; docs/console.md).
admin_accounts = sa.Table(
    "admin_accounts", metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("password_hash", sa.LargeBinary, nullable=True),  # None: the one-time password was used
    sa.Column("password_params", sa.Text, nullable=True),
    sa.Column("must_change", sa.Boolean, nullable=False),  # still the one-time password of create-admin
    sa.Column("totp_sealed", sa.LargeBinary, nullable=True),  # None: no second factor enrolled yet
    sa.Column("totp_last_step", sa.BigInteger, nullable=True),  # a TOTP code is accepted once
    sa.Column("status", sa.String(16), nullable=False),  # active | disabled
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("last_login_at", sa.String(32), nullable=True),
)

admin_sessions = sa.Table(
    "admin_sessions", metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),  # SHA-256 of the cookie's token
    sa.Column("admin_name", sa.String(64), sa.ForeignKey("admin_accounts.name", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("stage", sa.String(16), nullable=False),  # totp | setup | full
    sa.Column("csrf", sa.String(64), nullable=False),
    sa.Column("pending_totp", sa.LargeBinary, nullable=True),  # a secret being enrolled, sealed
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("last_seen", sa.Float, nullable=False, index=True),
)


# Attachments (schema 0010, crud/blobs.py; docs/attachments.md): one row per attachment, its manifest
# NULL (and `feed_seq` NULL: not listed to anyone) until every chunk is in; one row per received chunk
# with its length. The chunks' bytes are in the configured blob store (leerrecht_server/blobs/): the
# table `blob_data` for the database store, files for the directory store.
attachments = sa.Table(
    "attachments", metadata,
    sa.Column("attachment_id", sa.String(36), primary_key=True),
    sa.Column("case_id", sa.String(36), nullable=False, index=True),
    sa.Column("key_version", sa.Integer, nullable=False),
    sa.Column("author_id", sa.String(36), nullable=False),
    sa.Column("device_id", sa.String(36), nullable=False),
    sa.Column("chunk_count", sa.Integer, nullable=False),
    sa.Column("sealed_size", sa.BigInteger, nullable=False),
    sa.Column("nonce", sa.LargeBinary, nullable=True),
    sa.Column("sealed_manifest", sa.LargeBinary, nullable=True),
    sa.Column("signature", sa.LargeBinary, nullable=True),
    sa.Column("feed_seq", sa.BigInteger, nullable=True, unique=True),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("completed_at", sa.String(32), nullable=True),
)

attachment_chunks = sa.Table(
    "attachment_chunks", metadata,
    sa.Column("attachment_id", sa.String(36), primary_key=True),
    sa.Column("chunk_index", sa.Integer, primary_key=True),
    sa.Column("size", sa.Integer, nullable=False),
)

blob_data = sa.Table(
    "blob_data", metadata,
    sa.Column("attachment_id", sa.String(36), primary_key=True),
    sa.Column("chunk_index", sa.Integer, primary_key=True),
    sa.Column("data", sa.LargeBinary, nullable=False),
)
