"""The same pipeline on real Redis with rq: jobs found by dotted name, run by a real worker."""

from __future__ import annotations

from dataclasses import replace

import pytest
from redis import Redis
from rq import SimpleWorker

from bot.bootstrap import build_services
from bot.jobqueue import RqJobQueue
from bot.webhooks import ingest
from intake import job_names
from tests.fakes import ScriptedUnderstander, understanding
from tests.support import REDIS_URL, load_sample_directory
from worker import jobs


@pytest.fixture
def redis_services(config, providers, places):
    Redis.from_url(REDIS_URL).flushdb()
    cfg = replace(
        config, redis_url=REDIS_URL, twilio_api_url=providers.url, telegram_api_url=providers.url, queue_name="test"
    )
    table = {"rice": understanding("dispute_mediation", province_code="02", district_code="0208")}
    s = build_services(cfg, understander=ScriptedUnderstander(table), places=places, legal=None)
    load_sample_directory(s)
    jobs.configure(s)
    yield s
    jobs.configure(None)
    Redis.from_url(REDIS_URL).flushdb()
    s.engine.dispose()


def work(services) -> None:
    queue: RqJobQueue = services.queue
    SimpleWorker([queue.queue], connection=queue.connection).work(burst=True)


def test_inbound_sms_is_processed_and_answered_by_an_rq_worker(redis_services, providers):
    assert isinstance(redis_services.queue, RqJobQueue)
    ingest(redis_services, "sms", "+85512345678", "SMrq1", "rice field dispute in Sangkae")
    assert redis_services.queue.queue.count == 1
    work(redis_services)  # process_inbound, which queues send_message
    work(redis_services)
    [sms] = providers.twilio_messages
    assert sms["to"] == "+85512345678" and sms["body"].startswith("Who is the dispute with")


def test_a_failed_send_is_retried_from_the_schedule_even_after_redis_is_flushed(redis_services, providers):
    from datetime import timedelta

    from intake import schedule
    from intake.model import utcnow

    providers.fail_next("twilio", 500)
    ingest(redis_services, "sms", "+85512345678", "SMrq2", "rice field dispute in Sangkae")
    work(redis_services)
    work(redis_services)
    assert providers.twilio_messages == []
    with redis_services.uow() as uow:  # the retry is a row, written with the failed attempt
        [(func, args, due)] = schedule.pending(uow)
    assert func == job_names.SEND_MESSAGE and 5 < (due - utcnow()).total_seconds() <= 10
    Redis.from_url(REDIS_URL).flushdb()  # Redis loses everything
    assert schedule.move_due(redis_services.uow, redis_services.queue, now=utcnow()) == 0  # not due yet
    # Ten seconds on: the message's back-off has run out too (a send job leaves a message whose
    # delay still runs).
    later = utcnow() + timedelta(seconds=11)
    redis_services.clock = lambda: later
    assert schedule.move_due(redis_services.uow, redis_services.queue, now=later) == 1
    work(redis_services)
    assert len(providers.twilio_messages) == 1
