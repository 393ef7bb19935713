"""`python -m worker`: the rq worker with its scheduler, plus a periodic recovery sweep.

`--queues send --send-concurrency 16` makes a send worker: it listens on the send queue alone
(SEND_QUEUE), never loads the NLU, and sends up to 16 messages at once (worker.sendworker)."""

from __future__ import annotations

import argparse
import logging
import threading
import time
from dataclasses import replace

from bot.bootstrap import build_services
from bot.config import Config
from bot.logs import configure_logging
from worker import jobs

log = logging.getLogger("worker")


def _sweep(services, interval_s: float, lease_s: float, stop: threading.Event) -> None:
    """Every interval, re-queue work that a lost job left behind (Redis was down, a worker died);
    one worker at a time (jobs.recover takes a lock)."""
    while not stop.wait(interval_s):
        try:
            jobs.recover(services, older_than_s=interval_s, lease_s=lease_s)
        except Exception as exc:  # noqa: BLE001 - the sweep must outlive a database hiccup
            log.error("recovery sweep failed (%s)", type(exc).__name__)


def _feed(queue, stop: threading.Event) -> None:
    """Turn the jobs the web processes posted (bot.jobqueue `post_many`: an inbound message to
    process) into rq jobs as they come; several workers may do it at once."""
    while not stop.is_set():
        try:
            queue.move_posted(wait_s=1)
        except Exception as exc:  # noqa: BLE001 - Redis down for a while: the sweep covers the gap
            log.error("moving posted jobs failed (%s)", type(exc).__name__)
            stop.wait(1)


def _schedule(services, interval_s: float, stop: threading.Event) -> None:
    """Every interval, move the scheduled jobs that are due to the queue (intake.schedule); one
    worker at a time per tick (an advisory lock)."""
    while not stop.wait(interval_s):
        try:
            jobs.move_scheduled(services)
        except Exception as exc:  # noqa: BLE001 - Redis or the database may be down for a while
            log.error("moving scheduled jobs failed (%s)", type(exc).__name__)


def _this_worker_alive(connection, queue_names: set[str]) -> bool:
    """True when a worker of this host, whose process is alive here, listens on these queues and
    has sent a heartbeat recently: the health of this worker, not of any worker anywhere."""
    import os
    import socket
    import time
    from datetime import UTC

    from rq import SimpleWorker

    host = socket.gethostname()
    now = time.time()  # the health check's own reading of the wall clock, against rq's heartbeat
    for worker in SimpleWorker.all(connection=connection):
        if worker.hostname != host or not worker.pid or set(worker.queue_names()) != queue_names:
            continue
        try:
            os.kill(worker.pid, 0)
        except ProcessLookupError:
            continue
        except PermissionError:
            pass  # alive, another user's
        beat = worker.last_heartbeat
        if beat is not None and beat.tzinfo is None:
            beat = beat.replace(tzinfo=UTC)
        if beat is None or now - beat.timestamp() <= max(worker.worker_ttl, 60) * 2:
            return True
    return False


