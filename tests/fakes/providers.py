"""Loopback fakes of the Twilio REST API and the Telegram Bot API.

The real client libraries (twilio, python-telegram-bot) talk to these over HTTP, so tests see the
exact requests a provider would get. Failures can be scripted: `fail_next("twilio", 500, times=2)`.
Run standalone with `python -m tests.fakes.providers --port 8099` (the benchmark and manual runs).
"""
from __future__ import annotations

import argparse
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

TWILIO_CREATE = re.compile(r"^/2010-04-01/Accounts/(?P<sid>[^/]+)/Messages\.json$")
TELEGRAM_METHOD = re.compile(r"^/bot(?P<token>[^/]+)/(?P<method>\w+)$")


@dataclass
class Failure:
    status: int
    times: int
    body: dict


@dataclass
class FakeProviders:
    """One HTTP server that plays Twilio (under /2010-04-01) and Telegram (under /bot<token>)."""

    host: str = "127.0.0.1"
    port: int = 0
    latency_s: float = 0.0
    twilio_messages: list[dict] = field(default_factory=list)
    telegram_sends: list[dict] = field(default_factory=list)
    updates: list[dict] = field(default_factory=list)
    requests: int = 0
    _failures: dict[str, list[Failure]] = field(default_factory=lambda: {"twilio": [], "telegram": []})
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> "FakeProviders":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                self._dispatch()

            def do_POST(self):
                self._dispatch()

            def _dispatch(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                status, payload = fake._handle(self.path.split("?")[0], self.headers, raw)
                body = json.dumps(payload).encode()
                self.send_response(status)
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
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def fail_next(self, provider: str, status: int, times: int = 1, body: dict | None = None) -> None:
        """Answer the next `times` sends to `provider` with `status`."""
        if body is None:
            if provider == "twilio":
                body = {"code": 20500 if status >= 500 else 21211, "message": "scripted failure", "status": status}
            else:
                body = {"ok": False, "error_code": status, "description": "scripted failure"}
        with self._lock:
            self._failures[provider].append(Failure(status, times, body))

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

    def _handle(self, path: str, headers, raw: bytes) -> tuple[int, dict]:
        with self._lock:
            self.requests += 1
        if self.latency_s:
            time.sleep(self.latency_s)
        params = self._params(headers, raw)
        if m := TWILIO_CREATE.match(path):
            failure = self._next_failure("twilio")
            if failure:
                return failure.status, failure.body
            with self._lock:
                sid = f"SM{len(self.twilio_messages) + 1:032d}"
                record = {"sid": sid, "account_sid": m["sid"], "to": params.get("To"), "from": params.get("From"),
                          "body": params.get("Body"), "status_callback": params.get("StatusCallback"),
                          "authorization": headers.get("Authorization", "")}
                self.twilio_messages.append(record)
            return 201, {"sid": sid, "account_sid": m["sid"], "to": record["to"], "from": record["from"],
                         "body": record["body"], "status": "queued", "num_segments": "1",
                         "date_created": "Thu, 26 Nov 2026 10:00:00 +0000", "uri": path}
        if m := TELEGRAM_METHOD.match(path):
            method = m["method"]
            if method == "getMe":
                return 200, {"ok": True, "result": {"id": 4242, "is_bot": True, "first_name": "JSC",
                                                    "username": "jsc_test_bot"}}
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
                    message_id = len(self.telegram_sends) + 1
                    record = {"chat_id": str(params.get("chat_id")), "text": params.get("text"),
                              "token": m["token"], "reply_markup": params.get("reply_markup")}
                    self.telegram_sends.append(record)
                return 200, {"ok": True, "result": {"message_id": message_id, "date": int(time.time()),
                                                    "chat": {"id": int(record["chat_id"]), "type": "private"},
                                                    "text": record["text"]}}
            return 404, {"ok": False, "error_code": 404, "description": f"Not Found: method {method}"}
        return 404, {"code": 20404, "message": "not found", "status": 404}


def main() -> None:
    parser = argparse.ArgumentParser(description="Loopback fakes of Twilio and Telegram")
    parser.add_argument("--port", type=int, default=8099)
    args = parser.parse_args()
    fake = FakeProviders(port=args.port).start()
    print(f"fake providers on {fake.url}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
