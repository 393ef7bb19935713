"""rq jobs: plain functions found by dotted name, taking ids, safe to run twice.

Each takes an optional `services` (the embedded queue passes its own); under rq they use the
services the worker process built at start (`configure`), or build them from the environment.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from intake import cases, job_names, retention, schedule
from intake import services as intake
from intake.delivery import Delivery, RetryLater, deliver_batch, recover_interrupted
from intake.deps import IntakeDeps
from intake.model import Channel, OutboundStatus
from intake.outbound import apply_early_statuses, dispatch, held_for_quiet_hours, unprocessed_inbound
from intake.policy import Policy
from intake.ports import SendError
from intake.retention import RetentionPolicy

log = logging.getLogger(__name__)

_services = None

# A send holds its claim this long before recovery may settle it: far above the senders' HTTP
# timeouts (15 s Twilio, 10 s Telegram), so a live attempt is never taken over.
DEFAULT_LEASE_S = 120.0
RETENTION_DAILY = timedelta(days=1)
RETENTION_SOON = timedelta(minutes=1)


def configure(services) -> None:
    """Use these services for jobs run by this process (the worker entry point calls it)."""
    global _services
    _services = services


def _get(services):
    global _services
    if services is not None:
        return services
    if _services is None:
        from bot.bootstrap import build_services
        from bot.config import Config

        _services = build_services(Config.from_env())
    return _services


def _run(s, step, *args) -> list[int]:
    """Run one service-layer step in a transaction, at one moment of the clock; after commit,
    queue its sends. The jobs it scheduled for later are rows of the schedule, written by that
    commit (intake.schedule), so a rolled-back step sends and schedules nothing and a committed
    one loses nothing."""
    deps = s.deps.at(s.deps.clock())
    with s.uow() as uow:
        outbound = step(uow, deps, *args)
        uow.commit()
    dispatch(s.queue, s.deps.clock(), outbound)
    return outbound


def process_inbound(message_id: int, services=None) -> list[int]:
    """Understand and act on one inbound message, then queue its sends."""
    return _run(_get(services), intake.process_inbound, message_id)


def answer_callback(query_id: str, services=None) -> str:
    """Acknowledge an official's button press. Not retried: Telegram forgets a press in seconds."""
    sender = _get(services).senders.get("telegram")
    if not hasattr(sender, "answer_callback"):
        return "skipped"
    try:
        sender.answer_callback(query_id)
    except SendError as exc:
        log.info("callback answer failed (%s)", exc.code)
        return "failed"
    return "answered"


def remind(appointment_id: int, starts_at_iso: str, hours: int, services=None) -> list[int]:
    """The reminder `hours` before a session, if the session still stands."""
    return _run(_get(services), cases.remind, appointment_id, starts_at_iso, hours)


def follow_up(case_id: int, services=None) -> list[int]:
    """Ask whether the dispute was settled."""
    return _run(_get(services), cases.follow_up, case_id)


def check_in(case_id: int, days: int, services=None) -> list[int]:
    """A discreet check-in on a protection case."""
    return _run(_get(services), cases.check_in, case_id, days)


def safety_timeout(contact_id: int, message_id: int, services=None) -> list[int]:
    """The safety question went unanswered for 30 minutes: open the protection case."""
    return _run(_get(services), intake.safety_timeout, contact_id, message_id)


def escalate(
    case_id: int, level: int, office_id: int | None, routing_seq: int | None = None, services=None
) -> list[int]:
    """A case not accepted in time: remind, then coordinator, then the next office (for the
    routing `routing_seq` of the case; a later routing has its own steps)."""
    return _run(_get(services), cases.escalate, case_id, level, office_id, routing_seq)


def _defer_many(s, delays: dict[int, float]) -> None:
    """Note when each message's next attempt is due (so that recovery leaves it alone) and make
    that attempt a row of the schedule (intake.schedule): one transaction."""
    if not delays:
        return
    now = s.clock()
    due = {mid: now + timedelta(seconds=d) for mid, d in delays.items()}
    with s.uow() as uow:
        uow.repo.defer_outbound_many(due)
        uow.later.extend((job_names.SEND_MESSAGE, (mid,), when) for mid, when in due.items())
        uow.commit()


def _timing(s):
    """What quiet hours need (the policy and the clock), without loading the NLU: a send-only
    worker never builds the intake pipeline's ports."""
    if "deps" in s.__dict__:  # already built (a worker that also runs the intake)
        return s.deps
    return IntakeDeps(understander=None, places=None, policy=Policy(timezone=s.config.timezone), clock=s.clock)


# A deferred message is due this much before its time: the schedule is moved by another
# process, whose clock may be a little ahead of this one's.
DUE_SKEW = timedelta(seconds=0.5)


