"""The real Rasa NLU server (nlu/rasa_server.sh) through RasaClient.

Needs the server at RASA_URL (default http://127.0.0.1:5005): `nlu/rasa_server.sh start` or
`make rasa`. Skipped only when RASA_URL is unset and nothing answers there; with RASA_URL set,
a dead server fails the tests. The stop/start test runs last in this file and restarts the
server in a `finally`, so tests in later files still find it.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests

from nlu.rasa_client import CircuitBreaker, NLUUnavailable, RasaClient
from nlu.types import Intent

pytestmark = pytest.mark.rasa

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "nlu" / "rasa_server.sh"
RASA_URL = os.environ.get("RASA_URL") or "http://127.0.0.1:5005"
INTENTS = {intent.value for intent in Intent}


@pytest.fixture(scope="module")
def rasa_url() -> str:
    if not RasaClient(RASA_URL, timeout_s=5.0).healthy():
        if os.environ.get("RASA_URL"):
            pytest.fail(f"RASA_URL={RASA_URL} is set but the Rasa server does not answer")
        pytest.skip(f"no Rasa server at {RASA_URL} (start one with nlu/rasa_server.sh start)")
    return RASA_URL


@pytest.mark.parametrize(
    "text, expected",
    [
        ("ប្តីខ្ញុំវាយខ្ញុំរាល់យប់ ខ្ញុំខ្លាចណាស់", Intent.VICTIM_PROTECTION),
        ("knhom mean jumlos dei jea mouy neak jit khang", Intent.DISPUTE_MEDIATION),
        ("How do I get a land title certificate for my farm?", Intent.LEGAL_INFORMATION),
    ],
    ids=["khmer", "romanised", "english"],
)
def test_each_language_gets_an_intent_with_a_confidence(rasa_url, text, expected):
    score = RasaClient(rasa_url, timeout_s=5.0).classify(text)

    assert score.intent == expected
    assert 0.0 < score.confidence <= 1.0
    assert {name for name, _ in score.ranking} <= INTENTS
    assert score.ranking[0] == (score.intent, score.confidence)


def test_server_normalises_khmer_itself(rasa_url):
    """Text posted straight to Rasa (not through the client) is normalised by the tokenizer."""
    clean = "តើធ្វើប័ណ្ណកម្មសិទ្ធិដីយ៉ាងម៉េច"
    # As phones type it: the vowel ើ as two parts (េ + ី), zero-width spaces.
    messy = "ត\u17c1\u17b8\u200bធ្វ\u17c1\u17b8ប័ណ្ណ\u200bកម្មសិទ្ធិដីយ៉ាងម៉េច"
    answers = [
        requests.post(f"{rasa_url}/model/parse", json={"text": text}, timeout=5).json() for text in (clean, messy)
    ]

    assert answers[1]["intent"]["name"] == answers[0]["intent"]["name"]
    assert answers[1]["intent"]["confidence"] == pytest.approx(answers[0]["intent"]["confidence"], abs=1e-4)
    # Token offsets refer to the text Rasa was given, so every span lies inside it.
    for answer, text in zip(answers, (clean, messy)):
        assert all(0 <= start < end <= len(text) for start, end in answer["text_tokens"])


def test_emoji_only_message_is_answered(rasa_url):
    score = RasaClient(rasa_url, timeout_s=5.0).classify("🙏🙏")

    assert score.intent in INTENTS


def _managed_port(url: str) -> str | None:
    """The port when `url` is a server nlu/rasa_server.sh started on this machine, else None."""
    parsed = urlparse(url)
    if parsed.hostname not in ("127.0.0.1", "localhost") or not parsed.port:
        return None
    status = subprocess.run(
        [str(SCRIPT), "status"],
        env={**os.environ, "RASA_PORT": str(parsed.port)},
        capture_output=True,
        text=True,
        timeout=30,
    )
    return str(parsed.port) if status.stdout.startswith("running:") else None


def test_stopped_server_fails_fast_and_opens_the_breaker(rasa_url):
    """Keep last in this file: it stops the server and restarts it."""
    port = _managed_port(rasa_url)
    if port is None:
        pytest.skip(f"{rasa_url} was not started by nlu/rasa_server.sh on this machine")
    env = {**os.environ, "RASA_PORT": port}
    client = RasaClient(rasa_url, timeout_s=2.0, breaker=CircuitBreaker(failures_to_open=3, reset_after_s=60))
    assert client.classify("hello").intent in INTENTS
    try:
        subprocess.run([str(SCRIPT), "stop"], env=env, check=True, timeout=60, capture_output=True)

        for _ in range(3):
            started = time.monotonic()
            with pytest.raises(NLUUnavailable):
                client.classify("hello")
            assert time.monotonic() - started < 1.0  # connection refused, not a timeout
        assert client.breaker.state == "open"
        assert client.healthy() is False

        # Refused by the open breaker itself, before any request is made.
        with pytest.raises(NLUUnavailable, match="circuit is open"):
            client.classify("hello")
    finally:
        subprocess.run([str(SCRIPT), "start"], env=env, check=True, timeout=600, capture_output=True)
    assert RasaClient(rasa_url, timeout_s=5.0).classify("hello").intent in INTENTS
