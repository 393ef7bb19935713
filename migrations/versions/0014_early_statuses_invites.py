"""status callbacks kept until their SID is recorded; invite attempts for the guess limits

Revision ID: 0014_early_statuses_invites
Revises: 0013_scheduled_jobs
Create Date: 2026-12-04 04:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_early_statuses_invites"
down_revision = "0013_scheduled_jobs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "early_delivery_statuses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider_message_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error_code", sa.String(length=16), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_early_delivery_statuses")),
    )
    op.create_index(
        op.f("ix_early_delivery_statuses_provider_message_id"),
        "early_delivery_statuses",
        ["provider_message_id"],
        unique=False,
    )
    op.create_table(
        "invite_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invite_attempts")),
    )
    op.create_index(op.f("ix_invite_attempts_chat_id"), "invite_attempts", ["chat_id"], unique=False)
    op.create_index(op.f("ix_invite_attempts_at"), "invite_attempts", ["at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_invite_attempts_at"), table_name="invite_attempts")
    op.drop_index(op.f("ix_invite_attempts_chat_id"), table_name="invite_attempts")
    op.drop_table("invite_attempts")
    op.drop_index(op.f("ix_early_delivery_statuses_provider_message_id"), table_name="early_delivery_statuses")
    op.drop_table("early_delivery_statuses")
