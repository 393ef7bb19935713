"""Outbound adapters: Twilio (or any Twilio-compatible gateway), Telegram, and the local outbox.

Each turns the provider's answer into a provider id or a `SendError` the delivery service
understands (transient → retried, permanent → failed, opt-out → the person is not messaged again).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
import warnings
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import httpx
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


class _RecordingHttpClient(TwilioHttpClient):
    """The twilio client's HTTP client, keeping each thread's last response headers: the
    client's exception carries the status and code but not the `Retry-After` of a 429 or 503."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._last = threading.local()

    def request(self, *args, **kwargs):
        self._last.headers = None
        response = super().request(*args, **kwargs)
        self._last.headers = response.headers
        return response

    def last_headers(self):
        """The headers of this thread's last response (None when there was none)."""
        return getattr(self._last, "headers", None)


# Longest Retry-After we wait for: a gateway asking for more is retried on our own back-off.
MAX_RETRY_AFTER_S = 3600.0


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """`Retry-After` as seconds: a number of seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if seconds != seconds or seconds < 0:  # NaN, or a date already past
        return 0.0 if seconds == seconds else None
    return min(seconds, MAX_RETRY_AFTER_S)


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
        self._http = _RecordingHttpClient(timeout=timeout_s)
        self._client = Client(account_sid, auth_token, http_client=self._http)
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
            headers = self._http.last_headers() or {}
            raise SendError(
                f"twilio {exc.status} code {exc.code}",
                transient=transient,
                opt_out=exc.code in TWILIO_UNSUBSCRIBED,
                retry_after=retry_after_seconds(headers.get("Retry-After")) if transient else None,
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
# The request went out and its answer did not come back: Telegram may have the message.
ANSWER_LOST = (httpx.ReadTimeout, httpx.WriteTimeout, httpx.ReadError, httpx.RemoteProtocolError)


class TelegramSender:
    """Telegram Bot API through python-telegram-bot; `api_url` may point at a local fake.

    Each thread keeps one event loop and one `Bot` (its HTTP connection pool) for all its sends,
    instead of a new Bot, a new connection and a getMe per message.
    Provider ids are `chat_id:message_id`: Telegram numbers messages within each chat, so a bare
    message id is not unique across chats."""

    # Message ids a lookup reads at most (`find_sent`).
    PROBE_LIMIT = 40

    def __init__(self, token: str, api_url: str, timeout_s: float = 10.0):
        self._token = token
        self._base_url = f"{api_url.rstrip('/')}/bot"
        self._timeout = timeout_s
        self._local = threading.local()

    def _new_bot(self) -> Bot:
        request = HTTPXRequest(connect_timeout=self._timeout, read_timeout=self._timeout)
        return Bot(self._token, base_url=self._base_url, request=request)

    def _call(self, make_coro):
        """Run `make_coro(bot)` on this thread's loop with this thread's Bot."""
        local = self._local
        if getattr(local, "loop", None) is None:
            local.loop = asyncio.new_event_loop()
            local.bot = self._new_bot()
        bot = local.bot

        # Not `bot.initialize()`: it only asks getMe (the bot's own name, which sending does not
        # need) and would put that extra round trip between the rate limiter's slot and the send.
        return local.loop.run_until_complete(make_coro(bot))

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

    async def _send(self, bot: Bot, chat_id: str, text: str, buttons: list | None) -> str:
        try:
            message = await bot.send_message(chat_id=int(chat_id), text=text, reply_markup=self._markup(buttons))
        except BadRequest:
            # A person's privacy settings can forbid a link to their chat: send without links.
            if not any(data.startswith(LINK_SCHEMES) for row in buttons or [] for _, data in row):
                raise
            markup = self._markup(buttons, links=False)
            message = await bot.send_message(chat_id=int(chat_id), text=text, reply_markup=markup)
        return f"{chat_id}:{message.message_id}"

    def send(self, address: str, body: str, buttons: list | None = None) -> str:
        """Send a text message (with inline buttons) to a chat id; returns the Telegram message id."""
        try:
            return self._call(lambda bot: self._send(bot, address, body, buttons))
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
            if isinstance(exc.__cause__, ANSWER_LOST):
                # Sent, perhaps: the Bot API has no idempotency key, so no blind retry (recovery
                # looks in the chat first, `find_sent`).
                raise OutcomeUnknown() from None
            raise SendError(f"telegram network error: {type(exc).__name__}", transient=True) from None
        except TelegramError as exc:
            raise SendError(f"telegram error: {type(exc).__name__}", transient=True) from None

    def find_sent(
        self, address: str, body: str, since: datetime, *, after_id: int = 0, window: int = 10, buttons=None
    ) -> list[str]:
        """The provider id of a message of ours in chat `address` after message `after_id` (the
        last one we recorded there), looked for among the next `window` ids (at most
        PROBE_LIMIT); [] when there is none (recovery then sends it again).

        The Bot API cannot list what a bot sent, but a private chat numbers both sides' messages
        in one sequence, and asking to set a message's buttons to what they already are is
        refused as "message is not modified" only for a message the bot itself sent: a person's
        message "can't be edited", an id the chat has not reached is "not found". Nothing the
        person sees changes. Our messages to one chat leave one at a time and in order
        (intake.repository's claim), so a message of ours after the last one we recorded is the
        one whose answer was lost. Its text cannot be compared without editing it, so `body` and
        `since` are not used."""
        markups = [self._markup(buttons)]
        if any(data.startswith(LINK_SCHEMES) for row in buttons or [] for _, data in row):
            markups.append(self._markup(buttons, links=False))  # as sent when links were refused
        for message_id in range(after_id + 1, after_id + 1 + min(window, self.PROBE_LIMIT)):
            try:
                if self._call(lambda bot, m=message_id: self._ours(bot, address, m, markups)):
                    return [f"{address}:{message_id}"]
            except Forbidden:
                return []  # blocked by the person: nothing can be known, and sending will say so
            except RetryAfter:
                raise SendError("telegram 429 rate limited during a lookup", transient=True) from None
            except TelegramError as exc:
                raise SendError(f"telegram lookup: {type(exc).__name__}", transient=True) from None
        return []

    @staticmethod
    async def _ours(bot: Bot, chat_id: str, message_id: int, markups: list) -> bool:
        """Whether message `message_id` of the chat is one the bot sent (see `find_sent`): its
        buttons set to what they are (`markups`: as meant, then as sent without links)."""
        for markup in markups:
            try:
                await bot.edit_message_reply_markup(chat_id=int(chat_id), message_id=message_id, reply_markup=markup)
                return True  # its buttons differed (sent without links, say): it is ours, now as meant
            except BadRequest as exc:
                reason = str(exc).lower()
                if "not modified" in reason:
                    return True
                if "not found" in reason or "can't be edited" in reason:
                    return False
                # Another refusal (links the person's privacy forbids): try as sent without them.
        # Still refused: not known to be ours. Sending again risks a duplicate, never a loss, and a
        # message left unsettled would hold back every later one to the chat.
        return False

    def answer_callback(self, query_id: str) -> None:
        """Acknowledge a button press (Telegram shows a spinner until then)."""
        try:
            self._call(lambda bot: bot.answer_callback_query(query_id))
        except TelegramError as exc:
            raise SendError(f"telegram callback answer: {type(exc).__name__}", transient=False) from None


class OutboxSender:
    """No provider: the message stays in the database, where the local simulator shows it."""

    def send(self, address: str, body: str, buttons: list | None = None) -> str:
        """Accept the message locally (the simulator shows its buttons from the database)."""
        return f"outbox-{uuid.uuid4().hex[:12]}"
