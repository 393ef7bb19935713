"""safe hours for messages we start, the other party's phone

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 10:52:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("safe_hours", sa.String(length=8), nullable=True))
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("other_party_phone", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("other_party_phone")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_column("safe_hours")
