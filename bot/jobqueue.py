"""Job queue adapters: rq on Redis in production, a small thread pool when REDIS_URL is unset.

Jobs are plain functions found by dotted name (`worker.jobs.send_message`) that take ids.
"""

from __future__ import annotations

import functools
import importlib
import json
import logging
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from intake import job_names, schedule

log = logging.getLogger(__name__)

# Jobs that go on the send queue.
SEND_JOBS = {job_names.SEND_MESSAGE}


def job_id_for(func: str, record_id: int) -> str:
    """`process_inbound-42-9f1c…`: the job's function and record, and a unique tail (rq keeps a
    finished job's hash for a while; a later job for the same record must not overwrite it)."""
    return f"{func.rpartition('.')[2]}-{record_id}-{uuid.uuid4().hex[:12]}"


def id_of_job(func: str, job_id: str) -> int | None:
    """The record id a job id from `job_id_for` names, if it is a `func` job."""
    name, _, tail = job_id.rpartition("-")
    name, _, record = name.rpartition("-")
    if not tail:
        return None
    if name != func.rpartition(".")[2] or not record.isdigit():
        return None
    return int(record)


def _posted_ids(func: str, lines: list[bytes]) -> set[int]:
    """The record ids of the `func` jobs among feed lines."""
    ids = set()
    for line in lines:
        try:
            f, args = json.loads(line)
        except (ValueError, TypeError):
            continue
        if f == func and args and isinstance(args[0], int):
            ids.add(args[0])
    return ids


def _run_with(services, func: str, args: tuple) -> None:
    """Run the job `func(*args)` with these services."""
    resolve(func)(*args, services=services)


def resolve(dotted: str) -> Callable:
    """The function a dotted path names."""
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


class RqJobQueue:
    """Enqueue on rq. Retries are done by the jobs themselves (a send re-enqueues itself with a
    delay), so that a provider's Retry-After is honoured. Sends may have a queue of their own
    (`send_queue_name`), so that send workers run without the NLU and a slow NLU job never holds
    a send back."""

    def __init__(
        self,
        redis_url: str,
        queue_name: str = "default",
        send_queue_name: str | None = None,
        *,
        timeout_s: float | None = None,
    ):
        from redis import Redis
        from rq import Queue

        if timeout_s is None:
            self.connection = Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=5)
        else:
            # The request path: every Redis call answers within `timeout_s` or fails, and is never
            # retried (redis-py retries three times by default), so a frozen Redis costs a webhook
            # one short wait; the message it could not queue is already stored for recovery.
            from redis.backoff import NoBackoff
            from redis.retry import Retry

            self.connection = Redis.from_url(
                redis_url, socket_connect_timeout=timeout_s, socket_timeout=timeout_s, retry=Retry(NoBackoff(), 0)
            )
        self.queue = Queue(queue_name, connection=self.connection)
        self.send_queue = (
            Queue(send_queue_name, connection=self.connection)
            if send_queue_name and send_queue_name != queue_name
            else self.queue
        )

    @staticmethod
    def queue_names(queue_name: str, send_queue_name: str | None, roles: list[str]) -> set[str]:
        """The rq queue names a worker with these roles (main, send) listens on."""
        send = send_queue_name or queue_name
        return {queue_name for r in roles if r == "main"} | {send for r in roles if r == "send"}

    def queue_for(self, func: str):
        """The rq queue that runs `func`."""
        return self.send_queue if func in SEND_JOBS else self.queue

    def enqueue(self, func: str, *args: object, delay_s: float = 0) -> None:
        """Put a job on its queue, now or later (rq's scheduler runs delayed jobs). A job about
        one record (its first argument an id) gets a job id naming it, so that `waiting` can tell
        which records already have a job in the queue."""
        queue = self.queue_for(func)
        kwargs = {"job_id": job_id_for(func, args[0])} if args and isinstance(args[0], int) else {}
        with self.connection.pipeline() as pipe:  # one round trip: rq's own calls in one pipeline
            if delay_s > 0:
                queue.enqueue_in(timedelta(seconds=delay_s), func, *args, pipeline=pipe, **kwargs)
            else:
                queue.enqueue(func, *args, pipeline=pipe, **kwargs)
            pipe.execute()

    def enqueue_many(self, items: list[tuple[str, tuple]]) -> None:
        """Enqueue many jobs (func, args) now, in one pipeline per queue (the schedule moves
        due rows in batches)."""
        from rq import Queue

        by_queue: dict[str, tuple[object, list]] = {}
        for func, args in items:
            queue = self.queue_for(func)
            job_id = job_id_for(func, args[0]) if args and isinstance(args[0], int) else None
            by_queue.setdefault(queue.name, (queue, []))[1].append(Queue.prepare_data(func, args, job_id=job_id))
        for queue, datas in by_queue.values():
            with self.connection.pipeline() as pipe:
                queue.enqueue_many(datas, pipeline=pipe)
                pipe.execute()

    @property
    def feed_key(self) -> str:
        """The Redis list of posted jobs (`post_many`) that a worker's feeder turns into rq jobs."""
        return f"jsc:feed:{self.queue.name}"

    def post_many(self, items: list[tuple[str, tuple]]) -> None:
        """Hand jobs (func, args) to the workers in one Redis command: a line each on the feed
        list, which a worker's feeder (`move_posted`) turns into rq jobs. Much lighter than
        `enqueue` (no job hash is built and sent), for the webhooks' request path."""
        if items:
            self.connection.rpush(self.feed_key, *(json.dumps([func, list(args)]) for func, args in items))

    def move_posted(self, limit: int = 500, wait_s: float = 0) -> int:
        """Turn up to `limit` posted jobs into rq jobs, oldest first (waiting up to `wait_s` for
        the first); returns how many. Taking them off the list is atomic, so several feeders
        never queue one twice; if queueing then fails they are put back in front. A feeder that
        dies in between loses only the wake-up: the messages are stored, and recovery queues them."""
        if wait_s > 0:
            first = self.connection.blpop([self.feed_key], timeout=wait_s)
            if first is None:
                return 0
            lines = [first[1], *(self.connection.lpop(self.feed_key, limit - 1) or [])]
        else:
            lines = self.connection.lpop(self.feed_key, limit) or []
        items = []
        for line in lines:
            try:
                func, args = json.loads(line)
                items.append((str(func), tuple(args)))
            except (ValueError, TypeError):
                log.error("feed: an unreadable line was dropped")
        try:
            self.enqueue_many(items)
        except Exception:
            self.connection.lpush(self.feed_key, *reversed(lines))
            raise
        return len(items)

    def waiting(self, func: str) -> set[int]:
        """The ids whose `func` job waits in its queue, in rq's schedule or on the feed (not yet
        started): recovery leaves them alone instead of queueing them again."""
        from rq.registry import ScheduledJobRegistry

        queue = self.queue_for(func)
        with self.connection.pipeline(transaction=False) as pipe:
            pipe.lrange(queue.key, 0, -1)
            pipe.zrange(ScheduledJobRegistry(queue=queue).key, 0, -1)
            pipe.lrange(self.feed_key, 0, -1)
            listed, scheduled, posted = pipe.execute()
        ids = {i for raw in [*listed, *scheduled] if (i := id_of_job(func, raw.decode())) is not None}
        return ids | _posted_ids(func, posted)


