"""What the domain needs from the outside world, as protocols. Adapters live in `bot/`."""

from __future__ import annotations

from typing import Protocol

from nlu.types import Understanding


class Understander(Protocol):
    def understand(self, text: str) -> Understanding:
        """Classify a message and find its place, language and danger; never raises."""


class Places(Protocol):
    def centroid(self, code: str) -> tuple[float, float] | None:
        """(lat, lon) of a province, district or commune code."""

    def name(self, code: str, language: str) -> str:
        """Display name of a unit with its unit word, in Khmer or English."""


class LegalReply(Protocol):
    text: str
    article_id: str | None  # None: not an answer but an offer of `choices` by number
    topic: str | None
    related: tuple[tuple[str, str], ...]
    choices: tuple[tuple[str, str], ...]


class LegalAnswerer(Protocol):
    def answer(self, text: str, language: str, channel: str) -> LegalReply | None:
        """An answer from the knowledge base; when it is not sure, an offer of likely topics
        (`article_id` None, `choices`); None when it does not know."""

    def more(self, article_id: str, language: str) -> list[str]:
        """The fuller answer to an article, in SMS-sized parts."""

    def article(self, article_id: str, language: str, channel: str) -> LegalReply | None:
        """One article's answer by id."""


class SendError(Exception):
    """A provider refused or failed a send. `transient` errors are retried; `opt_out` means the
    person blocked us (Telegram) or unsubscribed (SMS) and must not be messaged again."""

    def __init__(self, code: str, *, transient: bool, retry_after: float | None = None, opt_out: bool = False):
        super().__init__(code)
        self.code = code
        self.transient = transient
        self.retry_after = retry_after
        self.opt_out = opt_out


class OutcomeUnknown(Exception):
    """The request may have reached the provider but no answer came back (a read timeout):
    sending again could send twice. The message is left to recovery, which asks the provider."""


class Sender(Protocol):
    def send(self, address: str, body: str, buttons: list | None = None) -> str:
        """Send `body` to `address` (with inline buttons where the channel has them); returns the
        provider's message id or raises SendError."""


class JobQueue(Protocol):
    def enqueue(self, func: str, *args: object, delay_s: float = 0) -> None:
        """Run the job `func` (a dotted path) with `args`, now or after `delay_s` seconds."""
