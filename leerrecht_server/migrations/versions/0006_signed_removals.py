"""Signed membership removals (issue 12, finding 6): who took a member off (or transferred the case
away), at which new key version, their Ed25519 signature over it, and for a transfer the receiving
team. Served with the "removed" event; a laptop acts on one only when the signature verifies.

Earlier removals have none of these (the columns stay NULL).

Also the server's Ed25519 identity key (org_settings "server_identity"), made here: its public half
goes to a laptop at enrolment and login, and signs a `device_revoked` answer, which a laptop acts on
(erase) only with that proof.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("memberships") as batch:
        batch.add_column(sa.Column("removed_by", sa.String(36), nullable=True))
        batch.add_column(sa.Column("removed_key_version", sa.Integer, nullable=True))
        batch.add_column(sa.Column("removed_signature", sa.LargeBinary, nullable=True))
        batch.add_column(sa.Column("removed_team_id", sa.String(64), nullable=True))
    settings = sa.table("org_settings", sa.column("key", sa.String), sa.column("value", sa.Text))
    raw = Ed25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    op.bulk_insert(settings, [{"key": "server_identity", "value": raw.hex()}])


def downgrade() -> None:
    op.execute("DELETE FROM org_settings WHERE key = 'server_identity'")
    with op.batch_alter_table("memberships") as batch:
        batch.drop_column("removed_team_id")
        batch.drop_column("removed_signature")
        batch.drop_column("removed_key_version")
        batch.drop_column("removed_by")
