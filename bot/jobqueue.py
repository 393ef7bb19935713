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

    def __init__(self, redis_url: str, queue_name: str = "default", send_queue_name: str | None = None):
        from redis import Redis
        from rq import Queue

        self.connection = Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=5)
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
        """Put a job on its queue, now or later (rq's scheduler runs delayed jobs)."""
        queue = self.queue_for(func)
        if delay_s > 0:
            queue.enqueue_in(timedelta(seconds=delay_s), func, *args)
        else:
            queue.enqueue(func, *args)


class InProcessJobQueue:
    """Embedded mode: jobs run on two background threads of this process, after the request that
    queued them has answered. Nothing survives a restart; the recovery sweep picks up what a
    restart interrupted (messages are in the database)."""

    def __init__(self, services_provider: Callable[[], object], max_workers: int = 2):
        self._services = services_provider
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="job")

    def enqueue(self, func: str, *args: object, delay_s: float = 0) -> None:
        """Run `func(*args)` on the pool, now or after a delay."""
        if delay_s > 0:
            timer = threading.Timer(delay_s, self._submit, (func, args))
            timer.daemon = True
            timer.start()
        else:
            self._submit(func, args)

    def _submit(self, func: str, args: tuple) -> None:
        self._pool.submit(self._run, func, args)

    def _run(self, func: str, args: tuple) -> None:
        try:
            resolve(func)(*args, services=self._services())
        except Exception as exc:  # noqa: BLE001 - a job's failure must not kill the pool
            # The type only: a library's message or traceback can carry a number, a text or a token.
            log.error("job %s failed (%s)", func, type(exc).__name__)
