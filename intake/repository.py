"""The repository: the queries the domain needs over one session. Methods take and return
domain objects (or ids), never rows; the unit of work (`intake.unit_of_work`) owns the session."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from functools import cache
from typing import NamedTuple

from sqlalchemy import bindparam, delete, exists, func, insert, select, text, tuple_, update
from sqlalchemy.orm import Session

from intake import orm
from intake.crypto import Keyring, keyring_of, phone_hash_or_none
from intake.model import (
    OPEN_STATUSES,
    Appointment,
    AuditEntry,
    Case,
    CaseEvent,
    CaseNote,
    Channel,
    ConsoleSession,
    Contact,
    Conversation,
    Direction,
    Identity,
    InboundStatus,
    LegalQuestion,
    Message,
    Office,
    Official,
    OutboundStatus,
)

# An outbound message in these states has not been settled: it blocks the newer ones to its recipient.
UNSETTLED = (OutboundStatus.QUEUED, OutboundStatus.SENDING)


def _older_unsettled(messages):
    """SQL: an older outbound message to the same recipient as this row is still unsettled."""
    older = messages.alias("older")
    return exists().where(
        older.c.direction == Direction.OUT,
        older.c.channel == messages.c.channel,
        older.c.address_hash == messages.c.address_hash,
        older.c.status.in_(UNSETTLED),
        older.c.id < messages.c.id,
    )


INBOUND_COLUMNS = (
    "direction",
    "channel",
    "address",
    "address_hash",
    "body",
    "status",
    "provider_message_id",
    "purpose",
    "urgent",
    "attempts",
    "error",
    "created_at",
    "updated_at",
)


def inbound_insert_sql(placeholder: Callable[[str], str]) -> str:
    """The insert of an inbound row, with `placeholder(column)` for each value (`:name` for
    SQLAlchemy, `%(name)s` for the driver): PostgreSQL and SQLite (3.35+) both speak `ON CONFLICT
    ... DO NOTHING RETURNING`."""
    return (
        f"INSERT INTO messages ({', '.join(INBOUND_COLUMNS)}) "
        f"VALUES ({', '.join(placeholder(c) for c in INBOUND_COLUMNS)}) "
        "ON CONFLICT (direction, channel, provider_message_id) DO NOTHING RETURNING id"
    )


def sealed_inbound_row(keyring: Keyring, row: dict[str, object]) -> dict[str, object]:
    """An inbound row (`intake.services.inbound_row`) as the driver stores it: address and text
    sealed, the address's lookup hash beside it (for the webhook's insert below SQLAlchemy)."""
    address, body = str(row["address"]), str(row["body"])
    return {
        **row,
        "address": keyring.encrypt(address, "messages.address") if address else address,
        "address_hash": phone_hash_or_none(keyring, address),
        "body": keyring.encrypt(body, "messages.body") if body else body,
    }


@cache
def _inbound_insert():
    """The insert as text with typed parameters: unlike SQLAlchemy's PostgreSQL `insert()`
    construct (compiled afresh on every call), a text statement is compiled once and cached."""
    return text(inbound_insert_sql(lambda c: f":{c}")).bindparams(
        *(bindparam(c, type_=orm.messages.c[c].type) for c in INBOUND_COLUMNS)
    )


# Ids Telegram recovery reads beyond the messages the person wrote since our last recorded one.
CHAT_PROBE_MARGIN = 5


class ChatPosition(NamedTuple):
    """A Telegram chat as recovery looks into it: its keyed hash, the id of the last message we
    recorded there (0 for none), and how many ids after it to read (the messages the person wrote
    since, and a few more for those that crossed ours)."""

    address_hash: str | None
    after_id: int
    window: int


class Repository:
    """Queries over one session. Methods return domain objects, never rows."""

    def __init__(self, session: Session):
        self.session = session

    def add(self, obj) -> None:
        """Stage a new domain object for insertion."""
        self.session.add(obj)

    def flush(self) -> None:
        """Send pending changes so that new objects get their ids."""
        self.session.flush()

    # Contacts and identities
    def identity(self, channel: str, address: str) -> Identity | None:
        """The identity for a channel address, if known."""
        return self.session.scalars(
            select(Identity).where(Identity.channel == channel, Identity.address == address)
        ).first()

    def contact(self, contact_id: int) -> Contact | None:
        """A contact by id."""
        return self.session.get(Contact, contact_id)

    def identities_of(self, contact_id: int) -> list[Identity]:
        """Every channel address of a contact."""
        return list(self.session.scalars(select(Identity).where(Identity.contact_id == contact_id)))

    def conversation(self, contact_id: int) -> Conversation | None:
        """The contact's conversation, if one was started."""
        return self.session.scalars(select(Conversation).where(Conversation.contact_id == contact_id)).first()

    # Messages
    def message(self, message_id: int, *, lock: bool = False) -> Message | None:
        """A message by id; `lock` takes a row lock where the database has them."""
        stmt = select(Message).where(Message.id == message_id)
        if lock:
            stmt = stmt.with_for_update()
        return self.session.scalars(stmt).first()

    def lock_sender(self, channel: str, address: str) -> None:
        """Hold off every other transaction working on this sender's messages until this one ends,
        so that one person's messages are handled one at a time: two at once would both create a
        first-time contact, and a later reply could overtake an earlier one. PostgreSQL: an
        advisory lock for this address, released at commit or rollback. SQLite: the database's
        write lock, taken now instead of at the first write (SQLite has one writer at a time)."""
        dialect = self.session.get_bind().dialect.name
        if dialect == "postgresql":
            digest = hashlib.blake2b(f"{channel}:{address}".encode(), digest_size=8).digest()
            self.session.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": int.from_bytes(digest, "big", signed=True)}
            )
        elif dialect == "sqlite":
            self.session.execute(text("UPDATE messages SET id = id WHERE 0"))

    def unprocessed_inbound_until(self, channel: str, address: str, last_id: int) -> list[Message]:
        """This sender's inbound messages not yet processed, up to and including `last_id`, oldest
        first, read afresh from the database (another transaction may just have processed some)."""
        return list(
            self.session.scalars(
                select(Message)
                .where(
                    Message.direction == Direction.IN,
                    Message.channel == channel,
                    Message.address == address,
                    Message.status == InboundStatus.RECEIVED,
                    Message.id <= last_id,
                )
                .order_by(Message.id)
                .execution_options(populate_existing=True)
            )
        )

    def insert_inbound(self, row: dict[str, object]) -> tuple[int, bool]:
        """Insert an inbound message row (`intake.services.inbound_row`) unless its provider id is
        already stored, in one statement. Returns (id, created?)."""
        keyring = keyring_of(self.session.get_bind())
        row = {**row, "address_hash": phone_hash_or_none(keyring, row["address"])}  # sealed on bind
        message_id = self.session.execute(_inbound_insert(), row).scalar()
        if message_id is not None:
            return message_id, True
        existing = self.session.execute(
            select(Message.id).where(
                Message.direction == Direction.IN,
                Message.channel == row["channel"],
                Message.provider_message_id == row["provider_message_id"],
            )
        ).scalar()
        return existing, False

    def inbound_by_provider_id(self, channel: str, provider_id: str) -> Message | None:
        """The inbound message a provider already delivered under this id."""
        return self.session.scalars(
            select(Message).where(
                Message.direction == Direction.IN,
                Message.channel == channel,
                Message.provider_message_id == provider_id,
            )
        ).first()

    def outbound_by_key(self, key: str) -> Message | None:
        """The outbound message created under an idempotency key."""
        return self.session.scalars(select(Message).where(Message.idempotency_key == key)).first()

    def outbound_by_provider_id(self, provider_id: str) -> Message | None:
        """The outbound message a provider knows by this id (for status callbacks)."""
        return self.session.scalars(
            select(Message).where(Message.direction == Direction.OUT, Message.provider_message_id == provider_id)
        ).first()

    def claim_outbound(self, message_id: int, now: datetime) -> bool:
        """Atomically move a queued message to `sending`; False when another attempt owns it or
        it is already settled. This is what makes a second run of a send job a no-op."""
        result = self.session.execute(
            update(orm.messages)
            .where(
                orm.messages.c.id == message_id,
                orm.messages.c.status == OutboundStatus.QUEUED,
            )
            .values(
                status=OutboundStatus.SENDING,
                updated_at=now,
                attempts=orm.messages.c.attempts + 1,
                attempt_started_at=now,
                next_attempt_at=None,
            )
        )
        return result.rowcount == 1

    def claim_outbound_batch(self, message_ids: Iterable[int], now: datetime) -> list[dict]:
        """`claim_outbound` for many messages in one statement that also reads what sending needs
        (id, channel, address, address_hash, body, attempts, buttons, contact_id); only the ones claimed.

        A message is claimed only while no older message to the same recipient is still unsettled
        (`queued` or `sending`): whatever else a job asks, a recipient's messages reach the
        provider in the order they were created, across workers and retries (an older one is
        settled only after the provider answered it)."""
        ids = list(message_ids)
        if not ids:
            return []
        m = orm.messages.c
        rows = self.session.execute(
            update(orm.messages)
            .where(m.id.in_(ids), m.status == OutboundStatus.QUEUED, ~_older_unsettled(orm.messages))
            .values(
                status=OutboundStatus.SENDING,
                updated_at=now,
                attempts=m.attempts + 1,
                attempt_started_at=now,
                next_attempt_at=None,
            )
            .returning(m.id, m.channel, m.address, m.address_hash, m.body, m.attempts, m.buttons, m.contact_id)
        )
        return sorted((dict(row._mapping) for row in rows), key=lambda r: r["id"])

    def unsettled_outbound_of(self, message_ids: Iterable[int]) -> list[tuple[Message, Contact | None]]:
        """Every outbound message still `queued` or `sending` to the recipients of `message_ids`
        (the same channel and address, found by the address's keyed hash: addresses are sealed) —
        settled or not themselves — oldest first, each with its contact: the recipients' send
        queues, whose first message is the one that goes next."""
        return self._with_contacts(self._unsettled_to_recipients_of(message_ids).order_by(Message.id))

    def next_unsettled_to_recipients_of(self, message_ids: Iterable[int]) -> list[Message]:
        """The oldest outbound message still `queued` or `sending` to each recipient of
        `message_ids` that has one."""
        m = orm.messages.c
        first = (
            self._unsettled_to_recipients_of(message_ids, select(func.min(m.id)))
            .group_by(m.channel, m.address_hash)
            .scalar_subquery()
        )
        return list(
            self.session.scalars(
                select(Message)
                .where(Message.id.in_(first))
                .order_by(Message.id)
                .execution_options(populate_existing=True)
            )
        )

    def _unsettled_to_recipients_of(self, message_ids: Iterable[int], stmt=None):
        m = orm.messages.c
        recipients = select(m.channel, m.address_hash).where(m.id.in_(list(message_ids)), m.direction == Direction.OUT)
        stmt = select(Message).execution_options(populate_existing=True) if stmt is None else stmt
        return stmt.where(
            m.direction == Direction.OUT,
            m.status.in_(UNSETTLED),
            tuple_(m.channel, m.address_hash).in_(recipients),
        )

    def _with_contacts(self, stmt) -> list[tuple[Message, Contact | None]]:
        messages = list(self.session.scalars(stmt))
        contact_ids = {msg.contact_id for msg in messages if msg.contact_id is not None}
        contacts = (
            {c.id: c for c in self.session.scalars(select(Contact).where(Contact.id.in_(contact_ids)))}
            if contact_ids
            else {}
        )
        return [(msg, contacts.get(msg.contact_id)) for msg in messages]

    def defer_outbound_many(self, until: dict[int, datetime]) -> None:
        """`defer_outbound` for several messages in one transaction."""
        for message_id, when in until.items():
            self.defer_outbound(message_id, when)

    def finish_attempt(self, message_id: int, attempt: int, now: datetime, **values) -> bool:
        """Record the outcome of attempt number `attempt` if it still owns the message (still
        `sending`, not taken over by recovery after its lease ran out); False otherwise."""
        result = self.session.execute(
            update(orm.messages)
            .where(
                orm.messages.c.id == message_id,
                orm.messages.c.status == OutboundStatus.SENDING,
                orm.messages.c.attempts == attempt,
            )
            .values(updated_at=now, attempt_started_at=None, **values)
        )
        return result.rowcount == 1

    def defer_outbound(self, message_id: int, until: datetime) -> None:
        """Note when a queued message's next job is due (back-off, quiet hours, rate limit), so that
        recovery does not re-queue it before then."""
        self.session.execute(
            update(orm.messages)
            .where(orm.messages.c.id == message_id, orm.messages.c.status == OutboundStatus.QUEUED)
            .values(next_attempt_at=until)
        )

    def outbound_overdue(self, cutoff: datetime) -> list[int]:
        """Queued outbound messages whose job should have run before `cutoff` (a lost job), each
        the first unsettled message to its recipient: one behind an older one waits its turn,
        and the older one's send queues it."""
        due = func.coalesce(orm.messages.c.next_attempt_at, orm.messages.c.updated_at)
        return list(
            self.session.scalars(
                select(orm.messages.c.id).where(
                    orm.messages.c.direction == Direction.OUT,
                    orm.messages.c.status == OutboundStatus.QUEUED,
                    due < cutoff,
                    ~_older_unsettled(orm.messages),
                )
            )
        )

    def expired_leases(self, cutoff: datetime) -> list[tuple[int, datetime]]:
        """(id, attempt start) of outbound messages claimed before `cutoff` and still `sending`:
        the worker that claimed them died or hung."""
        rows = self.session.execute(
            select(orm.messages.c.id, orm.messages.c.attempt_started_at).where(
                orm.messages.c.direction == Direction.OUT,
                orm.messages.c.status == OutboundStatus.SENDING,
                func.coalesce(orm.messages.c.attempt_started_at, orm.messages.c.updated_at) < cutoff,
            )
        )
        return [(row.id, row.attempt_started_at) for row in rows]

    def take_over_lease(self, message_id: int, started_at: datetime | None, now: datetime) -> bool:
        """Renew an expired lease for the recovery that reconciles it; False when someone else
        (another worker's sweep, or the late attempt itself) got there first."""
        started = orm.messages.c.attempt_started_at
        result = self.session.execute(
            update(orm.messages)
            .where(
                orm.messages.c.id == message_id,
                orm.messages.c.status == OutboundStatus.SENDING,
                started.is_(None) if started_at is None else started == started_at,
            )
            .values(attempt_started_at=now)
        )
        return result.rowcount == 1

    def chat_position(self, message_id: int) -> ChatPosition:
        """Where recovery looks in a Telegram chat for this outbound message, whose answer was
        lost (bot.senders `TelegramSender.find_sent`); see `ChatPosition`."""
        m = orm.messages.c
        address_hash = self.session.scalar(select(m.address_hash).where(m.id == message_id))
        recorded = self.session.execute(
            select(m.provider_message_id, m.updated_at)
            .where(
                m.direction == Direction.OUT,
                m.channel == Channel.TELEGRAM,
                m.address_hash == address_hash,
                m.provider_message_id.is_not(None),
                m.id != message_id,
            )
            .order_by(m.id.desc())
            .limit(20)
        ).all()
        ids = [(int(tail), at) for pid, at in recorded if (tail := pid.rsplit(":", 1)[-1]).isdigit()]
        after_id, recorded_at = max(ids, default=(0, None))
        written = select(func.count()).where(
            m.direction == Direction.IN, m.channel == Channel.TELEGRAM, m.address_hash == address_hash
        )
        if recorded_at is not None:
            written = written.where(m.created_at >= recorded_at)
        window = (self.session.scalar(written) or 0) + CHAT_PROBE_MARGIN
        return ChatPosition(address_hash, after_id, window)

    def provider_ids_known(self, channel: str, provider_ids: Iterable[str]) -> set[str]:
        """Which of these provider ids our outbound messages already carry."""
        ids = list(provider_ids)
        if not ids:
            return set()
        return set(
            self.session.scalars(
                select(orm.messages.c.provider_message_id).where(
                    orm.messages.c.direction == Direction.OUT,
                    orm.messages.c.channel == channel,
                    orm.messages.c.provider_message_id.in_(ids),
                )
            )
        )

    def messages_in_status(self, direction: str, statuses: Iterable[str], older_than: datetime) -> list[int]:
        """Ids of messages stuck in one of `statuses` since before `older_than` (for recovery)."""
        return list(
            self.session.scalars(
                select(Message.id).where(
                    Message.direction == direction,
                    Message.status.in_(list(statuses)),
                    Message.updated_at < older_than,
                )
            )
        )

    def recent_messages(self, after_id: int = 0, limit: int = 500) -> list[Message]:
        """The newest `limit` messages after an id, oldest first (for the simulator and admins)."""
        newest = self.session.scalars(
            select(Message).where(Message.id > after_id).order_by(Message.id.desc()).limit(limit)
        )
        return list(reversed(list(newest)))

    # Offices and officials
    def office(self, office_id: int) -> Office | None:
        """An office by id (ids are 32-bit: a forged larger number finds nothing)."""
        return self.session.get(Office, office_id) if 0 < office_id < 2**31 else None

    def office_by_code(self, code: str) -> Office | None:
        """An office by its directory code."""
        return self.session.scalars(select(Office).where(Office.code == code)).first()

    def offices(self, kind: str | None = None, active_only: bool = True) -> list[Office]:
        """Offices of a kind (all kinds when None), active ones unless asked otherwise."""
        stmt = select(Office).order_by(Office.code)
        if kind:
            stmt = stmt.where(Office.kind == kind)
        if active_only:
            stmt = stmt.where(Office.active.is_(True))
        return list(self.session.scalars(stmt))

    def official(self, official_id: int) -> Official | None:
        """An official by id."""
        return self.session.get(Official, official_id)

    def official_by_invite(self, code_hash: str) -> Official | None:
        """The official holding an invite code (by its hash)."""
        return self.session.scalars(select(Official).where(Official.invite_code_hash == code_hash)).first()

    def official_by_chat(self, chat_id: str) -> Official | None:
        """The official linked to a Telegram chat."""
        return self.session.scalars(select(Official).where(Official.telegram_chat_id == chat_id)).first()

    def linked_officials(self, office_id: int) -> list[Official]:
        """Active officials of an office who have linked Telegram."""
        return list(
            self.session.scalars(
                select(Official).where(
                    Official.office_id == office_id,
                    Official.active.is_(True),
                    Official.telegram_chat_id.is_not(None),
                )
            )
        )

    def officials_with_role(self, role: str) -> list[Official]:
        """Active, linked officials of a role (admins form the national duty desk)."""
        return list(
            self.session.scalars(
                select(Official).where(
                    Official.role == role, Official.active.is_(True), Official.telegram_chat_id.is_not(None)
                )
            )
        )

    def covered_office_ids(self) -> set[int]:
        """Offices that have at least one active official linked on Telegram: someone will read
        what is sent there."""
        stmt = select(Official.office_id).where(Official.active.is_(True), Official.telegram_chat_id.is_not(None))
        return set(self.session.scalars(stmt))

        # Cases

    def case(self, case_id: int, *, lock: bool = False) -> Case | None:
        """A case by id; `lock` holds its row until commit (SELECT ... FOR UPDATE on PostgreSQL), so
        that an official's accept and an escalation step never act on the same case at once."""
        if not 0 < case_id < 2**31:  # ids are 32-bit: a forged larger number finds nothing
            return None
        if lock:
            return self.session.get(Case, case_id, with_for_update=True, populate_existing=True)
        return self.session.get(Case, case_id)

    def notes_of(self, case_id: int, office_id: int | None) -> list[CaseNote]:
        """The notes an office wrote on a case, oldest first."""
        stmt = select(CaseNote).where(CaseNote.case_id == case_id, CaseNote.office_id == office_id)
        return list(self.session.scalars(stmt.order_by(CaseNote.id)))

    def conversation_of_case(self, case: Case) -> list[Message]:
        """What the person wrote and what we sent them about a case, oldest first: the messages
        filed on the case, and the intake exchange with the person around its opening."""
        stmt = (
            select(Message)
            .where(
                Message.official_id.is_(None),
                (Message.case_id == case.id)
                | (
                    (Message.contact_id == case.contact_id)
                    & Message.case_id.is_(None)
                    & (Message.created_at >= case.created_at - timedelta(hours=6))
                ),
            )
            .order_by(Message.id)
        )
        return [m for m in self.session.scalars(stmt) if m.status not in ("cancelled", "suppressed")]

    def pending_outbound_of_case(self, case_id: int, purposes: Iterable[str]) -> list[Message]:
        """Messages about a case not sent yet (queued, or held for quiet hours)."""
        stmt = select(Message).where(
            Message.case_id == case_id,
            Message.direction == Direction.OUT,
            Message.status == OutboundStatus.QUEUED,
            Message.purpose.in_(list(purposes)),
        )
        return list(self.session.scalars(stmt))

    def case_by_ref(self, ref: str) -> Case | None:
        """A case by its reference."""
        return self.session.scalars(select(Case).where(Case.ref == ref)).first()

    def case_events(self, case_id: int) -> list[CaseEvent]:
        """A case's events, oldest first."""
        return list(self.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)))

    def open_cases(self) -> list[Case]:
        """Every case not closed, oldest first."""
        return list(self.session.scalars(select(Case).where(Case.status.in_(list(OPEN_STATUSES))).order_by(Case.id)))

    def appointment(self, appointment_id: int) -> Appointment | None:
        """An appointment by id."""
        return self.session.get(Appointment, appointment_id)

    def appointments_of(self, case_id: int) -> list[Appointment]:
        """A case's appointments, oldest first."""
        return list(
            self.session.scalars(select(Appointment).where(Appointment.case_id == case_id).order_by(Appointment.id))
        )

    def officials_of_province(self, province_code: str, role: str) -> list[Official]:
        """Active, linked officials of a role whose office is in a province (coordinators)."""
        return [
            o
            for o in self.officials_with_role(role)
            if (office := self.office(o.office_id)) is not None and office.province_code == province_code
        ]

    def cases_of_contact(self, contact_id: int) -> list[Case]:
        """A contact's cases, newest first."""
        return list(self.session.scalars(select(Case).where(Case.contact_id == contact_id).order_by(Case.id.desc())))

    # Reports and admin listings
    def legal_questions_between(self, start: datetime, end: datetime) -> list[LegalQuestion]:
        """The legal questions asked from `start` (included) to `end` (excluded)."""
        return list(
            self.session.scalars(
                select(LegalQuestion).where(LegalQuestion.asked_at >= start, LegalQuestion.asked_at < end)
            )
        )

    def messages_with_status(self, status: str) -> list[Message]:
        """Every message in a status, oldest first (for admins: failed sends)."""
        return list(self.session.scalars(select(Message).where(Message.status == status).order_by(Message.id)))

    # The web console: sign-in links, sessions, the audit log
    def use_sign_in_token(self, token_hash: str, now: datetime) -> int | None:
        """Mark an unused, unexpired sign-in token used, in one statement (two browsers racing
        with one link get one session between them); the official's id, or None."""
        t = orm.sign_in_tokens.c
        row = self.session.execute(
            update(orm.sign_in_tokens)
            .where(t.token_hash == token_hash, t.used_at.is_(None), t.expires_at > now)
            .values(used_at=now)
            .returning(t.official_id)
        ).first()
        return row.official_id if row else None

    def console_session(self, token_hash: str) -> ConsoleSession | None:
        """A console session by the hash of its cookie's id."""
        return self.session.scalars(select(ConsoleSession).where(ConsoleSession.token_hash == token_hash)).first()

    def end_console_sessions(self, now: datetime, *, token_hash: str | None = None, official_id: int | None = None):
        """End one session (by its hash) or every session of an official."""
        s = orm.console_sessions.c
        which = s.token_hash == token_hash if token_hash is not None else s.official_id == official_id
        self.session.execute(update(orm.console_sessions).where(which, s.ended_at.is_(None)).values(ended_at=now))

    def blank_sent_messages(self, official_id: int, purpose: str, text: str) -> None:
        """Replace the text of an official's sent (or given up) messages of one purpose."""
        m = orm.messages.c
        self.session.execute(
            update(orm.messages)
            .where(
                m.official_id == official_id,
                m.purpose == purpose,
                m.status.not_in([OutboundStatus.QUEUED, OutboundStatus.SENDING]),
            )
            .values(body=text)  # each body is sealed with its own nonce: no comparison in SQL
        )

    def count_audit(self, action: str, ip: str | None, since: datetime) -> int:
        """Audit lines of an action from one address since a moment (the sign-in rate limit)."""
        a = orm.audit_log.c
        return self.session.scalar(
            select(func.count()).select_from(orm.audit_log).where(a.action == action, a.ip == ip, a.at > since)
        )

    def audit_entries(self, conditions: list, limit: int, offset: int) -> tuple[list[AuditEntry], int]:
        """Audit lines matching `conditions` (over `AuditEntry`), newest first, and how many in all."""
        total = self.session.scalar(select(func.count()).select_from(AuditEntry).where(*conditions))
        rows = self.session.scalars(
            select(AuditEntry).where(*conditions).order_by(AuditEntry.id.desc()).limit(limit).offset(offset)
        )
        return list(rows), total

    # Reliability (issue 15): the transactional schedule, early delivery statuses, invite attempts
    def schedule_jobs(self, jobs: list[tuple[str, list, datetime]]) -> None:
        """Add jobs due later (func, args, due) to the schedule, in this transaction."""
        if jobs:
            self.session.execute(
                insert(orm.scheduled_jobs), [{"func": f, "args": args, "due_at": due} for f, args, due in jobs]
            )

    def try_transaction_lock(self, key: int) -> bool:
        """Take a PostgreSQL advisory lock until this transaction ends, without waiting; False
        when another transaction holds it. Elsewhere (SQLite: one process) always True."""
        if self.session.get_bind().dialect.name != "postgresql":
            return True
        return bool(self.session.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": key}).scalar())

    def due_jobs(self, now: datetime, limit: int) -> list[tuple[int, str, list]]:
        """(id, func, args) of scheduled jobs due by `now`, soonest first."""
        t = orm.scheduled_jobs
        stmt = select(t.c.id, t.c.func, t.c.args).where(t.c.due_at <= now).order_by(t.c.due_at, t.c.id).limit(limit)
        return [(r.id, r.func, list(r.args)) for r in self.session.execute(stmt)]

    def delete_scheduled(self, ids: list[int]) -> None:
        """Remove scheduled jobs (moved to the queue, or taken by a test)."""
        if ids:
            self.session.execute(delete(orm.scheduled_jobs).where(orm.scheduled_jobs.c.id.in_(ids)))

    def scheduled(self, func_name: str | None = None) -> list[tuple[int, str, list, datetime]]:
        """(id, func, args, due) of scheduled jobs (of one function), soonest first."""
        t = orm.scheduled_jobs
        stmt = select(t.c.id, t.c.func, t.c.args, t.c.due_at).order_by(t.c.due_at, t.c.id)
        if func_name:
            stmt = stmt.where(t.c.func == func_name)
        return [(r.id, r.func, list(r.args), r.due_at) for r in self.session.execute(stmt)]

    def keep_early_status(self, provider_id: str, status: str, error_code: str | None, now: datetime) -> None:
        """Keep a status callback for a provider id no message carries yet."""
        self.session.execute(
            insert(orm.early_delivery_statuses).values(
                provider_message_id=provider_id[:64],
                status=str(status)[:16],
                error_code=str(error_code)[:16] if error_code else None,
                received_at=now,
            )
        )

    def early_statuses(self, provider_ids: list[str] | None) -> list[tuple[int, str, str, str | None]]:
        """(id, provider id, status, error code) of kept callbacks (for these ids, or all), oldest first."""
        t = orm.early_delivery_statuses
        stmt = select(t.c.id, t.c.provider_message_id, t.c.status, t.c.error_code).order_by(t.c.id)
        if provider_ids is not None:
            stmt = stmt.where(t.c.provider_message_id.in_(provider_ids))
        return [tuple(r) for r in self.session.execute(stmt)]

    def delete_early_statuses(self, ids: list[int]) -> None:
        """Remove kept callbacks that were applied."""
        if ids:
            t = orm.early_delivery_statuses
            self.session.execute(delete(t).where(t.c.id.in_(ids)))

    def forget_early_statuses(self, before: datetime) -> None:
        """Remove kept callbacks received before `before` (their SID never turned up)."""
        t = orm.early_delivery_statuses
        self.session.execute(delete(t).where(t.c.received_at < before))

    def wrong_invite_attempts(self, since: datetime, chat_id: str | None = None) -> int:
        """Wrong invite codes tried since `since` (from one chat, or from all)."""
        t = orm.invite_attempts
        stmt = select(func.count()).select_from(t).where(t.c.ok.is_(False), t.c.at >= since)
        if chat_id is not None:
            stmt = stmt.where(t.c.chat_id == chat_id)
        return self.session.execute(stmt).scalar_one()

    def record_invite_attempt(self, chat_id: str, ok: bool, now: datetime) -> None:
        """Note an invite code tried from a chat."""
        self.session.execute(insert(orm.invite_attempts).values(chat_id=chat_id, ok=ok, at=now))

    def forget_invite_attempts(self, before: datetime) -> None:
        """Remove invite attempts made before `before`."""
        self.session.execute(delete(orm.invite_attempts).where(orm.invite_attempts.c.at < before))
