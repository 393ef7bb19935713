"""Telegram outbound provider ids scoped to their chat: `chat_id:message_id`

Telegram numbers messages within each chat, so two chats both have a message 1 and a bare
message id collides under the unique (direction, channel, provider_message_id) constraint, which
failed the commit after a successful send (and the message was sent again). The sender now
returns `chat_id:message_id`; this rewrites the ids already stored the same way. The constraint
itself stays: inbound ids (Twilio SIDs, Telegram update ids) are unique per channel, and the
outbound ids are now unique per channel too.

Revision ID: 0012_telegram_ids_per_chat
Revises: 0011_reports_indexes
Create Date: 2026-12-04 03:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_telegram_ids_per_chat"
down_revision = "0011_reports_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        sa.text(
            "UPDATE messages SET provider_message_id = address || ':' || provider_message_id "
            "WHERE direction = 'out' AND channel = 'telegram' AND provider_message_id IS NOT NULL "
            "AND provider_message_id NOT LIKE '%:%'"
        )
    )


def downgrade() -> None:
    # Bare message ids would collide again; nothing reads outbound Telegram ids back (status
    # callbacks are Twilio's), so they are dropped rather than shortened.
    op.execute(
        sa.text(
            "UPDATE messages SET provider_message_id = NULL "
            "WHERE direction = 'out' AND channel = 'telegram' AND provider_message_id LIKE '%:%'"
        )
    )
