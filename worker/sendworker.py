"""The rq worker of `python -m worker`: rq's SimpleWorker, plus sends in batches on a thread pool.

With `send_concurrency` above 1, a `send_message` job taken off the queue brings up to
`batch_size - 1` more queued send jobs with it (one LPOP); their messages are claimed in one
statement, sent at once by `send_concurrency` threads (each with its own HTTP session) and
recorded in one transaction (`worker.jobs.send_batch`). The jobs stay the unit of idempotency:
each names one message, and the claim `queued → sending` still lets one attempt reach the
provider. The batch's jobs skip rq's per-job bookkeeping (started/finished registries, results):
our database, not rq, says what was sent. A worker killed mid-batch loses those jobs from Redis,
not their messages: a claimed one is settled by lease recovery, an unclaimed one is re-queued
by the overdue sweep (worker.jobs.recover), as for any lost job.

rq's scheduler releases at most 1,000 due jobs per queue each second and then sleeps a full
second; `Scheduler` releases all that are due, four times a second, so 1,000 reminders due each
second do not fall behind before a worker sees them. Both subclasses use rq 2.12's internals
(pinned in requirements.txt).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor

from rq import SimpleWorker
from rq.job import Job
from rq.scheduler import RQScheduler
from rq.utils import current_timestamp

from intake import job_names
from worker import jobs

log = logging.getLogger(__name__)


class Scheduler(RQScheduler):
    """rq's scheduler, releasing every due job each tick, ticking every `tick` seconds (rq's
    `interval` stays a whole second: its lock TTLs are computed from it)."""

    tick = 0.25

    def enqueue_scheduled_jobs(self):
        """Release due jobs, 1,000 at a time, until none is due."""
        for _ in range(100):  # bounded: a tick must end so that locks and heartbeats go on
            super().enqueue_scheduled_jobs()
            now = current_timestamp()
            if not any(self.connection.zcount(r.key, 0, now) for r in self._scheduled_job_registries):
                return

    def work(self):
        """rq's loop, sleeping what is left of the tick rather than a full interval."""
        self._install_signal_handlers()
        self.register_birth()
        while not self._stop_requested:
            started = time.monotonic()
            if self.should_reacquire_locks:
                self.acquire_locks()
            self.heartbeat()
            self.enqueue_scheduled_jobs()
            time.sleep(max(0.0, self.tick - (time.monotonic() - started)))
        self.stop()


class ThreadSenders(Mapping):
    """The sender adapters of the calling thread, built on first use from a factory."""

    def __init__(self, factory):
        self._factory = factory
        self._local = threading.local()

    def _mine(self) -> dict:
        senders = getattr(self._local, "senders", None)
        if senders is None:
            senders = self._local.senders = self._factory()
        return senders

    def __getitem__(self, channel):
        return self._mine()[channel]

    def __iter__(self):
        return iter(self._mine())

    def __len__(self):
        return len(self._mine())


class Worker(SimpleWorker):
    """SimpleWorker with batched, concurrent sends (see the module docstring) and the faster
    scheduler."""

    def __init__(self, *args, services, send_concurrency: int = 1, batch_size: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.services = services
        self.send_concurrency = max(1, send_concurrency)
        self.batch_size = max(1, batch_size or 2 * self.send_concurrency)
        self._pool: ThreadPoolExecutor | None = None
        self._senders: ThreadSenders | None = None
        if self.send_concurrency > 1:
            self._pool = ThreadPoolExecutor(self.send_concurrency, thread_name_prefix="send")
            factory = services.senders_factory or (lambda: services.senders)
            self._senders = ThreadSenders(factory)

    def _start_scheduler(self, burst=False, logging_level="INFO", date_format=None, log_format=None):
        """rq's `_start_scheduler` with `Scheduler` in place of RQScheduler."""
        kwargs = {k: v for k, v in {"date_format": date_format, "log_format": log_format}.items() if v}
        self.scheduler = Scheduler(
            self.queues,
            connection=self.connection,
            logging_level=logging_level if logging_level is not None else self.log.level,
            serializer=self.serializer,
            **kwargs,
        )
        self.scheduler.acquire_locks()
        if self.scheduler.acquired_locks:
            if burst:
                try:
                    self.scheduler.register_birth()
                    self.scheduler.enqueue_scheduled_jobs()
                finally:
                    self.scheduler.release_locks()
                    self.scheduler.register_death()
            else:
                self.scheduler.start()

    def execute_job(self, job: Job, queue):
        """Run a send job with up to `batch_size - 1` others from its queue; anything else as rq does."""
        if self._pool is None or job.func_name != job_names.SEND_MESSAGE:
            return super().execute_job(job, queue)
        with self.connection.pipeline() as pipe:
            pipe.lrem(queue.intermediate_queue_key, 1, job.id)
            pipe.lpop(queue.key, self.batch_size - 1)
            self.set_current_job_id(job.id, pipeline=pipe)
            _, more, _ = pipe.execute()
        others = [
            j
            for j in Job.fetch_many(
                [i.decode() for i in more or []], connection=self.connection, serializer=self.serializer
            )
            if j is not None
        ]
        batch = [job] + [j for j in others if j.func_name == job_names.SEND_MESSAGE]
        message_ids = list(dict.fromkeys(j.args[0] for j in batch))
        try:
            outcomes = jobs.send_batch(message_ids, self.services, senders=self._senders, run=self._pool.map)
            counts: dict[str, int] = {}
            for outcome in outcomes.values():
                counts[outcome] = counts.get(outcome, 0) + 1
            log.info("send batch of %s: %s", len(message_ids), ", ".join(f"{n} {o}" for o, n in sorted(counts.items())))
        except Exception as exc:  # noqa: BLE001 - the worker lives on; recovery settles these messages
            # The type only, as in intake.delivery: a traceback may carry numbers or tokens.
            log.error(
                "send batch of %s failed (%s); recovery will settle its messages", len(message_ids), type(exc).__name__
            )
        finally:
            with self.connection.pipeline() as pipe:
                for j in batch:
                    pipe.delete(j.key)
                self.set_current_job_id(None, pipeline=pipe)
                pipe.execute()
        for other in others:
            if other.func_name != job_names.SEND_MESSAGE:  # not ours to batch: run it as rq would
                super().execute_job(other, queue)

    def teardown(self):
        """Stop the send threads with the worker."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        super().teardown()
