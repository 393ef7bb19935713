"""Webhooks from real-shaped fixtures: Twilio form posts signed with Twilio's own RequestValidator,
Telegram Update JSON with the secret header; forged, missing, malformed and duplicate deliveries."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from bot import create_app
from bot.bootstrap import build_services
from intake.model import Message
from tests.fakes import FailingQueue, RecordingQueue, ScriptedUnderstander
from tests.support import TELEGRAM, TWILIO
from worker import jobs

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SMS_URL = "http://localhost/webhooks/twilio/sms"


def twilio_form(**overrides) -> dict:
    form = json.loads((FIXTURES / "twilio_inbound_sms.json").read_text())
    form.update(overrides)
    return form


def signed_post(client, url: str, form: dict, token: str = TWILIO["twilio_auth_token"], sign_url: str | None = None):
    signature = RequestValidator(token).compute_signature(sign_url or url, form)
    return client.post(url, data=form, headers={"X-Twilio-Signature": signature})


def count_messages(services) -> int:
    with services.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(Message))


def telegram_update(name: str, **changes) -> dict:
    update = json.loads((FIXTURES / name).read_text())
    update.update(changes)
    return update


def post_update(client, update: dict, secret: str | None = TELEGRAM["telegram_webhook_secret"]):
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    return client.post("/webhooks/telegram", data=json.dumps(update), headers=headers, content_type="application/json")


# ------------------------------------------------------------------ Twilio


def test_signed_sms_is_stored_once_and_queued(client, services):
    response = signed_post(client, SMS_URL, twilio_form())
    assert response.status_code == 200
    assert response.mimetype == "text/xml" and b"<Response></Response>" in response.data
    with services.uow() as uow:
        msg = uow.repo.inbound_by_provider_id("sms", "SM7e1f0c5b2d3a4f6e8a9b0c1d2e3f4a5b")
        assert msg is not None and msg.address == "+85512345678" and msg.status == "received"
        assert "Sangkae" in msg.body
    assert services.queue.jobs == [("worker.jobs.process_inbound", (msg.id,), 0)]


@pytest.mark.parametrize("signature", ["", "bm90IGEgc2lnbmF0dXJl", None])
def test_forged_or_missing_signature_is_403_and_stores_nothing(client, services, signature):
    headers = {} if signature is None else {"X-Twilio-Signature": signature}
    response = client.post(SMS_URL, data=twilio_form(), headers=headers)
    assert response.status_code == 403
    assert count_messages(services) == 0 and services.queue.jobs == []


def test_signature_with_another_token_or_tampered_body_is_403(client, services):
    assert signed_post(client, SMS_URL, twilio_form(), token="someone-else").status_code == 403
    form = twilio_form()
    signature = RequestValidator(TWILIO["twilio_auth_token"]).compute_signature(SMS_URL, form)
    tampered = dict(form, Body="I changed the text")
    assert client.post(SMS_URL, data=tampered, headers={"X-Twilio-Signature": signature}).status_code == 403
    assert count_messages(services) == 0


def test_signed_sms_without_a_message_sid_is_stored_once(client, services):
    """Twilio never retries an inbound SMS: a signed delivery is kept even when it lacks a field.
    Without MessageSid it is known by a digest of the whole form, so a redelivery is one message."""
    form = twilio_form()
    del form["MessageSid"]
    for _ in range(2):
        assert signed_post(client, SMS_URL, form).status_code == 200
    assert count_messages(services) == 1 and len(services.queue.jobs) == 1


def test_signed_sms_without_a_sender_is_kept_for_an_admin_and_not_processed(client, services):
    form = twilio_form()
    del form["From"], form["Body"]
    assert signed_post(client, SMS_URL, form).status_code == 200
    with services.uow() as uow:
        msg = uow.repo.inbound_by_provider_id("sms", form["MessageSid"])
        assert (msg.status, msg.error, msg.body) == ("failed", "no sender", "")
    assert services.queue.jobs == []


def test_duplicate_delivery_is_one_message_and_one_job(client, services):
    for _ in range(3):
        assert signed_post(client, SMS_URL, twilio_form()).status_code == 200
    assert count_messages(services) == 1
    assert len(services.queue.jobs) == 1


def test_public_base_url_is_the_url_that_twilio_signed(services):
    behind_proxy = build_services(
        replace(services.config, public_base_url="https://jsc.example.org"),
        queue=RecordingQueue(),
        senders=services.senders,
        understander=ScriptedUnderstander({}),
        places=services.deps.places,
        legal=None,
    )
    client = create_app(services=behind_proxy).test_client()
    public = "https://jsc.example.org/webhooks/twilio/sms"
    assert signed_post(client, SMS_URL, twilio_form(), sign_url=public).status_code == 200
    assert signed_post(client, SMS_URL, twilio_form(MessageSid="SM2"), sign_url=SMS_URL).status_code == 403


def test_no_auth_token_configured_refuses_every_sms(services):
    bare = build_services(
        replace(services.config, twilio_auth_token=None),
        queue=RecordingQueue(),
        senders=services.senders,
        understander=ScriptedUnderstander({}),
        places=services.deps.places,
        legal=None,
    )
    client = create_app(services=bare).test_client()
    assert signed_post(client, SMS_URL, twilio_form()).status_code == 403


def test_redis_down_still_answers_and_the_message_waits_for_recovery(services):
    down = build_services(
        services.config,
        queue=FailingQueue(),
        senders=services.senders,
        understander=services.deps.understander,
        places=services.deps.places,
        legal=None,
    )
    client = create_app(services=down).test_client()
    assert signed_post(client, SMS_URL, twilio_form()).status_code == 200
    assert count_messages(services) == 1
    # Redis is back: the recovery sweep finds the message and queues it.
    assert jobs.recover(services, older_than_s=0) == (1, 0)
    assert services.queue.jobs[0][0] == "worker.jobs.process_inbound"


def test_status_callback_updates_delivery_and_never_goes_backwards(client, services):
    with services.uow() as uow:
        uow.repo.add(
            Message(
                direction="out",
                channel="sms",
                address="+85512345678",
                body="hi",
                status="sent",
                provider_message_id="SMout1",
                idempotency_key="k1",
            )
        )
        uow.commit()
    url = "http://localhost/webhooks/twilio/status"
    assert signed_post(client, url, {"MessageSid": "SMout1", "MessageStatus": "delivered"}).status_code == 204
    assert signed_post(client, url, {"MessageSid": "SMout1", "MessageStatus": "sent"}).status_code == 204
    with services.uow() as uow:
        assert uow.repo.outbound_by_provider_id("SMout1").status == "delivered"
    assert client.post(url, data={"MessageSid": "SMout1", "MessageStatus": "failed"}).status_code == 403
    assert signed_post(client, url, {"MessageSid": "SMout1"}).status_code == 400
    # A callback for a message we never sent (another app on the same number) changes nothing.
    assert signed_post(client, url, {"MessageSid": "SMunknown", "MessageStatus": "failed"}).status_code == 204
    with services.uow() as uow:
        assert uow.repo.outbound_by_provider_id("SMunknown") is None
        assert uow.repo.outbound_by_provider_id("SMout1").status == "delivered"


# ------------------------------------------------------------------ Telegram


def test_telegram_message_is_stored_once_per_update_id(client, services):
    update = telegram_update("telegram_private_text.json")
    for _ in range(2):
        assert post_update(client, update).status_code == 200
    with services.uow() as uow:
        msg = uow.repo.inbound_by_provider_id("telegram", f"update:{update['update_id']}")
        assert msg.address == "5550001" and msg.body == update["message"]["text"]
    assert count_messages(services) == 1 and len(services.queue.jobs) == 1


@pytest.mark.parametrize("secret", [None, "", "wrong"])
def test_telegram_without_the_secret_is_403(client, services, secret):
    assert post_update(client, telegram_update("telegram_private_text.json"), secret=secret).status_code == 403
    assert count_messages(services) == 0


@pytest.mark.parametrize("body", ["not json", json.dumps([1, 2]), json.dumps("update")])
def test_telegram_body_that_is_not_an_update_object_is_400(client, services, body):
    response = client.post(
        "/webhooks/telegram",
        data=body,
        content_type="application/json",
        headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM["telegram_webhook_secret"]},
    )
    assert response.status_code == 400 and count_messages(services) == 0


def test_telegram_message_we_cannot_read_is_200_and_kept_for_an_admin(client, services):
    """Telegram retries anything but a 2xx forever: an update we cannot read is kept, not refused."""
    assert post_update(client, {"update_id": 7001, "message": {}}).status_code == 200
    assert post_update(client, {"update_id": "12"}).status_code == 200  # no message in it: nothing to keep
    with services.uow() as uow:
        msg = uow.repo.inbound_by_provider_id("telegram", "update:7001")
        assert (msg.status, msg.error) == ("failed", "unreadable chat")
    assert count_messages(services) == 1 and services.queue.jobs == []


@pytest.mark.parametrize(
    "fixture", ["telegram_edited_message.json", "telegram_group_message.json", "telegram_my_chat_member.json"]
)
def test_telegram_updates_we_do_not_handle_are_200_and_ignored(client, services, fixture):
    assert post_update(client, telegram_update(fixture)).status_code == 200
    assert count_messages(services) == 0


def test_telegram_photo_without_words_gets_asked_for_words(client, services):
    assert post_update(client, telegram_update("telegram_private_photo.json")).status_code == 200
    services.queue.run_all(services)
    assert services.senders["telegram"].sent == [("5550001", "យើងមិនយល់សារនេះទេ។ សូមសរសេរបញ្ហារបស់អ្នក ឬផ្ញើ HELP។")]


def test_a_button_press_we_do_not_act_on_still_gets_its_spinner_stopped(client, services):
    """A press on a message sent inline (no chat) is not a command, but Telegram waits for an answer."""
    update = {
        "update_id": 6001,
        "callback_query": {
            "id": "press-inline-1",
            "chat_instance": "-1",
            "data": "acc:1",
            "inline_message_id": "AAA",
            "from": {"id": 900001, "is_bot": False, "first_name": "Dara"},
        },
    }
    assert post_update(client, update).status_code == 200
    assert count_messages(services) == 0
    assert [(j[0], j[1]) for j in services.queue.jobs] == [("worker.jobs.answer_callback", ("press-inline-1",))]
