"""`python -m worker.bench`: how fast reminders that fall due together reach the provider.

N outbound SMS (reminders) are put in PostgreSQL, and their `send_message` jobs scheduled in rq for
the same second; two `python -m worker` processes send them through the real Twilio client to the
loopback fake (tests/fakes/providers.py) in this process: first one send at a time (rq's
SimpleWorker way), then as send workers (`--queues send --send-concurrency C`: batches on C
threads). The fake counts each body: duplicates and lost messages are counted there, not trusted
from the database. Beside them, a baseline: the same sends made by a bare rq job (`bare_send`, one
requests.post) run by two `rq worker -w SimpleWorker` and two plain `rq worker` (forking, rq's
default). Each is also run with 1,000 falling due each second for 10 s, where lateness p99 should
stay within 2 s.

Then the same with the fake answering after `--latency` seconds (0.2 s by default; Twilio answers
in 0.2-0.5 s), where a worker that sends one message at a time manages about 1/latency a second:
those runs use `--latency-n` messages, the concurrent workers the full N.

Lateness is arrival at the fake minus the due second; rq's scheduler releases due jobs once a
second, so up to a second of it is the scheduler's resolution. Uses its own database (jsc_bench)
and Redis db 14, both wiped: `--database-url`, `--redis-url` to change them.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from intake import job_names
from intake.model import Direction, OutboundStatus, Purpose

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ACCOUNT_SID = "AC" + "b" * 32
AUTH_TOKEN = "bench-token"
FROM = "+85599000111"


def bare_send(url: str, to: str, body: str) -> None:
    """The baseline job: one POST to the (fake) Twilio API with requests, nothing else."""
    import requests

    requests.post(
        url, data={"To": to, "From": FROM, "Body": body}, auth=(ACCOUNT_SID, AUTH_TOKEN), timeout=10
    ).raise_for_status()


@dataclass
class Result:
    name: str
    n: int
    delivered: int
    duplicates: int
    lost: int
    throughput: float
    p50: float
    p99: float
    max_late: float


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank) of values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q / 100 * len(ordered))) - 1))]


def _fresh_database(url: str) -> None:
    """Create the benchmark's PostgreSQL database if missing, empty it and migrate it."""
    from sqlalchemy import create_engine, text

    from bot.database import upgrade_database

    admin = create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    name = url.rsplit("/", 1)[1]
    with admin.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    upgrade_database(url)


