"""The domain model: contacts, messages, cases, offices, officials. Plain Python, no framework.

SQLAlchemy maps these classes imperatively in `intake/orm.py`; nothing here knows about it.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum


def utcnow() -> datetime:
    """The current time, timezone-aware UTC (stored as UTC everywhere)."""
    return datetime.now(UTC)


class Channel(StrEnum):
    SMS = "sms"
    TELEGRAM = "telegram"


class Direction(StrEnum):
    IN = "in"
    OUT = "out"


class Purpose(StrEnum):
    """Why a message exists: it decides opt-out, "not safe to text" and quiet hours."""

    INBOUND = "inbound"  # a message someone sent us
    REPLY = "reply"  # an answer to what the person just wrote
    STOP_CONFIRMATION = "stop_confirmation"
    CASE_NOTIFICATION = "case_notification"  # to officials
    OFFICIAL_REPLY = "official_reply"  # an answer to an official's command
    APPOINTMENT = "appointment"
    INVITATION = "invitation"  # the other party, to a session
    REMINDER = "reminder"
    FOLLOW_UP = "follow_up"
    CHECK_IN = "check_in"
    CONSOLE_LINK = "console_link"  # a web console sign-in link, to an official (blanked once used)
    OFFICE_MESSAGE = "office_message"  # an office writes to the person through the service (/msg)
    CASE_MOVED = "case_moved"  # the person's case went to another office
    APPOINTMENT_CANCELLED = "appointment_cancelled"


class ContactRole(StrEnum):
    CITIZEN = "citizen"
    COMMUNE_COUNCIL = "commune_council"  # asks on behalf of villagers; counted by commune


class AppointmentAnswer(StrEnum):
    WILL_COME = "will_come"
    CANNOT_COME = "cannot_come"


class InboundStatus(StrEnum):
    RECEIVED = "received"  # stored, waiting to be processed
    PROCESSED = "processed"
    FAILED = "failed"  # processing raised; kept for an admin (`messages list --status failed`)


class OutboundStatus(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"  # accepted by the provider
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"  # gave up after retries, or refused for good
    SUPPRESSED = "suppressed"  # not sent on purpose (the person opted out)
    CANCELLED = "cancelled"  # called off before it went (its session was cancelled, its case closed)


class CaseKind(StrEnum):
    DISPUTE = "dispute"
    PROTECTION = "protection"


class CaseStatus(StrEnum):
    """Disputes: received → routed → accepted → scheduled → in_mediation → resolved / not_resolved /
    referred → closed. Protection cases follow the coordinated case management stages after
    routing: identified → registered → assessed → case_conference → case_plan → referred →
    service_provision → reintegration_follow_up → closed → evaluated."""

    RECEIVED = "received"
    ROUTED = "routed"
    ACCEPTED = "accepted"
    SCHEDULED = "scheduled"
    IN_MEDIATION = "in_mediation"
    RESOLVED = "resolved"
    NOT_RESOLVED = "not_resolved"
    REFERRED = "referred"
    CLOSED = "closed"
    # coordinated case management (protection)
    IDENTIFIED = "identified"
    REGISTERED = "registered"
    ASSESSED = "assessed"
    CASE_CONFERENCE = "case_conference"
    CASE_PLAN = "case_plan"
    SERVICE_PROVISION = "service_provision"
    REINTEGRATION_FOLLOW_UP = "reintegration_follow_up"
    EVALUATED = "evaluated"


OPEN_STATUSES = frozenset(CaseStatus) - {CaseStatus.CLOSED, CaseStatus.EVALUATED}
PROTECTION_STAGES = (
    CaseStatus.IDENTIFIED,
    CaseStatus.REGISTERED,
    CaseStatus.ASSESSED,
    CaseStatus.CASE_CONFERENCE,
    CaseStatus.CASE_PLAN,
    CaseStatus.REFERRED,
    CaseStatus.SERVICE_PROVISION,
    CaseStatus.REINTEGRATION_FOLLOW_UP,
    CaseStatus.CLOSED,
    CaseStatus.EVALUATED,
)
OUTCOMES = (CaseStatus.RESOLVED, CaseStatus.NOT_RESOLVED, CaseStatus.REFERRED)


class FollowUpAnswer(StrEnum):
    SETTLED = "settled"
    NOT_SETTLED = "not_settled"


class AppointmentStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    HELD = "held"


class OfficeKind(StrEnum):
    JSC = "jsc"
    PROTECTION = "protection"
    LEGAL_AID = "legal_aid"


class OfficialRole(StrEnum):
    OFFICIAL = "official"
    COORDINATOR = "coordinator"
    ADMIN = "admin"


@dataclass(eq=False)
class Contact:
    """A person who writes to the service, on one or more channels."""

    language: str = "km"
    opted_out: bool = False
    role: str = ContactRole.CITIZEN
    safe_to_sms: bool = True  # False: only answers to what they write, nothing we start
    safe_hours: str | None = None  # "day": messages we start only 08:00–17:00 (the person asked)
    language_fixed: bool = False  # set by LANG: stop guessing the language from each message
    commune_code: str | None = None  # set for commune councils (ContactRole.COMMUNE_COUNCIL)
    created_at: datetime = field(default_factory=utcnow)
    id: int | None = None


@dataclass(eq=False)
class Identity:
    """A channel address of a contact: a phone number (E.164) or a Telegram chat id."""

    channel: str
    address: str
    contact_id: int | None = None
    id: int | None = None


@dataclass(eq=False)
class Message:
    """One inbound or outbound message, with its provider id and delivery state."""

    direction: str
    channel: str
    address: str
    body: str
    status: str
    provider_message_id: str | None = None
    idempotency_key: str | None = None
    contact_id: int | None = None
    official_id: int | None = None
    case_id: int | None = None
    purpose: str = Purpose.REPLY
    urgent: bool = False
    buttons: list | None = None  # Telegram inline keyboard: rows of [label, callback data]
    attempts: int = 0
    error: str | None = None
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)
    id: int | None = None
    # Outbound: when the current attempt claimed the message (the lease recovery checks), and when
    # a deferred send (back-off, quiet hours, rate limit) is next due.
    attempt_started_at: datetime | None = None
    next_attempt_at: datetime | None = None
    # Outbound SMS: the segments it costs (UCS-2 for Khmer), counted once when queued so that the
    # cost reports add up a column instead of re-reading every text.
    segments: int | None = None


@dataclass(eq=False)
class Conversation:
    """Where the dialogue with one contact stands, and what it has gathered so far."""

    contact_id: int
    state: str = "idle"
    data: dict = field(default_factory=dict)
    case_id: int | None = None
    updated_at: datetime = field(default_factory=utcnow)
    id: int | None = None


@dataclass(eq=False)
class Office:
    """A Justice Service Centre, protection agency or legal-aid office, and where it works."""

    code: str
    kind: str
    name_en: str
    name_km: str
    province_code: str
    district_code: str | None
    lat: float
    lon: float
    phone: str | None = None
    covered_districts: list[str] = field(default_factory=list)
    active: bool = True
    sample: bool = False
    address_en: str | None = None
    address_km: str | None = None
    id: int | None = None

    def name(self, language: str) -> str:
        """The office's name in the reader's language (Khmer for km and km-Latn)."""
        return self.name_en if language == "en" else self.name_km

    def address(self, language: str) -> str | None:
        """The office's street address in the reader's language, else in the other one."""
        first, other = (self.address_en, self.address_km) if language == "en" else (self.address_km, self.address_en)
        return first or other or None


@dataclass(eq=False)
class Official:
    """A person who works a case queue on Telegram, linked by a one-time invite code."""

    office_id: int
    name: str
    role: str = OfficialRole.OFFICIAL
    telegram_chat_id: str | None = None
    invite_code_hash: str | None = None
    invite_expires_at: datetime | None = None
    active: bool = True
    linked_at: datetime | None = None
    created_at: datetime = field(default_factory=utcnow)
    console_language: str | None = None  # "km" or "en" in the web console; None: Khmer
    # What their next plain message is for, when a button asked for it: "msg:<case id>" (a message
    # to the person) or "note:<case id>"; kept a few minutes (`awaiting_at`).
    awaiting: str | None = None
    awaiting_at: datetime | None = None
    id: int | None = None


@dataclass(eq=False)
class Case:
    """A request that needs an office: a dispute to mediate or a person to protect."""

    ref: str
    kind: str
    status: str
    contact_id: int
    language: str
    urgent: bool = False
    province_code: str | None = None
    district_code: str | None = None
    commune_code: str | None = None
    office_id: int | None = None
    routing_reason: str | None = None
    distance_km: float | None = None
    summary: str | None = None  # the citizen's own words: shown only to the office, never in SMS
    details: str | None = None  # the other party and what the person wants (disputes)
    other_party_phone: str | None = None  # when the person gave it: invited to the session
    accepted_by: int | None = None  # official id: who owns the case (the first to accept, or whom they handed it to)
    escalation_level: int = 0
    routing_seq: int = 0  # counts routings: a case sent back to an office it had before is news again
    follow_up_answer: str | None = None
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)
    id: int | None = None

    # State changes. Each one changes status, accepted_by, escalation_level and updated_at together
    # and returns the event for the case's audit trail, which the caller stores. Nothing else
    # assigns these fields.

    def event(self, type_: str, actor: str, now: datetime, **detail) -> CaseEvent:
        """An entry for the audit trail that changes nothing else (a note, a message sent)."""
        assert self.id is not None, "a case gets its id before its first event"
        return CaseEvent(case_id=self.id, type=type_, actor=actor, detail=detail, at=now)

    def _touch(self, now: datetime) -> None:
        self.updated_at = now

    @property
    def is_open(self) -> bool:
        """Still being worked: a dispute until its outcome, a protection case until it is closed."""
        if self.kind == CaseKind.DISPUTE:
            return self.status not in {*OUTCOMES, CaseStatus.CLOSED, CaseStatus.EVALUATED}
        return self.status not in {CaseStatus.CLOSED, CaseStatus.EVALUATED}

    def route(self, office: Office, reason: str, distance_km: float | None, actor: str, now: datetime) -> CaseEvent:
        """Sent to an office by the routing rules."""
        self.office_id, self.routing_reason, self.distance_km = office.id, reason, distance_km
        self.routing_seq += 1
        self.status = CaseStatus.ROUTED
        self._touch(now)
        return self.event("routed", actor, now, office=office.code, reason=reason, distance_km=distance_km)

    def reroute(self, office: Office, reason: str, actor: str, now: datetime) -> CaseEvent:
        """Moved to another office by hand or by escalation: nobody there has accepted it yet."""
        previous = self.office_id
        self.office_id, self.routing_reason, self.distance_km = office.id, reason, None
        self.routing_seq += 1
        self.status = CaseStatus.ROUTED
        self.accepted_by = None
        self.escalation_level = 0
        self._touch(now)
        return self.event("rerouted", actor, now, office=office.code, previous_office_id=previous, reason=reason)

    def escalate(self, level: int) -> None:
        """Nobody accepted it in time: the escalation step reached (the step writes its own event,
        with how many were told). Not a change the citizen made: `updated_at` stays."""
        self.escalation_level = level

    def accept(self, official_id: int, now: datetime) -> CaseEvent:
        """An official takes the case: protection cases enter the case management stages."""
        self.accepted_by = official_id
        self.status = CaseStatus.IDENTIFIED if self.kind == CaseKind.PROTECTION else CaseStatus.ACCEPTED
        self._touch(now)
        return self.event("accepted", f"official:{official_id}", now)

    def schedule(
        self, official_id: int, appointment: Appointment, earlier: list[Appointment], now: datetime
    ) -> CaseEvent:
        """A mediation session is set, or moved (the `earlier` ones still scheduled are cancelled);
        scheduling also accepts an unaccepted case."""
        moved = False
        for old in earlier:
            if old.status == AppointmentStatus.SCHEDULED and old is not appointment:
                old.status = AppointmentStatus.CANCELLED
                moved = True
        self.status = CaseStatus.SCHEDULED
        self.accepted_by = self.accepted_by or official_id
        self._touch(now)
        return self.event(
            "rescheduled" if moved else "scheduled",
            f"official:{official_id}",
            now,
            appointment_id=appointment.id,
            starts_at=appointment.starts_at.isoformat(),
        )

    def cancel_sessions(self, official_id: int, appointments: list[Appointment], now: datetime) -> list[CaseEvent]:
        """The scheduled sessions are called off: the case is back to accepted."""
        events = []
        for appointment in appointments:
            appointment.status = AppointmentStatus.CANCELLED
            events.append(
                self.event("session_cancelled", f"official:{official_id}", now, appointment_id=appointment.id)
            )
        self.status = CaseStatus.ACCEPTED
        self._touch(now)
        return events

    def call_off_sessions(self, actor: str, appointments: list[Appointment], now: datetime) -> list[CaseEvent]:
        """Sessions still to come are cancelled because the case is closed or moves: its status
        is the caller's to set."""
        for appointment in appointments:
            appointment.status = AppointmentStatus.CANCELLED
        return [self.event("session_cancelled", actor, now, appointment_id=a.id) for a in appointments]

    def close(self, outcome: CaseStatus, official_id: int, appointments: list[Appointment], now: datetime) -> CaseEvent:
        """An outcome (resolved, not resolved, referred) or, for protection cases, closed; the
        sessions whose time has come count as held."""
        for appointment in appointments:
            if appointment.status == AppointmentStatus.SCHEDULED and appointment.starts_at <= now:
                appointment.status = AppointmentStatus.HELD
        self.status = outcome
        self._touch(now)
        return self.event(
            "outcome" if outcome != CaseStatus.CLOSED else "closed",
            f"official:{official_id}",
            now,
            outcome=str(outcome),
        )

    def advance_stage(self, official_id: int, now: datetime) -> CaseEvent:
        """The next coordinated case management stage (protection cases); working on a case
        accepts it."""
        stages = list(PROTECTION_STAGES)
        current = self.status if self.status in stages else None
        nxt = stages[0] if current is None else stages[min(stages.index(current) + 1, len(stages) - 1)]
        self.status = nxt
        self.accepted_by = self.accepted_by or official_id
        self._touch(now)
        return self.event("stage", f"official:{official_id}", now, stage=str(nxt))

    def hand_over(self, to: Official, by: Official, now: datetime) -> CaseEvent:
        """The owner gives the case to a colleague of the office."""
        previous = self.accepted_by
        self.accepted_by = to.id
        self._touch(now)
        return self.event("handed_over", f"official:{by.id}", now, to_official_id=to.id, previous_official_id=previous)

    def record_message(self, official_id: int, now: datetime, **detail) -> CaseEvent:
        """An office wrote to the person through the service (the text stays in the message)."""
        self._touch(now)
        return self.event("office_message", f"official:{official_id}", now, **detail)

    def record_follow_up(self, settled: bool, now: datetime) -> CaseEvent:
        """The citizen's answer to "was it settled?": the case is closed either way."""
        self.follow_up_answer = FollowUpAnswer.SETTLED if settled else FollowUpAnswer.NOT_SETTLED
        self.status = CaseStatus.CLOSED
        self._touch(now)
        return self.event("follow_up_answer", "citizen", now, answer=self.follow_up_answer)

    def add_message(self, message: Message, now: datetime) -> CaseEvent:
        """The citizen wrote again about the same matter: the message joins the case."""
        message.case_id = self.id
        self._touch(now)
        return self.event("citizen_message", "citizen", now, message_id=message.id)


