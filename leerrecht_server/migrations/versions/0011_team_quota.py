"""A team's own attachment quota (issue 15): `teams.attachment_quota_mb`, the MiB of sealed bytes its
cases' attachments may take on the server; NULL is the server's default (LEERRECHT_SERVER_TEAM_QUOTA_MB).
Set by a beheerder (`admin set-team-quota`, the console's teams page), so a team that scans a lot gets
more room without a restart or more room for everyone.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("teams") as batch:
        batch.add_column(sa.Column("attachment_quota_mb", sa.Integer, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("teams") as batch:
        batch.drop_column("attachment_quota_mb")
