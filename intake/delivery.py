"""Sending one outbound message exactly once per idempotency key, with retries and back-off.

A send job may run twice (a retry, a recovered job, a second worker): the atomic claim
`queued → sending` lets only one run reach the provider. A transient failure puts the message
back to `queued` for the next attempt; the last attempt, or a permanent refusal, marks it
`failed` with the provider's error code, where an admin sees it.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable, Mapping

from intake.model import Contact, OutboundStatus, utcnow
from intake.ports import SendError, Sender
from intake.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


class RetryLater(Exception):
    """Raised by `deliver` so that the job runner schedules another attempt."""

    def __init__(self, delay_s: float | None):
        super().__init__(f"retry in {delay_s}s")
        self.delay_s = delay_s


@dataclass(frozen=True)
class Delivery:
    outcome: str  # "sent" | "skipped" | "failed"
    provider_message_id: str | None = None


def deliver(
    uow_factory: Callable[[], UnitOfWork],
    senders: Mapping[str, Sender],
    message_id: int,
    *,
    max_attempts: int,
) -> Delivery:
    """Send one queued outbound message. Raises RetryLater on a transient failure that has
    attempts left; returns what happened otherwise."""
    with uow_factory() as uow:
        if not uow.repo.claim_outbound(message_id):
            uow.commit()
            return Delivery("skipped")
        uow.commit()
        msg = uow.repo.message(message_id)
        channel, address, body, attempts, buttons = msg.channel, msg.address, msg.body, msg.attempts, msg.buttons

    sender = senders.get(channel)
    try:
        if sender is None:
            raise SendError(f"no sender for channel {channel}", transient=False)
        provider_id = sender.send(address, body, buttons) if buttons else sender.send(address, body)
    except SendError as exc:
        retry = exc.transient and attempts < max_attempts
        with uow_factory() as uow:
            msg = uow.repo.message(message_id)
            msg.status = OutboundStatus.QUEUED if retry else OutboundStatus.FAILED
            msg.error = exc.code[:300]
            msg.updated_at = utcnow()
            if exc.opt_out and msg.contact_id:
                contact: Contact | None = uow.repo.contact(msg.contact_id)
                if contact is not None:
                    contact.opted_out = True
                    log.info("contact %s opted out by the provider's answer", contact.id)
            uow.commit()
        if retry:
            log.warning("message %s attempt %s failed (%s); will retry", message_id, attempts, exc.code)
            raise RetryLater(exc.retry_after) from None
        log.error("message %s failed for good after %s attempts (%s)", message_id, attempts, exc.code)
        return Delivery("failed")

    with uow_factory() as uow:
        msg = uow.repo.message(message_id)
        msg.status = OutboundStatus.SENT
        msg.provider_message_id = provider_id
        msg.error = None
        msg.updated_at = utcnow()
        uow.commit()
    log.info("message %s sent on %s", message_id, channel)
    return Delivery("sent", provider_id)
