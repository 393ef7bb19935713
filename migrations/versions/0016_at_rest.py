"""personal data at rest: texts, narratives, notes and phone numbers sealed; phones found by hash

Message texts and addresses, case narratives and the other party's phone, notes and the intake
conversation's data become sealed text (intake.crypto); phone numbers and chat ids get a keyed
hash column that lookups use. Rows already stored are sealed here, with the keys the caller hands
in (`bot.database.upgrade_database`) or, run by alembic itself, the keys of the environment.

Revision ID: 0016_at_rest
Revises: 0015_casework
Create Date: 2026-12-05 09:00:00
"""

import sqlalchemy as sa
from alembic import context, op

revision = "0016_at_rest"
down_revision = "0015_casework"
branch_labels = None
depends_on = None

# table -> (sealed columns, {address column: its hash column})
SEALED = {
    "identities": (("address",), {"address": "address_hash"}),
    "messages": (("address", "body"), {"address": "address_hash"}),
    "cases": (("summary", "details", "other_party_phone"), {"other_party_phone": "other_party_phone_hash"}),
    "case_notes": (("body",), {}),
    "conversations": (("data",), {}),
}
BATCH = 1000


def _keyring():
    keyring = context.config.attributes.get("keyring")
    if keyring is None:
        from bot.config import Config
        from bot.keys import load_keyring

        keyring = load_keyring(Config.from_env())
    return keyring


def _rewrite(transform) -> None:
    """Apply `transform(keyring, table, column, value) -> value or None (unchanged)` to every
    sealed column's rows, with the hash columns recomputed from the plain address."""
    from intake.crypto import phone_hash_or_none

    conn = op.get_bind()
    keyring = None
    for table_name, (columns, hashes) in SEALED.items():
        table = sa.table(table_name, sa.column("id"), *(sa.column(c) for c in (*columns, *hashes.values())))
        last = 0
        while True:
            rows = conn.execute(
                sa.select(table.c.id, *(table.c[c] for c in columns))
                .where(table.c.id > last)
                .order_by(table.c.id)
                .limit(BATCH)
            ).all()
            if not rows:
                break
            last = rows[-1].id
            updates = []
            for row in rows:
                values = {}
                for c in columns:
                    value = getattr(row, c)
                    if value is None or value == "":
                        continue
                    keyring = keyring or _keyring()
                    plain, new = transform(keyring, f"{table_name}.{c}", value)
                    if new is not None:
                        values[c] = new
                    if c in hashes:
                        values[hashes[c]] = phone_hash_or_none(keyring, plain)
                if values:
                    updates.append({"_id": row.id, **{f"v_{k}": v for k, v in values.items()}, "_cols": tuple(values)})
            by_shape: dict[tuple, list] = {}
            for u in updates:
                by_shape.setdefault(u.pop("_cols"), []).append(u)
            for cols, params in by_shape.items():
                stmt = (
                    sa.update(table)
                    .where(table.c.id == sa.bindparam("_id"))
                    .values({c: sa.bindparam(f"v_{c}") for c in cols})
                )
                conn.execute(stmt, params)


def _seal(keyring, column, value):
    from intake.crypto import key_id

    if key_id(value) is not None:  # sealed already (a migration run twice)
        return keyring.decrypt(value, column), None
    return value, keyring.encrypt(value, column)


def _open(keyring, column, value):
    from intake.crypto import key_id

    if key_id(value) is None:
        return value, None
    plain = keyring.decrypt(value, column)
    return plain, plain


def _telegram_provider_ids(chat_part) -> None:
    """Sent Telegram messages' provider ids are `<chat>:<message id>`: rewrite the chat part with
    `chat_part(address_hash, plain address)` (the keyed hash's first 16 characters upward, the
    chat id downward), so that no chat id stays in clear beside the sealed addresses."""
    import re

    conn = op.get_bind()
    m = sa.table(
        "messages",
        sa.column("id"),
        sa.column("direction"),
        sa.column("channel"),
        sa.column("address"),
        sa.column("address_hash"),
        sa.column("provider_message_id"),
    )
    rows = conn.execute(
        sa.select(m.c.id, m.c.address, m.c.address_hash, m.c.provider_message_id).where(
            m.c.direction == "out", m.c.channel == "telegram", m.c.provider_message_id.like("%:%")
        )
    ).all()
    updates = []
    for row in rows:
        chat, _, number = row.provider_message_id.rpartition(":")
        new_chat = chat_part(row.address_hash, row.address, chat)
        if new_chat is not None and re.fullmatch(r"\d+", number):
            updates.append({"_id": row.id, "v": f"{new_chat}:{number}"})
    if updates:
        conn.execute(
            sa.update(m).where(m.c.id == sa.bindparam("_id")).values(provider_message_id=sa.bindparam("v")), updates
        )


def upgrade() -> None:
    is_pg = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("identities", schema=None) as batch_op:
        batch_op.alter_column("address", type_=sa.Text(), existing_nullable=False)
        batch_op.add_column(sa.Column("address_hash", sa.String(length=64), nullable=True))
        batch_op.drop_constraint("uq_identities_channel_address", type_="unique")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.alter_column("address", type_=sa.Text(), existing_nullable=False)
        batch_op.add_column(sa.Column("address_hash", sa.String(length=64), nullable=True))
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.alter_column("other_party_phone", type_=sa.Text(), existing_nullable=True)
        batch_op.add_column(sa.Column("other_party_phone_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.alter_column(
            "data", type_=sa.Text(), existing_nullable=False, **({"postgresql_using": "data::text"} if is_pg else {})
        )
    _rewrite(_seal)
    # An id stored by the sender before this revision names the chat itself (digits, maybe a minus).
    _telegram_provider_ids(
        lambda digest, _address, chat: digest[:16] if digest and chat.lstrip("-").isdigit() else None
    )
    with op.batch_alter_table("identities", schema=None) as batch_op:
        batch_op.alter_column("address_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint("uq_identities_channel_address_hash", ["channel", "address_hash"])
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.create_index("ix_messages_channel_address_hash", ["channel", "address_hash"], unique=False)


def downgrade() -> None:
    is_pg = op.get_bind().dialect.name == "postgresql"
    _rewrite(_open)
    _telegram_provider_ids(lambda digest, address, chat: address if digest and chat == digest[:16] else None)
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_channel_address_hash")
        batch_op.drop_column("address_hash")
        batch_op.alter_column("address", type_=sa.String(length=64), existing_nullable=False)
    with op.batch_alter_table("identities", schema=None) as batch_op:
        batch_op.drop_constraint("uq_identities_channel_address_hash", type_="unique")
        batch_op.drop_column("address_hash")
        batch_op.alter_column("address", type_=sa.String(length=64), existing_nullable=False)
        batch_op.create_unique_constraint("uq_identities_channel_address", ["channel", "address"])
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("erased_at")
        batch_op.drop_column("other_party_phone_hash")
        batch_op.alter_column("other_party_phone", type_=sa.String(length=20), existing_nullable=True)
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.alter_column(
            "data", type_=sa.JSON(), existing_nullable=False, **({"postgresql_using": "data::json"} if is_pg else {})
        )
