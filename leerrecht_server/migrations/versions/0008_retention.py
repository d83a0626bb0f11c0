"""Retention (issue 13, item 4): the organisation's retention period for closed cases lives in
org_settings ("retention_closed_days", set by `admin set-retention`); this adds what the server needs
to apply it without reading a case: the closing date a laptop reports when a case is closed (None while
it is open), and holds, a coordinator's postponement of one case's erasure until a date, with the
reason as typed (also in the audit log) and who set it.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("closed_on", sa.String(10), nullable=True))
    op.create_table(
        "retention_holds",
        sa.Column("case_id", sa.String(36), primary_key=True),
        sa.Column("until", sa.String(10), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("held_by", sa.String(36), nullable=False),
        sa.Column("held_at", sa.String(32), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("retention_holds")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("closed_on")
