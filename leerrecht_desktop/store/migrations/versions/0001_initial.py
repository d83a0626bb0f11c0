"""The first schema: vault, settings, known keys, case keys, sealed records, outbox, case index, drafts.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vault",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("kdf", sa.Text, nullable=False),
        sa.Column("wrapped_secrets", sa.LargeBinary, nullable=False),
        sa.Column("exchange_public", sa.LargeBinary, nullable=False),
        sa.Column("signing_public", sa.LargeBinary, nullable=False),
        sa.Column("sealed_profile", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("failed_attempts", sa.Integer, nullable=False),
        sa.Column("last_failed_at", sa.Float, nullable=True),
    )
    op.create_table(
        "settings",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "known_keys",
        sa.Column("user_id", sa.String(36), primary_key=True),
        sa.Column("exchange_public", sa.LargeBinary, nullable=False),
        sa.Column("signing_public", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "case_keys",
        sa.Column("case_id", sa.String(36), primary_key=True),
        sa.Column("key_version", sa.Integer, primary_key=True),
        sa.Column("recipient_id", sa.String(36), primary_key=True),
        sa.Column("ephemeral_public", sa.LargeBinary, nullable=False),
        sa.Column("ciphertext", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "records",
        sa.Column("revision_id", sa.String(36), primary_key=True),
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
        sa.Column("saved_at", sa.String(32), nullable=False),
        sa.Column("is_head", sa.Boolean, nullable=False),
        sa.Column("server_seq", sa.Integer, nullable=True),
    )
    op.create_index("ix_records_case_head", "records", ["case_id", "is_head"])
    op.create_index("ux_records_record_revision", "records", ["record_id", "revision"], unique=True)
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("revision_id", sa.String(36), sa.ForeignKey("records.revision_id", ondelete="CASCADE"),
                  nullable=False, unique=True),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("queued_at", sa.String(32), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("last_error", sa.Text, nullable=True),
    )
    op.create_table(
        "case_index",
        sa.Column("case_id", sa.String(36), primary_key=True),
        sa.Column("blob", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "drafts",
        sa.Column("draft_id", sa.String(120), primary_key=True),
        sa.Column("case_id", sa.String(36), nullable=True),
        sa.Column("blob", sa.LargeBinary, nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
    )


def downgrade() -> None:
    for name in ("drafts", "case_index", "outbox", "records", "case_keys", "known_keys", "settings", "vault"):
        op.drop_table(name)
