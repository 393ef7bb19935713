"""Outbound messages: queued once under an idempotency key, held back when the person opted out
or said texts are unsafe, and updated by the providers' delivery callbacks."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from intake import job_names
from intake.deps import IntakeDeps
from intake.model import Channel, Contact, Direction, InboundStatus, Message, Official, OutboundStatus, Purpose
from intake.ports import JobQueue
from intake.sms import count_segments
from intake.unit_of_work import UnitOfWork

OPT_OUT_EXEMPT = {Purpose.STOP_CONFIRMATION}


# Answers to what the person wrote may always go to them; anything we start (reminders, follow-ups)
# is held back when they told us messages to this phone are not safe.
SOLICITED = {Purpose.REPLY, Purpose.STOP_CONFIRMATION}


def queue_message(
    uow: UnitOfWork,
    *,
    channel: str,
    address: str,
    body: str,
    key: str,
    contact: Contact | None = None,
    official_id: int | None = None,
    case_id: int | None = None,
    purpose: str = Purpose.REPLY,
    urgent: bool = False,
) -> Message:
    """Persist an outbound message under an idempotency key (a second call returns the first
    message). A contact who opted out gets nothing but the confirmation of their STOP."""
    existing = uow.repo.outbound_by_key(key)
    if existing:
        return existing
    suppressed = contact is not None and (
        (contact.opted_out and purpose not in OPT_OUT_EXEMPT)
        or (not contact.safe_to_sms and channel == Channel.SMS and purpose not in SOLICITED)
    )
    msg = Message(
        direction=Direction.OUT,
        channel=channel,
        address=address,
        body=body,
        status=OutboundStatus.SUPPRESSED if suppressed else OutboundStatus.QUEUED,
        idempotency_key=key,
        contact_id=contact.id if contact else None,
        official_id=official_id,
        case_id=case_id,
        purpose=purpose,
        urgent=urgent,
        segments=count_segments(body).segments if channel == Channel.SMS else None,
    )
    uow.repo.add(msg)
    uow.repo.flush()
    return msg


def notify_officials(
    uow: UnitOfWork,
    officials: Iterable[Official],
    *,
    body: str,
    key_prefix: str,
    case_id: int | None,
    purpose: str = Purpose.CASE_NOTIFICATION,
    urgent: bool = False,
    buttons: list | None = None,
    exclude: int | None = None,
) -> list[int]:
    """Tell each of `officials` (but `exclude`) on Telegram, once each: the idempotency key is
    `key_prefix:official id`. Returns the outbound ids."""
    ids = []
    for official in officials:
        if official.id == exclude:
            continue
        out = queue_message(
            uow,
            channel=Channel.TELEGRAM,
            address=official.telegram_chat_id,
            body=body,
            key=f"{key_prefix}:{official.id}",
            official_id=official.id,
            case_id=case_id,
            purpose=purpose,
            urgent=urgent,
        )
        if buttons:
            out.buttons = buttons
        ids.append(out.id)
    return ids


def reply_to(
    uow: UnitOfWork,
    inbound: Message,
    contact: Contact,
    body: str,
    key: str,
    purpose: str = Purpose.REPLY,
    case_id: int | None = None,
) -> list[int]:
    """Answer an inbound message on its channel (filed on `case_id` when it is about a case);
    [] when nothing may be sent (opted out)."""
    out = queue_message(
        uow,
        channel=inbound.channel,
        address=inbound.address,
        body=body,
        key=key,
        contact=contact,
        purpose=purpose,
        case_id=case_id if case_id is not None else inbound.case_id,
    )
    return [out.id] if out.status == OutboundStatus.QUEUED else []


_STATUS_RANK = {
    OutboundStatus.SENT: 1,
    OutboundStatus.DELIVERED: 2,
    OutboundStatus.UNDELIVERED: 2,
    OutboundStatus.FAILED: 2,
}


def record_delivery_status(
    uow: UnitOfWork, provider_id: str, new: OutboundStatus | None, error_code: str | None, now: datetime
) -> bool:
    """Apply a provider's status callback, translated by its channel (None: a status that changes
    nothing of ours); callbacks arrive out of order, so a final state is never overwritten by an
    earlier one. A callback for a SID no message carries yet (Twilio can call back before the
    sending batch has recorded the SID) is kept and applied when the SID is recorded
    (`apply_early_statuses`); False for it."""
    msg = uow.repo.outbound_by_provider_id(provider_id)
    if msg is None:
        if new is not None:
            uow.repo.keep_early_status(provider_id, new, error_code, now)
        return False
    _apply_status(msg, new, error_code, now)
    return True


# A kept callback whose SID never turns up (a message not ours) is forgotten after this long.
EARLY_STATUS_KEPT_FOR = timedelta(days=1)


def apply_early_statuses(uow: UnitOfWork, provider_ids: list[str] | None, now: datetime) -> int:
    """Apply kept callbacks whose SID a message now carries (those of `provider_ids`, or all when
    None), in the order they came, and delete them; with None, also forget those older than a
    day. Returns how many were applied. Called when a send records its SID, and by the recovery
    sweep (which catches a callback that raced the recording transaction)."""
    if provider_ids is not None and not provider_ids:
        return 0
    done = []
    for row_id, provider_id, status, error_code in uow.repo.early_statuses(provider_ids):
        msg = uow.repo.outbound_by_provider_id(provider_id)
        if msg is None:
            continue
        _apply_status(msg, OutboundStatus(status), error_code, now)
        done.append(row_id)
    uow.repo.delete_early_statuses(done)
    if provider_ids is None:
        uow.repo.forget_early_statuses(now - EARLY_STATUS_KEPT_FOR)
    return len(done)


def _apply_status(msg: Message, new: OutboundStatus | None, error_code: str | None, now: datetime) -> None:
    if new is None:
        return
    if _STATUS_RANK.get(new, 0) >= _STATUS_RANK.get(msg.status, 0):
        msg.status = new
        msg.updated_at = now
        if error_code:
            msg.error = f"provider error {error_code}"[:300]


def held_for_quiet_hours(msg: Message, deps: IntakeDeps, contact: Contact | None = None) -> datetime | None:
    """No SMS we start (reminders, follow-ups) between 21:00 and 07:00 in Cambodia unless urgent,
    and only 08:00–17:00 for someone who asked for that; answers to what the person just wrote go
    at once. Returns when it may go, or None."""
    if msg.channel != Channel.SMS or msg.urgent or msg.purpose in SOLICITED:
        return None
    if contact is not None and contact.safe_hours == "day":
        return deps.policy.daytime_until(deps.clock())
    return deps.policy.quiet_until(deps.clock())


def unprocessed_inbound(uow: UnitOfWork, older_than: timedelta, now: datetime) -> list[int]:
    """Inbound messages stored but never processed, older than `older_than`: what a lost job
    (Redis down when the webhook queued it, a worker killed) left behind. Outbound messages are
    recovered by their lease and due time (`Repository.outbound_overdue`), not here."""
    return uow.repo.messages_in_status(Direction.IN, [InboundStatus.RECEIVED], now - older_than)


def dispatch(queue: JobQueue, now: datetime, outbound_ids: list[int], later: list | None = None) -> None:
    """After a transaction commits: queue its sends. The jobs it scheduled for later are already
    rows of the schedule, written by the commit (intake.schedule); `later`, from callers that
    still pass what they read back from `uow.later`, is empty and ignored."""
    for message_id in outbound_ids:
        queue.enqueue(job_names.SEND_MESSAGE, message_id)
