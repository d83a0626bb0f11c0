"""The access log (issue 13 item 6): who opened, printed, exported, shared, handed over or erased a
case on this laptop, sealed under the local data key until the next sync hands it to the server's
audit log. Only a row id is in the clear; the entry (user, time, action, case) is in `blob`. A row
exists while the entry is unsent: the sync deletes what the server took.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "access_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("blob", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("access_log")
