"""A worker outlives Redis going away (issue 15): `python -m worker` on PostgreSQL and a private
Redis (its own server on a free loopback port, never the shared one, since the test stops and
freezes it). rq's loop quits when Redis fails under it; the worker waits for Redis to answer
and works on, and what it was sent meanwhile goes out."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import replace

import pytest
from redis import Redis
from rq import SimpleWorker

from bot.bootstrap import build_services
from bot.config import Config
from intake import job_names
from tests.database import recreate_database
from tests.fakes import ScriptedUnderstander
from tests.fakes.providers import FakeProviders
from tests.integration.helpers import queue_messages, row
from tests.integration.test_worker_processes import BIN, ROOT
from tests.support import POSTGRES_URL, TELEGRAM, TWILIO, wait_until

DATABASE_URL = POSTGRES_URL.rsplit("/", 1)[0] + "/jsc_test_redis_outage"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateRedis:
    def __init__(self, tmp_path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.dir = tmp_path
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir), "--save", ""],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(lambda: _answers(self.url), 20, "the private Redis")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)


def _answers(url: str) -> bool:
    try:
        return bool(Redis.from_url(url, socket_timeout=1).ping())
    except Exception:  # noqa: BLE001 - not up yet
        return False


@pytest.fixture
def outage_stack(tmp_path):
    redis = PrivateRedis(tmp_path)
    redis.start()
    fake = FakeProviders().start()
    recreate_database(DATABASE_URL)
    env = {
        **os.environ,
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": redis.url,
        "TWILIO_ACCOUNT_SID": TWILIO["twilio_account_sid"],
        "TWILIO_AUTH_TOKEN": TWILIO["twilio_auth_token"],
        "TWILIO_FROM": TWILIO["twilio_from"],
        "TWILIO_API_URL": fake.url,
        "TELEGRAM_BOT_TOKEN": TELEGRAM["telegram_bot_token"],
        "TELEGRAM_API_URL": fake.url,
    }
    env.pop("RASA_URL", None)
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [str(BIN / "python"), "-m", "worker", "--queues", "send"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    cfg = replace(Config(), database_url=DATABASE_URL, redis_url=redis.url, **TWILIO, **TELEGRAM)
    services = build_services(cfg, understander=ScriptedUnderstander({}), legal=None)
    try:
        wait_until(lambda: len(SimpleWorker.all(queue=services.queue.send_queue)) == 1, 45, "the worker")
        yield {"services": services, "fake": fake, "proc": proc, "redis": redis, "log": tmp_path / "worker.log"}
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        log.close()
        services.engine.dispose()
        fake.stop()
        if redis.proc and redis.proc.poll() is None:
            os.kill(redis.proc.pid, signal.SIGCONT)
        redis.stop()


def test_the_worker_waits_out_redis_going_away_mid_job_and_works_on(outage_stack):
    s, fake, proc, redis = outage_stack["services"], outage_stack["fake"], outage_stack["proc"], outage_stack["redis"]
    fake.latency_s = 2.0
    [first] = queue_messages(s, [("sms", "+85512000076", "before the outage")])
    s.queue.enqueue(job_names.SEND_MESSAGE, first)
    wait_until(lambda: fake.in_flight(), 20, "the send in flight")
    redis.stop()  # Redis goes away while the job runs: rq's bookkeeping after it fails
    wait_until(lambda: row(s, first).status == "sent", 20, "the send recorded")
    time.sleep(3)
    assert proc.poll() is None, outage_stack["log"].read_text()[-3000:]
    redis.start()
    os.kill(redis.proc.pid, signal.SIGSTOP)  # and then hangs for a while
    time.sleep(8)
    os.kill(redis.proc.pid, signal.SIGCONT)
    fake.latency_s = 0.0
    [second] = queue_messages(s, [("sms", "+85512000077", "after the outage")])
    s.queue.enqueue(job_names.SEND_MESSAGE, second)
    wait_until(lambda: row(s, second).status == "sent", 45, "the SMS sent after the outage")
    assert [m["body"] for m in fake.twilio_messages] == ["before the outage", "after the outage"]
    assert proc.poll() is None
