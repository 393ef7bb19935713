"""Tables and the imperative mapping of the domain classes onto them (SQLAlchemy 2).

The same schema runs on PostgreSQL and SQLite; Alembic migrations in `migrations/` create it.
"""

from __future__ import annotations

from datetime import UTC

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    event,
    false,
    func,
    inspect,
    text,
    true,
)
from sqlalchemy.orm import registry
from sqlalchemy.types import TypeDecorator

from intake import model
from intake.crypto import (
    EncryptedAddress,
    EncryptedJSON,
    EncryptedText,
    keyring_of,
    phone_hash_default,
    phone_hash_or_none,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite forgets the zone otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime: store timezone-aware UTC values")
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


UTC_DATETIME = UTCDateTime()

UNSETTLED_OUTBOUND = "direction = 'out' AND status IN ('queued', 'sending')"

contacts = Table(
    "contacts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("language", String(8), nullable=False),
    Column("opted_out", Boolean, nullable=False, default=False),
    Column("role", String(32), nullable=False, default=model.ContactRole.CITIZEN.value),
    Column("safe_to_sms", Boolean, nullable=False, default=True, server_default=true()),
    Column("language_fixed", Boolean, nullable=False, default=False, server_default=false()),
    Column("safe_hours", String(8)),
    Column("commune_code", String(6)),
    Column("created_at", UTC_DATETIME, nullable=False),
)

identities = Table(
    "identities",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("contact_id", ForeignKey("contacts.id"), nullable=False, index=True),
    Column("channel", String(16), nullable=False),
    # Phone numbers and chat ids are sealed (intake.crypto); found by their keyed hash.
    Column("address", EncryptedAddress("identities.address"), nullable=False),
    Column("address_hash", String(64), nullable=False, default=phone_hash_default("address")),
    UniqueConstraint("channel", "address_hash", name="uq_identities_channel_address_hash"),
)

offices = Table(
    "offices",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(32), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),
    Column("name_en", String(200), nullable=False),
    Column("name_km", String(200), nullable=False),
    Column("province_code", String(2), nullable=False),
    Column("district_code", String(4)),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("phone", String(32)),
    Column("covered_districts", JSON, nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("sample", Boolean, nullable=False, default=False),
    Column("address_en", String(300)),
    Column("address_km", String(300)),
)

officials = Table(
    "officials",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("office_id", ForeignKey("offices.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("role", String(16), nullable=False),
    Column("telegram_chat_id", String(32), unique=True),
    Column("invite_code_hash", String(64), unique=True),
    Column("invite_expires_at", UTC_DATETIME),
    Column("active", Boolean, nullable=False, default=True),
    Column("linked_at", UTC_DATETIME),
    Column("created_at", UTC_DATETIME, nullable=False),
    Column("console_language", String(8)),  # the web console's language, chosen by the official
    Column("awaiting", String(40)),
    Column("awaiting_at", UTC_DATETIME),
)

cases = Table(
    "cases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("ref", String(8), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),
    Column("status", String(24), nullable=False),
    Column("urgent", Boolean, nullable=False, default=False),
    Column("contact_id", ForeignKey("contacts.id"), nullable=False, index=True),
    Column("language", String(8), nullable=False),
    Column("province_code", String(2)),
    Column("district_code", String(4)),
    Column("commune_code", String(6)),
    Column("office_id", ForeignKey("offices.id"), index=True),
    Column("routing_reason", String(200)),
    Column("distance_km", Float),
    # What the person told us, sealed (intake.crypto); erased when the case's time is up
    # (intake.retention).
    Column("summary", EncryptedText("cases.summary")),
    Column("details", EncryptedText("cases.details")),
    Column("other_party_phone", EncryptedAddress("cases.other_party_phone")),
    Column("other_party_phone_hash", String(64), default=phone_hash_default("other_party_phone")),
    Column("accepted_by", ForeignKey("officials.id")),
    Column("escalation_level", Integer, nullable=False, default=0, server_default="0"),
    Column("routing_seq", Integer, nullable=False, default=0, server_default="0"),
    Column("follow_up_answer", String(16)),
    # When retention (or a person's request) erased what the case held (intake.retention).
    Column("erased_at", UTC_DATETIME),
    Column("created_at", UTC_DATETIME, nullable=False),
    Column("updated_at", UTC_DATETIME, nullable=False),
    Index("ix_cases_created_at", "created_at"),
)

case_events = Table(
    "case_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", ForeignKey("cases.id"), nullable=False, index=True),
    Column("type", String(32), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("detail", JSON, nullable=False),
    Column("at", UTC_DATETIME, nullable=False),
    Index("ix_case_events_type_at_case_id", "type", "at", "case_id"),
    Index("ix_case_events_case_id_type_at", "case_id", "type", "at"),
)

case_notes = Table(
    "case_notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", ForeignKey("cases.id"), nullable=False, index=True),
    Column("office_id", ForeignKey("offices.id")),
    Column("official_id", ForeignKey("officials.id"), nullable=False),
    Column("body", EncryptedText("case_notes.body"), nullable=False),
    Column("at", UTC_DATETIME, nullable=False),
)

appointments = Table(
    "appointments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", ForeignKey("cases.id"), nullable=False, index=True),
    Column("starts_at", UTC_DATETIME, nullable=False),
    Column("place", String(300), nullable=False),
    Column("status", String(16), nullable=False),
    Column("citizen_answer", String(16)),
    Column("created_by", ForeignKey("officials.id")),
    Column("created_at", UTC_DATETIME, nullable=False),
)

legal_questions = Table(
    "legal_questions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("asked_at", UTC_DATETIME, nullable=False, index=True),
    Column("channel", String(16), nullable=False),
    Column("language", String(8), nullable=False),
    Column("answered", Boolean, nullable=False),
    Column("article_id", String(80)),
    Column("topic", String(40)),
    Column("province_code", String(2)),
    Column("district_code", String(4)),
    Column("commune_code", String(6)),
    Column("by_council", Boolean, nullable=False),
    Column("offered", Boolean, nullable=False, default=False, server_default=false()),
)

conversations = Table(
    "conversations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("contact_id", ForeignKey("contacts.id"), nullable=False, unique=True),
    Column("state", String(32), nullable=False),
    Column("data", EncryptedJSON("conversations.data"), nullable=False),  # holds the story being told
    Column("case_id", ForeignKey("cases.id")),
    Column("updated_at", UTC_DATETIME, nullable=False),
)


def _where_set(column: str) -> dict[str, object]:
    """The dialect options of a partial index over the rows where `column` is set."""
    return {"postgresql_where": text(f"{column} IS NOT NULL"), "sqlite_where": text(f"{column} IS NOT NULL")}


messages = Table(
    "messages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("direction", String(3), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("address", EncryptedAddress("messages.address"), nullable=False),
    Column("address_hash", String(64), default=phone_hash_default("address")),
    Column("body", EncryptedText("messages.body"), nullable=False),
    Column("status", String(16), nullable=False),
    # Inbound: the provider's id (MessageSid, Telegram update_id), unique per channel so that a
    # redelivered webhook finds the message it already stored.
    Column("provider_message_id", String(64)),
    # Outbound: the key that makes "send this" idempotent however often a job runs.
    # Unique where set; indexed only where set (partial indexes, see `_where_set` below).
    Column("idempotency_key", String(128)),
    Column("contact_id", ForeignKey("contacts.id")),
    Column("official_id", ForeignKey("officials.id")),
    Column("case_id", ForeignKey("cases.id")),
    Column("purpose", String(32), nullable=False),
    Column("urgent", Boolean, nullable=False, default=False),
    Column("buttons", JSON),
    Column("attempts", Integer, nullable=False, default=0),
    Column("error", String(300)),
    Column("created_at", UTC_DATETIME, nullable=False),
    Column("updated_at", UTC_DATETIME, nullable=False),
    # Outbound: the lease of the attempt in flight (a worker that died leaves it to expire), and
    # when a deferred send is due, so that recovery does not re-queue it early.
    Column("attempt_started_at", UTC_DATETIME),
    Column("next_attempt_at", UTC_DATETIME),
    Column("segments", Integer),
    UniqueConstraint("direction", "channel", "provider_message_id", name="uq_messages_provider_id"),
    # An inbound message is stored with no contact, case or idempotency key (the worker links the
    # first two later; only outbound messages have a key): indexing only the rows that have one
    # spares the webhook's insert three index entries, and lookups by value still use them.
    Index("uq_messages_idempotency_key", "idempotency_key", unique=True, **_where_set("idempotency_key")),
    Index("ix_messages_contact_id", "contact_id", **_where_set("contact_id")),
    Index("ix_messages_case_id", "case_id", **_where_set("case_id")),
    Index("ix_messages_status_direction", "status", "direction"),
    Index("ix_messages_direction_created_at", "direction", "created_at"),
    Index("ix_messages_channel_address_hash", "channel", "address_hash"),
    # Each recipient's unsent outbound messages in order (intake.repository: a send claims a
    # message only when no older one to its recipient is unsettled): small, only pending rows.
    Index(
        "ix_messages_unsettled_outbound",
        "channel",
        "address_hash",
        "id",
        postgresql_where=text(UNSETTLED_OUTBOUND),
        sqlite_where=text(UNSETTLED_OUTBOUND),
    ),
)

# The web console (bot/console): one-time sign-in links, sessions, and the append-only audit log.
sign_in_tokens = Table(
    "sign_in_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("official_id", ForeignKey("officials.id"), nullable=False, index=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("expires_at", UTC_DATETIME, nullable=False),
    Column("used_at", UTC_DATETIME),
    Column("created_at", UTC_DATETIME, nullable=False),
)

console_sessions = Table(
    "console_sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("official_id", ForeignKey("officials.id"), nullable=False, index=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTC_DATETIME, nullable=False),
    Column("last_seen_at", UTC_DATETIME, nullable=False),
    Column("ended_at", UTC_DATETIME),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UTC_DATETIME, nullable=False, index=True),
    Column("official_id", ForeignKey("officials.id"), index=True),
    Column("action", String(40), nullable=False),
    Column("case_ref", String(8), index=True),
    Column("ip", String(45)),
    Column("detail", JSON, nullable=False),
    Index("ix_audit_log_action_ip_at", "action", "ip", "at"),
)

