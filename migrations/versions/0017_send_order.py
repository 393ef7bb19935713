"""per-recipient send order: an index of each recipient's unsettled outbound messages

A send claims a message only when no older outbound message to the same recipient (channel and
the keyed hash of the address: addresses are sealed) is still `queued` or `sending`
(intake.repository), so messages to one chat or phone leave in the order
they were created. This partial index keeps that check to the few pending rows of a recipient.

Revision ID: 0017_send_order
Revises: 0016_at_rest
Create Date: 2026-12-05 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_send_order"
down_revision = "0016_at_rest"
branch_labels = None
depends_on = None

UNSETTLED_OUTBOUND = "direction = 'out' AND status IN ('queued', 'sending')"


def upgrade() -> None:
    op.create_index(
        "ix_messages_unsettled_outbound",
        "messages",
        ["channel", "address_hash", "id"],
        unique=False,
        postgresql_where=sa.text(UNSETTLED_OUTBOUND),
        sqlite_where=sa.text(UNSETTLED_OUTBOUND),
    )


def downgrade() -> None:
    op.drop_index("ix_messages_unsettled_outbound", table_name="messages")
