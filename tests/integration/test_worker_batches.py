"""Sends in batches (`worker.jobs.send_batch`, the send worker): many messages claimed in one
statement, sent at once on a thread pool through the real Twilio client to the loopback fake,
recorded in one transaction, each with the single send's rules (exactly once, back-off, quiet
hours); and the send worker itself on real Redis, fed by the send queue."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from redis import Redis

from bot.bootstrap import build_services
from intake import job_names
from tests.fakes import RecordingQueue, ScriptedUnderstander
from tests.integration.helpers import queue_messages, row
from tests.support import REDIS_URL, scheduled
from worker import jobs
from worker.sendworker import ThreadSenders, Worker


@pytest.fixture
def pool():
    with ThreadPoolExecutor(8) as executor:
        yield executor


def bodies(providers) -> list[str]:
    return sorted(m["body"] for m in providers.twilio_messages)


def test_a_batch_sends_each_message_once_concurrently_and_records_each_sid(live, providers, pool):
    providers.latency_s = 0.3
    texts = [f"Your session is tomorrow at 9:00 ({n})" for n in range(8)]
    ids = queue_messages(live, [("sms", f"+8551200000{n}", t) for n, t in enumerate(texts)])
    senders = ThreadSenders(live.senders_factory)
    started = datetime.now(UTC)
    outcomes = jobs.send_batch(ids + ids[:3], live, senders=senders, run=pool.map)  # three ids twice
    elapsed = (datetime.now(UTC) - started).total_seconds()
    assert outcomes == {i: "sent" for i in ids}
    assert bodies(providers) == sorted(texts)
    assert elapsed < 0.3 * 8 / 2  # at once, not one after another (8 x 0.3 s)
    sids = {m["body"]: m["sid"] for m in providers.twilio_messages}
    for message_id, text in zip(ids, texts):
        m = row(live, message_id)
        assert (m.status, m.attempts, m.provider_message_id) == ("sent", 1, sids[text])
    assert jobs.send_batch(ids, live, senders=senders, run=pool.map) == {i: "skipped" for i in ids}
    assert len(providers.twilio_messages) == 8  # a second run of the same jobs sends nothing


def test_a_failure_in_a_batch_is_retried_with_back_off_and_the_others_go_out(live, providers, pool):
    ids = queue_messages(live, [("sms", "+85512000001", "first"), ("sms", "+85512000002", "second")])
    providers.fail_next("twilio", 500)
    outcomes = jobs.send_batch(ids, live, run=pool.map)
    assert sorted(outcomes.values()) == ["retrying", "sent"]
    [failed] = [i for i, o in outcomes.items() if o == "retrying"]
    assert scheduled(live) == [(job_names.SEND_MESSAGE, (failed,), 10)]  # the first back-off interval
    m = row(live, failed)
    assert m.status == "queued" and m.error == "twilio 500 code 20500" and m.next_attempt_at is not None
    live.queue.run_all(live, include_delayed=True)
    assert bodies(providers) == ["first", "second"] and row(live, failed).attempts == 2


def test_a_sender_that_breaks_leaves_its_message_to_recovery_and_records_the_rest(live, providers):
    class Broken:
        def send(self, address, body, buttons=None):
            raise RuntimeError("bug in an adapter")

    ids = queue_messages(live, [("sms", "+85512000001", "by sms"), ("telegram", "900001", "by telegram")])
    outcomes = jobs.send_batch(ids, live, senders={"sms": live.senders["sms"], "telegram": Broken()})
    assert outcomes == {ids[0]: "sent", ids[1]: "skipped"}
    assert row(live, ids[0]).status == "sent"
    assert row(live, ids[1]).status == "sending"  # unknown whether it went: the lease's recovery decides


def test_quiet_hours_hold_a_reminder_in_a_batch_without_loading_the_nlu(config, providers, places):
    night = datetime(2026, 11, 26, 15, 30, tzinfo=UTC)  # 22:30 in Phnom Penh
    cfg = replace(config, twilio_api_url=providers.url)
    s = build_services(cfg, queue=RecordingQueue(), understander=None, places=places, legal=None, clock=lambda: night)
    s.queue.services = s
    s.understander_factory = lambda: pytest.fail("a send must not build the NLU")
    try:
        from intake.model import Contact
        from intake.outbound import queue_message

        with s.uow() as uow:
            contact = Contact(language="en")
            uow.repo.add(contact)
            uow.commit()
            contact_id = contact.id

        def queue(body: str, key: str, purpose: str) -> int:
            with s.uow() as uow:
                person = uow.repo.contact(contact_id)
                msg = queue_message(
                    uow, channel="sms", address="+85512000003", body=body, key=key, contact=person, purpose=purpose
                )
                uow.commit()
                return msg.id

        reminder = queue("Session tomorrow 9:00", "r1", "reminder")
        assert jobs.send_batch([reminder], s) == {reminder: "deferred"}
        assert s.queue.jobs == [] and scheduled(s) == [(job_names.SEND_MESSAGE, (reminder,), 8.5 * 3600)]  # until 07:00
        assert bodies(providers) == []
        # The person writes at night: the answer goes at once, and what was held for them goes
        # just before it, in the order the two were written (the answer never overtakes it).
        reply = queue("Thank you", "a1", "reply")
        assert jobs.send_batch([reply], s) == {reminder: "sent", reply: "waiting"}
        assert s.queue.jobs == [(job_names.SEND_MESSAGE, (reply,), 0)]
        assert jobs.send_batch([reply], s) == {reply: "sent"}
        assert [m["body"] for m in providers.twilio_messages] == ["Session tomorrow 9:00", "Thank you"]
    finally:
        s.engine.dispose()


@pytest.fixture
def redis_services(config, providers, places):
    Redis.from_url(REDIS_URL).flushdb()
    cfg = replace(
        config, redis_url=REDIS_URL, twilio_api_url=providers.url, queue_name="test", send_queue_name="test-send"
    )
    s = build_services(cfg, understander=ScriptedUnderstander({}), places=places, legal=None)
    jobs.configure(s)
    yield s
    jobs.configure(None)
    Redis.from_url(REDIS_URL).flushdb()
    s.engine.dispose()


def test_sends_go_on_the_send_queue_and_a_send_worker_takes_them_in_batches(redis_services, providers):
    s = redis_services
    texts = [f"Reminder {n}: mediation on Friday" for n in range(10)]
    ids = queue_messages(s, [("sms", f"+8551300000{n}", t) for n, t in enumerate(texts)])
    for message_id in ids + ids[:2]:  # two jobs queued twice
        s.queue.enqueue(job_names.SEND_MESSAGE, message_id)
    s.queue.enqueue(job_names.PROCESS_INBOUND, 999999)
    assert s.queue.send_queue.name == "test-send" and s.queue.send_queue.count == 12
    assert s.queue.queue.count == 1  # the intake's job waits for a worker with the NLU

    worker = Worker([s.queue.send_queue], connection=s.queue.connection, services=s, send_concurrency=4)
    worker.work(burst=True)
    assert bodies(providers) == sorted(texts)
    assert all(row(s, i).status == "sent" for i in ids)
    assert s.queue.send_queue.count == 0 and s.queue.queue.count == 1
    jobs_left = [k for k in s.queue.connection.keys("rq:job:*")]
    assert len(jobs_left) == 1  # the send jobs' hashes are gone; only the intake job's remains
