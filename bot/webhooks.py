"""Provider webhooks. Each handler checks the provider's signature or secret, then hands the
delivery to the ingress path (bot.ingress): stored once by the provider's id and queued, or spooled
when the database cannot take it in time. No NLU or provider call happens inside the request, so
Twilio's 15 s limit holds even when the database, Redis or the NLU is slow or down. A signed
delivery is answered 200 whatever bytes it carries (Telegram retries anything else forever); only
when it can be kept nowhere does the webhook answer 503, so that the provider tries again."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import logging

from flask import Blueprint, Response, request
from flask.sessions import SecureCookieSessionInterface
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict
from werkzeug.wsgi import get_current_url

from bot import current_services, urlencoded
from bot.ingress import TELEGRAM, TWILIO_SMS
from bot.spool import SpoolUnavailable
from intake import job_names
from intake import services as intake
from intake.model import OutboundStatus
from intake.outbound import record_delivery_status

log = logging.getLogger(__name__)

twilio_bp = Blueprint("twilio", __name__, url_prefix="/webhooks/twilio")
SMS_PATH = "/webhooks/twilio/sms"
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


class SessionsOutsideWebhooks(SecureCookieSessionInterface):
    """The console's signed-cookie sessions, never opened for a provider's webhook: no provider
    sends our cookie, and building the signer on every delivery is wasted work on the hottest
    path. The webhooks see Flask's read-only null session."""

    def open_session(self, app, request):
        """A null session under /webhooks/, else the signed cookie's session."""
        if request.path.startswith("/webhooks/"):
            return self.make_null_session(app)
        return super().open_session(app, request)


def ingest(services, channel: str, address: str, provider_id: str, body: str) -> tuple[int, bool]:
    """Store an inbound message once and queue its processing, with no budget (the simulator and
    tests). A queue outage loses nothing: the message waits in the database for the recovery sweep."""
    with services.uow() as uow:
        message_id, created = intake.record_inbound(uow, channel, address, provider_id, body, now=services.clock())
        uow.commit()
    if created:
        try:
            services.queue.enqueue(job_names.PROCESS_INBOUND, message_id)
        except Exception as exc:  # noqa: BLE001 - Redis down: recovery will pick it up
            log.warning("could not queue inbound message %s (%s); left for recovery", message_id, type(exc).__name__)
    return message_id, created


def _accept(kind: str, payload) -> Response | None:
    """Hand a validated delivery to the ingress path; a 503 response when it could be kept nowhere."""
    try:
        current_services().ingress.accept(kind, payload)
    except SpoolUnavailable:
        log.error("inbound %s delivery could not be stored or spooled: answering 503", kind)
        return Response("temporarily unavailable", status=503, headers={"Retry-After": "5"})
    return None


def _signed_url() -> str:
    """The URL Twilio signed: behind a TLS proxy, PUBLIC_BASE_URL + path, else the request URL."""
    base = current_services().config.public_base_url
    if not base:
        return request.url
    query = request.query_string.decode()
    return f"{base}{request.path}" + (f"?{query}" if query else "")


def twilio_signature(mac: hmac.HMAC, url: str, form: MultiDict) -> str:
    """Twilio's signature (HMAC-SHA1, base64) of `url` and the form, as the library computes it
    (each name, then each of its values, sorted), from a keyed `mac` copied rather than re-keyed."""
    text = url + "".join(name + value for name in sorted(set(form)) for value in sorted(set(form.getlist(name))))
    mac = mac.copy()
    mac.update(text.encode("utf-8"))
    return base64.b64encode(mac.digest()).decode()


def _twilio_form() -> MultiDict | None:
    """The posted form, when the request carries Twilio's signature of its URL and form made
    with our auth token; None otherwise.

    A form post without a query string (Twilio's webhooks) is read with the fast reader
    (bot.urlencoded) and checked with one HMAC over the URL as Twilio signed it. Only when that
    does not match does werkzeug read the form and the library's full check run, which also
    tries the URL with and without its port and honours a `bodySHA256` parameter: a valid
    signature is never refused, and a forged one costs a little more."""
    token = current_services().config.twilio_auth_token
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature:
        return None
    validator = RequestValidator(token)
    url = _signed_url()
    if not request.query_string and request.mimetype == "application/x-www-form-urlencoded":
        form = urlencoded.parse(request.get_data(cache=True))
        if hmac.compare_digest(validator.compute_signature(url, form).encode(), signature.encode()):
            return form
    if validator.validate(url, request.form, signature):
        return request.form
    return None


