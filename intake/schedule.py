"""The transactional schedule: every job due later is a row written with the change that caused it.

A step that wants a job run later (an escalation of an unaccepted case, a reminder, a follow-up,
a check-in, a send held for quiet hours, throttled or waiting out its back-off) appends it to
`uow.later`; `UnitOfWork.commit` writes those entries to `scheduled_jobs` in the same
transaction (`write`). A rolled-back step schedules nothing; a committed one cannot lose its
jobs to a Redis failure, a flushed Redis or a restarted process. `move_due` — run every second
by whichever worker (or, in embedded mode, the web process) holds the schedule's lock — puts due
rows on the job queue and deletes them in one transaction: if the queue refuses, the rows stay
for the next tick; if the commit fails after the queue took them, they run twice, which every
job tolerates (jobs take ids and are idempotent).

`exclusive(engine, name)` is the one-at-a-time lock for work that spans transactions (the
recovery sweep): a PostgreSQL session advisory lock on a connection of its own, released when
the work ends or its process dies; a lock in this process on SQLite (embedded: one process).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.engine import Engine

from intake.ports import JobQueue

log = logging.getLogger(__name__)

MOVE_BATCH = 500


def lock_key(name: str) -> int:
    """A signed 64-bit advisory lock key for a name."""
    return int.from_bytes(hashlib.blake2b(f"jsc:{name}".encode(), digest_size=8).digest(), "big", signed=True)


def write(uow) -> int:
    """Write the jobs the transaction scheduled (`uow.later`) as rows, in that transaction, and
    forget them (so a second commit does not write them again). Returns how many."""
    later = getattr(uow, "later", None)
    if not later:
        return 0
    uow.repo.schedule_jobs([(func, list(args), due) for func, args, due in later])
    count = len(later)
    later.clear()
    return count


def move_due(uow_factory, queue: JobQueue, now: datetime, limit: int = MOVE_BATCH) -> int:
    """Put up to `limit` due rows on the queue and delete them; 0 when another process holds the
    schedule this tick (PostgreSQL) or nothing is due. Returns how many were moved."""
    with uow_factory() as uow:
        if not uow.repo.try_transaction_lock(lock_key("schedule")):
            return 0
        rows = uow.repo.due_jobs(now, limit)
        if not rows:
            return 0
        many = getattr(queue, "enqueue_many", None)
        if many is not None:  # one round trip for the batch (rq)
            many([(func, tuple(args)) for _, func, args in rows])
        else:
            for _, func, args in rows:
                queue.enqueue(func, *args)
        uow.repo.delete_scheduled([row_id for row_id, _, _ in rows])
        uow.commit()
    log.info("moved %s scheduled jobs to the queue", len(rows))
    return len(rows)


def run_due(uow_factory, run, now: datetime, limit: int = MOVE_BATCH) -> int:
    """Embedded mode: run each due job here (`run(func, args)`), then delete its row, so a
    process that stops mid-way leaves the row to run again (jobs are idempotent). Returns how many
    ran; a job that raises keeps its row for the next tick."""
    with uow_factory() as uow:
        rows = uow.repo.due_jobs(now, limit)
    ran = 0
    for row_id, func, args in rows:
        try:
            run(func, tuple(args))
        except Exception as exc:  # noqa: BLE001 - kept for the next tick
            log.error("scheduled job %s failed (%s); kept for the next tick", func, type(exc).__name__)
            continue
        with uow_factory() as uow:
            uow.repo.delete_scheduled([row_id])
            uow.commit()
        ran += 1
    return ran


def move_all_due(uow_factory, queue: JobQueue, now: datetime) -> int:
    """`move_due` until nothing more is due (bounded, so a tick ends)."""
    total = 0
    for _ in range(100):
        moved = move_due(uow_factory, queue, now)
        total += moved
        if moved < MOVE_BATCH:
            break
    return total


def pending(uow, func_name: str | None = None) -> list[tuple[str, list, datetime]]:
    """Scheduled jobs not yet moved to the queue (func, args, due), soonest first."""
    return [(func, args, due) for _, func, args, due in uow.repo.scheduled(func_name)]


_local_locks: dict[str, threading.Lock] = {}
_local_guard = threading.Lock()


@contextmanager
def exclusive(engine: Engine, name: str) -> Iterator[bool]:
    """Try to become the one process (and thread) doing `name`; yields whether it did. Never
    waits: a worker that finds the lock taken skips this round."""
    if engine.dialect.name != "postgresql":
        with _local_guard:
            lock = _local_locks.setdefault(name, threading.Lock())
        got = lock.acquire(blocking=False)
        try:
            yield got
        finally:
            if got:
                lock.release()
        return
    # Autocommit: the lock belongs to the session, and the connection must not sit idle in a
    # transaction (the server ends those) while the work runs on other connections.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        key = lock_key(name)
        got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
        try:
            yield got
        finally:
            if got:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
