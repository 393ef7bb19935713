"""messages: index only the rows that have a contact, a case or an idempotency key

An inbound message is stored by the webhook with none of the three (the worker links the contact
and the case later; only outbound messages have an idempotency key), yet each was an entry in
three more B-trees on the webhook's hottest insert. Partial indexes (`WHERE … IS NOT NULL`) skip
those entries; every lookup by a value (`contact_id = ?`, `case_id = ?`, `idempotency_key = ?`)
still uses them, and the idempotency key stays unique.

Revision ID: 0018_partial_message_indexes
Revises: 0017_send_order
Create Date: 2026-12-06 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_partial_message_indexes"
down_revision = "0017_send_order"
branch_labels = None
depends_on = None

PARTIAL = {
    "ix_messages_contact_id": ("contact_id", False),
    "ix_messages_case_id": ("case_id", False),
    "uq_messages_idempotency_key": ("idempotency_key", True),
}


def _where(column: str):
    return sa.text(f"{column} IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_constraint("uq_messages_idempotency_key", type_="unique")
        batch.drop_index("ix_messages_contact_id")
        batch.drop_index("ix_messages_case_id")
    for name, (column, unique) in PARTIAL.items():
        op.create_index(
            name, "messages", [column], unique=unique, postgresql_where=_where(column), sqlite_where=_where(column)
        )


def downgrade() -> None:
    for name in PARTIAL:
        op.drop_index(name, table_name="messages")
    with op.batch_alter_table("messages") as batch:
        batch.create_unique_constraint("uq_messages_idempotency_key", ["idempotency_key"])
        batch.create_index("ix_messages_contact_id", ["contact_id"], unique=False)
        batch.create_index("ix_messages_case_id", ["case_id"], unique=False)