@twilio_bp.post("/sms")
def twilio_sms():
    """An SMS from a citizen, as Twilio (or a compatible gateway) posts it."""
    form = _twilio_form()
    if form is None:
        log.warning("twilio sms webhook: bad or missing signature")
        return Response("forbidden", status=403)
    failed = _accept(TWILIO_SMS, form.to_dict())
    return failed or Response(EMPTY_TWIML, mimetype="text/xml")


class TwilioSmsFastPath:
    """WSGI middleware: the citizens' SMS webhook answered below Flask, where the request
    machinery (context, routing, request object, response object) cost more than the webhook's
    own work. Only the plain case is taken: a POST of a urlencoded form to the SMS route, no
    query string, Twilio's default signature (HMAC-SHA1 of the URL as signed and the form), a
    body within the app's size limit, and a signature that matches. Everything else, a forged
    or odd request included, goes on to Flask and `twilio_sms`, which reads and checks it in full
    (and answers 403): a request is never refused here. Accepting is the same call
    (`Ingress.accept`) either way."""

    def __init__(self, wsgi_app, services, max_body: int):
        self.wsgi_app = wsgi_app
        self.services = services
        self.max_body = max_body
        token = services.config.twilio_auth_token
        self._mac = hmac.new(token.encode("utf-8"), digestmod=hashlib.sha1) if token else None
        base = services.config.public_base_url
        self._url = f"{base}{SMS_PATH}" if base else None
        self._twiml = EMPTY_TWIML.encode()

    def __call__(self, environ, start_response):
        if (
            self._mac is None
            or environ.get("PATH_INFO") != SMS_PATH
            or environ.get("REQUEST_METHOD") != "POST"
            or environ.get("QUERY_STRING")
            or environ.get("HTTP_X_TWILIO_WEBHOOKS_SIGNATURE_SETTINGS")
            or environ.get("CONTENT_TYPE", "").partition(";")[0].strip().lower() != "application/x-www-form-urlencoded"
        ):
            return self.wsgi_app(environ, start_response)
        signature = environ.get("HTTP_X_TWILIO_SIGNATURE", "")
        length = environ.get("CONTENT_LENGTH", "")
        if not signature or not length.isdigit() or int(length) > self.max_body:
            return self.wsgi_app(environ, start_response)
        body = environ["wsgi.input"].read(int(length))
        environ["wsgi.input"] = io.BytesIO(body)  # for Flask, if it is handed on
        form = urlencoded.parse(body)
        url = self._url or get_current_url(environ)
        if not hmac.compare_digest(twilio_signature(self._mac, url, form).encode(), signature.encode()):
            return self.wsgi_app(environ, start_response)
        try:
            self.services.ingress.accept(TWILIO_SMS, form.to_dict())
        except SpoolUnavailable:
            log.error("inbound %s delivery could not be stored or spooled: answering 503", TWILIO_SMS)
            start_response(
                "503 SERVICE UNAVAILABLE", [("Content-Type", "text/plain; charset=utf-8"), ("Retry-After", "5")]
            )
            return [b"temporarily unavailable"]
        except Exception as exc:  # noqa: BLE001 - a fault of ours: Flask's path has its handling
            # Storing is once per provider id, so going through Flask again cannot store it twice.
            log.warning("sms fast path failed (%s); handing the request to Flask", type(exc).__name__)
            return self.wsgi_app(environ, start_response)
        start_response(
            "200 OK", [("Content-Type", "text/xml; charset=utf-8"), ("Content-Length", str(len(self._twiml)))]
        )
        return [self._twiml]


@twilio_bp.post("/status")
def twilio_status():
    """A delivery status callback for a message we sent."""
    form = _twilio_form()
    if form is None:
        return Response("forbidden", status=403)
    sid, status = form.get("MessageSid", ""), form.get("MessageStatus", "")
    if not sid or not status:
        return Response("MessageSid and MessageStatus are required", status=400)
    with current_services().uow() as uow:
        new = TWILIO_STATUS.get(status.lower())
        known = record_delivery_status(uow, sid, new, form.get("ErrorCode"), current_services().clock())
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
    if not isinstance(data, dict):
        # Not an Update at all (Telegram always sends a JSON object): nothing to keep.
        return Response("an Update object is required", status=400)
    failed = _accept(TELEGRAM, data)
    return failed or {"ok": True}


def receive_telegram_update(services, update) -> None:
    """One Telegram update, from the webhook or from long polling (a python-telegram-bot Update or
    its JSON): read, stored once by update id (or spooled) and queued, every button press answered
    (bot.ingress.telegram_inbound)."""
    services.ingress.accept(TELEGRAM, update if isinstance(update, dict) else update.to_dict())