@dataclass(eq=False)
class Appointment:
    """A mediation session: when and where, and whether the citizen said they will come."""

    case_id: int
    starts_at: datetime
    place: str
    status: str = AppointmentStatus.SCHEDULED
    citizen_answer: str | None = None  # an AppointmentAnswer
    created_by: int | None = None
    created_at: datetime = field(default_factory=utcnow)
    id: int | None = None


@dataclass(eq=False)
class LegalQuestion:
    """One legal question asked, for the JSC's demand assessment (no text kept, no phone)."""

    channel: str
    language: str
    answered: bool
    article_id: str | None = None
    topic: str | None = None
    offered: bool = False  # not answered, but one or two close articles were offered by number
    commune_code: str | None = None
    district_code: str | None = None
    province_code: str | None = None
    by_council: bool = False
    asked_at: datetime = field(default_factory=utcnow)
    id: int | None = None


@dataclass(eq=False)
class CaseNote:
    """An official's note on a case, seen by the officials of the office that wrote it only."""

    case_id: int
    official_id: int
    office_id: int | None
    body: str
    at: datetime = field(default_factory=utcnow)
    id: int | None = None


@dataclass(eq=False)
class CaseEvent:
    """Who did what to a case, and when: the case's audit trail."""

    case_id: int
    type: str
    actor: str
    detail: dict = field(default_factory=dict)
    at: datetime = field(default_factory=utcnow)
    id: int | None = None


