"""Test doubles handed in at the composition root's seams (never patched in)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import update

from bot.jobqueue import resolve
from intake import job_names, orm
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
    keeps delayed ones until a test lets time pass (`include_delayed=True`). Jobs due later are
    rows of the transactional schedule (intake.schedule): `delayed` shows them, with their delay
    from the services' clock, beside any job enqueued with a delay; `take_delayed` and
    `include_delayed` take them off the schedule, and make the sends among them due now. The queue learns its services on the first
    `run_all` (or a fixture sets `services`)."""

    jobs: list[tuple[str, tuple, float]] = field(default_factory=list)
    held: list[tuple[str, tuple, float]] = field(default_factory=list)
    services: object | None = None

    def enqueue(self, func: str, *args: object, delay_s: float = 0) -> None:
        self.jobs.append((func, args, delay_s))

    @property
    def delayed(self) -> list[tuple[str, tuple, float]]:
        """Jobs waiting for their time: enqueued with a delay, or rows of the schedule."""
        return self.held + self._scheduled()

    def _scheduled(self, func: str | None = None, take: bool = False) -> list[tuple[str, tuple, float]]:
        s: Any = self.services
        if s is None:
            return []
        now = s.clock()
        with s.uow() as uow:
            rows = uow.repo.scheduled(func)
            if take and rows:
                uow.repo.delete_scheduled([row_id for row_id, _, _, _ in rows])
                # Their time has come: a send waiting out a delay is due now (a send job leaves a
                # message whose delay still runs).
                sends = [args[0] for _, f, args, _ in rows if f == job_names.SEND_MESSAGE and args]
                if sends:
                    uow.session.execute(
                        update(orm.messages)
                        .where(orm.messages.c.id.in_(sends), orm.messages.c.next_attempt_at > now)
                        .values(next_attempt_at=now)
                    )
                uow.commit()
        return [(f, tuple(args), max(0.0, (due - now).total_seconds())) for _, f, args, due in rows]

    def run_all(self, services, include_delayed: bool = False, limit: int = 200) -> int:
        if self.services is None:
            self.services = services
        ran = 0
        while ran < limit:
            if not self.jobs and include_delayed:
                self.jobs.extend(self.held + self._scheduled(take=True))
                self.held.clear()
            if not self.jobs:
                break
            func, args, delay = self.jobs.pop(0)
            if delay and not include_delayed:
                self.held.append((func, args, delay))
                continue
            resolve(func)(*args, services=services)
            ran += 1
        return ran

    def take_delayed(self, func: str) -> list[tuple]:
        """Remove and return the delayed jobs of one function (a test runs them when it likes)."""
        taken = [j for j in self.held if j[0] == func]
        self.held = [j for j in self.held if j[0] != func]
        return taken + self._scheduled(func, take=True)


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