class InProcessJobQueue:
    """Embedded mode: jobs run on two background threads of this process, after the request that
    queued them has answered. Jobs due later are rows of the schedule (intake.schedule), as with
    rq: `start_schedule` runs due rows every second (started by the first job) and `start_sweep` runs the
    recovery sweep, as `python -m worker` does beside rq, so a restart loses nothing scheduled
    and re-queues what it interrupted."""

    def start_schedule(self, tick_s: float = 1.0) -> None:
        """Run due scheduled jobs every `tick_s` on a thread of this process (once per process;
        the first job queued starts it too). Each row is deleted only after its job ran, so a
        short-lived process (a CLI command) that stops mid-way loses nothing."""
        with self._lock:
            if self._scheduling:
                return
            self._scheduling = True

        def loop() -> None:
            while True:
                try:
                    services = self._services()
                    schedule.run_due(services.uow, functools.partial(_run_with, services), services.clock())
                except Exception as exc:  # noqa: BLE001 - the loop outlives a database hiccup
                    log.error("running scheduled jobs failed (%s)", type(exc).__name__)
                if self._stop.wait(tick_s):
                    return

        threading.Thread(target=loop, name="schedule", daemon=True).start()
        log.info("embedded schedule started")

    def __init__(self, services_provider: Callable[[], object], max_workers: int = 2):
        self._services = services_provider
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="job")
        self._stop = threading.Event()
        self._sweeping = False
        self._scheduling = False
        self._waiting: dict[tuple[str, object], int] = {}  # (func, first argument) -> jobs not started
        self._lock = threading.Lock()

    def enqueue(self, func: str, *args: object, delay_s: float = 0) -> None:
        """Run `func(*args)` on the pool, now or after a delay."""
        self.start_schedule()  # this process does work: it runs what falls due too
        if args:
            with self._lock:
                self._waiting[(func, args[0])] = self._waiting.get((func, args[0]), 0) + 1
        if delay_s > 0:
            timer = threading.Timer(delay_s, self._submit, (func, args))
            timer.daemon = True
            timer.start()
        else:
            self._submit(func, args)

    def start_sweep(self, interval_s: float, func: str = job_names.RECOVER) -> None:
        """Run the recovery sweep (which also drains the ingress spool) every `interval_s` on the
        pool, as `python -m worker` does beside rq: embedded mode has no other process to do it."""
        if self._sweeping:
            return
        self._sweeping = True

        def loop() -> None:
            while not self._stop.wait(interval_s):
                try:
                    self._submit(func, ())
                except RuntimeError:  # the pool was shut down: the process is exiting
                    return

        threading.Thread(target=loop, name="recovery-sweep", daemon=True).start()

    def close(self) -> None:
        """Stop the sweep and the schedule threads."""
        self._stop.set()

    def _submit(self, func: str, args: tuple) -> None:
        self._pool.submit(self._run, func, args)

    def waiting(self, func: str) -> set[int]:
        """The ids whose `func` job is queued here and not yet started."""
        with self._lock:
            return {arg for (f, arg), n in self._waiting.items() if f == func and n > 0 and isinstance(arg, int)}

    def _run(self, func: str, args: tuple) -> None:
        if args:
            with self._lock:
                key = (func, args[0])
                self._waiting[key] = self._waiting.get(key, 1) - 1
                if self._waiting[key] <= 0:
                    del self._waiting[key]
        try:
            resolve(func)(*args, services=self._services())
        except Exception as exc:  # noqa: BLE001 - a job's failure must not kill the pool
            # The type only: a library's message or traceback can carry a number, a text or a token.
            log.error("job %s failed (%s)", func, type(exc).__name__)
