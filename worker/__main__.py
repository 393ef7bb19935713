"""`python -m worker`: the rq worker with its scheduler, plus a periodic recovery sweep."""
from __future__ import annotations

import argparse
import logging
import threading

from bot.bootstrap import build_services
from bot.config import Config
from worker import jobs

log = logging.getLogger("worker")


def _sweep(services, interval_s: float, stop: threading.Event) -> None:
    """Every interval, re-queue work that a lost job left behind (Redis was down, a worker died)."""
    while not stop.wait(interval_s):
        try:
            jobs.recover(services, older_than_s=interval_s)
        except Exception:  # noqa: BLE001 - the sweep must outlive a database hiccup
            log.exception("recovery sweep failed")


def main(argv: list[str] | None = None) -> int:
    """Run a worker until stopped."""
    parser = argparse.ArgumentParser(prog="python -m worker")
    parser.add_argument("--burst", action="store_true", help="stop when the queue is empty")
    parser.add_argument("--sweep-interval", type=float, default=60.0)
    parser.add_argument("--check", action="store_true", help="exit 0 when a worker is registered in Redis")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    config = Config.from_env()
    if not config.redis_url:
        parser.error("REDIS_URL is not set: without Redis, jobs run inside the web process (make run)")
    from rq import SimpleWorker

    if args.check:
        from redis import Redis

        alive = SimpleWorker.all(connection=Redis.from_url(config.redis_url, socket_connect_timeout=3))
        return 0 if alive else 1
    services = build_services(config)
    jobs.configure(services)
    services.deps  # load the NLU and gazetteer once, before forking work horses
    stop = threading.Event()
    if not args.burst:
        jobs.recover(services, older_than_s=0)
        threading.Thread(target=_sweep, args=(services, args.sweep_interval, stop), daemon=True).start()
    # SimpleWorker runs jobs in this process: no fork per job, so the loaded NLU, the gazetteer and
    # the database pool are reused (a forked work horse would share pooled connections unsafely).
    worker = SimpleWorker([services.queue.queue], connection=services.queue.connection)
    try:
        worker.work(with_scheduler=True, burst=args.burst, logging_level="INFO")
    finally:
        stop.set()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
