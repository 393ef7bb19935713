"""One sender's messages are handled one at a time and in the order they arrived, whichever job
runs first and however many run at once (on SQLite and on PostgreSQL)."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from bot.bootstrap import build_services
from bot.config import Config
from intake.model import Contact, Identity, Message
from intake.services import record_inbound
from tests.fakes import RecordingQueue, RecordingSender, ScriptedUnderstander, understanding
from tests.support import TELEGRAM, TWILIO, load_sample_directory
from worker import jobs

TABLE = {"what is": understanding("legal_information"), "rice field": understanding("dispute_mediation")}


class SlowUnderstander(ScriptedUnderstander):
    """The NLU taking its time (a first call loading models, a busy Rasa server)."""

    def understand(self, text):
        time.sleep(0.3)
        return super().understand(text)


@pytest.fixture(params=["sqlite", "postgres"])
def slow(request, sqlite_url, places):
    url = sqlite_url if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    cfg = replace(Config(), database_url=url, **TWILIO, **TELEGRAM)
    s = build_services(
        cfg,
        queue=RecordingQueue(),
        senders={"sms": RecordingSender(), "telegram": RecordingSender()},
        understander=SlowUnderstander(TABLE),
        places=places,
        legal=None,
    )
    load_sample_directory(s)
    yield s
    s.engine.dispose()


def store(s, text: str, address: str) -> int:
    with s.uow() as uow:
        message_id, _ = record_inbound(uow, "sms", address, f"SM{uuid.uuid4().hex}", text, now=s.clock())
        uow.commit()
    return message_id


def answered(s, address: str) -> list[int]:
    """The inbound message each reply to `address` answers, in the order the replies were queued."""
    with s.uow() as uow:
        keys = uow.session.scalars(
            select(Message.idempotency_key)
            .where(Message.direction == "out", Message.address == address)
            .order_by(Message.id)
        ).all()
    return [int(k.split(":")[1]) for k in keys]


def test_a_later_message_whose_job_runs_first_is_answered_after_the_earlier_one(slow):
    first = store(slow, "hello", "+85512000301")
    second = store(slow, "what is a land title?", "+85512000301")
    jobs.process_inbound(second, services=slow)  # the second job happened to start first
    assert answered(slow, "+85512000301") == [first, second]
    assert jobs.process_inbound(first, services=slow) == []  # its own job finds it done
    with slow.uow() as uow:
        statuses = uow.session.scalars(select(Message.status).where(Message.id.in_([first, second]))).all()
    assert statuses == ["processed", "processed"]


def test_two_workers_on_a_new_senders_messages_make_one_contact_and_answer_in_order(slow):
    address = "+85512000302"
    ids = [store(slow, text, address) for text in ("hello", "my neighbour took my rice field", "what is mediation?")]
    errors: list[BaseException] = []

    def work(message_id: int, delay: float) -> None:
        time.sleep(delay)
        try:
            jobs.process_inbound(message_id, services=slow)
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion below
            errors.append(exc)

    # Three workers take the three messages at nearly the same moment, the latest first.
    threads = [threading.Thread(target=work, args=(mid, 0.05 * n)) for n, mid in enumerate(reversed(ids))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    with slow.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Identity).where(Identity.address == address)) == 1
        assert uow.session.scalar(select(func.count()).select_from(Contact)) == 1
    replied_to = answered(slow, address)
    assert sorted(set(replied_to)) == ids and replied_to == sorted(replied_to)  # every message, in order


class FailingUnderstander(ScriptedUnderstander):
    """Fails on one message, quoting it, as a buggy library might."""

    def understand(self, text):
        if "boom" in text:
            raise ValueError(f"cannot read {text!r} from +85512000303")
        return super().understand(text)


@pytest.fixture(params=["sqlite", "postgres"])
def failing(request, sqlite_url, places):
    url = sqlite_url if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    cfg = replace(Config(), database_url=url, **TWILIO, **TELEGRAM)
    s = build_services(
        cfg,
        queue=RecordingQueue(),
        senders={"sms": RecordingSender(), "telegram": RecordingSender()},
        understander=FailingUnderstander(TABLE),
        places=places,
        legal=None,
    )
    yield s
    s.engine.dispose()


def test_a_message_that_fails_is_set_aside_and_the_senders_next_message_goes_ahead(failing, caplog):
    address = "+85512000303"
    bad = store(failing, "boom my husband beats me", address)
    good = store(failing, "what is mediation?", address)
    with caplog.at_level("DEBUG"):
        jobs.process_inbound(good, services=failing)  # the later job runs first and meets the bad one
    assert answered(failing, address) == [good]
    with failing.uow() as uow:
        assert uow.repo.message(bad).status == "failed" and uow.repo.message(good).status == "processed"
    assert jobs.process_inbound(bad, services=failing) == []  # its own job leaves it for an admin
    assert jobs.process_inbound(store(failing, "hello", address), services=failing)  # the sender is not blocked
    assert f"inbound message {bad} failed (ValueError)" in caplog.text
    assert "husband" not in caplog.text and "+855" not in caplog.text
