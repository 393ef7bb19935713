"""`make chaos`: a fault-injection run of the production layout, on private servers.

It starts its own PostgreSQL (initdb in a temporary directory) and Redis (append-only file on, as in
docker-compose) on free loopback ports — never the shared ones on 5432 / 6379 — the loopback fakes
of Twilio and Telegram, the web app as docker-compose ships it (its gunicorn command) and two
workers (`python -m worker`). A steady stream of SMS and Telegram messages, each from a new sender,
goes in through the signed webhooks while the run stops, freezes and restarts the database, Redis,
a worker (SIGKILL) and the providers (500, 429 with a retry delay, answers slower than the client's
timeout), one fault a phase. Twilio does not retry an inbound-message webhook that failed, so an
SMS refused by the webhook is lost; Telegram retries an update until it is accepted, so the run
does too.

Then it waits for quiet (every message answered, nothing sent for 15 s, and no outbound message
left `queued` or `sending`: a send whose answer was lost is settled by recovery after its lease,
and the run sees whether that sends it again) and prints, per phase: messages sent, accepted by
the webhook, stored, answered, answered twice (the same reply body reaching the same person more
than once), lost (sent and never answered) and the longest time from the first webhook attempt to
the first reply. It exits 1 on any loss or duplicate, or an outbound message still unsettled at
the end. Settings: `--rate` (messages a second), `--phase-s` (seconds of fault), `--gap-s`
(seconds between faults, while the stream goes on), `--settle-s` (longest wait for quiet),
`--keep` (leave the temporary directory for a look).
"""

from __future__ import annotations

import argparse
import glob
import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from sqlalchemy import create_engine, func, select, text
from twilio.request_validator import RequestValidator

from intake import orm
from intake.crypto import Keyring, attach, new_key
from tests.fakes.providers import FakeProviders

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TWILIO_SID, TWILIO_TOKEN, TWILIO_FROM = "AC" + "7" * 32, "chaos-auth-token", "+85599000777"
TELEGRAM_TOKEN, TELEGRAM_SECRET = "777777:CHAOS-token", "chaos-webhook-secret"
# Each sender writes once; "hello" is understood the same way by every backend and always answered.
TEXTS = ("hello", "HELP", "សួស្តី")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate: Callable[[], object], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except Exception:  # noqa: BLE001 - not up yet
            pass
        time.sleep(0.2)
    raise SystemExit(f"chaos: {what} did not come up within {timeout_s:.0f} s")


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


class PrivatePostgres:
    """A throw-away PostgreSQL cluster on a free loopback port (as the postgres user when root)."""

    def __init__(self, workdir: Path):
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name))
        if not bins:
            raise SystemExit("chaos: PostgreSQL server binaries not found (apt-get install postgresql)")
        self.bin = Path(bins[-1])
        self.data = workdir / "pgdata"
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/chaos"
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        workdir.chmod(0o755)

    def _run(self, *args: str, check: bool = True) -> None:
        subprocess.run(self.as_user + list(args), check=check, capture_output=True)

    def init(self) -> None:
        self.data.mkdir()
        if self.as_user:
            shutil.chown(self.data, "postgres", "postgres")
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self.start()
        admin = create_engine(
            f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres", isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as conn:
            conn.execute(text("CREATE DATABASE chaos"))
        admin.dispose()

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.data / "log"), "-w", "start"
        )

    def stop(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop", check=False)

    def pids(self) -> list[int]:
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        children = subprocess.run(["pgrep", "-P", str(postmaster)], capture_output=True, text=True).stdout.split()
        return [postmaster, *map(int, children)]

    def signal(self, sig: int) -> None:
        for pid in self.pids():
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass


class PrivateRedis:
    """A Redis on a free loopback port with the append-only file on (as docker-compose runs it)."""

    def __init__(self, workdir: Path):
        self.dir = workdir / "redis"
        self.dir.mkdir()
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.dir),
                "--appendonly",
                "yes",
                "--save",
                "",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: port_open(self.port), 20, "Redis")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()  # Redis writes its append-only file on SIGTERM
            self.proc.wait(timeout=20)

    def signal(self, sig: int) -> None:
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, sig)