class Bench:
    def __init__(self, args):
        from redis import Redis
        from rq import Queue
        from sqlalchemy import create_engine

        from tests.fakes.providers import FakeProviders

        self.args = args
        self.fake = FakeProviders().start()
        _fresh_database(args.database_url)
        from bot.config import Config
        from bot.keys import load_keyring
        from intake.crypto import attach

        # The keys the workers it starts use (its environment's, else the development key file).
        self.engine = attach(create_engine(args.database_url), load_keyring(Config.from_env()))
        self.redis = Redis.from_url(args.redis_url)
        self.redis.flushdb()
        self.queue = Queue("bench-send", connection=self.redis)
        self.bare_queue = Queue("bench-bare", connection=self.redis)
        self.procs: list[subprocess.Popen] = []
        self.env = {
            **os.environ,
            "DATABASE_URL": args.database_url,
            "REDIS_URL": args.redis_url,
            "QUEUE_NAME": "bench",
            "SEND_QUEUE": "bench-send",
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_FROM": FROM,
            "TWILIO_API_URL": self.fake.url,
        }
        self.env.pop("RASA_URL", None)
        self.env.pop("TELEGRAM_BOT_TOKEN", None)

    # workers ---------------------------------------------------------------------------------
    def start(self, cmd: list[str], queue, count: int) -> list[subprocess.Popen]:
        from rq import Worker

        logs = open(os.devnull, "w") if not self.args.verbose else None
        procs = [
            subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=logs, stderr=subprocess.STDOUT, start_new_session=True)
            for _ in range(count)
        ]
        self.procs += procs
        deadline = time.monotonic() + 60
        while len(Worker.all(queue=queue)) < count:
            if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                raise SystemExit(f"workers did not start: {' '.join(cmd)}")
            time.sleep(0.1)
        time.sleep(1.5)  # let one of them take the scheduler lock
        return procs

    def stop(self, procs: list[subprocess.Popen]) -> None:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        self.procs = [p for p in self.procs if p not in procs]

    def close(self) -> None:
        self.stop(list(self.procs))
        self.fake.stop()
        self.redis.flushdb()
        self.engine.dispose()

    # runs --------------------------------------------------------------------------------------
    def _due_seconds(self, n: int, per_second: int | None) -> tuple[int, list[int]]:
        """The first due second (far enough ahead to schedule everything first) and each job's."""
        first = int(time.time()) + 3 + n // 5000
        return first, [first + (i // per_second if per_second else 0) for i in range(n)]

    def _insert(self, tag: str, n: int, due: list[int]) -> dict[str, int]:
        from sqlalchemy import insert, select

        from intake import orm

        now = datetime.now(UTC)
        rows = [
            {
                "direction": Direction.OUT,
                "channel": "sms",
                "address": f"+8551{i % 10_000_000:07d}",
                "body": f"{tag} {i}: your mediation session is tomorrow at 9:00",
                "status": OutboundStatus.QUEUED,
                "idempotency_key": f"{tag}-{i}",
                "purpose": Purpose.REMINDER,
                # urgent: the benchmark measures dispatch, not the quiet-hours policy (21:00-07:00)
                "urgent": True,
                "attempts": 0,
                "created_at": now,
                "updated_at": now,
                "next_attempt_at": datetime.fromtimestamp(due[i], UTC),
            }
            for i in range(n)
        ]
        with self.engine.begin() as conn:
            for start in range(0, n, 2000):
                conn.execute(insert(orm.messages), rows[start : start + 2000])
            found = conn.execute(
                select(orm.messages.c.id, orm.messages.c.body).where(orm.messages.c.idempotency_key.like(f"{tag}-%"))
            )
            return {body: mid for mid, body in found}

    def _schedule(self, queue, func: str, jobs: list[tuple[tuple, int]]) -> None:
        for start in range(0, len(jobs), 1000):
            with self.redis.pipeline() as pipe:
                for args, due in jobs[start : start + 1000]:
                    job = queue.create_job(func, args=args, result_ttl=0)
                    queue.schedule_job(job, datetime.fromtimestamp(due, UTC), pipeline=pipe)
                pipe.execute()

    def run(self, name: str, tag: str, n: int, per_second: int | None, bare: bool) -> Result:
        """Schedule n sends due together (or per_second a second) and measure them at the fake."""
        first, due = self._due_seconds(n, per_second)
        bodies = [f"{tag} {i}: your mediation session is tomorrow at 9:00" for i in range(n)]
        if bare:
            url = f"{self.fake.url}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
            self._schedule(
                self.bare_queue,
                "worker.bench.bare_send",
                [((url, f"+8551{i:07d}", bodies[i]), due[i]) for i in range(n)],
            )
        else:
            ids = self._insert(tag, n, due)
            self._schedule(self.queue, job_names.SEND_MESSAGE, [((ids[bodies[i]],), due[i]) for i in range(n)])
        if time.time() > first:
            print(f"  warning: scheduling {name} finished {time.time() - first:.1f} s after the first due second")
        wanted = set(bodies)
        seen, last_progress, arrivals = 0, time.monotonic(), {}
        while True:
            records = [r for r in self.fake.twilio_messages if r["body"] in wanted]
            if len(records) != seen:
                seen, last_progress = len(records), time.monotonic()
            if len({r["body"] for r in records}) == n or time.monotonic() - last_progress > self.args.stall_s:
                break
            time.sleep(0.2)
        time.sleep(1.0)  # room for a late duplicate to show
        records = [r for r in self.fake.twilio_messages if r["body"] in wanted]
        index = {body: i for i, body in enumerate(bodies)}
        for r in records:
            arrivals.setdefault(r["body"], r["at"])
        late = [arrivals[b] - due[index[b]] for b in arrivals]
        span = (max(arrivals.values()) - first) if arrivals else float("nan")
        return Result(
            name,
            n,
            len(arrivals),
            len(records) - len(arrivals),
            n - len(arrivals),
            len(arrivals) / span if arrivals and span > 0 else float("nan"),
            percentile(late, 50),
            percentile(late, 99),
            max(late, default=float("nan")),
        )


def print_table(results: list[Result]) -> None:
    """The figures, one row per run."""
    head = f"{'run':<44} {'n':>6} {'msg/s':>8} {'p50 s':>7} {'p99 s':>7} {'max s':>7} {'dup':>5} {'lost':>5}"
    print(head)
    print("-" * len(head))
    for r in results:
        print(
            f"{r.name:<44} {r.n:>6} {r.throughput:>8.0f} {r.p50:>7.2f} {r.p99:>7.2f} {r.max_late:>7.2f} "
            f"{r.duplicates:>5} {r.lost:>5}"
        )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(prog="python -m worker.bench", description=__doc__.split("\n\n")[0])
    default_db = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/jsc_test")
    parser.add_argument("--n", type=int, default=10_000, help="reminders falling due together")
    parser.add_argument("--rate", type=int, default=1000, help="due per second in the paced run")
    parser.add_argument("--spread", type=int, default=10, help="seconds the paced run lasts")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--send-concurrency", type=int, default=64, help="sends in flight per send worker")
    parser.add_argument(
        "--latency", type=float, default=0.2, help="seconds the fake holds each request in the second half (0: skip it)"
    )
    parser.add_argument(
        "--latency-n",
        type=int,
        default=200,
        help="messages for the one-at-a-time runs with latency (they manage ~1/latency a second)",
    )
    parser.add_argument("--database-url", default=default_db.rsplit("/", 1)[0] + "/jsc_bench")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--skip-forking-baseline", action="store_true", help="rq's default worker (slow)")
    parser.add_argument("--stall-s", type=float, default=20.0, help="give up after this long with no progress")
    parser.add_argument("--verbose", action="store_true", help="show the workers' logs")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))  # the fake providers live under tests/

    bench = Bench(args)
    results: list[Result] = []
    n, w, c, lat = args.n, args.workers, args.send_concurrency, args.latency
    paced = min(n, args.rate * args.spread)
    rate = max(1, paced // args.spread)
    small = min(n, args.latency_n)
    lat_tag = f"{lat * 1000:.0f} ms"

    def both(name: str, tag: str, bare: bool, latency: float, count: int = n, with_paced: bool = True) -> None:
        bench.fake.latency_s = latency
        results.append(bench.run(name, tag, count, None, bare=bare))
        if with_paced:
            results.append(
                bench.run(f"  same, {rate}/s due over {args.spread} s", f"{tag}-paced", paced, rate, bare=bare)
            )

    try:
        print(f"{n} reminders due together, {w} workers each; fake providers at {bench.fake.url}", flush=True)
        worker = [str(BIN / "python"), "-m", "worker"]
        serial = bench.start(worker, bench.queue, w)
        both(f"python -m worker (one at a time) x{w}", "due", False, 0.0)
        if lat:
            both(f"  same, provider latency {lat_tag}", "lat-due", False, lat, small, with_paced=False)
        bench.stop(serial)
        concurrent = bench.start(worker + ["--queues", "send", "--send-concurrency", str(c)], bench.queue, w)
        both(f"python -m worker --send-concurrency {c} x{w}", "conc", False, 0.0)
        if lat:
            both(f"  same, provider latency {lat_tag}", "lat-conc", False, lat)
        bench.stop(concurrent)
        rq = [str(BIN / "rq"), "worker", "--url", args.redis_url, "--with-scheduler", "-q"]
        simple = bench.start(rq + ["-w", "rq.worker.SimpleWorker", "bench-bare"], bench.bare_queue, w)
        both(f"baseline bare_send, rq SimpleWorker x{w}", "bare-simple", True, 0.0)
        if lat:
            both(f"  same, provider latency {lat_tag}", "lat-bare", True, lat, small, with_paced=False)
        bench.stop(simple)
        if not args.skip_forking_baseline:
            bench.fake.latency_s = 0.0
            forking = bench.start(rq + ["bench-bare"], bench.bare_queue, w)
            results.append(bench.run(f"baseline bare_send, rq Worker (fork) x{w}", "bare-fork", n, None, bare=True))
            bench.stop(forking)
    finally:
        bench.close()
    print()
    print_table(results)
    worst = [r for r in results if r.duplicates or r.lost]
    print(f"\nduplicates: {sum(r.duplicates for r in results)}  lost: {sum(r.lost for r in results)}")
    return 1 if worst else 0


if __name__ == "__main__":
    raise SystemExit(main())
