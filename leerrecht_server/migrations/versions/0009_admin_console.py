"""The beheerder's web console (issue 16): admin accounts apart from worker accounts, and their
browser sessions.

- `admin_accounts`: one row per beheerder: the name, an Argon2id hash of the password (its own salt
  and parameters beside it, as users.auth_params), whether the password is still the one-time
  password `admin create-admin` printed (`must_change`), the TOTP secret sealed (AES-GCM under a key
  derived from the server secret, bound to the name; docs/threat-model.md §14 says what that does and
  does not protect), the last TOTP time step used (a code is accepted once), status, when created and
  last logged in.
- `admin_sessions`: one row per browser session: a SHA-256 of the cookie's token (never the token),
  the admin, its stage (`totp`: password right, code still to type; `setup`: first login, new password
  and TOTP still to set; `full`), the CSRF token of its forms, a TOTP secret being enrolled (sealed as
  above), created and last seen (the idle timeout).

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "admin_accounts",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("password_hash", sa.LargeBinary, nullable=True),
        sa.Column("password_params", sa.Text, nullable=True),
        sa.Column("must_change", sa.Boolean, nullable=False),
        sa.Column("totp_sealed", sa.LargeBinary, nullable=True),
        sa.Column("totp_last_step", sa.BigInteger, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("last_login_at", sa.String(32), nullable=True),
    )
    op.create_table(
        "admin_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("admin_name", sa.String(64), sa.ForeignKey("admin_accounts.name", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("pending_totp", sa.LargeBinary, nullable=True),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("last_seen", sa.Float, nullable=False, index=True),
    )


def downgrade() -> None:
    op.drop_table("admin_sessions")
    op.drop_table("admin_accounts")
