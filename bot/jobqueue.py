"""Job queue adapters: rq on Redis in production, a small thread pool when REDIS_URL is unset.

Jobs are plain functions found by dotted name (`worker.jobs.send_message`) that take ids.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from intake import job_names

log = logging.getLogger(__name__)

# Jobs that go on the send queue.
SEND_JOBS = {job_names.SEND_MESSAGE}


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

    def queue_for(self, func: str):
        """The rq queue that runs `func`."""
        return self.send_queue if func in SEND_JOBS else self.queue

    def enqueue(self, func: str, *args: object, delay_s: float = 0) -> None:
        """Put a job on its queue, now or later (rq's scheduler runs delayed jobs), in one round
        trip: rq's own calls go through one pipeline."""
        queue = self.queue_for(func)
        with self.connection.pipeline() as pipe:
            if delay_s > 0:
                queue.enqueue_in(timedelta(seconds=delay_s), func, *args, pipeline=pipe)
            else:
                queue.enqueue(func, *args, pipeline=pipe)
            pipe.execute()


class InProcessJobQueue:
    """Embedded mode: jobs run on two background threads of this process, after the request that
    queued them has answered. Nothing survives a restart; the recovery sweep picks up what a
    restart interrupted (messages are in the database)."""

    def __init__(self, services_provider: Callable[[], object], max_workers: int = 2):
        self._services = services_provider
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="job")
        self._stop = threading.Event()
        self._sweeping = False

    def enqueue(self, func: str, *args: object, delay_s: float = 0) -> None:
        """Run `func(*args)` on the pool, now or after a delay."""
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
        """Stop the sweep."""
        self._stop.set()

    def _submit(self, func: str, args: tuple) -> None:
        self._pool.submit(self._run, func, args)

    def _run(self, func: str, args: tuple) -> None:
        try:
            resolve(func)(*args, services=self._services())
        except Exception as exc:  # noqa: BLE001 - a job's failure must not kill the pool
            # The type only: a library's message or traceback can carry a number, a text or a token.
            log.error("job %s failed (%s)", func, type(exc).__name__)
