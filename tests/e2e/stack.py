"""The production layout for end-to-end tests: the web app (gunicorn, two workers) and one worker
(`python -m worker`) as processes on the run's PostgreSQL and Redis, with Twilio and Telegram
played by the loopback fakes (TWILIO_API_URL, TELEGRAM_API_URL)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from redis import Redis

from tests.support import POSTGRES_URL, REDIS_URL, TELEGRAM, TWILIO, fresh_postgres, wait_until

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Processes:
    base: str
    env: dict[str, str]

    def cli(self, *args: str) -> str:
        """`flask --app bot ARGS` with the stack's environment; its standard output."""
        command = [str(BIN / "flask"), "--app", "bot", *args]
        return subprocess.run(command, cwd=ROOT, env=self.env, check=True, capture_output=True, text=True).stdout


def stack_env(providers, port: int, queue: str, **extra: str) -> dict[str, str]:
    """The environment of every process of the stack (the embedded NLU: these tests are about
    the plumbing, not Rasa)."""
    env = {
        **os.environ,
        "DATABASE_URL": POSTGRES_URL,
        "REDIS_URL": REDIS_URL,
        "TWILIO_ACCOUNT_SID": TWILIO["twilio_account_sid"],
        "TWILIO_AUTH_TOKEN": TWILIO["twilio_auth_token"],
        "TWILIO_FROM": TWILIO["twilio_from"],
        "TWILIO_API_URL": providers.url,
        "TELEGRAM_BOT_TOKEN": TELEGRAM["telegram_bot_token"],
        "TELEGRAM_WEBHOOK_SECRET": TELEGRAM["telegram_webhook_secret"],
        "TELEGRAM_API_URL": providers.url,
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "QUEUE_NAME": queue,
        **extra,
    }
    env.pop("RASA_URL", None)
    return env


@contextmanager
def production_stack(providers, logs: Path, queue: str, setup=None, **extra_env: str) -> Iterator[Processes]:
    """A fresh database with the sample directory, `setup(processes)` run before the processes
    start (to invite officials), then gunicorn and a worker until the block ends."""
    fresh_postgres()
    Redis.from_url(REDIS_URL).flushdb()
    port = free_port()
    stack = Processes(f"http://127.0.0.1:{port}", stack_env(providers, port, queue, **extra_env))
    stack.cli("directory", "load", "data/directory/sample_offices.csv")
    if setup is not None:
        setup(stack)
    files = {name: open(logs / f"{name}.log", "w") for name in ("web", "worker")}
    procs = [
        subprocess.Popen(
            [str(BIN / "gunicorn"), "--config", "gunicorn.conf.py", "-b", f"127.0.0.1:{port}", "bot.asgi:create_app()"],
            cwd=ROOT,
            env=stack.env,
            stdout=files["web"],
            stderr=subprocess.STDOUT,
        ),
        subprocess.Popen(
            [str(BIN / "python"), "-m", "worker"],
            cwd=ROOT,
            env=stack.env,
            stdout=files["worker"],
            stderr=subprocess.STDOUT,
        ),
    ]

    def healthy() -> bool:
        try:
            return urllib.request.urlopen(f"{stack.base}/healthz", timeout=1).status == 200
        except OSError:
            return False

    try:
        wait_until(healthy, 60, "the web app")
        yield stack
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
        for f in files.values():
            f.close()
        Redis.from_url(REDIS_URL).flushdb()
