"""Messages to one chat or phone leave in the order they were created (issue 15), on PostgreSQL
and Redis with rq, through the real Twilio and Telegram clients to the loopback fakes: a message
deferred by the provider (Telegram's 429 retry_after, Twilio's Retry-After) or by Telegram's
per-chat slot holds back the later ones to the same recipient; a message that fails for good
lets them go at once; recovery wakes a recipient's first message, which brings the rest.
Two worker processes: see tests/integration/test_worker_processes.py."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
from redis import Redis
from rq import SimpleWorker

from bot.bootstrap import build_services
from bot.jobqueue import RqJobQueue
from intake import job_names, schedule
from intake.model import utcnow
from tests.fakes import ScriptedUnderstander
from tests.integration.helpers import queue_messages, row, telegram_id
from tests.support import REDIS_URL
from worker import jobs

NEW_CASE = "New dispute K7M-4TXP: land boundary, Sangkae"
WROTE_AGAIN = "Case K7M-4TXP: the person wrote again"


@pytest.fixture
def rq_pg(config, postgres_url, providers, places):
    """Services on PostgreSQL and Redis (rq), the provider clients talking to the loopback fakes."""
    Redis.from_url(REDIS_URL).flushdb()
    cfg = replace(
        config,
        database_url=postgres_url,
        redis_url=REDIS_URL,
        queue_name="order",
        twilio_api_url=providers.url,
        telegram_api_url=providers.url,
    )
    s = build_services(cfg, understander=ScriptedUnderstander({}), places=places, legal=None)
    jobs.configure(s)
    yield s
    jobs.configure(None)
    Redis.from_url(REDIS_URL).flushdb()
    s.engine.dispose()


def work(s) -> None:
    """Move what the schedule has due to the queue, then run the queue until it is empty."""
    schedule.move_all_due(s.uow, s.queue, utcnow())
    queue: RqJobQueue = s.queue
    SimpleWorker([queue.queue, queue.send_queue], connection=queue.connection).work(burst=True)


def work_until(s, done, timeout_s: float = 20.0) -> None:
    """`work` as time passes (retries and rate-limit slots fall due), until `done()`."""
    deadline = time.monotonic() + timeout_s
    while not done():
        assert time.monotonic() < deadline, "the sends did not finish"
        work(s)
        time.sleep(0.1)


def enqueue(s, ids: list[int]) -> None:
    for message_id in ids:
        s.queue.enqueue(job_names.SEND_MESSAGE, message_id)


def telegram_texts(providers, chat: str) -> list[str]:
    return [m["text"] for m in providers.telegram_sends if m["chat_id"] == chat]


def sms_bodies(providers, phone: str) -> list[str]:
    return [m["body"] for m in providers.twilio_messages if m["to"] == phone]


def settled(s, ids: list[int]) -> bool:
    return all(row(s, i).status in ("sent", "failed") for i in ids)


TELEGRAM_429 = {
    "ok": False,
    "error_code": 429,
    "description": "Too Many Requests: retry after 1",
    "parameters": {"retry_after": 1},
}


def test_a_telegram_message_told_to_retry_after_is_not_overtaken_by_a_later_one(rq_pg, providers):
    providers.fail_next("telegram", 429, body=TELEGRAM_429)
    ids = queue_messages(rq_pg, [("telegram", "900001", NEW_CASE), ("telegram", "900001", WROTE_AGAIN)])
    enqueue(rq_pg, ids)
    work(rq_pg)
    first, second = row(rq_pg, ids[0]), row(rq_pg, ids[1])
    assert (first.status, first.error) == ("queued", "telegram 429 rate limited")
    assert (second.status, second.attempts) == ("queued", 0)  # not tried while the first waits
    assert providers.telegram_sends == []
    work_until(rq_pg, lambda: settled(rq_pg, ids))
    assert telegram_texts(providers, "900001") == [NEW_CASE, WROTE_AGAIN]
    assert [row(rq_pg, i).provider_message_id for i in ids] == [telegram_id(rq_pg, "900001", n) for n in (1, 2)]


def test_an_sms_told_to_retry_after_by_twilio_is_not_overtaken(rq_pg, providers):
    providers.fail_next("twilio", 429, headers={"Retry-After": "1"})
    texts = ["Your case K7M-4TXP was sent to the JSC", "The JSC accepted your case", "Session Monday 9:00"]
    ids = queue_messages(rq_pg, [("sms", "+85512000001", t) for t in texts])
    enqueue(rq_pg, list(reversed(ids)))  # the jobs in any order
    work(rq_pg)
    assert row(rq_pg, ids[0]).error == "twilio 429 code 21211" and providers.twilio_messages == []
    with rq_pg.uow() as uow:
        [(func, args, due)] = schedule.pending(uow)  # one retry; the later two are not scheduled
    assert (func, args) == (job_names.SEND_MESSAGE, [ids[0]]) and (due - utcnow()).total_seconds() <= 1
    work_until(rq_pg, lambda: settled(rq_pg, ids))
    assert sms_bodies(providers, "+85512000001") == texts


def test_telegrams_per_chat_slot_delays_the_later_messages_in_order(rq_pg, providers):
    texts = [NEW_CASE, WROTE_AGAIN, "Case K7M-4TXP: the person wrote again (2)"]
    ids = queue_messages(rq_pg, [("telegram", "900002", t) for t in texts])
    enqueue(rq_pg, [ids[2], ids[1], ids[0]])
    work_until(rq_pg, lambda: settled(rq_pg, ids))
    assert telegram_texts(providers, "900002") == texts
    gaps = [b - a for a, b in zip(providers.telegram_times, providers.telegram_times[1:])]
    assert min(gaps) >= 0.8  # still one a second to a chat


def test_a_message_that_fails_for_good_does_not_hold_back_the_next(rq_pg, providers):
    providers.fail_next("telegram", 400, body={"ok": False, "error_code": 400, "description": "Bad Request: x"})
    ids = queue_messages(rq_pg, [("telegram", "900003", NEW_CASE), ("telegram", "900003", WROTE_AGAIN)])
    enqueue(rq_pg, ids[:1])  # the second's job was lost: the first's send queues it
    work(rq_pg)
    assert row(rq_pg, ids[0]).status == "failed"
    work_until(rq_pg, lambda: settled(rq_pg, ids), timeout_s=5)
    assert telegram_texts(providers, "900003") == [WROTE_AGAIN]


def test_recovery_wakes_a_recipients_first_message_and_the_rest_follow_in_order(rq_pg, providers):
    texts = ["one", "two", "three"]
    ids = queue_messages(rq_pg, [("sms", "+85512000009", t) for t in texts])  # their jobs were lost
    with rq_pg.uow() as uow:
        assert uow.repo.outbound_overdue(utcnow()) == [ids[0]]
    jobs.recover(rq_pg, older_than_s=0)
    assert rq_pg.queue.waiting(job_names.SEND_MESSAGE) == {ids[0]}
    work_until(rq_pg, lambda: settled(rq_pg, ids))
    assert sms_bodies(providers, "+85512000009") == texts
