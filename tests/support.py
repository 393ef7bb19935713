"""What the tests share besides fixtures: the test database and Redis, provider credentials for
the loopback fakes, the sample directory, and waiting for a condition."""

from __future__ import annotations

import os
import time
from pathlib import Path

from intake.directory import load_directory, parse_directory
from tests.database import recreate_database

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIRECTORY = ROOT / "data" / "directory" / "sample_offices.csv"
# One database per test run, so that two runs on one machine never drop each other's schema.
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL") or os.environ.setdefault(
    "JSC_TEST_DATABASE_URL", f"postgresql+psycopg://postgres@127.0.0.1:5432/jsc_test_{os.getpid()}"
)
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

TWILIO = {"twilio_account_sid": "AC" + "1" * 32, "twilio_auth_token": "test-auth-token", "twilio_from": "+85599000111"}
TELEGRAM = {"telegram_bot_token": "123456:TEST-token", "telegram_webhook_secret": "s3cret-webhook"}

CREATED: list[str] = []  # the run's PostgreSQL database, once a test asked for it
SIDE_DATABASES: list[str] = []  # databases of the run's own beside it (worker processes, benchmarks)


def fresh_postgres() -> str:
    """Recreate the test database's schema and migrate it."""
    CREATED.append(POSTGRES_URL)
    return recreate_database(POSTGRES_URL)


def side_database(name: str) -> str:
    """The URL of a second database of this run's own (``<run database>_<name>``), dropped with it:
    two runs on one machine never share one."""
    url = f"{POSTGRES_URL}_{name}"
    if url not in SIDE_DATABASES:
        SIDE_DATABASES.append(url)
    return url


def load_sample_directory(services) -> None:
    offices = parse_directory(SAMPLE_DIRECTORY, lambda code: services.deps.places.name(code, "en") != code)
    with services.uow() as uow:
        load_directory(uow, offices)
        uow.commit()


def wait_until(predicate, timeout_s: float = 30.0, what: str = "condition"):
    """Poll `predicate` until it returns something truthy (returned), or fail after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def scheduled(services) -> list[tuple[str, tuple, int]]:
    """The jobs due later (rows of the schedule), each with its delay in whole seconds."""
    return [(func, args, round(delay)) for func, args, delay in services.queue.delayed]
