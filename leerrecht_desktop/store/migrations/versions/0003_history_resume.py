"""Resume a newly shared case's history fetch after an interruption.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch mode: SQLite can add nullable columns in place, but batch keeps the migration portable.
    with op.batch_alter_table("sync_cases") as batch:
        batch.add_column(sa.Column("history_upto", sa.Integer, nullable=True))
        batch.add_column(sa.Column("history_after", sa.Integer, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sync_cases") as batch:
        batch.drop_column("history_after")
        batch.drop_column("history_upto")
