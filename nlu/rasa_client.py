"""HTTP client for the Rasa NLU server, with a circuit breaker so a dead server costs nothing.

The app treats Rasa as optional: when it is slow or down, `RasaClient.classify` raises
`NLUUnavailable` and the caller falls back to the embedded classifier. The breaker keeps a
down server from adding a timeout to every message.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import requests

from nlu.khmer import normalize
from nlu.types import IntentScore

log = logging.getLogger(__name__)

CLOSED = "closed"
OPEN = "open"
HALF_OPEN = "half_open"


class NLUUnavailable(Exception):
    """Rasa could not classify the message (down, slow, erroring, or the circuit is open)."""


class CircuitBreaker:
    """Consecutive-failure circuit breaker: closed → open after N failures → half-open after a
    pause, when one trial call decides whether it closes again or reopens."""

    def __init__(
        self,
        failures_to_open: int = 3,
        reset_after_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.failures_to_open = max(1, failures_to_open)
        self.reset_after_s = reset_after_s
        self._clock = clock
        self._lock = threading.Lock()
        self._state = CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._trial_started: float | None = None

    @property
    def state(self) -> str:
        """ "closed", "open", or "half_open" (open and the pause is over, so a trial may run)."""
        with self._lock:
            return self._current_state()

    def allow(self) -> bool:
        """True when a call may go out now; in half-open, only one trial at a time is allowed."""
        with self._lock:
            state = self._current_state()
            if state == CLOSED:
                return True
            if state == OPEN:
                return False
            now = self._clock()
            # A trial that never reported back (caller crashed) must not wedge the breaker.
            if self._trial_started is not None and now - self._trial_started < self.reset_after_s:
                return False
            if self._state != HALF_OPEN:
                self._transition(HALF_OPEN)
            self._trial_started = now
            return True

    def record_success(self) -> None:
        """A call succeeded: the circuit closes and the failure count starts again."""
        with self._lock:
            self._failures = 0
            self._trial_started = None
            if self._state != CLOSED:
                self._transition(CLOSED)

    def record_failure(self) -> None:
        """A call failed: a failed trial reopens at once; otherwise open after N in a row."""
        with self._lock:
            self._failures += 1
            self._trial_started = None
            if self._state == HALF_OPEN or (self._state == CLOSED and self._failures >= self.failures_to_open):
                self._opened_at = self._clock()
                self._transition(OPEN)
            elif self._state == OPEN:
                # A failure reported while open (a call that started before it opened) restarts the pause.
                self._opened_at = self._clock()

    def _current_state(self) -> str:
        if self._state == OPEN and self._clock() - self._opened_at >= self.reset_after_s:
            return HALF_OPEN
        return self._state

    def _transition(self, new_state: str) -> None:
        if new_state == OPEN:
            log.warning(
                "rasa circuit %s -> open after %d consecutive failures; retry in %.0f s",
                self._state,
                self._failures,
                self.reset_after_s,
            )
        else:
            log.info("rasa circuit %s -> %s", self._state, new_state)
        self._state = new_state


def _to_intent_score(payload: Any) -> IntentScore:
    """Map Rasa's /model/parse answer to an IntentScore; raises ValueError when malformed."""
    if not isinstance(payload, dict) or not isinstance(payload.get("intent"), dict):
        raise ValueError("no intent object in the answer")
    intent = payload["intent"]
    name = intent.get("name")
    ranking = tuple(
        (str(item["name"]), float(item["confidence"]))
        for item in payload.get("intent_ranking") or ()
        if isinstance(item, dict) and item.get("name") is not None
    )
    if name is None:
        # Rasa answers a null intent for a message with no tokens (only emoji, punctuation).
        return IntentScore(intent="out_of_scope", confidence=0.0, ranking=ranking)
    return IntentScore(intent=str(name), confidence=float(intent.get("confidence") or 0.0), ranking=ranking)


class RasaClient:
    """Classifies messages with a running Rasa server (`rasa run --enable-api`)."""

    def __init__(self, url: str, timeout_s: float = 2.0, breaker: CircuitBreaker | None = None) -> None:
        self.url = url.rstrip("/")
        self.timeout_s = timeout_s
        self.breaker = breaker if breaker is not None else CircuitBreaker()
        self._session = requests.Session()  # keep-alive: saves a TCP handshake per message

    def classify(self, text: str) -> IntentScore:
        """Intent of `text` according to Rasa; raises NLUUnavailable instead of waiting on a dead server."""
        if not self.breaker.allow():
            raise NLUUnavailable("rasa circuit is open")
        try:
            response = self._session.post(
                f"{self.url}/model/parse",
                json={"text": normalize(text)},
                timeout=self.timeout_s,
            )
        except requests.RequestException as exc:
            self.breaker.record_failure()
            raise NLUUnavailable(f"rasa unreachable ({type(exc).__name__})") from None
        if response.status_code != 200:
            self.breaker.record_failure()
            raise NLUUnavailable(f"rasa answered HTTP {response.status_code}")
        try:
            score = _to_intent_score(response.json())
        except (ValueError, KeyError, TypeError):
            self.breaker.record_failure()
            raise NLUUnavailable("rasa answered an unreadable parse result") from None
        self.breaker.record_success()
        return score

    def healthy(self) -> bool:
        """True when the server answers its root URL; a probe only, it does not move the breaker."""
        try:
            return self._session.get(f"{self.url}/", timeout=self.timeout_s).status_code == 200
        except requests.RequestException:
            return False
