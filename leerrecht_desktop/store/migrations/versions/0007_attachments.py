"""Attachments (issue 15): scans and photos of a case, sealed in chunks under a key derived from the
case key (leerrecht_core/crypto/attachments.py), kept in tables of their own so that opening a case,
unlocking and the case list never read them. In the clear: the attachment's id, its case, key
version, author and state, and per chunk its index; the file, its name, title, type, size and time
are sealed (the sizes of the ciphertexts show roughly how big it is; docs/threat-model.md).

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attachments",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("key_version", sa.Integer, nullable=False),
        sa.Column("author_id", sa.String(36), nullable=False),
        sa.Column("nonce", sa.LargeBinary, nullable=False),
        sa.Column("sealed_manifest", sa.LargeBinary, nullable=False),
        sa.Column("signature", sa.LargeBinary, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
    )
    op.create_index("ix_attachments_case", "attachments", ["case_id"])
    op.create_table(
        "attachment_chunks",
        sa.Column("attachment_id", sa.String(36), primary_key=True),
        sa.Column("chunk_index", sa.Integer, primary_key=True),
        sa.Column("nonce", sa.LargeBinary, nullable=False),
        sa.Column("ciphertext", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("attachment_chunks")
    op.drop_index("ix_attachments_case", table_name="attachments")
    op.drop_table("attachments")