def send_message(message_id: int, services=None) -> str:
    """Send the next message to this message's recipient (itself, unless an older one to the same
    chat or phone is still unsent: messages to a recipient leave in the order they were created).
    On a transient failure schedule the next attempt with back-off (or the provider's
    Retry-After), so the delay survives restarts; a Telegram message that would break Telegram's
    rate limits is scheduled for when its slot frees. Returns what became of `message_id`."""
    return send_batch([message_id], services)[message_id]


def send_batch(message_ids: list[int], services=None, *, senders=None, run=map) -> dict[int, str]:
    """`send_message` for many messages at once (the send worker's batches).

    Each message's recipient (channel and address) has a queue: its outbound messages still
    `queued` or `sending`, oldest first. Only a queue's first message may go: a batch sends the
    first message of each recipient it names, if that message is due (no back-off, hold or
    rate-limit slot still running: its scheduled job sends it then, and a job that comes early,
    its own or a later message's, leaves it). A first message held by quiet hours is let go
    when a later one to the same person may go now (an answer to what they just wrote: they are
    at their phone), so the answer neither waits until morning nor overtakes it. Then quiet hours
    and the Telegram limits, one claim (which checks the order again, in SQL, against other workers),
    the sends through `run` (a thread pool sends them concurrently; `senders` may be per thread),
    one transaction recording them, and for each recipient whose first message was settled a job
    for its next one. Returns each message's outcome: sent, skipped, failed, retrying, deferred,
    throttled, or waiting (an older message to its recipient goes first)."""
    s = _get(services)
    timing = _timing(s)
    limiter = getattr(s, "rate_limiter", None)
    outcomes = {mid: "skipped" for mid in message_ids}
    asked = set(message_ids)
    with s.uow() as uow:
        unsettled = uow.repo.unsettled_outbound_of(message_ids)
    queues: dict[tuple[str, str], list] = {}
    for msg, contact in unsettled:
        queues.setdefault((msg.channel, msg.address), []).append((msg, contact))
    now = s.clock()
    held: dict[int, float] = {}
    ready: list[int] = []
    for queue in queues.values():
        first, contact = queue[0]
        for later, _ in queue[1:]:
            if later.id in asked:
                outcomes[later.id] = "waiting"
        if first.status != OutboundStatus.QUEUED:
            continue  # being sent: the worker sending it queues the next one
        quiet = held_for_quiet_hours(first, timing, contact)
        # A later message that may go now (an answer to what the person just wrote) lets go
        # what quiet hours hold before it; never a provider's back-off (only a message not yet
        # tried is released).
        released = (
            bool(quiet)
            and first.attempts == 0
            and any(m.status == OutboundStatus.QUEUED and not held_for_quiet_hours(m, timing, c) for m, c in queue[1:])
        )
        if first.next_attempt_at is not None and first.next_attempt_at > now + DUE_SKEW and not released:
            if first.id in asked:  # a second job for it (a duplicate, a kick) came early
                outcomes[first.id] = "waiting"
            continue  # its back-off, hold or slot is still running: its scheduled job sends it
        if quiet and not released:
            held[first.id] = max(1.0, (quiet - now).total_seconds())
            outcomes[first.id] = "deferred"
            continue
        if limiter is not None and first.channel == Channel.TELEGRAM:
            wait = limiter.acquire(first.address)
            if wait > 0:
                held[first.id] = wait
                outcomes[first.id] = "throttled"
                continue
        ready.append(first.id)
    _defer_many(s, held)
    results = deliver_batch(
        s.uow,
        senders if senders is not None else s.senders,
        ready,
        max_attempts=s.max_send_attempts,
        clock=s.clock,
        run=run,
    )
    intervals = s.config.send_retry_intervals
    retries: dict[int, float] = {}
    for message_id, result in results.items():
        if isinstance(result, RetryLater):
            attempts = result.attempts or 1
            delay = result.delay_s if result.delay_s is not None else intervals[min(attempts, len(intervals)) - 1]
            retries[message_id] = delay
            outcomes[message_id] = "retrying"
        else:
            outcomes[message_id] = result.outcome
    _defer_many(s, retries)
    settled = [mid for mid, r in results.items() if isinstance(r, Delivery) and r.outcome in ("sent", "failed")]
    _queue_next(s, settled)
    return outcomes


def _queue_next(s, settled: list[int]) -> None:
    """Queue a send job for the next unsettled message of each recipient whose message was just
    settled, unless it is waiting out a delay of its own (its scheduled job will send it). A job
    lost here (Redis down) is found by the recovery sweep: the next message is then the first
    of its recipient, and overdue."""
    if not settled:
        return
    try:
        now = s.clock()
        with s.uow() as uow:
            following = uow.repo.next_unsettled_to_recipients_of(settled)
        for msg in following:
            if msg.status == OutboundStatus.QUEUED and (msg.next_attempt_at is None or msg.next_attempt_at <= now):
                s.queue.enqueue(job_names.SEND_MESSAGE, msg.id)
    except Exception as exc:  # noqa: BLE001 - what was sent is recorded; recovery queues the rest
        log.warning("queueing the next sends failed (%s); the recovery sweep will", type(exc).__name__)