def main(argv: list[str] | None = None) -> int:
    """Run a worker until stopped."""
    parser = argparse.ArgumentParser(prog="python -m worker")
    parser.add_argument("--burst", action="store_true", help="stop when the queue is empty")
    parser.add_argument(
        "--sweep-interval",
        type=float,
        default=5.0,
        help="seconds between recovery sweeps; also how overdue a queued send must be",
    )
    parser.add_argument(
        "--lease",
        type=float,
        default=jobs.DEFAULT_LEASE_S,
        help="seconds a claimed send may stay `sending` before recovery settles it",
    )
    parser.add_argument(
        "--retry-intervals",
        type=lambda v: tuple(int(x) for x in v.split(",")),
        help="send back-off in seconds, comma-separated (default 10,30,120,600,1800)",
    )
    parser.add_argument(
        "--queues",
        type=lambda v: [q.strip() for q in v.split(",") if q.strip()],
        default=["main", "send"],
        help="main, send or main,send (default): the intake's jobs, the sends, or both",
    )
    parser.add_argument(
        "--send-concurrency",
        type=int,
        default=1,
        help="sends in flight at once; above 1, send jobs run in batches on that many threads",
    )
    parser.add_argument(
        "--send-batch",
        type=int,
        default=None,
        help="send jobs taken off the queue together (default twice the concurrency)",
    )
    parser.add_argument(
        "--schedule-interval",
        type=float,
        default=1.0,
        help="seconds between moves of due scheduled jobs (reminders, escalations, retries) to the queue",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit 0 when a worker of this host, alive, listens on these queues (a health check)",
    )
    args = parser.parse_args(argv)
    if not args.queues or set(args.queues) - {"main", "send"}:
        parser.error("--queues takes main, send or main,send")
    configure_logging()
    config = Config.from_env()
    if args.retry_intervals:
        config = replace(config, send_retry_intervals=args.retry_intervals)
    if not config.redis_url:
        parser.error("REDIS_URL is not set: without Redis, jobs run inside the web process (make run)")
    from worker.sendworker import Worker

    if args.check:
        from redis import Redis

        from bot.jobqueue import RqJobQueue

        names = RqJobQueue.queue_names(config.queue_name, config.send_queue_name, args.queues)
        connection = Redis.from_url(config.redis_url, socket_connect_timeout=3, socket_timeout=3)
        return 0 if _this_worker_alive(connection, names) else 1
    services = build_services(config)
    jobs.configure(services)
    queue = services.queue
    wanted = ([queue.queue] if "main" in args.queues else []) + ([queue.send_queue] if "send" in args.queues else [])
    queues = [q for i, q in enumerate(wanted) if q.name not in {p.name for p in wanted[:i]}]
    if "main" in args.queues:
        _ = services.deps  # load the NLU and gazetteer once, before the first job
    stop = threading.Event()
    if not args.burst:
        try:
            jobs.recover(services, older_than_s=0, lease_s=args.lease)
        except Exception as exc:  # noqa: BLE001 - a lock or statement timeout at start: the sweep tries again
            log.error("recovery at start failed (%s); the sweep will try again", type(exc).__name__)
        threading.Thread(target=_sweep, args=(services, args.sweep_interval, args.lease, stop), daemon=True).start()
        threading.Thread(target=_schedule, args=(services, args.schedule_interval, stop), daemon=True).start()
        if "main" in args.queues:
            threading.Thread(target=_feed, args=(queue, stop), daemon=True).start()
    else:
        jobs.move_scheduled(services)
        if "main" in args.queues:
            while queue.move_posted():
                pass

    # SimpleWorker runs jobs in this process: no fork per job, so the loaded NLU, the gazetteer and
    # the database pool are reused (a forked work horse would share pooled connections unsafely).
    # Maintenance every minute rather than rq's ten: that is when a worker takes over the
    # scheduler lock of one that died, so delayed retries do not wait ten minutes for it.
    def make_worker() -> Worker:
        worker = Worker(
            queues,
            connection=queue.connection,
            maintenance_interval=60,
            services=services,
            send_concurrency=args.send_concurrency,
            batch_size=args.send_batch,
        )
        # rq has just raised the pool's socket timeout above its blocking dequeue's; connections
        # made before (at start, and kept through a Redis outage) still have the short one, and
        # an idle dequeue on one of them times out and ends rq's loop every few seconds.
        queue.connection.connection_pool.reset()
        return worker

    try:
        _work_through_redis_outages(make_worker, queue.connection, burst=args.burst)
    finally:
        stop.set()
    return 0


def _work_through_redis_outages(make_worker, connection, *, burst: bool, retry_s: float = 1.0) -> None:
    """Run rq's worker until it is asked to stop. rq's loop quits when Redis fails under it (a
    timeout anywhere, or a refused connection in the middle of a job); a worker must outlive a
    Redis outage as it outlives a database outage, so this waits until Redis answers again and
    starts a fresh worker (the jobs' messages are in the database: recovery re-queues any job the
    outage lost)."""
    from redis.exceptions import RedisError
    from rq.exceptions import StopRequested

    while True:
        worker = make_worker()
        try:
            worker.work(with_scheduler=True, burst=burst, logging_level="INFO")
        except RedisError as exc:  # raised by rq's teardown, Redis still down
            log.warning("worker stopped by a Redis failure (%s)", type(exc).__name__)
        if burst or worker._shutdown_requested_date is not None:  # asked to stop (SIGTERM, SIGINT)
            return
        log.warning("the rq worker quit (Redis failed under it); starting again when Redis answers")
        try:
            while worker._shutdown_requested_date is None:
                try:
                    if connection.ping():
                        break
                except RedisError:
                    pass
                time.sleep(retry_s)
            else:
                return
        except (StopRequested, KeyboardInterrupt):  # the old worker's signal handlers
            return


if __name__ == "__main__":
    raise SystemExit(main())
