"""casework: notes, a routing sequence, an official's pending message, office addresses

Revision ID: 0015_casework
Revises: 0014_early_statuses_invites
Create Date: 2026-12-04 04:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_casework"
down_revision = "0014_early_statuses_invites"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=True),
        sa.Column("official_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_case_notes_case_id_cases")),
        sa.ForeignKeyConstraint(["office_id"], ["offices.id"], name=op.f("fk_case_notes_office_id_offices")),
        sa.ForeignKeyConstraint(["official_id"], ["officials.id"], name=op.f("fk_case_notes_official_id_officials")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_notes")),
    )
    with op.batch_alter_table("case_notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_notes_case_id"), ["case_id"], unique=False)
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("routing_seq", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("offices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("address_en", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("address_km", sa.String(length=300), nullable=True))
    with op.batch_alter_table("officials", schema=None) as batch_op:
        batch_op.add_column(sa.Column("awaiting", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("awaiting_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("officials", schema=None) as batch_op:
        batch_op.drop_column("awaiting_at")
        batch_op.drop_column("awaiting")
    with op.batch_alter_table("offices", schema=None) as batch_op:
        batch_op.drop_column("address_km")
        batch_op.drop_column("address_en")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("routing_seq")
    with op.batch_alter_table("case_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_notes_case_id"))
    op.drop_table("case_notes")
