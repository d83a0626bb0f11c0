"""Sync: enrolment state, cases known to the server, offline sharing queue, merge conflicts.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_state",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("server_url", sa.Text, nullable=False),
        sa.Column("device_id", sa.String(36), nullable=False),
        sa.Column("sealed_token", sa.LargeBinary, nullable=False),
        sa.Column("team_id", sa.String(64), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("recovery_public", sa.LargeBinary, nullable=True),
        sa.Column("cursor", sa.Integer, nullable=False),
        sa.Column("last_success_at", sa.String(32), nullable=True),
        sa.Column("pinned_sha256", sa.String(64), nullable=True),
    )
    op.create_table(
        "sync_cases",
        sa.Column("case_id", sa.String(36), primary_key=True),
        sa.Column("members", sa.Text, nullable=False),
    )
    op.create_table(
        "pending_members",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("action", sa.String(8), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("grants", sa.Text, nullable=False),
        sa.Column("queued_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "conflicts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("record_id", sa.String(36), nullable=False),
        sa.Column("blob", sa.LargeBinary, nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
    )
    op.create_index("ix_conflicts_case", "conflicts", ["case_id"])


def downgrade() -> None:
    for name in ("conflicts", "pending_members", "sync_cases", "sync_state"):
        op.drop_table(name)
