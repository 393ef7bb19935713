"""`make bench-ingress`: the signed SMS webhook at full speed, beside a bare Flask app.

The webhook runs under gunicorn as shipped (gunicorn.conf.py: uvicorn workers, bot.asgi), the bare
Flask app — the same route answering the same TwiML and doing nothing else — under the same file
with gunicorn's gthread workers, the way a plain Flask app is best served (on uvicorn workers it
would run in a2wsgi's threads, slower, and flatter the ratio). Both on loopback ports; `wrk` sends
them signed Twilio SMS webhooks, each a distinct message (pre-generated and signed here, handed out
by a Lua script, as signing HMAC-SHA1 per request in wrk's Lua is impractical), over 32 connections
for a fixed duration. The two take turns (`--pairs`, default 3: bare, webhook, bare, webhook, ...),
so that each webhook run has a baseline measured just before it on the same machine in the same
state; on a small shared machine one pair can differ from the next by ±15 %, and the targets are
judged on the median pair (every pair is printed). Then the app runs again with PostgreSQL
unreachable: every message must still be accepted (spooled), then drained into the database once
each. Uses its own PostgreSQL database (created and dropped) and its own Redis db (flushed);
everything on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
ROUTE = "/webhooks/twilio/sms"
APP = "bot.asgi:create_app()"  # the web app as gunicorn.conf.py, the Dockerfile and docker-compose.yml serve it
PUBLIC = "https://bench.invalid"  # the URL the bodies are signed for (the app's PUBLIC_BASE_URL)
TOKEN = "bench-auth-token"

LUA = r"""
-- Each wrk thread sends its own share of the pre-signed bodies, once each, in order.
local counter = 0
local threads = {}
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end
function init(args)
  bodies, signatures = {}, {}
  local n, i = tonumber(args[2]), 0
  for line in io.lines(args[1]) do
    if i % n == id then
      local tab = line:find("\t", 1, true)
      signatures[#signatures + 1] = line:sub(1, tab - 1)
      bodies[#bodies + 1] = line:sub(tab + 1)
    end
    i = i + 1
  end
  next_body = 0
end
function request()
  next_body = next_body % #bodies + 1
  return wrk.format("POST", "/webhooks/twilio/sms", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["X-Twilio-Signature"] = signatures[next_body],
  }, bodies[next_body])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"errors_status": %d, "errors_connect": %d, "errors_read": %d, "errors_write": %d, "errors_timeout": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.status, e.connect, e.read, e.write, e.timeout))
end
"""


def bare_app():
    """A Flask app that answers the webhook's route with the same TwiML and does nothing else."""
    from flask import Flask, Response

    app = Flask("bare")

    @app.post(ROUTE)
    def sms():
        return Response(EMPTY_TWIML, mimetype="text/xml")

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    return app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_bodies(path: Path, n: int) -> None:
    """n distinct SMS webhooks (distinct from every other file too), each line
    'signature<TAB>urlencoded body'."""
    from twilio.request_validator import RequestValidator

    validator = RequestValidator(TOKEN)
    url = PUBLIC + ROUTE
    run = uuid.uuid4().hex[:8]
    with path.open("w") as f:
        for i in range(n):
            form = {
                "AccountSid": "AC" + "b" * 32,
                "ApiVersion": "2010-04-01",
                "Body": f"ខ្ញុំមានជម្លោះដីធ្លីជាមួយអ្នកជិតខាង នៅស្រុកសង្កែ {i}",
                "From": f"+8551{i % 100000:07d}",
                "MessageSid": f"SM{run}{i:024d}",
                "NumMedia": "0",
                "To": "+85599000111",
            }
            f.write(f"{validator.compute_signature(url, form)}\t{urlencode(form)}\n")


class Gunicorn:
    """gunicorn as shipped (gunicorn.conf.py), on a loopback port."""

    def __init__(self, app: str, env: dict[str, str], log: Path, worker_class: str | None = None):
        self.port = free_port()
        self.log = log.open("w")
        full = {**os.environ, **env, "WEB_BIND": f"127.0.0.1:{self.port}", "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "--config",
                "gunicorn.conf.py",
                *(["--worker-class", worker_class] if worker_class else []),
                app,
            ],
            cwd=ROOT,
            env=full,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {log}")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/", timeout=1)
                return
            except urllib.error.HTTPError:
                return  # answering (404 or 405 is fine)
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start in 60 s")

    def pids(self) -> set[int]:
        """The master and its workers."""
        pids = {self.proc.pid}
        for task in Path(f"/proc/{self.proc.pid}/task").glob("*/children"):
            pids |= {int(p) for p in task.read_text().split()}
        return pids

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


def cpu_seconds(pids: set[int]) -> float:
    """User + system CPU time of these processes (all their threads) so far; a process gone is 0."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def database_backends(engine) -> set[int]:
    """The PostgreSQL server processes serving the webhooks' store connections."""
    from sqlalchemy import text

    with engine.connect() as conn:
        rows = conn.execute(text("SELECT pid FROM pg_stat_activity WHERE application_name = 'jsc-ingress'"))
        return {row.pid for row in rows}


