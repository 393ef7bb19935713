"""Sending through the real twilio and python-telegram-bot clients to loopback fakes of their
HTTP APIs: exact requests, retries with back-off, final failure visible, opt-out on block, and
no second copy when a send job runs twice."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest

from bot import create_app
from bot.bootstrap import build_services
from bot.senders import TelegramSender, TwilioSender
from intake.model import Contact, Message
from intake.outbound import queue_message
from intake.ports import SendError
from tests.fakes import RecordingQueue, ScriptedUnderstander
from tests.integration.helpers import telegram_id
from tests.support import TELEGRAM, TWILIO, scheduled
from worker import jobs


@pytest.fixture
def live(config, providers, places):
    cfg = replace(
        config, twilio_api_url=providers.url, telegram_api_url=providers.url, public_base_url="https://jsc.example.org"
    )
    s = build_services(cfg, queue=RecordingQueue(), understander=ScriptedUnderstander({}), places=places, legal=None)
    s.queue.services = s
    yield s
    s.engine.dispose()


def queue(services, channel="sms", address="+85512345678", body="ករណីរបស់អ្នក K7M-4TXP", key="k1") -> int:
    with services.uow() as uow:
        contact = Contact(language="km")
        uow.repo.add(contact)
        uow.repo.flush()
        msg = queue_message(uow, channel=channel, address=address, body=body, key=key, contact=contact)
        uow.commit()
    return msg.id


def message(services, message_id) -> Message:
    with services.uow() as uow:
        return uow.repo.message(message_id)


def test_sms_goes_out_through_the_twilio_client(live, providers):
    mid = queue(live)
    assert jobs.send_message(mid, services=live) == "sent"
    [sent] = providers.twilio_messages
    assert sent["to"] == "+85512345678" and sent["from"] == TWILIO["twilio_from"]
    assert sent["body"] == "ករណីរបស់អ្នក K7M-4TXP"
    assert sent["account_sid"] == TWILIO["twilio_account_sid"]
    assert sent["authorization"].startswith("Basic ")
    assert sent["status_callback"] == "https://jsc.example.org/webhooks/twilio/status"
    m = message(live, mid)
    assert m.status == "sent" and m.provider_message_id == sent["sid"] and m.attempts == 1


def test_a_send_job_run_twice_sends_once(live, providers):
    mid = queue(live)
    assert jobs.send_message(mid, services=live) == "sent"
    assert jobs.send_message(mid, services=live) == "skipped"
    assert len(providers.twilio_messages) == 1


def test_twilio_500_is_retried_with_back_off_then_sent(live, providers):
    providers.fail_next("twilio", 500, times=2)
    mid = queue(live)
    assert jobs.send_message(mid, services=live) == "retrying"
    assert scheduled(live) == [("worker.jobs.send_message", (mid,), 10)]
    live.queue.take_delayed("worker.jobs.send_message")
    assert jobs.send_message(mid, services=live) == "retrying"
    assert scheduled(live) == [("worker.jobs.send_message", (mid,), 30)]
    assert message(live, mid).error == "twilio 500 code 20500"
    live.queue.run_all(live, include_delayed=True)
    m = message(live, mid)
    assert m.status == "sent" and m.attempts == 3 and m.error is None
    assert len(providers.twilio_messages) == 1


def test_a_provider_down_for_good_ends_failed_and_visible_to_an_admin(live, providers):
    providers.fail_next("twilio", 503, times=99)
    mid = queue(live)
    live.queue.enqueue("worker.jobs.send_message", mid)
    live.queue.run_all(live, include_delayed=True)
    m = message(live, mid)
    assert m.status == "failed" and m.attempts == live.max_send_attempts == 6
    assert m.error == "twilio 503 code 20500"
    result = create_app(services=live).test_cli_runner().invoke(args=["messages", "list", "--status", "failed"])
    assert f'"id": {mid}' in result.output and "twilio 503" in result.output
    assert "K7M" not in result.output  # the admin listing never shows message text


def test_a_permanent_twilio_refusal_is_not_retried(live, providers):
    providers.fail_next("twilio", 400, body={"code": 21211, "message": "Invalid 'To' Phone Number", "status": 400})
    mid = queue(live)
    assert jobs.send_message(mid, services=live) == "failed"
    assert live.queue.jobs == [] and message(live, mid).error == "twilio 400 code 21211"


def test_unreachable_gateway_is_transient(config):
    sender = TwilioSender(TWILIO["twilio_account_sid"], "t", "+855", "http://127.0.0.1:9", None)
    with pytest.raises(SendError) as err:
        sender.send("+85512345678", "hi")
    assert err.value.transient and err.value.code.startswith("twilio unreachable")


def test_telegram_goes_out_through_python_telegram_bot(live, providers):
    mid = queue(live, channel="telegram", address="900001", body="ករណីថ្មី K7M-4TXP")
    assert jobs.send_message(mid, services=live) == "sent"
    assert providers.telegram_sends == [
        {
            "chat_id": "900001",
            "message_id": 1,
            "text": "ករណីថ្មី K7M-4TXP",
            "token": TELEGRAM["telegram_bot_token"],
            "reply_markup": None,
        }
    ]
    stored = message(live, mid).provider_message_id
    assert stored == telegram_id(live, "900001", 1) and "900001" not in stored  # no chat id in clear


def test_telegram_429_honours_retry_after(live, providers):
    providers.fail_next(
        "telegram",
        429,
        body={
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 7",
            "parameters": {"retry_after": 7},
        },
    )
    mid = queue(live, channel="telegram", address="900001", body="hello")
    assert jobs.send_message(mid, services=live) == "retrying"
    assert scheduled(live) == [("worker.jobs.send_message", (mid,), 7)]
    live.queue.run_all(live, include_delayed=True)
    assert message(live, mid).status == "sent"


def test_a_blocked_bot_opts_the_person_out(live, providers):
    providers.fail_next(
        "telegram", 403, body={"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}
    )
    mid = queue(live, channel="telegram", address="700001", body="hello")
    assert jobs.send_message(mid, services=live) == "failed"
    with live.uow() as uow:
        m = uow.repo.message(mid)
        assert m.error == "telegram 403 bot blocked by the user"
        assert uow.repo.contact(m.contact_id).opted_out is True


def test_telegram_sender_network_error_is_transient():
    with pytest.raises(SendError) as err:
        TelegramSender("1:x", "http://127.0.0.1:9", timeout_s=1).send("1", "hi")
    assert err.value.transient


def test_sending_on_telegram_logs_neither_the_bot_token_nor_the_chat(providers, caplog):
    """httpx, under python-telegram-bot, logs each request's URL at INFO: the token is in its path."""
    from bot.logs import configure_logging

    configure_logging()
    caplog.set_level(logging.INFO)
    TelegramSender(TELEGRAM["telegram_bot_token"], providers.url).send("700123", "ករណីរបស់អ្នក")
    assert providers.telegram_sends and providers.telegram_sends[-1]["text"] == "ករណីរបស់អ្នក"
    assert TELEGRAM["telegram_bot_token"] not in caplog.text and "700123" not in caplog.text
