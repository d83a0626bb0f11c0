"""The held-apart queue (issues 11 and 12): what a revoked laptop or a removed member could no
longer push, kept sealed for a coordinator of the team to accept into the case or discard.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "held_apart",
        sa.Column("item_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("team_id", sa.String(36), nullable=False),
        sa.Column("device_id", sa.String(36), nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
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
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.Column("decided_at", sa.String(32), nullable=True),
        sa.Column("accepted_as", sa.String(36), nullable=True),
    )
    op.create_index("ix_held_apart_team_status", "held_apart", ["team_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_held_apart_team_status", "held_apart")
    op.drop_table("held_apart")