# Jobs due later (escalations, reminders, follow-ups, check-ins, held or retried sends): written
# in the transaction that decided them, moved to the job queue when due (intake.schedule).
scheduled_jobs = Table(
    "scheduled_jobs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("func", String(100), nullable=False),
    Column("args", JSON, nullable=False),
    Column("due_at", UTC_DATETIME, nullable=False, index=True),
    Column("created_at", UTC_DATETIME, nullable=False, server_default=func.now()),
)

# Twilio status callbacks that arrived before the send recorded the message's SID: kept, and
# applied when the SID is recorded (intake.outbound.apply_early_statuses).
early_delivery_statuses = Table(
    "early_delivery_statuses",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("provider_message_id", String(64), nullable=False, index=True),
    Column("status", String(16), nullable=False),
    Column("error_code", String(16)),
    Column("received_at", UTC_DATETIME, nullable=False),
)

# Invite codes tried on Telegram, right or wrong: wrong guesses are limited per chat and overall.
invite_attempts = Table(
    "invite_attempts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("chat_id", String(64), nullable=False, index=True),
    Column("ok", Boolean, nullable=False),
    Column("at", UTC_DATETIME, nullable=False, index=True),
)

mapper_registry = registry(metadata=metadata)
_mapped = False


def start_mappers() -> None:
    """Map the domain classes onto the tables (once per process)."""
    global _mapped
    if _mapped:
        return
    mapper_registry.map_imperatively(model.Contact, contacts)
    mapper_registry.map_imperatively(model.Identity, identities)
    mapper_registry.map_imperatively(model.Office, offices)
    mapper_registry.map_imperatively(model.Official, officials)
    mapper_registry.map_imperatively(model.Case, cases)
    mapper_registry.map_imperatively(model.CaseEvent, case_events)
    mapper_registry.map_imperatively(model.CaseNote, case_notes)
    mapper_registry.map_imperatively(model.Appointment, appointments)
    mapper_registry.map_imperatively(model.LegalQuestion, legal_questions)
    mapper_registry.map_imperatively(model.Conversation, conversations)
    mapper_registry.map_imperatively(model.Message, messages)
    mapper_registry.map_imperatively(model.SignInToken, sign_in_tokens)
    mapper_registry.map_imperatively(model.ConsoleSession, console_sessions)
    mapper_registry.map_imperatively(model.AuditEntry, audit_log)
    event.listen(model.Case, "before_update", _rehash_other_party_phone)
    _mapped = True


def _rehash_other_party_phone(_mapper, connection, case: model.Case) -> None:
    """The other party's phone, given after the case opened: its lookup hash follows it (inserts
    get theirs from the column default)."""
    if inspect(case).attrs.other_party_phone.history.has_changes():
        case.other_party_phone_hash = phone_hash_or_none(keyring_of(connection), case.other_party_phone)  # type: ignore[attr-defined]
