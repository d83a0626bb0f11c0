"""The newest key version the server has shown for a case (its case state, a pulled revision), so a
change sealed under an older key is never pushed while the newer key is withheld (issue 12 finding 6);
and the server's identity (Ed25519 public key) pinned at enrolment, which must sign a revocation
before this laptop erases anything.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch mode: SQLite can add nullable columns in place, but batch keeps the migration portable.
    with op.batch_alter_table("sync_cases") as batch:
        batch.add_column(sa.Column("key_version_seen", sa.Integer, nullable=True))
    with op.batch_alter_table("sync_state") as batch:
        batch.add_column(sa.Column("server_identity", sa.LargeBinary, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sync_state") as batch:
        batch.drop_column("server_identity")
    with op.batch_alter_table("sync_cases") as batch:
        batch.drop_column("key_version_seen")