def _drain_spool(s) -> None:
    """Store what the webhooks spooled while the database was unavailable (bot.spool), once each,
    and queue it. A database still down stops the drain; the next sweep goes on."""
    ingress = getattr(s, "ingress", None)
    if ingress is None:
        return
    try:
        drained = ingress.drain()
    except Exception as exc:  # noqa: BLE001 - the database or Redis is still down
        log.warning("spool drain stopped (%s); the next sweep goes on", type(exc).__name__)
        return
    if drained:
        log.warning("drained %s spooled inbound deliveries", drained)


def _not_waiting(queue, func: str, ids: list[int]) -> list[int]:
    """The ids among `ids` with no `func` job waiting in `queue` (all of them when the queue
    cannot tell)."""
    waiting = getattr(queue, "waiting", None)
    if not ids or waiting is None:
        return ids
    queued = waiting(func)
    return [i for i in ids if i not in queued]


def erase_expired(services=None) -> int:
    """Erase the words of cases closed longer than their retention period, then the texts of old
    messages filed on no case (intake.retention), a batch of each at a time: the next run is
    scheduled in a minute while more remain, else in a day. Returns how many cases were erased."""
    s = _get(services)
    policy = RetentionPolicy(
        s.config.retention_dispute_days, s.config.retention_protection_days, s.config.retention_unfiled_days
    )
    now = s.clock()
    with s.uow() as uow:
        erased = retention.erase_expired(uow, policy, now, limit=retention.BATCH)
        uow.commit()
    with s.uow() as uow:
        unfiled = retention.erase_unfiled(uow, policy, now, limit=retention.MESSAGE_BATCH)
        uow.commit()
    more = erased == retention.BATCH or unfiled == retention.MESSAGE_BATCH
    with s.uow() as uow:
        retention.schedule_next(uow, now + (RETENTION_SOON if more else RETENTION_DAILY))
        uow.commit()
    return erased


def move_scheduled(services=None) -> int:
    """Move the scheduled jobs that are due to the queue (intake.schedule)."""
    s = _get(services)
    return schedule.move_all_due(s.uow, s.queue, s.clock())


def recover(services=None, older_than_s: float = 60.0, lease_s: float = DEFAULT_LEASE_S) -> tuple[int, int]:
    """Re-queue what a lost job left behind: inbound never processed, outbound never sent (or
    left `sending` by a worker that died: settled with the provider first, see intake.delivery).
    One process at a time: a sweep that finds another running does nothing and returns (0, 0)."""
    s = _get(services)
    _drain_spool(s)  # every process: a web host's spool file is its own (stored once by provider id)
    with schedule.exclusive(s.engine, "recovery") as mine:
        if not mine:
            log.info("recovery sweep skipped: another process is running it")
            return 0, 0
        return _recover(s, older_than_s, lease_s)


def _recover(s, older_than_s: float, lease_s: float) -> tuple[int, int]:
    now = s.clock()
    with s.uow() as uow:
        inbound = unprocessed_inbound(uow, timedelta(seconds=older_than_s), now)
        overdue = uow.repo.outbound_overdue(now - timedelta(seconds=older_than_s))
    interrupted = recover_interrupted(s.uow, s.senders, timedelta(seconds=lease_s), s.max_send_attempts, clock=s.clock)
    with s.uow() as uow:  # status callbacks that raced the recording of their SID
        apply_early_statuses(uow, None, s.clock())
        # Retention's daily run lives in the schedule; this starts it (once) on a new database.
        retention.schedule_next(uow, now)
        uow.commit()
    # Under a backlog a message's job may wait in the queue longer than `older_than_s`: only what
    # has no job waiting was lost (queueing the rest again would grow the backlog with itself).
    inbound = _not_waiting(s.queue, job_names.PROCESS_INBOUND, inbound)
    overdue = _not_waiting(s.queue, job_names.SEND_MESSAGE, overdue)
    for message_id in inbound:
        s.queue.enqueue(job_names.PROCESS_INBOUND, message_id)
    # A recorded message is settled: its job sends the next message to the same recipient.
    for message_id in [*overdue, *interrupted.requeued, *interrupted.recorded]:
        s.queue.enqueue(job_names.SEND_MESSAGE, message_id)
    if inbound or overdue or interrupted.recorded or interrupted.requeued:
        log.warning(
            "recovered %s inbound and %s outbound messages; %s interrupted sends recorded, %s sent again",
            len(inbound),
            len(overdue),
            len(interrupted.recorded),
            len(interrupted.requeued),
        )
    return len(inbound), len(overdue) + len(interrupted.requeued)
