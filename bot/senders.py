"""Outbound adapters: Twilio (or any Twilio-compatible gateway), Telegram, and the local outbox.

Each turns the provider's answer into a provider id or a `SendError` the delivery service
understands (transient → retried, permanent → failed, opt-out → the person is not messaged again).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
import warnings
from datetime import datetime, timedelta

import requests
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.request import HTTPXRequest
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from intake.ports import OutcomeUnknown, SendError

log = logging.getLogger(__name__)

# Twilio error codes that mean "this person cannot or will not receive": don't retry.
TWILIO_UNSUBSCRIBED = {21610}


class TwilioSender:
    """SMS through Twilio's REST API with the official client; `api_url` points it at Twilio,
    at a compatible gateway such as Somleng, or at a local fake."""

    # How many of the newest messages to a number `find_sent` reads: a citizen gets a handful a day.
    LOOKUP_LIMIT = 50

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        from_: str,
        api_url: str,
        status_callback: str | None,
        timeout_s: float = 15.0,
    ):
        # A bounded timeout keeps every attempt far inside the recovery lease (the client's
        # default is to wait forever), so recovery never races a live send.
        self._client = Client(account_sid, auth_token, http_client=TwilioHttpClient(timeout=timeout_s))
        self._client.api.base_url = api_url.rstrip("/")
        self._from = from_
        self._status_callback = status_callback

    def send(self, address: str, body: str, buttons: list | None = None) -> str:
        """Create the message (SMS has no buttons); returns its SID."""
        kwargs = {"to": address, "from_": self._from, "body": body}
        if self._status_callback:
            kwargs["status_callback"] = self._status_callback
        try:
            message = self._client.messages.create(**kwargs)
        except TwilioRestException as exc:
            transient = exc.status >= 500 or exc.status == 429
            raise SendError(
                f"twilio {exc.status} code {exc.code}",
                transient=transient,
                opt_out=exc.code in TWILIO_UNSUBSCRIBED,
            ) from None
        except (requests.ReadTimeout, requests.exceptions.ChunkedEncodingError):
            # Sent, perhaps: Twilio has no idempotency key, so no blind retry (recovery looks first).
            raise OutcomeUnknown() from None
        except requests.RequestException as exc:  # refused, or no connection: it never got there
            raise SendError(f"twilio unreachable: {type(exc).__name__}", transient=True) from None
        return message.sid

    def find_sent(self, address: str, body: str, since: datetime) -> list[str]:
        """SIDs of messages with this body from our number to `address` created since `since`,
        oldest first (recovery asks before sending again: Twilio has no idempotency key)."""
        # No DateSent filter: a message still queued at Twilio has no DateSent yet and would be
        # missed, so we read the newest few to this number and compare creation times ourselves.
        try:
            recent = self._client.messages.list(to=address, from_=self._from, limit=self.LOOKUP_LIMIT)
        except TwilioRestException as exc:
            raise SendError(f"twilio lookup {exc.status} code {exc.code}", transient=True) from None
        except requests.RequestException as exc:
            raise SendError(f"twilio unreachable: {type(exc).__name__}", transient=True) from None
        found = [m for m in recent if m.body == body and (m.date_created is None or m.date_created >= since)]
        found.sort(key=lambda m: (m.date_created or since, m.sid))
        return [m.sid for m in found]


LINK_SCHEMES = ("tg://", "https://")


class TelegramSender:
    """Telegram Bot API through python-telegram-bot; `api_url` may point at a local fake."""

    def __init__(self, token: str, api_url: str, timeout_s: float = 10.0):
        self._token = token
        self._base_url = f"{api_url.rstrip('/')}/bot"
        self._timeout = timeout_s

    def _bot(self) -> Bot:
        request = HTTPXRequest(connect_timeout=self._timeout, read_timeout=self._timeout)
        return Bot(self._token, base_url=self._base_url, request=request)

    @staticmethod
    def _markup(buttons: list | None, links: bool = True) -> InlineKeyboardMarkup | None:
        """Inline buttons: callback data, or a link (`tg://`, `https://`) that opens a chat or page."""
        rows = []
        for row in buttons or []:
            keys = []
            for label, data in row:
                if data.startswith(LINK_SCHEMES):
                    if links:
                        keys.append(InlineKeyboardButton(label, url=data))
                else:
                    keys.append(InlineKeyboardButton(label, callback_data=data))
            if keys:
                rows.append(keys)
        return InlineKeyboardMarkup(rows) if rows else None

    async def _send(self, chat_id: str, text: str, buttons: list | None) -> str:
        async with self._bot() as bot:
            try:
                message = await bot.send_message(chat_id=int(chat_id), text=text, reply_markup=self._markup(buttons))
            except BadRequest:
                # A person's privacy settings can forbid a link to their chat: send without links.
                if not any(data.startswith(LINK_SCHEMES) for row in buttons or [] for _, data in row):
                    raise
                markup = self._markup(buttons, links=False)
                message = await bot.send_message(chat_id=int(chat_id), text=text, reply_markup=markup)
            return str(message.message_id)

    def send(self, address: str, body: str, buttons: list | None = None) -> str:
        """Send a text message (with inline buttons) to a chat id; returns the Telegram message id."""
        try:
            return asyncio.run(self._send(address, body, buttons))
        except RetryAfter as exc:
            with warnings.catch_warnings():  # PTB 22 warns that the type will become timedelta
                warnings.simplefilter("ignore")
                value = exc.retry_after
            retry_after = value.total_seconds() if isinstance(value, timedelta) else float(value)
            raise SendError("telegram 429 rate limited", transient=True, retry_after=retry_after) from None
        except Forbidden:
            raise SendError("telegram 403 bot blocked by the user", transient=False, opt_out=True) from None
        except BadRequest as exc:
            raise SendError(f"telegram 400 {type(exc).__name__}", transient=False) from None
        except (TimedOut, NetworkError) as exc:
            raise SendError(f"telegram network error: {type(exc).__name__}", transient=True) from None
        except TelegramError as exc:
            raise SendError(f"telegram error: {type(exc).__name__}", transient=True) from None

    async def _answer(self, query_id: str) -> None:
        async with self._bot() as bot:
            await bot.answer_callback_query(query_id)

    def answer_callback(self, query_id: str) -> None:
        """Acknowledge a button press (Telegram shows a spinner until then)."""
        try:
            asyncio.run(self._answer(query_id))
        except TelegramError as exc:
            raise SendError(f"telegram callback answer: {type(exc).__name__}", transient=False) from None


class OutboxSender:
    """No provider: the message stays in the database, where the local simulator shows it."""

    def send(self, address: str, body: str, buttons: list | None = None) -> str:
        """Accept the message locally (the simulator shows its buttons from the database)."""
        return f"outbox-{uuid.uuid4().hex[:12]}"
