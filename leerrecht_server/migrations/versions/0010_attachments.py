"""Attachments (issue 15): sealed chunks and signed, sealed manifests, stored as they come.

- `attachments`: one row per attachment: its clear header (ids, case, key version, author), the
  uploading device, the chunk count and sealed size announced (the quota and the 25 MB limit are
  checked against them), the manifest (NULL until every chunk is in), `feed_seq` (the attachment
  feed's number, NULL until the manifest is in: a half-uploaded attachment is listed to nobody).
- `attachment_chunks`: one row per received chunk and its length (resuming an upload asks for these).
- `blob_data`: the chunks' bytes when the blob store is the database (the default; bytea on
  PostgreSQL, a blob on SQLite); empty with the directory store.
- The counter row `blob_seq` of the feed's gapless numbering.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attachments",
        sa.Column("attachment_id", sa.String(36), primary_key=True),
        sa.Column("case_id", sa.String(36), nullable=False, index=True),
        sa.Column("key_version", sa.Integer, nullable=False),
        sa.Column("author_id", sa.String(36), nullable=False),
        sa.Column("device_id", sa.String(36), nullable=False),
        sa.Column("chunk_count", sa.Integer, nullable=False),
        sa.Column("sealed_size", sa.BigInteger, nullable=False),
        sa.Column("nonce", sa.LargeBinary, nullable=True),
        sa.Column("sealed_manifest", sa.LargeBinary, nullable=True),
        sa.Column("signature", sa.LargeBinary, nullable=True),
        sa.Column("feed_seq", sa.BigInteger, nullable=True, unique=True),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("completed_at", sa.String(32), nullable=True),
    )
    op.create_table(
        "attachment_chunks",
        sa.Column("attachment_id", sa.String(36), primary_key=True),
        sa.Column("chunk_index", sa.Integer, primary_key=True),
        sa.Column("size", sa.Integer, nullable=False),
    )
    op.create_table(
        "blob_data",
        sa.Column("attachment_id", sa.String(36), primary_key=True),
        sa.Column("chunk_index", sa.Integer, primary_key=True),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    op.execute("INSERT INTO counters (name, value) VALUES ('blob_seq', 0)")


def downgrade() -> None:
    op.execute("DELETE FROM counters WHERE name = 'blob_seq'")
    op.drop_table("blob_data")
    op.drop_table("attachment_chunks")
    op.drop_table("attachments")
