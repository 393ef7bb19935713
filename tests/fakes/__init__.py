"""Test doubles handed in at the composition root's seams (never patched in)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.jobqueue import resolve
from intake.ports import SendError
from nlu.types import Intent, Language, Location, Understanding


class ScriptedUnderstander:
    """Answers from a table keyed by a phrase the text contains; `default` otherwise."""

    def __init__(self, table: dict[str, Understanding], default: Understanding | None = None):
        self.table = table
        self.default = default or Understanding(Intent.OUT_OF_SCOPE, 0.3, Language.ENGLISH)
        self.seen: list[str] = []

    def understand(self, text: str) -> Understanding:
        self.seen.append(text)
        for phrase, result in self.table.items():
            if phrase in text:
                return result
        return self.default


def understanding(intent: str, language: str = "en", urgent: bool = False, **location) -> Understanding:
    """A compact way to write what the NLU would say."""
    return Understanding(Intent(intent), 0.95, Language(language), urgent=urgent, location=Location(**location))


@dataclass
class RecordingQueue:
    """Records jobs; `run_all` runs the due ones (and the jobs they queue) synchronously and
    keeps delayed ones in `delayed` until a test lets time pass (`include_delayed=True`)."""

    jobs: list[tuple[str, tuple, float]] = field(default_factory=list)
    delayed: list[tuple[str, tuple, float]] = field(default_factory=list)

    def enqueue(self, func: str, *args: object, delay_s: float = 0) -> None:
        self.jobs.append((func, args, delay_s))

    def run_all(self, services, include_delayed: bool = False, limit: int = 200) -> int:
        ran = 0
        if include_delayed:
            self.jobs.extend(self.delayed)
            self.delayed.clear()
        while self.jobs and ran < limit:
            func, args, delay = self.jobs.pop(0)
            if delay and not include_delayed:
                self.delayed.append((func, args, delay))
                continue
            resolve(func)(*args, services=services)
            ran += 1
        return ran

    def take_delayed(self, func: str) -> list[tuple]:
        """Remove and return the delayed jobs of one function (a test runs them when it likes)."""
        taken = [j for j in self.delayed if j[0] == func]
        self.delayed = [j for j in self.delayed if j[0] != func]
        return taken


class FailingQueue:
    """A queue whose backend is down (Redis unreachable)."""

    def enqueue(self, func: str, *args: object, delay_s: float = 0) -> None:
        raise ConnectionError("redis is down")


@dataclass
class RecordingSender:
    """Records sends; `fail_with` makes the next sends raise."""

    sent: list[tuple[str, str]] = field(default_factory=list)
    buttons: list[list | None] = field(default_factory=list)
    fail_with: list[SendError] = field(default_factory=list)

    def send(self, address: str, body: str, buttons: list | None = None) -> str:
        if self.fail_with:
            raise self.fail_with.pop(0)
        self.sent.append((address, body))
        self.buttons.append(buttons)
        return f"fake-{len(self.sent)}"