# Case references are read aloud on the phone and typed on keypads: no 0/O/Q, 1/I/L, 5/S, 8/B,
# 2/Z, V (for U). 23 characters, a prime, so that the weighted check character catches every single
# substitution and every swap of neighbours.
REF_ALPHABET = "34679ACDEFGHJKMNPRTUWXY"


def _check_char(body: str) -> str:
    total = sum((i + 1) * REF_ALPHABET.index(c) for i, c in enumerate(body))
    return REF_ALPHABET[total % len(REF_ALPHABET)]


_DIGITS = set("34679")
_REF_PATTERN = re.compile(r"(?<![0-9A-Z])([0-9A-Z]{3})[-\s]?([0-9A-Z]{4})(?![0-9A-Z])")


def new_case_ref() -> str:
    """A fresh reference like `K7M-4TXP`: six random characters and a check character, which
    catches any single mistyped character and any swap of two neighbours. It always holds a
    digit and a letter, so that no ordinary word (romanised Khmer has many 7-letter ones) can be
    mistaken for a reference."""
    while True:
        body = "".join(secrets.choice(REF_ALPHABET) for _ in range(6))
        ref = body + _check_char(body)
        if _DIGITS & set(ref) and set(ref) - _DIGITS:
            return f"{ref[:3]}-{ref[3:]}"