def wrk(port: int, script: Path, bodies: Path, threads: int, connections: int, duration_s: int) -> dict:
    out = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{duration_s}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
            "--",
            str(bodies),
            str(threads),
        ],
        capture_output=True,
        text=True,
        timeout=duration_s + 120,
        check=True,
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("WRKJSON "))
    result = json.loads(line.removeprefix("WRKJSON "))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["ok"] = result["requests"] - result["errors_status"]
    return result


def stored_count(engine) -> int:
    from sqlalchemy import text

    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM messages WHERE direction = 'in'")).scalar()


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit 1 when a target is missed or a message is lost."""
    parser = argparse.ArgumentParser(prog="python -m bot.bench_ingress")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--bodies", type=int, default=150000, help="distinct signed messages per webhook run")
    parser.add_argument("--pairs", type=int, default=3, help="bare-app and webhook runs taken in turn")
    parser.add_argument(
        "--database-url",
        default=f"postgresql+psycopg://postgres@127.0.0.1:5432/jsc_bench_ingress_{os.getpid()}",
        help="a database of its own: created, migrated and dropped",
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13", help="a Redis db of its own: flushed")
    args = parser.parse_args(argv)
    if not shutil.which("wrk"):
        parser.error("wrk is not installed (Debian: apt-get install wrk)")

    from redis import Redis
    from sqlalchemy import create_engine, text

    from intake.crypto import new_key
    from tests.database import recreate_database

    load = os.getloadavg()
    recreate_database(args.database_url)
    redis = Redis.from_url(args.redis_url)
    redis.flushdb()
    work = Path(tempfile.mkdtemp(prefix="bench-ingress-"))
    script = work / "sign.lua"
    script.write_text(LUA)
    print(f"generating 2 x {args.bodies} signed messages ...", flush=True)
    # Each measured run sends its own messages, never one another run (or a warm-up) sent.
    runs = [f"app{i}" for i in range(args.pairs)]
    files = {name: work / f"{name}.tsv" for name in ("warmup", *runs, "down")}
    write_bodies(files["warmup"], 5000)
    for name in (*runs, "down"):
        write_bodies(files[name], args.bodies)
    env = {
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "TWILIO_ACCOUNT_SID": "AC" + "b" * 32,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIO_FROM": "+85599000111",
        "PUBLIC_BASE_URL": PUBLIC,
        "SECRET_KEY": uuid.uuid4().hex,
        # Keys of the run's own: the webhook seals each message's text and number (intake.crypto).
        "DATA_KEYS": f"bench:{new_key()}",
        "PHONE_HASH_KEY": new_key(),
        "SPOOL_DIR": str(work / "spool"),
        "QUEUE_NAME": "bench-ingress",
    }
    engine = create_engine(args.database_url)
    servers: list[Gunicorn] = []
    results: dict[str, dict] = {}
    ok = True
    try:
        bare = Gunicorn("bot.bench_ingress:bare_app()", env, work / "bare.log", worker_class="gthread")
        app = Gunicorn(APP, env, work / "app.log")
        servers += [bare, app]

        def run(server: Gunicorn, bodies: str, duration: int) -> dict:
            """One wrk run, with the CPU time the server (and its database connections) used."""
            app_pids, db_pids = server.pids(), database_backends(engine)
            before = cpu_seconds(app_pids), cpu_seconds(db_pids)
            result = wrk(server.port, script, files[bodies], args.wrk_threads, args.connections, duration)
            db_pids |= database_backends(engine)
            after = cpu_seconds(app_pids), cpu_seconds(db_pids)
            result["app_cpu_ms"] = (after[0] - before[0]) * 1000 / max(1, result["requests"])
            result["db_cpu_ms"] = (after[1] - before[1]) * 1000 / max(1, result["requests"])
            return result

        run(bare, "warmup", 2), run(app, "warmup", 2)  # imports, pools, connections
        app.stop()  # the warm-up's requests still in flight are done
        servers.remove(app)
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM messages"))
        redis.flushdb()
        app = Gunicorn(APP, env, work / "app.log")
        servers.append(app)
        run(app, "warmup", 1)  # this process's pools (its messages are deleted below)
        time.sleep(0.5)
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM messages"))
        for i, name in enumerate(runs, 1):
            results[f"bare Flask app, pair {i}"] = run(bare, name, args.duration)
            results[f"SMS webhook, pair {i}"] = run(app, name, args.duration)
            print(f"pair {i} of {args.pairs} done", flush=True)
        app.stop()
        servers.remove(app)
        from bot.spool import SPOOL_KEY

        webhook_runs = [results[f"SMS webhook, pair {i}"] for i in range(1, args.pairs + 1)]
        answered, stored, spooled = sum(r["ok"] for r in webhook_runs), stored_count(engine), redis.llen(SPOOL_KEY)
        # wrk stops counting at the deadline; what was in flight then was still received and stored.
        print(f"SMS webhook: {answered} answered 2xx, {stored} stored (each message once), {spooled} spooled")
        if spooled:
            drain(env, args.database_url)  # a store over its budget under load: kept all the same
            stored = stored_count(engine)
            print(f"SMS webhook: {stored} stored after draining what was spooled")
        ok &= answered <= stored <= answered + args.connections * args.pairs
        ok &= all(r["ok"] <= args.bodies for r in webhook_runs)

        # PostgreSQL unreachable: a port nothing listens on.
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM messages"))
        redis.flushdb()
        down_env = dict(env, DATABASE_URL=f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/jsc")
        down = Gunicorn(APP, down_env, work / "down.log")
        servers.append(down)
        results["SMS webhook, database down"] = run(down, "down", args.duration)
        down.stop()
        servers.remove(down)
        accepted = results["SMS webhook, database down"]["ok"]
        spooled = redis.llen(SPOOL_KEY)
        print(f"database down: {accepted} answered 2xx, {spooled} spooled; draining ...", flush=True)
        drained = drain(env, args.database_url)
        stored = stored_count(engine)
        print(f"database back: {drained} drained, {stored} stored")
        ok &= accepted <= spooled <= accepted + args.connections and stored == spooled
        ok &= results["SMS webhook, database down"]["errors_status"] == 0 and accepted <= args.bodies
    finally:
        for server in servers:
            server.stop()
        engine.dispose()
        redis.flushdb()
        drop(args.database_url)
        shutil.rmtree(work, ignore_errors=True)

    pairs = []
    for i in range(1, args.pairs + 1):
        bare_run, web_run = results[f"bare Flask app, pair {i}"], results[f"SMS webhook, pair {i}"]
        web_run["x_bare"] = web_run["rps"] / bare_run["rps"]
        bare_run["x_bare"] = 1.0
        pairs.append(web_run)
    # The median pair by its ratio to the bare app, and the median p99 on its own (with an even
    # number of pairs, the worse of the middle two).
    median = sorted(pairs, key=lambda r: r["x_bare"])[(len(pairs) - 1) // 2]
    median_p99 = sorted(r["p99_us"] for r in pairs)[len(pairs) // 2]
    median_bare_rps = median["rps"] / median["x_bare"]  # the bare run of the median pair
    results["SMS webhook, database down"]["x_bare"] = results["SMS webhook, database down"]["rps"] / median_bare_rps
    print()
    print(
        f"wrk, {args.connections} connections, {args.duration} s each; the webhook under gunicorn as shipped "
        "(gunicorn.conf.py: uvicorn workers), the bare Flask app under the same file with gthread workers"
    )
    print(f"load average (1 min) {load[0]:.1f} before, {os.getloadavg()[0]:.1f} after, on {os.cpu_count()} CPUs")
    print(
        f"{'run':<30} {'requests/s':>11} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8} {'x bare':>7}"
        f" {'app CPU ms/req':>15} {'db CPU ms/req':>14}"
    )
    for name, r in results.items():
        print(
            f"{name:<30} {r['rps']:>11.0f} {r['p50_us'] / 1000:>8.1f} {r['p99_us'] / 1000:>8.1f} "
            f"{r['errors_status']:>8} {r['x_bare']:>7.2f} {r['app_cpu_ms']:>15.2f} {r['db_cpu_ms']:>14.2f}"
        )
    down_r = results["SMS webhook, database down"]
    print(
        f"\nmedian of {args.pairs} pairs: {median['x_bare']:.2f} x the bare app; median p99 {median_p99 / 1000:.1f} ms"
        " (pairs: " + ", ".join(f"{r['x_bare']:.2f} x / {r['p99_us'] / 1000:.0f} ms" for r in pairs) + ")"
    )
    targets = [
        ("requests/s >= 0.5 x bare (median pair)", median["x_bare"] >= 0.5),
        ("p99 <= 50 ms (median run)", median_p99 <= 50_000),
        ("database down: p99 <= 2 s", down_r["p99_us"] <= 2_000_000),
        ("every message stored once (and, database down, accepted)", ok),
    ]
    print()
    for name, met in targets:
        print(f"  {'met ' if met else 'MISSED'}  {name}")
    return 0 if all(met for _, met in targets) else 1


def drain(env: dict[str, str], database_url: str) -> int:
    """The recovery sweep's drain, as the worker runs it, into the database that is back."""
    from dataclasses import replace

    from bot.bootstrap import build_services
    from bot.config import Config

    config = replace(Config.from_env(env), database_url=database_url)
    services = build_services(config)
    try:
        total = 0
        while True:
            n = services.ingress.drain()
            total += n
            if not n:
                return total
    finally:
        services.ingress.close()
        services.engine.dispose()


def drop(database_url: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(database_url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database_url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    finally:
        admin.dispose()


if __name__ == "__main__":
    raise SystemExit(main())