def shipped_web_command(port: int) -> list[str]:
    """The web service's command in docker-compose.yml, bound to a loopback port."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    command = list(compose["services"]["web"]["command"])
    for i, arg in enumerate(command):
        if arg in ("--bind", "-b"):
            command[i + 1] = f"127.0.0.1:{port}"
        elif arg.startswith("--bind="):
            command[i] = f"--bind=127.0.0.1:{port}"
    if command[0] == "gunicorn":
        command[0] = str(BIN / "gunicorn")
    return command


@dataclass
class Sent:
    """One inbound message of the run, and what became of it."""

    n: int
    phase: str
    channel: str
    address: str
    provider_id: str
    first_try: float
    accepted: bool = False
    attempts: int = 0


@dataclass
class Run:
    base: str
    providers: FakeProviders
    sent: list[Sent] = field(default_factory=list)
    phase: str = "baseline"
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)
    pending_telegram: list[tuple[Sent, bytes]] = field(default_factory=list)

    def post(self, path: str, data: bytes, headers: dict, timeout: float) -> int:
        request = urllib.request.Request(self.base + path, data=data, headers=headers, method="POST")
        try:
            return urllib.request.urlopen(request, timeout=timeout).status
        except urllib.error.HTTPError as err:
            return err.code
        except OSError:
            return 0  # refused, reset or timed out

    def sms(self, n: int) -> None:
        address = f"+8551{n:08d}"
        form = {
            "MessageSid": f"SMchaos{n:027d}",
            "AccountSid": TWILIO_SID,
            "From": address,
            "To": TWILIO_FROM,
            "NumMedia": "0",
            "Body": TEXTS[n % len(TEXTS)],
        }
        url = self.base + "/webhooks/twilio/sms"
        signature = RequestValidator(TWILIO_TOKEN).compute_signature(url, form)
        item = Sent(n, self.phase, "sms", address, form["MessageSid"], time.time())
        with self.lock:
            self.sent.append(item)
        # Twilio waits 15 s for the webhook and does not retry an inbound message.
        status = self.post(
            "/webhooks/twilio/sms",
            urllib.parse.urlencode(form).encode(),
            {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature},
            timeout=15,
        )
        item.attempts, item.accepted = 1, 200 <= status < 300

    def telegram(self, n: int) -> None:
        chat = 700_000_000 + n
        update = {
            "update_id": 500_000 + n,
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "text": TEXTS[n % len(TEXTS)],
                "chat": {"id": chat, "type": "private", "first_name": "C"},
                "from": {"id": chat, "is_bot": False, "first_name": "C"},
            },
        }
        item = Sent(n, self.phase, "telegram", str(chat), str(update["update_id"]), time.time())
        with self.lock:
            self.sent.append(item)
        self.try_telegram(item, json.dumps(update).encode())

    def try_telegram(self, item: Sent, body: bytes) -> None:
        headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
        status = self.post("/webhooks/telegram", body, headers, timeout=60)
        item.attempts += 1
        item.accepted = 200 <= status < 300
        if not item.accepted:
            with self.lock:
                self.pending_telegram.append((item, body))

    def stream(self, rate: float) -> None:
        """Send at `rate` a second, alternating SMS and Telegram, until stopped. Each send runs on
        its own thread so that a hanging webhook does not slow the stream (as with real senders)."""
        for n in itertools.count(1):
            if self.stop.is_set():
                return
            target = self.sms if n % 2 else self.telegram
            threading.Thread(target=target, args=(n,), daemon=True).start()
            time.sleep(1 / rate)

    def retry_telegram(self) -> None:
        """Telegram re-delivers an update the webhook did not accept (here every 2 s)."""
        while not self.stop.is_set() or self.pending_telegram:
            with self.lock:
                batch, self.pending_telegram = self.pending_telegram, []
            for item, body in batch:
                self.try_telegram(item, body)
            time.sleep(2)
            if self.stop.is_set() and time.monotonic() > getattr(self, "retry_deadline", float("inf")):
                return


def replies_by_recipient(providers: FakeProviders) -> dict[tuple[str, str], list[tuple[str, float]]]:
    out: dict[tuple[str, str], list[tuple[str, float]]] = {}
    for m in list(providers.twilio_messages):
        out.setdefault(("sms", m["to"]), []).append((m["body"], m["at"]))
    for m, at in zip(list(providers.telegram_sends), list(providers.telegram_times)):
        out.setdefault(("telegram", m["chat_id"]), []).append((m["text"], at))
    return out


def unsettled(engine) -> int:
    """Outbound messages not yet settled (`queued`, or `sending`: an answer lost, a worker killed):
    recovery may still send one again, so the run is not over while there are any. -1 while the
    database cannot be asked."""
    m = orm.messages.c
    try:
        with engine.connect() as conn:
            query = select(func.count()).where(m.direction == "out", m.status.in_(("queued", "sending")))
            return conn.execute(query).scalar() or 0
    except Exception:  # noqa: BLE001 - the database is still coming back: not settled
        return -1


def report(run: Run, database_url: str, keyring: Keyring) -> int:
    engine = attach(create_engine(database_url), keyring)  # addresses are sealed (intake.crypto)
    m = orm.messages.c
    with engine.connect() as conn:  # each sender writes once: a stored message is its sender's inbound row
        stored = {
            (row.channel, row.address) for row in conn.execute(select(m.channel, m.address).where(m.direction == "in"))
        }
    engine.dispose()
    replies = replies_by_recipient(run.providers)
    phases: dict[str, dict] = {}
    for item in run.sent:
        row = phases.setdefault(
            item.phase,
            {"sent": 0, "accepted": 0, "stored": 0, "answered": 0, "duplicated": 0, "lost": 0, "max_s": 0.0},
        )
        got = replies.get((item.channel, item.address), [])
        bodies = [body for body, _ in got]
        row["sent"] += 1
        row["accepted"] += item.accepted
        row["stored"] += (item.channel, item.address) in stored
        if got:
            row["answered"] += 1
            row["max_s"] = max(row["max_s"], min(at for _, at in got) - item.first_try)
        else:
            row["lost"] += 1
        row["duplicated"] += len(bodies) != len(set(bodies))
    headers = ["phase", "sent", "accepted", "stored", "answered", "duplicated", "lost", "longest s"]
    rows = [[name, *(r[k] for k in headers[1:-1]), f"{r['max_s']:.1f}"] for name, r in phases.items()]
    total = {k: sum(r[k] for r in phases.values()) for k in headers[1:-1]}
    rows.append(
        ["all", *(total[k] for k in headers[1:-1]), f"{max((r['max_s'] for r in phases.values()), default=0):.1f}"]
    )
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    for r in [headers, ["-" * w for w in widths], *rows]:
        print("  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
    bad = total["lost"] + total["duplicated"]
    print(f"\nchaos: {'FAILED' if bad else 'passed'}: {total['lost']} lost, {total['duplicated']} answered twice")
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=4.0, help="messages a second (default 4)")
    parser.add_argument("--phase-s", type=float, default=10.0, help="seconds each fault lasts (default 10)")
    parser.add_argument(
        "--gap-s",
        type=float,
        default=10.0,
        help="seconds between one fault's end and the next (default 10): each phase's figures are its own fault's",
    )
    parser.add_argument("--settle-s", type=float, default=300.0, help="longest wait for quiet (default 300)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs)")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="jsc-chaos-"))
    print(f"chaos: working in {workdir}", flush=True)
    pg, redis = PrivatePostgres(workdir), PrivateRedis(workdir)
    providers = FakeProviders().start()
    procs: dict[str, subprocess.Popen] = {}
    web_port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("RASA_URL", "SEND_QUEUE")},
        "DATABASE_URL": pg.url,
        "REDIS_URL": redis.url,
        "TWILIO_ACCOUNT_SID": TWILIO_SID,
        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "TWILIO_FROM": TWILIO_FROM,
        "TWILIO_API_URL": providers.url,
        "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
        "TELEGRAM_API_URL": providers.url,
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{web_port}",
        "SECRET_KEY": "chaos-secret-key-not-for-production",
        "SIMULATOR": "0",
        # Keys of the run's own (the processes and the report read the same sealed rows).
        "DATA_KEYS": f"chaos:{new_key()}",
        "PHONE_HASH_KEY": new_key(),
    }

    def spawn(name: str, command: list[str]) -> None:
        log = open(workdir / f"{name}.log", "a")  # noqa: SIM115 - lives as long as the process
        procs[name] = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)

    def worker(name: str) -> None:
        spawn(name, [str(BIN / "python"), "-m", "worker"])

    restarts: dict[str, list[int]] = {}
    killed: set[str] = set()

    def supervise() -> None:
        """Restart a process that exits by itself, as docker-compose's `restart: unless-stopped`
        does (after a second), and remember it: the report lists every restart."""
        while not run.stop.is_set():
            for name, proc in list(procs.items()):
                if proc.poll() is not None and name not in killed:
                    restarts.setdefault(name, []).append(proc.returncode)
                    time.sleep(1)
                    spawn(name, list(proc.args))
            time.sleep(0.5)

    status = 2
    run = Run(base=f"http://127.0.0.1:{web_port}", providers=providers)
    try:
        pg.init()
        redis.start()
        flask = [str(BIN / "flask"), "--app", "bot"]
        subprocess.run(flask + ["db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
        subprocess.run(
            flask + ["directory", "load", "data/directory/sample_offices.csv"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        spawn("web", shipped_web_command(web_port))
        worker("worker-1")
        worker("worker-2")
        wait_for(lambda: urllib.request.urlopen(f"{run.base}/healthz", timeout=1).status == 200, 60, "the web app")

        def set_latency(s: float) -> Callable[[], None]:
            return lambda: setattr(providers, "latency_s", s)

        def kill_worker() -> None:
            killed.add("worker-1")
            procs["worker-1"].send_signal(signal.SIGKILL)
            procs["worker-1"].wait()

        def restart_worker() -> None:
            worker("worker-1")
            killed.discard("worker-1")

        # Warm up: the first message is answered before any fault (models loaded, workers listening).
        run.telegram(0)
        wait_for(lambda: replies_by_recipient(providers).get(("telegram", "700000000")), 120, "a first answer")
        run.sent.clear()
        threading.Thread(target=supervise, daemon=True).start()

        # (phase, fault on, fault off)
        faults: list[tuple[str, Callable[[], None], Callable[[], None]]] = [
            ("baseline", lambda: None, lambda: None),
            ("postgres stopped", pg.stop, pg.start),
            ("postgres frozen", lambda: pg.signal(signal.SIGSTOP), lambda: pg.signal(signal.SIGCONT)),
            ("redis stopped", redis.stop, redis.start),
            ("redis frozen", lambda: redis.signal(signal.SIGSTOP), lambda: redis.signal(signal.SIGCONT)),
            ("worker SIGKILL", kill_worker, restart_worker),
            (
                "providers 500",
                lambda: [providers.fail_next(p, 500, times=40) for p in ("twilio", "telegram")],
                lambda: None,
            ),
            (
                "providers 429",
                lambda: [
                    providers.fail_next("twilio", 429, times=20),
                    providers.fail_next(
                        "telegram",
                        429,
                        times=20,
                        body={
                            "ok": False,
                            "error_code": 429,
                            "description": "Too Many Requests: retry after 3",
                            "parameters": {"retry_after": 3},
                        },
                    ),
                ],
                lambda: None,
            ),
            ("providers time out", set_latency(35.0), set_latency(0.0)),
            ("after", lambda: None, lambda: None),
        ]
        streamer = threading.Thread(target=run.stream, args=(args.rate,), daemon=True)
        retrier = threading.Thread(target=run.retry_telegram, daemon=True)
        streamer.start()
        retrier.start()
        for name, on, off in faults:
            run.phase = name
            print(f"chaos: {name}", flush=True)
            on()
            time.sleep(args.phase_s)
            off()
            time.sleep(args.gap_s)
        run.stop.set()
        run.retry_deadline = time.monotonic() + args.settle_s  # type: ignore[attr-defined]
        print(f"chaos: {len(run.sent)} messages sent; waiting for quiet (at most {args.settle_s:.0f} s)", flush=True)
        deadline, last, quiet_since = time.monotonic() + args.settle_s, -1, time.monotonic()
        settle_db = create_engine(pg.url, pool_pre_ping=True)
        while time.monotonic() < deadline:
            answered = sum(1 for s in run.sent if replies_by_recipient(providers).get((s.channel, s.address)))
            total = len(providers.twilio_messages) + len(providers.telegram_sends)
            if total != last:
                last, quiet_since = total, time.monotonic()
            # Quiet: every message answered (or nothing sent for 90 s), nothing sent for 15 s, and
            # every outbound message settled (a send whose answer was lost is looked up by
            # recovery after its lease).
            quiet_s = time.monotonic() - quiet_since
            if (answered == len(run.sent) and quiet_s > 15 or quiet_s > 90) and unsettled(settle_db) == 0:
                break
            time.sleep(1)
        status = report(run, pg.url, Keyring.parse(env["DATA_KEYS"], env["PHONE_HASH_KEY"]))
        left = unsettled(settle_db)
        print(
            f"chaos: {left} outbound message(s) left unsettled" + (" (one could still be sent again)" if left else "")
        )
        status = status or (1 if left else 0)
        settle_db.dispose()
        for name, codes in restarts.items():
            print(f"chaos: {name} exited by itself {len(codes)} time(s) (exit codes {codes}) and was restarted")
    finally:
        run.stop.set()
        for p in procs.values():
            if p.poll() is None:
                p.terminate()
        for p in procs.values():
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
        redis.signal(signal.SIGCONT)
        redis.stop()
        try:
            pg.signal(signal.SIGCONT)
        except (OSError, ValueError):
            pass
        pg.stop()
        providers.stop()
        if args.keep or status == 2:
            print(f"chaos: logs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
