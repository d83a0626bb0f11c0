"""Auth hardening (issue 12): attempt counters taken atomically before the slow hash, and where a
token came from (which device set the auth key a login used), so revoking a device also revokes
what was minted from it.

- `auth_throttle`: one counter row per limited key (a SHA-256 of "login-user|name", "ip|address",
  "enrol|name|address", "passphrase|device"), incremented by a single conditional UPDATE before any
  slow work; it replaces `login_attempts` (one row per failure, counted before and written after
  the hash, which concurrent requests raced past).
- `users.auth_set_by`: the device whose passphrase change set the current auth key (NULL when it
  was set by an enrolment, i.e. by the admin's code).
- `devices.minted_by`: for a device made by login, the `auth_set_by` of that moment.

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
    op.create_table(
        "auth_throttle",
        sa.Column("key_hash", sa.String(64), primary_key=True),
        sa.Column("hits", sa.Integer, nullable=False),
        sa.Column("window_start", sa.Float, nullable=False),
    )
    op.create_index("ix_auth_throttle_window_start", "auth_throttle", ["window_start"])
    op.drop_index("ix_login_attempts_username_at", "login_attempts")
    op.drop_index("ix_login_attempts_ip_at", "login_attempts")
    op.drop_table("login_attempts")
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("auth_set_by", sa.String(36), nullable=True))
    with op.batch_alter_table("devices") as batch:
        batch.add_column(sa.Column("minted_by", sa.String(36), nullable=True))
    op.create_index("ix_devices_minted_by", "devices", ["minted_by"])


def downgrade() -> None:
    op.drop_index("ix_devices_minted_by", "devices")
    with op.batch_alter_table("devices") as batch:
        batch.drop_column("minted_by")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("auth_set_by")
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("ip", sa.String(64), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
    )
    op.create_index("ix_login_attempts_username_at", "login_attempts", ["username", "at"])
    op.create_index("ix_login_attempts_ip_at", "login_attempts", ["ip", "at"])
    op.drop_index("ix_auth_throttle_window_start", "auth_throttle")
    op.drop_table("auth_throttle")
