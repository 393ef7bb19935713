"""the transactional schedule: jobs due later as rows written with the change that caused them

Revision ID: 0013_scheduled_jobs
Revises: 0012_telegram_ids_per_chat
Create Date: 2026-12-04 03:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_scheduled_jobs"
down_revision = "0012_telegram_ids_per_chat"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scheduled_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("func", sa.String(length=100), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduled_jobs")),
    )
    op.create_index(op.f("ix_scheduled_jobs_due_at"), "scheduled_jobs", ["due_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_scheduled_jobs_due_at"), table_name="scheduled_jobs")
    op.drop_table("scheduled_jobs")
