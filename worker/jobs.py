"""rq jobs: plain functions found by dotted name, taking ids, safe to run twice.

Each takes an optional `services` (the embedded queue passes its own); under rq they use the
services the worker process built at start (`configure`), or build them from the environment.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from intake import services as intake
from intake.delivery import RetryLater, deliver

log = logging.getLogger(__name__)

_services = None

PROCESS_INBOUND = "worker.jobs.process_inbound"
SEND_MESSAGE = "worker.jobs.send_message"
RECOVER = "worker.jobs.recover"


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


def process_inbound(message_id: int, services=None) -> list[int]:
    """Understand and act on one inbound message, then queue its sends."""
    s = _get(services)
    with s.uow() as uow:
        outbound = intake.process_inbound(uow, s.deps, message_id)
        uow.commit()
    for out_id in outbound:
        s.queue.enqueue(SEND_MESSAGE, out_id)
    return outbound


def send_message(message_id: int, services=None) -> str:
    """Send one outbound message; on a transient failure schedule the next attempt with back-off
    (or the provider's Retry-After), so the delay lives in Redis and survives restarts."""
    s = _get(services)
    try:
        return deliver(s.uow, s.senders, message_id, max_attempts=s.max_send_attempts).outcome
    except RetryLater as retry:
        with s.uow() as uow:
            attempts = uow.repo.message(message_id).attempts
        intervals = s.config.send_retry_intervals
        delay = retry.delay_s if retry.delay_s is not None else intervals[min(attempts, len(intervals)) - 1]
        s.queue.enqueue(SEND_MESSAGE, message_id, delay_s=delay)
        return "retrying"


def recover(services=None, older_than_s: float = 60.0) -> tuple[int, int]:
    """Re-queue what a lost job left behind: inbound never processed, outbound never sent."""
    s = _get(services)
    with s.uow() as uow:
        inbound, outbound = intake.stale_work(uow, timedelta(seconds=older_than_s))
    for message_id in inbound:
        s.queue.enqueue(PROCESS_INBOUND, message_id)
    for message_id in outbound:
        s.queue.enqueue(SEND_MESSAGE, message_id)
    if inbound or outbound:
        log.warning("recovered %s inbound and %s outbound messages", len(inbound), len(outbound))
    return len(inbound), len(outbound)
