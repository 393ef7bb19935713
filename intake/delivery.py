"""Sending one outbound message exactly once per idempotency key, with retries and back-off.

A send job may run twice (a retry, a recovered job, a second worker): the atomic claim
`queued → sending` lets only one run reach the provider, and stamps `attempt_started_at`, the
start of that attempt's lease. A transient failure puts the message back to `queued` for the next
attempt; the last attempt, or a permanent refusal, marks it `failed` with the provider's error
code, where an admin sees it. The outcome is recorded only if the attempt still owns the message
(`finish_attempt`, fenced on the attempt number), so a late worker cannot overwrite recovery.

A worker that dies between the claim and the record (SIGKILL, OOM, a lost machine) leaves the
message `sending`. `recover_interrupted` takes such messages once their lease has run out
(default two minutes, far longer than a send's HTTP timeout) and asks the provider whether the
message went out:

- SMS (Twilio): Twilio's API has no idempotency key, so we list the recent messages to that number
  from our sender number and look for one with the same body, created since the attempt started,
  whose SID none of our messages carries yet. Found: the message is recorded `sent` under that SID
  and not sent again. Not found: it never reached Twilio, and goes back to `queued`.
- Telegram: the Bot API cannot list what a bot sent, but a chat numbers its messages in one
  sequence and a bot can tell its own message from a person's without changing either
  (bot.senders `TelegramSender.find_sent`). Recovery looks at the ids after the last message we
  recorded in that chat (as many as the person has written since, and a few more): a message of
  ours there is the one whose answer was lost, and is recorded `sent` under its id. None: it
  never arrived, and goes back to `queued`.
- The local outbox cannot be asked: its message goes back to `queued` and is sent again
  (at-least-once; the outbox only shows messages in the simulator).

The same holds when the provider took the request and its answer never came (a read timeout):
the sender raises `OutcomeUnknown`, the message stays `sending`, and recovery settles it the same
way once the lease has run out, long after any answer could still arrive.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from intake.model import Channel, Contact, OutboundStatus
from intake.outbound import apply_early_statuses
from intake.ports import OutcomeUnknown, Sender, SendError
from intake.unit_of_work import IntegrityError, UnitOfWork

log = logging.getLogger(__name__)

# How far before the attempt's start a provider's own clock may put the message's creation.
CLOCK_SKEW = timedelta(minutes=5)


class RetryLater(Exception):
    """A send's outcome when it failed transiently with attempts left: the job schedules another."""

    def __init__(self, delay_s: float | None, attempts: int | None = None):
        super().__init__(f"retry in {delay_s}s")
        self.delay_s = delay_s
        self.attempts = attempts  # the attempt that failed (1 for the first), when known


@dataclass(frozen=True)
class Delivery:
    outcome: str  # "sent" | "skipped" | "failed"
    provider_message_id: str | None = None


@runtime_checkable
class SentLookup(Protocol):
    def find_sent(self, address: str, body: str, since: datetime) -> list[str]:
        """Provider ids of messages with this body sent to `address` since `since`, oldest first;
        raises SendError when the provider cannot be asked."""


# Runs a function over items, maybe concurrently, and returns the results in order (`map`, or a
# thread pool's `map`).
Runner = Callable[[Callable[[dict], object], list[dict]], Iterable[object]]


def deliver_batch(
    uow_factory: Callable[[], UnitOfWork],
    senders: Mapping[str, Sender],
    message_ids: list[int],
    *,
    max_attempts: int,
    clock: Callable[[], datetime],
    run: Runner = map,
) -> dict[int, Delivery | RetryLater]:
    """Send many queued outbound messages: one statement claims them all (and reads what sending
    needs), `run` sends them (a thread pool sends them at once), one transaction records them.
    Each message keeps the same rules; its outcome is a Delivery, or a RetryLater to schedule."""
    with uow_factory() as uow:
        claims = uow.repo.claim_outbound_batch(message_ids, clock())
        uow.commit()
    outcomes: dict[int, Delivery | RetryLater] = {mid: Delivery("skipped") for mid in message_ids}
    if not claims:
        return outcomes
    results = list(run(lambda claim: _attempt(senders, claim), claims))
    try:
        with uow_factory() as uow:
            now = clock()
            owned = [_record(uow, claim, result, max_attempts, now) for claim, result in zip(claims, results)]
            # Status callbacks that came before this record (Twilio can be that quick).
            apply_early_statuses(uow, [r for r, ok in zip(results, owned) if ok and isinstance(r, str)], now)
            uow.commit()
    except IntegrityError:
        # A provider id some other message already carries: the sends happened, so the batch must
        # not be lost to one collision (it would stay `sending` and be sent again). Record each
        # message alone; the one that collides is recorded sent without the provider's id.
        log.warning("batch of %s: a provider id collided; recording one by one", len(claims))
        now = clock()
        owned = [_record_alone(uow_factory, claim, result, max_attempts, now) for claim, result in zip(claims, results)]
    for claim, result, still_owned in zip(claims, results, owned):
        outcomes[claim["id"]] = _outcome(claim, result, still_owned, max_attempts)
    return outcomes


