"""Shared fixtures: a migrated database (SQLite file, or the machine's PostgreSQL), services with
fakes at the composition root's seams, the Flask app and client, and the loopback providers."""

from __future__ import annotations

import os
from dataclasses import replace

import pytest

from bot import create_app
from bot.bootstrap import GazetteerPlaces, build_services
from bot.config import Config
from bot.database import upgrade_database
from nlu.gazetteer import Gazetteer
from tests.database import drop_database
from tests.fakes import RecordingQueue, RecordingSender, ScriptedUnderstander
from tests.fakes.providers import FakeProviders
from tests.support import (
    CREATED,
    POSTGRES_URL,
    REDIS_URL,
    SIDE_DATABASES,
    TELEGRAM,
    TWILIO,
    fresh_postgres,
    load_sample_directory,
)


@pytest.fixture(scope="session")
def places():
    return GazetteerPlaces(Gazetteer.load())


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'test.db'}"
    upgrade_database(url)
    return url


@pytest.fixture
def postgres_url() -> str:
    return fresh_postgres()


@pytest.fixture(scope="session", autouse=True)
def _drop_run_database():
    """Drop this run's own databases at the end (not one named by TEST_DATABASE_URL)."""
    yield
    for url in SIDE_DATABASES:
        drop_database(url)
    if os.environ.get("TEST_DATABASE_URL") or not CREATED:
        return  # a database named by the caller, or none made (unit tests touch no database)
    drop_database(POSTGRES_URL)


@pytest.fixture
def config(sqlite_url) -> Config:
    return replace(Config(), database_url=sqlite_url, simulator=True, **TWILIO, **TELEGRAM)


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
    s.queue.services = s  # jobs due later are rows of the schedule: the fake queue shows them
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
    s.queue.services = s
    yield s
    s.engine.dispose()


@pytest.fixture
def redis_db():
    """The test Redis db (TEST_REDIS_URL), flushed before and after."""
    from redis import Redis

    r = Redis.from_url(REDIS_URL)
    r.flushdb()
    yield r
    r.flushdb()
