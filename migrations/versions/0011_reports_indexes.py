"""reports: indexes for the indicator queries, SMS segments per outbound message, offered questions

Revision ID: 0011_reports_indexes
Revises: 0010_console
Create Date: 2026-12-04 03:50:00

`messages.segments` is counted once when a message is queued (intake/outbound.py); existing
outbound SMS rows are counted here. `legal_questions.offered` tells an offer of close articles
from an honest "we do not know" (both are `answered = false`).
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_reports_indexes"
down_revision = "0010_console"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from intake.sms import count_segments

    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("segments", sa.Integer(), nullable=True))
    with op.batch_alter_table("legal_questions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("offered", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_index("ix_cases_created_at", "cases", ["created_at"])
    op.create_index("ix_case_events_type_at_case_id", "case_events", ["type", "at", "case_id"])
    op.create_index("ix_case_events_case_id_type_at", "case_events", ["case_id", "type", "at"])
    op.create_index("ix_messages_direction_created_at", "messages", ["direction", "created_at"])

    conn = op.get_bind()
    rows = conn.execute(
        sa.text("SELECT id, body FROM messages WHERE direction = 'out' AND channel = 'sms' AND segments IS NULL")
    ).fetchall()
    update = sa.text("UPDATE messages SET segments = :s WHERE id = :id")
    for start in range(0, len(rows), 1000):
        batch = rows[start : start + 1000]
        conn.execute(update, [{"id": r.id, "s": count_segments(r.body).segments} for r in batch])


def downgrade() -> None:
    op.drop_index("ix_messages_direction_created_at", table_name="messages")
    op.drop_index("ix_case_events_case_id_type_at", table_name="case_events")
    op.drop_index("ix_case_events_type_at_case_id", table_name="case_events")
    op.drop_index("ix_cases_created_at", table_name="cases")
    with op.batch_alter_table("legal_questions", schema=None) as batch_op:
        batch_op.drop_column("offered")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("segments")
