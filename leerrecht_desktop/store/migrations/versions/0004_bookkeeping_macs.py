"""Local bookkeeping authenticated: a MAC column on case_keys and known_keys, and on records for the
head of each record.

Rows written before have no MAC yet: the keys to compute one are only there once the user unlocks, so
the first unlock after this upgrade authenticates them all in one transaction (store/bookkeeping.py).

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
    # batch mode: SQLite can add nullable columns in place, but batch keeps the migration portable.
    with op.batch_alter_table("case_keys") as batch:
        batch.add_column(sa.Column("mac", sa.LargeBinary, nullable=True))
    with op.batch_alter_table("known_keys") as batch:
        batch.add_column(sa.Column("mac", sa.LargeBinary, nullable=True))
    with op.batch_alter_table("records") as batch:
        batch.add_column(sa.Column("head_mac", sa.LargeBinary, nullable=True))


def downgrade() -> None:
    # Not batch mode: it would copy `records` into a new table and drop the old one, and the outbox's
    # ON DELETE CASCADE would empty the queue of unsent changes. SQLite drops a column in place.
    op.execute("ALTER TABLE records DROP COLUMN head_mac")
    op.execute("ALTER TABLE known_keys DROP COLUMN mac")
    op.execute("ALTER TABLE case_keys DROP COLUMN mac")
