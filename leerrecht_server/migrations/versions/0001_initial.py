"""The first server schema: teams, users, devices, org settings, cases, memberships, key grants,
sealed revisions with their heads and the sequence counter, login attempts, audit log.

Revision ID: 0001
Revises:
"""

import os

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "teams",
        sa.Column("team_id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("created_at", sa.String(32), nullable=False),
    )

    op.create_table(
        "users",
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
        sa.Column("status", sa.String(16), nullable=False),  # pending (awaiting enrolment) | active
        sa.Column("created_at", sa.String(32), nullable=False),
    )

    op.create_table(
        "devices",
        sa.Column("device_id", sa.String(36), primary_key=True),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("last_seen", sa.String(32), nullable=True),
        sa.Column("revoked_at", sa.String(32), nullable=True),
    )

    op.create_table(
        "org_settings",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )

    op.create_table(
        "cases",
        sa.Column("case_id", sa.String(36), primary_key=True),
        sa.Column("team_id", sa.String(36), nullable=False),
        sa.Column("key_version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
    )

    op.create_table(
        "memberships",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("added_seq", sa.BigInteger, nullable=False),
        sa.Column("removed_seq", sa.BigInteger, nullable=True),
    )

    op.create_table(
        "key_grants",
        sa.Column("case_id", sa.String(36), primary_key=True),
        sa.Column("key_version", sa.Integer, primary_key=True),
        sa.Column("recipient_id", sa.String(36), primary_key=True),
        sa.Column("ephemeral_public", sa.LargeBinary, nullable=False),
        sa.Column("ciphertext", sa.LargeBinary, nullable=False),
        sa.Column("granted_by", sa.String(36), nullable=False),
        sa.Column("signature", sa.LargeBinary, nullable=False),
    )

    op.create_table(
        "revisions",
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
    )

    op.create_table(
        "record_heads",
        sa.Column("record_id", sa.String(36), primary_key=True),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("revision_id", sa.String(36), nullable=False),
    )

    op.create_table(
        "counters",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("value", sa.BigInteger, nullable=False),
    )

    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("ip", sa.String(64), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
    )

    op.create_table(
        "audit_log",
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
    op.create_index("ix_revisions_case_seq", "revisions", ["case_id", "seq"])
    op.create_index("ix_devices_user", "devices", ["user_id"])
    op.create_index("ix_memberships_case", "memberships", ["case_id"])
    op.create_index("ix_memberships_user", "memberships", ["user_id"])
    op.create_index("ix_login_attempts_username_at", "login_attempts", ["username", "at"])
    op.create_index("ix_login_attempts_ip_at", "login_attempts", ["ip", "at"])
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    counters = sa.table("counters", sa.column("name", sa.String), sa.column("value", sa.BigInteger))
    op.bulk_insert(counters, [{"name": "seq", "value": 0}])
    settings = sa.table("org_settings", sa.column("key", sa.String), sa.column("value", sa.Text))
    # The secret behind prelogin's decoy KDF parameters for unknown user names: random per
    # installation, in the database so every server process answers the same.
    op.bulk_insert(settings, [{"key": "server_secret", "value": os.urandom(32).hex()}])


def downgrade() -> None:
    for name in ("audit_log", "login_attempts", "counters", "record_heads", "revisions", "key_grants",
                 "memberships", "cases", "org_settings", "devices", "users", "teams"):
        op.drop_table(name)