def _record_alone(uow_factory, claim: dict, result, max_attempts: int, now: datetime) -> bool:
    """`_record` in a transaction of its own; a provider id already taken is left out."""
    try:
        with uow_factory() as uow:
            owned = _record(uow, claim, result, max_attempts, now)
            uow.commit()
            return owned
    except IntegrityError:
        log.warning("message %s: its provider id is already recorded on another message", claim["id"])
    with uow_factory() as uow:
        owned = uow.repo.finish_attempt(
            claim["id"], claim["attempts"], now, status=OutboundStatus.SENT, error="provider id already recorded"
        )
        uow.commit()
        return owned


class _Unknown:
    """A send that raised something other than SendError: whether it went out is unknown."""


def _attempt(senders: Mapping[str, Sender], claim: dict) -> str | SendError | _Unknown:
    """The provider id, the provider's refusal, or _Unknown; never raises (one bad message must
    not stop the rest of a batch)."""
    sender = senders.get(claim["channel"])
    try:
        if sender is None:
            raise SendError(f"no sender for channel {claim['channel']}", transient=False)
        if claim["buttons"]:
            return sender.send(claim["address"], claim["body"], claim["buttons"])
        return sender.send(claim["address"], claim["body"])
    except SendError as exc:
        return exc
    except OutcomeUnknown:
        log.warning("message %s: no answer from the provider; recovery will ask it before any resend", claim["id"])
        return _Unknown()
    except Exception as exc:  # noqa: BLE001 - logged; the lease and recovery settle this message
        # The type only: a provider library's message or traceback can carry the phone number,
        # the text or the bot token (in Telegram's URL).
        log.error(
            "message %s: the sender failed unexpectedly (%s); recovery will settle it", claim["id"], type(exc).__name__
        )
        return _Unknown()


def _record(uow: UnitOfWork, claim: dict, result, max_attempts: int, now: datetime) -> bool:
    """Write one attempt's outcome if the attempt still owns the message; False otherwise."""
    message_id, attempts = claim["id"], claim["attempts"]
    if isinstance(result, _Unknown):
        return True  # left `sending`: the provider may have it, so recovery asks before resending
    if isinstance(result, SendError):
        retry = result.transient and attempts < max_attempts
        owned = uow.repo.finish_attempt(
            message_id,
            attempts,
            now,
            status=OutboundStatus.QUEUED if retry else OutboundStatus.FAILED,
            error=result.code[:300],
        )
        if owned and result.opt_out and claim["contact_id"]:
            contact: Contact | None = uow.repo.contact(claim["contact_id"])
            if contact is not None:
                contact.opted_out = True
                log.info("contact %s opted out by the provider's answer", contact.id)
        return owned
    return uow.repo.finish_attempt(
        message_id,
        attempts,
        now,
        status=OutboundStatus.SENT,
        provider_message_id=stored_provider_id(claim, result),
        error=None,
    )


def stored_provider_id(claim: dict, provider_id: str) -> str:
    """The provider's id as stored. Telegram's sender answers `chat_id:message_id` (message ids
    are numbered per chat); the chat id is an address, sealed at rest everywhere else, so the
    stored id names the chat by the first 16 characters of its keyed hash instead: still unique
    per chat, and no chat id in clear."""
    if claim["channel"] == Channel.TELEGRAM and ":" in provider_id and claim.get("address_hash"):
        return f"{claim['address_hash'][:16]}:{provider_id.rsplit(':', 1)[1]}"
    return provider_id


