"""Telegram's limits (30 a second per bot, 1 a second per chat), in one process and shared through
Redis, and the send job re-queueing itself instead of sleeping when a chat's slot is taken."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.bootstrap import build_services
from bot.ratelimit import InProcessRateLimiter, RateLimiter
from intake.crypto import Keyring, new_key
from intake.model import Contact
from intake.outbound import queue_message
from tests.fakes import RecordingQueue, RecordingSender, ScriptedUnderstander
from tests.support import REDIS_URL
from worker import jobs

KEYRING = Keyring.parse(f"k1:{new_key()}", new_key())


class Clock:
    def __init__(self, t: float = 1_000_000.0):
        self.t = t

    def __call__(self) -> float:
        return self.t


def limiters(redis_db, clock):
    return [InProcessRateLimiter(clock), RateLimiter(redis_db, clock, prefix="test:rl", chat_key=KEYRING.phone_hash)]


@pytest.mark.parametrize("kind", [0, 1], ids=["in_process", "redis"])
def test_one_message_a_second_per_chat(redis_db, kind):
    clock = Clock()
    limiter = limiters(redis_db, clock)[kind]
    assert limiter.acquire("900001") == 0
    assert limiter.acquire("900001") == pytest.approx(1.0, abs=0.002)
    assert limiter.acquire("900002") == 0  # another chat is not held up
    clock.t += 0.4
    assert limiter.acquire("900001") == pytest.approx(0.6, abs=0.002)
    clock.t += 0.6
    assert limiter.acquire("900001") == 0


@pytest.mark.parametrize("kind", [0, 1], ids=["in_process", "redis"])
def test_thirty_a_second_across_chats(redis_db, kind):
    clock = Clock()
    limiter = limiters(redis_db, clock)[kind]
    for chat in range(30):
        clock.t += 0.01
        assert limiter.acquire(str(chat)) == 0
    wait = limiter.acquire("31")
    assert wait == pytest.approx(0.71, abs=0.002)  # when the first of the 30 leaves the window
    assert limiter.acquire("31") > 0  # a refusal takes no slot
    clock.t += wait
    assert limiter.acquire("31") == 0
    assert limiter.acquire("32") > 0


def test_workers_sharing_redis_share_the_limits(redis_db):
    clock = Clock()
    first, second = (
        RateLimiter(redis_db, clock, prefix="test:rl", chat_key=KEYRING.phone_hash),
        RateLimiter(redis_db, clock, prefix="test:rl", chat_key=KEYRING.phone_hash),
    )
    assert first.acquire("900001") == 0
    assert second.acquire("900001") > 0
    taken = sum(1 for i in range(40) if (first if i % 2 else second).acquire(f"c{i}") == 0)
    assert taken == 29  # 30 a second in all, one already used by chat 900001


def test_redis_holds_no_chat_id_only_its_keyed_hash(redis_db):
    limiter = RateLimiter(redis_db, Clock(), prefix="test:rl", chat_key=KEYRING.phone_hash)
    assert limiter.acquire("7712345001") == 0
    names = [k.decode() for k in redis_db.keys("test:rl:*")]
    assert f"test:rl:chat:{KEYRING.phone_hash('7712345001')}" in names
    assert not any("7712345001" in name for name in names)
    with pytest.raises(TypeError, match="chat_key"):
        RateLimiter(redis_db, Clock(), prefix="test:rl").acquire("7712345001")


def test_a_throttled_telegram_send_requeues_itself_with_the_wait(config, places):
    sender = RecordingSender()
    clock = Clock()
    s = build_services(
        config,
        queue=RecordingQueue(),
        senders={"sms": RecordingSender(), "telegram": sender},
        understander=ScriptedUnderstander({}),
        places=places,
        legal=None,
        rate_limiter=InProcessRateLimiter(clock),
    )
    ids = []
    with s.uow() as uow:
        contact = Contact(language="en")
        uow.repo.add(contact)
        uow.repo.flush()
        for n in range(2):
            ids.append(
                queue_message(
                    uow, channel="telegram", address="900001", body=f"part {n}", key=f"k{n}", contact=contact
                ).id
            )
        uow.commit()
    assert jobs.send_message(ids[1], services=s) == "waiting"  # its job sends part 0 first
    assert [m[1] for m in sender.sent] == ["part 0"]
    assert s.queue.jobs == [("worker.jobs.send_message", (ids[1],), 0)]  # the next to that chat
    s.queue.jobs.clear()
    clock.t += 0.25
    assert jobs.send_message(ids[1], services=s) == "throttled"
    s.queue.services = s
    assert s.queue.jobs == []  # the next attempt is a row of the schedule, due when the slot frees
    assert s.queue.delayed == [("worker.jobs.send_message", (ids[1],), pytest.approx(0.75, abs=0.05))]
    with s.uow() as uow:
        second = uow.repo.message(ids[1])
        assert second.status == "queued" and second.attempts == 0 and second.next_attempt_at is not None
    assert [m[1] for m in sender.sent] == ["part 0"]
    clock.t += 0.75
    s.queue.run_all(s, include_delayed=True)
    assert [m[1] for m in sender.sent] == ["part 0", "part 1"]
    s.engine.dispose()


def test_redis_deployments_get_the_shared_limiter(config, places):
    s = build_services(
        replace(config, redis_url=REDIS_URL), understander=ScriptedUnderstander({}), places=places, legal=None
    )
    assert isinstance(s.rate_limiter, RateLimiter)
    embedded = build_services(config, understander=ScriptedUnderstander({}), places=places, legal=None)
    assert isinstance(embedded.rate_limiter, InProcessRateLimiter)
    s.engine.dispose()
    embedded.engine.dispose()