def parse_case_ref(text: str) -> str | None:
    """The canonical reference in `text` if it holds a valid one, written as `K7M-4TXP`,
    `k7m 4txp` or `K7M4TXP` (a word on its own, with a digit in it)."""
    for m in _REF_PATTERN.finditer(text.upper()):
        candidate = m.group(1) + m.group(2)
        if (
            all(c in REF_ALPHABET for c in candidate)
            and _DIGITS & set(candidate)
            and _check_char(candidate[:6]) == candidate[6]
        ):
            return f"{candidate[:3]}-{candidate[3:]}"
    return None


# The web console: sign-in links, sessions and the audit log.


@dataclass(eq=False)
class SignInToken:
    """A one-time console sign-in link (10 minutes); only the token's hash is stored."""

    official_id: int
    token_hash: str
    expires_at: datetime
    used_at: datetime | None = None
    created_at: datetime = field(default_factory=utcnow)
    id: int | None = None


@dataclass(eq=False)
class ConsoleSession:
    """A signed-in browser: the cookie holds a random id, the database its hash."""

    official_id: int
    token_hash: str
    created_at: datetime = field(default_factory=utcnow)
    last_seen_at: datetime = field(default_factory=utcnow)
    ended_at: datetime | None = None
    id: int | None = None


@dataclass(eq=False)
class AuditEntry:
    """One line of the append-only audit log: who did what in the console, and when."""

    action: str
    official_id: int | None = None
    case_ref: str | None = None
    ip: str | None = None
    detail: dict = field(default_factory=dict)
    at: datetime = field(default_factory=utcnow)
    id: int | None = None


def hash_secret(value: str) -> str:
    """Sign-in and session tokens are stored hashed (a leaked database opens no session)."""
    return hashlib.sha256(value.encode()).hexdigest()
