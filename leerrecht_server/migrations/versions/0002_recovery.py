"""Recovery and accounts (issue 11): user statuses beyond pending/active, a device's state
(active | replaced | revoked) and what it last reported (app version, unsent changes), and the
history of each user's public keys.

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
    # "awaiting_recovery" does not fit the first schema's 16 characters.
    with op.batch_alter_table("users") as batch:
        batch.alter_column("status", existing_type=sa.String(16), type_=sa.String(32), existing_nullable=False)
    with op.batch_alter_table("devices") as batch:
        batch.add_column(sa.Column("state", sa.String(16), nullable=False, server_default="active"))
        batch.add_column(sa.Column("app_version", sa.String(32), nullable=True))
        batch.add_column(sa.Column("unsent_reported", sa.Integer, nullable=True))
    op.execute("UPDATE devices SET state = 'revoked' WHERE revoked_at IS NOT NULL")
    # Before this schema a reset set the user back to "pending" with its profile id kept; that is
    # what "reset" now means (a new code issued, not enrolled again yet).
    op.execute("UPDATE users SET status = 'reset' WHERE status = 'pending' AND user_id IS NOT NULL")

    # Every public key pair a user enrolled with; the current one has no retired_at. Revisions a
    # user signed before a reset stay verifiable against the retired signing keys.
    op.create_table(
        "user_keys",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("exchange_public", sa.LargeBinary, nullable=False),
        sa.Column("signing_public", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("retired_at", sa.String(32), nullable=True),
    )
    op.create_index("ix_user_keys_user", "user_keys", ["user_id"])
    op.execute("INSERT INTO user_keys (user_id, exchange_public, signing_public, created_at, retired_at) "
               "SELECT user_id, exchange_public, signing_public, created_at, NULL FROM users "
               "WHERE user_id IS NOT NULL AND exchange_public IS NOT NULL AND signing_public IS NOT NULL")


def downgrade() -> None:
    op.drop_index("ix_user_keys_user", "user_keys")
    op.drop_table("user_keys")
    op.execute("UPDATE users SET status = 'pending' WHERE status IN ('reset', 'awaiting_recovery')")
    with op.batch_alter_table("devices") as batch:
        batch.drop_column("unsent_reported")
        batch.drop_column("app_version")
        batch.drop_column("state")
    with op.batch_alter_table("users") as batch:
        batch.alter_column("status", existing_type=sa.String(32), type_=sa.String(16), existing_nullable=False)
