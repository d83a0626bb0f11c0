"""Membership changes by role (issue 12): a case's owner (the worker the server lets manage its
members beside the team's coordinators) and who added each member.

An existing case's owner is its registering user from the audit log, unless that user is a
coordinator (coordinators manage their team's cases by role); earlier memberships have no adder.

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
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("owner_id", sa.String(36), nullable=True))
    with op.batch_alter_table("memberships") as batch:
        batch.add_column(sa.Column("added_by", sa.String(36), nullable=True))
    op.execute("UPDATE cases SET owner_id = (SELECT a.user_id FROM audit_log a WHERE a.action = 'case_register' "
               "AND a.case_ids = cases.case_id ORDER BY a.id LIMIT 1)")
    op.execute("UPDATE cases SET owner_id = NULL WHERE owner_id IN "
               "(SELECT user_id FROM users WHERE role = 'coordinator' AND user_id IS NOT NULL)")


def downgrade() -> None:
    with op.batch_alter_table("memberships") as batch:
        batch.drop_column("added_by")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("owner_id")