def _outcome(claim: dict, result, owned: bool, max_attempts: int) -> Delivery | RetryLater:
    message_id, attempts = claim["id"], claim["attempts"]
    if isinstance(result, _Unknown):
        return Delivery("skipped")
    if isinstance(result, SendError):
        if not owned:
            log.warning("message %s attempt %s outlived its lease; recovery owns it", message_id, attempts)
            return Delivery("skipped")
        if result.transient and attempts < max_attempts:
            log.warning("message %s attempt %s failed (%s); will retry", message_id, attempts, result.code)
            return RetryLater(result.retry_after, attempts)
        log.error("message %s failed for good after %s attempts (%s)", message_id, attempts, result.code)
        return Delivery("failed")
    if not owned:
        log.warning("message %s attempt %s sent after its lease ran out; recovery owns it", message_id, attempts)
    log.info("message %s sent on %s", message_id, claim["channel"])
    return Delivery("sent", result)


@dataclass(frozen=True)
class Recovery:
    recorded: list[int]  # the provider had them: now `sent`, not sent again
    requeued: list[int]  # back to `queued`: the caller queues a send job for each
    unresolved: list[int]  # the provider could not be asked; tried again after another lease


def recover_interrupted(
    uow_factory: Callable[[], UnitOfWork],
    senders: Mapping[str, Sender],
    lease: timedelta,
    max_attempts: int | None = None,
    *,
    clock: Callable[[], datetime],
) -> Recovery:
    """Settle outbound messages left `sending` longer than `lease` by a worker that died: record
    those the provider already has, put the others back to `queued` — or, once they have had
    `max_attempts` attempts, mark them failed (a send that dies every time must not loop)."""
    now = clock()
    with uow_factory() as uow:
        expired = uow.repo.expired_leases(now - lease)
    recorded: list[int] = []
    requeued: list[int] = []
    unresolved: list[int] = []
    for message_id, started_at in expired:
        with uow_factory() as uow:
            # Renewing the lease first means one sweep (of however many workers) handles it.
            if not uow.repo.take_over_lease(message_id, started_at, now):
                continue
            uow.commit()
            msg = uow.repo.message(message_id)
            assert msg is not None  # its lease was just renewed
            channel, address, body, attempts = msg.channel, msg.address, msg.body, msg.attempts
            since = (started_at or msg.updated_at) - CLOCK_SKEW
            # Telegram is asked about the chat's ids after the last one we recorded there.
            lookup: dict = {}
            claim: dict = {"channel": channel}
            if channel == Channel.TELEGRAM:
                chat = uow.repo.chat_position(message_id)
                claim["address_hash"] = chat.address_hash  # how its provider id is stored
                lookup = {"after_id": chat.after_id, "window": chat.window, "buttons": msg.buttons}
        sender = senders.get(channel)
        found: str | None = None
        if isinstance(sender, SentLookup):
            try:
                candidates = sender.find_sent(address, body, since, **lookup)
            except SendError as exc:
                log.warning("message %s: cannot ask the provider (%s); will try again", message_id, exc.code)
                unresolved.append(message_id)
                continue
            candidates = [stored_provider_id(claim, pid) for pid in candidates]
            with uow_factory() as uow:
                taken = uow.repo.provider_ids_known(channel, candidates)
            found = next((pid for pid in candidates if pid not in taken), None)
        exhausted = False
        with uow_factory() as uow:
            if found:
                owned = uow.repo.finish_attempt(
                    message_id, attempts, now, status=OutboundStatus.SENT, provider_message_id=found, error=None
                )
            else:
                exhausted = max_attempts is not None and attempts >= max_attempts
                owned = uow.repo.finish_attempt(
                    message_id,
                    attempts,
                    now,
                    status=OutboundStatus.FAILED if exhausted else OutboundStatus.QUEUED,
                    error=f"interrupted {attempts} times: given up" if exhausted else "interrupted: worker lost",
                )
            uow.commit()
        if not owned:
            continue
        if found:
            log.warning(
                "message %s (%s): the provider has it (its answer was lost, or the worker died); recorded, not resent",
                message_id,
                channel,
            )
            recorded.append(message_id)
        elif exhausted:
            log.error("message %s: interrupted on each of its %s attempts; marked failed", message_id, attempts)
        else:
            log.warning("message %s (%s): the provider has no copy; sending again", message_id, channel)
            requeued.append(message_id)
    return Recovery(recorded, requeued, unresolved)
