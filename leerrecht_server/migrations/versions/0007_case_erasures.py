"""Erasure everywhere (issue 13, item 3): when a case is erased the server deletes its revisions, heads,
key grants, memberships and held-apart items, and keeps only this row, the fact that laptops which still
hold the case learn at their next contact (the erasure feed). No content, no name: the case id, the
team, when, why in a word (request | retention), who (a request) with their Ed25519 signature over
erasure_message, the retention policy in force (retention), and the users who held it, so that their
laptops are told even though their memberships are gone.

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
        "case_erasures",
        sa.Column("case_id", sa.String(36), primary_key=True),
        sa.Column("team_id", sa.String(36), nullable=False),
        # From the same counter as revision seqs, so a laptop's feed cursor only moves forward.
        sa.Column("seq", sa.BigInteger, nullable=False, unique=True),
        sa.Column("erased_at", sa.String(32), nullable=False),
        sa.Column("cause", sa.String(16), nullable=False),  # request | retention
        sa.Column("erased_by", sa.String(36), nullable=True),  # the user (request); None: retention
        sa.Column("signature", sa.LargeBinary, nullable=True),  # request: erased_by's, over erasure_message
        sa.Column("reason", sa.Text, nullable=True),  # the request's reason as typed (also in the audit log)
        sa.Column("closed_days", sa.Integer, nullable=True),  # retention: the policy in force
        sa.Column("closed_on", sa.String(10), nullable=True),  # retention: the closing date the server had
        sa.Column("member_ids", sa.Text, nullable=False),  # space-separated user ids who held the case
    )


def downgrade() -> None:
    op.drop_table("case_erasures")
