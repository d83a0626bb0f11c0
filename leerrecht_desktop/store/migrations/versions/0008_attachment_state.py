"""The blob sync (issue 15): an index on `attachments.state`, so each sync round finds the attachments
still to send (`local`, `uploading`) or to fetch (`remote`) without reading past the sealed manifests
of the ones already synced: a round with nothing to do stays as fast with a thousand attachments as
with none (benchmarks/attachments.py).

Revision ID: 0008
Revises: 0007
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_attachments_state", "attachments", ["state"])


def downgrade() -> None:
    op.drop_index("ix_attachments_state", "attachments")
