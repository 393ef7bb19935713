"""Shared fixtures: a migrated database (SQLite file, or the machine's PostgreSQL), services with
fakes at the composition root's seams, the Flask app and client, and the loopback providers."""

from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path

import pytest

from bot import create_app
from bot.bootstrap import GazetteerPlaces, build_services
from bot.config import Config
from bot.database import upgrade_database
from intake.directory import load_directory, parse_directory
from nlu.gazetteer import Gazetteer
from tests.database import drop_database, recreate_database
from tests.fakes import RecordingQueue, RecordingSender, ScriptedUnderstander
from tests.fakes.providers import FakeProviders

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIRECTORY = ROOT / "data" / "directory" / "sample_offices.csv"
# One database per test run, so that two runs on one machine never drop each other's schema.
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL") or os.environ.setdefault(
    "JSC_TEST_DATABASE_URL", f"postgresql+psycopg://postgres@127.0.0.1:5432/jsc_test_{os.getpid()}"
)
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

TWILIO = {"twilio_account_sid": "AC" + "1" * 32, "twilio_auth_token": "test-auth-token", "twilio_from": "+85599000111"}
TELEGRAM = {"telegram_bot_token": "123456:TEST-token", "telegram_webhook_secret": "s3cret-webhook"}


@pytest.fixture(scope="session")
def places():
    return GazetteerPlaces(Gazetteer.load())


_CREATED: list[str] = []  # the run's PostgreSQL database, once a test asked for it


def _fresh_postgres() -> str:
    """Recreate the test database's schema and migrate it."""
    _CREATED.append(POSTGRES_URL)
    return recreate_database(POSTGRES_URL)


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'test.db'}"
    upgrade_database(url)
    return url


@pytest.fixture
def postgres_url() -> str:
    return _fresh_postgres()


@pytest.fixture(scope="session", autouse=True)
def _drop_run_database():
    """Drop this run's own database at the end (not one named by TEST_DATABASE_URL)."""
    yield
    if os.environ.get("TEST_DATABASE_URL") or not _CREATED:
        return  # a database named by the caller, or none made (unit tests touch no database)
    drop_database(POSTGRES_URL)


@pytest.fixture
def config(sqlite_url) -> Config:
    return replace(Config(), database_url=sqlite_url, simulator=True, **TWILIO, **TELEGRAM)


def load_sample_directory(services) -> None:
    offices = parse_directory(SAMPLE_DIRECTORY, lambda code: services.deps.places.name(code, "en") != code)
    with services.uow() as uow:
        load_directory(uow, offices)
        uow.commit()


@pytest.fixture
def understander() -> ScriptedUnderstander:
    return ScriptedUnderstander({})


@pytest.fixture
def senders():
    return {"sms": RecordingSender(), "telegram": RecordingSender()}


@pytest.fixture
def services(config, understander, senders, places):
    s = build_services(
        config, queue=RecordingQueue(), senders=senders, understander=understander, places=places, legal=None
    )
    load_sample_directory(s)
    yield s
    s.engine.dispose()


@pytest.fixture
def app(services):
    return create_app(services=services)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def providers():
    fake = FakeProviders().start()
    yield fake
    fake.stop()


@pytest.fixture
def live(config, providers, places):
    """Services whose real Twilio and Telegram clients talk to the loopback provider fakes."""
    cfg = replace(config, twilio_api_url=providers.url, telegram_api_url=providers.url)
    s = build_services(cfg, queue=RecordingQueue(), understander=ScriptedUnderstander({}), places=places, legal=None)
    yield s
    s.engine.dispose()


def wait_until(predicate, timeout_s: float = 30.0, what: str = "condition"):
    """Poll `predicate` until it returns something truthy (returned), or fail after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")
