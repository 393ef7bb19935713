"""RasaClient and CircuitBreaker against a loopback fake of Rasa's HTTP API."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from nlu.rasa_client import CircuitBreaker, NLUUnavailable, RasaClient
from nlu.types import IntentScore

# A /model/parse answer shaped like Rasa 3.6's (trimmed to the fields the client reads, plus
# a few it must ignore).
PARSE_ANSWER = {
    "text": "ប្តីខ្ញុំវាយខ្ញុំ",
    "intent": {"name": "victim_protection", "confidence": 0.91},
    "entities": [],
    "text_tokens": [[0, 4], [4, 9], [9, 12], [12, 17]],
    "intent_ranking": [
        {"name": "victim_protection", "confidence": 0.91},
        {"name": "dispute_mediation", "confidence": 0.06},
        {"name": "legal_information", "confidence": 0.03},
    ],
}


class FakeRasa:
    """Rasa's /model/parse and / on 127.0.0.1, with a scripted status, delay and body."""

    def __init__(self) -> None:
        self.status = 200
        self.delay_s = 0.0
        self.body: bytes = json.dumps(PARSE_ANSWER).encode()
        self.requests: list[tuple[str, str, dict | None]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                fake.requests.append(("GET", self.path, None))
                self._answer(b"Hello from Rasa: 3.6.21", "text/plain")

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length", 0))
                fake.requests.append(("POST", self.path, json.loads(self.rfile.read(length) or b"null")))
                if fake.delay_s:
                    time.sleep(fake.delay_s)
                self._answer(fake.body, "application/json")

            def _answer(self, body: bytes, content_type: str) -> None:
                try:
                    self.send_response(fake.status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (the timeout test)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def parse_requests(self) -> list[dict | None]:
        return [body for method, path, body in self.requests if (method, path) == ("POST", "/model/parse")]

    def __enter__(self) -> FakeRasa:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def rasa():
    with FakeRasa() as fake:
        yield fake


def test_classify_maps_rasa_answer_to_intent_score(rasa):
    client = RasaClient(rasa.url)

    score = client.classify("ប្តីខ្ញុំវាយខ្ញុំ")

    assert score == IntentScore(
        intent="victim_protection",
        confidence=0.91,
        ranking=(("victim_protection", 0.91), ("dispute_mediation", 0.06), ("legal_information", 0.03)),
    )


def test_classify_posts_normalised_text(rasa):
    client = RasaClient(rasa.url + "/")  # a trailing slash in the setting must not double up

    # Zero-width space, Khmer digits and doubled spaces, as phones send them.
    client.classify("ខ្ញុំ\u200bចង់  សួរ ១២")

    assert rasa.parse_requests() == [{"text": "ខ្ញុំចង់ សួរ 12"}]


def test_null_intent_for_an_empty_message_is_out_of_scope_not_an_error(rasa):
    rasa.body = json.dumps({"text": "", "intent": {"name": None, "confidence": 0.0}, "entities": []}).encode()
    client = RasaClient(rasa.url)

    assert client.classify("🙂") == IntentScore(intent="out_of_scope", confidence=0.0, ranking=())
    assert client.breaker.state == "closed"


def test_timeout_raises_nlu_unavailable_within_the_timeout(rasa):
    rasa.delay_s = 1.5
    client = RasaClient(rasa.url, timeout_s=0.2)

    started = time.monotonic()
    with pytest.raises(NLUUnavailable):
        client.classify("hello")
    assert time.monotonic() - started < 1.0


def test_server_error_raises_nlu_unavailable(rasa):
    rasa.status = 500
    rasa.body = b'{"version": "3.6.21", "status": "failure", "message": "An unexpected error occurred."}'
    client = RasaClient(rasa.url)

    with pytest.raises(NLUUnavailable, match="HTTP 500"):
        client.classify("hello")


def test_unreadable_answer_raises_nlu_unavailable(rasa):
    rasa.body = b"<html>proxy error</html>"
    client = RasaClient(rasa.url)

    with pytest.raises(NLUUnavailable):
        client.classify("hello")


def test_connection_refused_raises_nlu_unavailable():
    with FakeRasa() as fake:
        url = fake.url
    client = RasaClient(url)  # the port is closed now

    with pytest.raises(NLUUnavailable):
        client.classify("hello")
    assert client.healthy() is False


def test_breaker_opens_after_n_failures_and_then_sends_nothing(rasa):
    rasa.status = 500
    client = RasaClient(rasa.url, breaker=CircuitBreaker(failures_to_open=3, reset_after_s=30, clock=FakeClock()))

    for _ in range(3):
        with pytest.raises(NLUUnavailable, match="HTTP 500"):
            client.classify("hello")
    assert client.breaker.state == "open"

    with pytest.raises(NLUUnavailable, match="circuit is open"):
        client.classify("hello")
    assert len(rasa.parse_requests()) == 3


def test_a_success_resets_the_failure_count(rasa):
    client = RasaClient(rasa.url, breaker=CircuitBreaker(failures_to_open=3, clock=FakeClock()))
    for status in (500, 500, 200, 500, 500):
        rasa.status = status
        try:
            client.classify("hello")
        except NLUUnavailable:
            pass

    assert client.breaker.state == "closed"


def test_half_open_trial_success_closes_the_circuit(rasa):
    clock = FakeClock()
    client = RasaClient(rasa.url, breaker=CircuitBreaker(failures_to_open=2, reset_after_s=30, clock=clock))
    rasa.status = 500
    for _ in range(2):
        with pytest.raises(NLUUnavailable):
            client.classify("hello")

    clock.now += 29.9
    with pytest.raises(NLUUnavailable, match="circuit is open"):
        client.classify("hello")
    clock.now += 0.1
    assert client.breaker.state == "half_open"

    rasa.status = 200
    assert client.classify("hello").intent == "victim_protection"
    assert client.breaker.state == "closed"
    assert len(rasa.parse_requests()) == 3


def test_half_open_trial_failure_reopens_for_another_pause(rasa):
    clock = FakeClock()
    client = RasaClient(rasa.url, breaker=CircuitBreaker(failures_to_open=2, reset_after_s=30, clock=clock))
    rasa.status = 500
    for _ in range(2):
        with pytest.raises(NLUUnavailable):
            client.classify("hello")
    clock.now += 30

    with pytest.raises(NLUUnavailable, match="HTTP 500"):
        client.classify("hello")  # the trial goes out and fails
    assert client.breaker.state == "open"
    clock.now += 10
    with pytest.raises(NLUUnavailable, match="circuit is open"):
        client.classify("hello")
    assert len(rasa.parse_requests()) == 3


def test_half_open_allows_one_trial_at_a_time():
    clock = FakeClock()
    breaker = CircuitBreaker(failures_to_open=1, reset_after_s=30, clock=clock)
    breaker.record_failure()
    clock.now += 30

    assert breaker.allow() is True  # the trial
    assert breaker.allow() is False  # a concurrent message waits for the trial's outcome
    breaker.record_success()
    assert breaker.allow() is True


def test_breaker_state_changes_are_logged_without_message_text(rasa, caplog):
    rasa.status = 500
    client = RasaClient(rasa.url, breaker=CircuitBreaker(failures_to_open=1, clock=FakeClock()))

    with caplog.at_level("INFO", logger="nlu.rasa_client"):
        with pytest.raises(NLUUnavailable):
            client.classify("my husband beats me 012345678")

    assert "closed -> open" in caplog.text
    assert "husband" not in caplog.text and "012345678" not in caplog.text


def test_healthy_reports_root_answer_without_touching_the_breaker(rasa):
    client = RasaClient(rasa.url, breaker=CircuitBreaker(failures_to_open=1, clock=FakeClock()))

    assert client.healthy() is True
    rasa.status = 503
    assert client.healthy() is False
    assert client.breaker.state == "closed"
    assert [(m, p) for m, p, _ in rasa.requests] == [("GET", "/"), ("GET", "/")]
