"""Loopback fakes of the Twilio REST API and the Telegram Bot API.

The real client libraries (twilio, python-telegram-bot) talk to these over HTTP, so tests see the
exact requests a provider would get. Failures can be scripted: `fail_next("twilio", 500, times=2)`.
Telegram message ids are numbered per chat, as Telegram does (a person's messages, `user_message`,
take ids of the same sequence), and editMessageReplyMarkup answers as Telegram does for the bot's
own message, a person's, or an id not reached. Twilio's Messages list (GET, filtered by To, From and DateSent) answers from what was created, so
recovery can ask "did this go out?". Each record carries `at` (epoch seconds when it was stored),
and `in_flight()` shows requests held by `latency_s` (a test kills a worker in the middle of one).
Run standalone with `python -m tests.fakes.providers --port 8099` (the benchmark and manual runs).
"""

from __future__ import annotations

import argparse
import json
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode

TWILIO_CREATE = re.compile(r"^/2010-04-01/Accounts/(?P<sid>[^/]+)/Messages\.json$")
TELEGRAM_METHOD = re.compile(r"^/bot(?P<token>[^/]+)/(?P<method>\w+)$")


@dataclass
class Failure:
    status: int
    times: int
    body: dict
    headers: dict | None = None


@dataclass
class FakeProviders:
    """One HTTP server that plays Twilio (under /2010-04-01) and Telegram (under /bot<token>)."""

    host: str = "127.0.0.1"
    port: int = 0
    latency_s: float = 0.0
    twilio_messages: list[dict] = field(default_factory=list)
    telegram_sends: list[dict] = field(default_factory=list)
    telegram_times: list[float] = field(default_factory=list)  # beside telegram_sends, when each arrived
    updates: list[dict] = field(default_factory=list)
    callback_answers: list[str] = field(default_factory=list)
    requests: int = 0
    getme_calls: int = 0
    telegram_edits: list[dict] = field(default_factory=list)  # buttons changed (editMessageReplyMarkup)
    _chat_message_ids: dict[str, int] = field(default_factory=dict)
    _user_messages: set = field(default_factory=set)  # (chat, message id) the person wrote
    _in_flight: dict = field(default_factory=dict)
    # Scripted failures: Twilio's and Telegram's sends, and Telegram's edits ("telegram_edit").
    _failures: dict[str, list[Failure]] = field(
        default_factory=lambda: {"twilio": [], "telegram": [], "telegram_edit": []}
    )
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> FakeProviders:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes: without TCP_NODELAY, a keep-alive client (the
            # twilio client's pooled session) waits ~40 ms per request on Nagle and delayed ACKs.
            disable_nagle_algorithm = True

            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                self._dispatch()

            def do_POST(self):
                self._dispatch()

            def _dispatch(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                path, _, query = self.path.partition("?")
                if self.command == "GET" and TWILIO_CREATE.match(path):
                    status, payload = fake._twilio_list(path, parse_qs(query))
                else:
                    status, payload = fake._handle(path, self.headers, raw)
                extra = payload.pop("_headers", None) or {}
                body = json.dumps(payload).encode()
                self.send_response(status)
                for name, value in extra.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        # shutdown() waits for serve_forever to end: forever, if its thread is no longer running.
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def fail_next(
        self, provider: str, status: int, times: int = 1, body: dict | None = None, headers: dict | None = None
    ) -> None:
        """Answer the next `times` sends to `provider` with `status` (and `headers`, e.g. Retry-After)."""
        if body is None:
            if provider == "twilio":
                body = {"code": 20500 if status >= 500 else 21211, "message": "scripted failure", "status": status}
            else:
                body = {"ok": False, "error_code": status, "description": "scripted failure"}
        with self._lock:
            self._failures[provider].append(Failure(status, times, body, headers))

    def _next_failure(self, provider: str) -> Failure | None:
        with self._lock:
            queue = self._failures[provider]
            if not queue:
                return None
            failure = queue[0]
            failure.times -= 1
            if failure.times <= 0:
                queue.pop(0)
            return failure

    def user_message(self, chat_id: str) -> int:
        """A message the person wrote in the chat: it takes the next id of the chat's one sequence
        (a private chat numbers both sides' messages together); a bot cannot edit it."""
        with self._lock:
            message_id = self._chat_message_ids.get(str(chat_id), 0) + 1
            self._chat_message_ids[str(chat_id)] = message_id
            self._user_messages.add((str(chat_id), message_id))
            return message_id

    def _edit_reply_markup(self, params: dict) -> tuple[int, dict]:
        """editMessageReplyMarkup as Telegram answers it: the bot's own message gets the new
        buttons (or "message is not modified" when they are the same); a person's message "can't
        be edited"; an id the chat has not reached is "not found"."""
        chat, message_id = str(params.get("chat_id")), int(params.get("message_id") or 0)
        failure = self._next_failure("telegram_edit")
        if failure:
            return failure.status, failure.body

        def refused(description: str) -> tuple[int, dict]:
            return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {description}"}

        def markup(value) -> object:
            return json.loads(value) if isinstance(value, str) and value else (value or None)

        with self._lock:
            if (chat, message_id) in self._user_messages:
                return refused("message can't be edited")
            record = next(
                (r for r in self.telegram_sends if r["chat_id"] == chat and r["message_id"] == message_id), None
            )
            if record is None:
                return refused("message to edit not found")
            if markup(record["reply_markup"]) == markup(params.get("reply_markup")):
                return refused(
                    "message is not modified: specified new message content and reply markup are exactly the same "
                    "as a current content and reply markup of the message"
                )
            record["reply_markup"] = params.get("reply_markup")
            self.telegram_edits.append({"chat_id": chat, "message_id": message_id})
            return 200, {
                "ok": True,
                "result": {
                    "message_id": message_id,
                    "date": int(time.time()),
                    "chat": {"id": int(chat), "type": "private"},
                    "text": record["text"],
                },
            }

    @staticmethod
    def _params(headers, raw: bytes) -> dict:
        ctype = headers.get("Content-Type", "")
        if "json" in ctype:
            return json.loads(raw or b"{}")
        if "multipart/form-data" in ctype:
            boundary = ctype.split("boundary=")[-1].encode()
            out = {}
            for part in raw.split(b"--" + boundary):
                m = re.search(rb'name="([^"]+)"\r\n(?:[^\r\n]*\r\n)*\r\n(.*)\r\n$', part, re.S)
                if m:
                    out[m.group(1).decode()] = m.group(2).decode()
            return out
        return {k: v[0] for k, v in parse_qs(raw.decode()).items()}

    def in_flight(self) -> list[dict]:
        """Requests being held by `latency_s` right now: provider, params, and when each arrived."""
        with self._lock:
            return [dict(v) for v in self._in_flight.values()]

    def _handle(self, path: str, headers, raw: bytes) -> tuple[int, dict]:
        with self._lock:
            self.requests += 1
            ticket = self.requests
        params = self._params(headers, raw)
        if self.latency_s:
            provider = "twilio" if TWILIO_CREATE.match(path) else "telegram"
            with self._lock:
                self._in_flight[ticket] = {"provider": provider, "params": params, "arrived": time.time()}
            try:
                time.sleep(self.latency_s)
            finally:
                with self._lock:
                    self._in_flight.pop(ticket, None)
        if m := TWILIO_CREATE.match(path):
            failure = self._next_failure("twilio")
            if failure:
                return failure.status, {**failure.body, "_headers": failure.headers}
            with self._lock:
                sid = f"SM{len(self.twilio_messages) + 1:032d}"
                record = {
                    "sid": sid,
                    "account_sid": m["sid"],
                    "to": params.get("To"),
                    "from": params.get("From"),
                    "body": params.get("Body"),
                    "status_callback": params.get("StatusCallback"),
                    "authorization": headers.get("Authorization", ""),
                    "at": time.time(),
                }
                self.twilio_messages.append(record)
            return 201, {
                "sid": sid,
                "account_sid": m["sid"],
                "to": record["to"],
                "from": record["from"],
                "body": record["body"],
                "status": "queued",
                "num_segments": "1",
                "date_created": "Thu, 26 Nov 2026 10:00:00 +0000",
                "uri": path,
            }
        if m := TELEGRAM_METHOD.match(path):
            method = m["method"]
            if method == "getMe":
                with self._lock:
                    self.getme_calls += 1
                return 200, {
                    "ok": True,
                    "result": {"id": 4242, "is_bot": True, "first_name": "JSC", "username": "jsc_test_bot"},
                }
            if method == "answerCallbackQuery":
                with self._lock:
                    self.callback_answers.append(str(params.get("callback_query_id")))
                return 200, {"ok": True, "result": True}
            if method == "deleteWebhook" or method == "setWebhook":
                return 200, {"ok": True, "result": True}
            if method == "getUpdates":
                with self._lock:
                    offset = int(params.get("offset") or 0)
                    result = [u for u in self.updates if u["update_id"] >= offset]
                return 200, {"ok": True, "result": result}
            if method == "sendMessage":
                failure = self._next_failure("telegram")
                if failure:
                    return failure.status, failure.body
                with self._lock:
                    chat = str(params.get("chat_id"))
                    # Telegram numbers messages within each chat: two chats both get message 1.
                    message_id = self._chat_message_ids.get(chat, 0) + 1
                    self._chat_message_ids[chat] = message_id
                    record = {
                        "chat_id": chat,
                        "message_id": message_id,
                        "text": params.get("text"),
                        "token": m["token"],
                        "reply_markup": params.get("reply_markup"),
                    }
                    self.telegram_sends.append(record)
                    self.telegram_times.append(time.time())
                return 200, {
                    "ok": True,
                    "result": {
                        "message_id": message_id,
                        "date": int(time.time()),
                        "chat": {"id": int(record["chat_id"]), "type": "private"},
                        "text": record["text"],
                    },
                }
            if method == "editMessageReplyMarkup":
                return self._edit_reply_markup(params)
            return 404, {"ok": False, "error_code": 404, "description": f"Not Found: method {method}"}
        return 404, {"code": 20404, "message": "not found", "status": 404}

    @staticmethod
    def _rfc2822(epoch: float) -> str:
        return format_datetime(datetime.fromtimestamp(int(epoch), UTC))

    @staticmethod
    def _day(value: str) -> str:
        return value[:10]  # Twilio filters DateSent by GMT day: YYYY-MM-DD (a time part is ignored)

    def _twilio_list(self, path: str, query: dict) -> tuple[int, dict]:
        """GET Messages.json: newest first, filtered by To, From, DateSent / DateSent< / DateSent>
        (inclusive, by day, as Twilio does), paged with PageSize and Page."""
        with self._lock:
            self.requests += 1
            records = list(self.twilio_messages)
        created = TWILIO_CREATE.match(path)
        assert created is not None
        account = created["sid"]
        get = lambda name: (query.get(name) or [None])[0]  # noqa: E731
        to, from_ = get("To"), get("From")
        rows = [
            r
            for r in reversed(records)
            if r["account_sid"] == account and (to is None or r["to"] == to) and (from_ is None or r["from"] == from_)
        ]
        day = lambda r: datetime.fromtimestamp(r["at"], UTC).strftime("%Y-%m-%d")  # noqa: E731
        if get("DateSent"):
            rows = [r for r in rows if day(r) == self._day(get("DateSent"))]
        if get("DateSent>"):
            rows = [r for r in rows if day(r) >= self._day(get("DateSent>"))]
        if get("DateSent<"):
            rows = [r for r in rows if day(r) <= self._day(get("DateSent<"))]
        size = min(int(get("PageSize") or 50), 1000)
        page = int(get("Page") or 0)
        chunk = rows[page * size : (page + 1) * size]
        filters = {k: v[0] for k, v in query.items() if k not in {"Page", "PageSize", "PageToken"}}
        uri = lambda p: f"{path}?{urlencode({**filters, 'PageSize': size, 'Page': p})}"  # noqa: E731
        messages = [
            {
                "sid": r["sid"],
                "account_sid": r["account_sid"],
                "api_version": "2010-04-01",
                "body": r["body"],
                "to": r["to"],
                "from": r["from"],
                "status": "sent",
                "direction": "outbound-api",
                "date_created": self._rfc2822(r["at"]),
                "date_updated": self._rfc2822(r["at"]),
                "date_sent": self._rfc2822(r["at"]),
                "num_segments": "1",
                "num_media": "0",
                "error_code": None,
                "error_message": None,
                "price": None,
                "price_unit": "USD",
                "messaging_service_sid": None,
                "uri": f"/2010-04-01/Accounts/{account}/Messages/{r['sid']}.json",
                "subresource_uris": {"media": f"/2010-04-01/Accounts/{account}/Messages/{r['sid']}/Media.json"},
            }
            for r in chunk
        ]
        more = (page + 1) * size < len(rows)
        return 200, {
            "messages": messages,
            "page": page,
            "page_size": size,
            "start": page * size,
            "end": page * size + max(len(chunk) - 1, 0),
            "uri": uri(page),
            "first_page_uri": uri(0),
            "next_page_uri": uri(page + 1) if more else None,
            "previous_page_uri": uri(page - 1) if page > 0 else None,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description="Loopback fakes of Twilio and Telegram")
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds each request is held")
    args = parser.parse_args()
    fake = FakeProviders(port=args.port, latency_s=args.latency).start()
    print(f"fake providers on {fake.url}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
