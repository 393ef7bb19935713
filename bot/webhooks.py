"""Provider webhooks. Each handler checks the provider's signature or secret, stores what arrived
once (by the provider's id), queues the work and answers at once: no NLU or provider call happens
inside the request, so Twilio's 15 s limit holds even when Redis or the NLU is slow or down."""

from __future__ import annotations

import hmac
import logging

from flask import Blueprint, Response, request
from telegram import Update
from twilio.request_validator import RequestValidator

from bot import current_services
from intake import job_names
from intake import services as intake
from intake.model import Channel, OutboundStatus
from intake.outbound import record_delivery_status

log = logging.getLogger(__name__)

twilio_bp = Blueprint("twilio", __name__, url_prefix="/webhooks/twilio")
telegram_bp = Blueprint("telegram", __name__, url_prefix="/webhooks/telegram")

# Twilio's message statuses in our words: every status before delivery means it left us.
TWILIO_STATUS = {
    "queued": OutboundStatus.SENT,
    "accepted": OutboundStatus.SENT,
    "sending": OutboundStatus.SENT,
    "sent": OutboundStatus.SENT,
    "delivered": OutboundStatus.DELIVERED,
    "undelivered": OutboundStatus.UNDELIVERED,
    "failed": OutboundStatus.FAILED,
}

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def ingest(services, channel: str, address: str, provider_id: str, body: str) -> tuple[int, bool]:
    """Store an inbound message once and queue its processing. A queue outage loses nothing:
    the message waits in the database for the recovery sweep."""
    with services.uow() as uow:
        message_id, created = intake.record_inbound(uow, channel, address, provider_id, body)
        uow.commit()
    if created:
        try:
            services.queue.enqueue(job_names.PROCESS_INBOUND, message_id)
        except Exception as exc:  # noqa: BLE001 - Redis down: recovery will pick it up
            log.warning("could not queue inbound message %s (%s); left for recovery", message_id, type(exc).__name__)
    return message_id, created


def _signed_url() -> str:
    """The URL Twilio signed: behind a TLS proxy, PUBLIC_BASE_URL + path, else the request URL."""
    base = current_services().config.public_base_url
    if not base:
        return request.url
    query = request.query_string.decode()
    return f"{base}{request.path}" + (f"?{query}" if query else "")


def _twilio_signature_ok() -> bool:
    token = current_services().config.twilio_auth_token
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature:
        return False
    return RequestValidator(token).validate(_signed_url(), request.form, signature)


@twilio_bp.post("/sms")
def twilio_sms():
    """An SMS from a citizen, as Twilio (or a compatible gateway) posts it."""
    if not _twilio_signature_ok():
        log.warning("twilio sms webhook: bad or missing signature")
        return Response("forbidden", status=403)
    sid, sender = request.form.get("MessageSid", ""), request.form.get("From", "")
    if not sid or not sender or "Body" not in request.form:
        return Response("MessageSid, From and Body are required", status=400)
    ingest(current_services(), Channel.SMS, sender, sid, request.form.get("Body", ""))
    return Response(EMPTY_TWIML, mimetype="text/xml")


@twilio_bp.post("/status")
def twilio_status():
    """A delivery status callback for a message we sent."""
    if not _twilio_signature_ok():
        return Response("forbidden", status=403)
    sid, status = request.form.get("MessageSid", ""), request.form.get("MessageStatus", "")
    if not sid or not status:
        return Response("MessageSid and MessageStatus are required", status=400)
    with current_services().uow() as uow:
        new = TWILIO_STATUS.get(status.lower())
        known = record_delivery_status(uow, sid, new, request.form.get("ErrorCode"), current_services().clock())
        uow.commit()
    if not known:
        log.info("status callback for an unknown message")
    return Response("", status=204)


@telegram_bp.post("")
def telegram_update():
    """An update from the Telegram Bot API (set with secret_token)."""
    secret = current_services().config.telegram_webhook_secret
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
        log.warning("telegram webhook: bad or missing secret")
        return Response("forbidden", status=403)
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        return Response("an Update object with update_id is required", status=400)
    try:
        update = Update.de_json(data, None)
    except Exception:  # noqa: BLE001 - malformed update: tell Telegram, store nothing
        return Response("malformed update", status=400)
    receive_telegram_update(current_services(), update)
    return {"ok": True}


def receive_telegram_update(services, update: Update) -> None:
    """One Telegram update, from the webhook or from long polling: store the message or button
    press once (by update id) and queue it, and have every button press answered."""
    parsed = telegram_message(update)
    created = False
    if parsed is not None:
        chat_id, text = parsed
        _, created = ingest(services, Channel.TELEGRAM, chat_id, f"update:{update.update_id}", text)
    # Every press gets its spinner stopped, even one we do not act on (an inline message, a group,
    # empty data); a redelivered press was answered the first time.
    if update.callback_query is not None and (created or parsed is None):
        try:
            services.queue.enqueue(job_names.ANSWER_CALLBACK, update.callback_query.id)
        except Exception as exc:  # noqa: BLE001 - cosmetic: never fail the update for it
            log.warning("could not queue a callback answer (%s)", type(exc).__name__)


def telegram_message(update: Update) -> tuple[str, str] | None:
    """(chat id, text) of a private message or a button press we handle; None for every other
    update type. A photo, voice note or sticker arrives with its caption or empty text, so the
    person is told to write words rather than being ignored. A button press arrives as its
    callback data, handled like a typed command (the same permission checks apply)."""
    query = update.callback_query
    if query is not None:
        chat = query.message.chat if query.message is not None else None
        if chat is None or chat.type != "private" or not query.data:
            return None
        return str(chat.id), query.data
    message = update.message
    if message is None or message.chat is None or message.chat.type != "private":
        return None
    return str(message.chat.id), message.text or message.caption or ""
