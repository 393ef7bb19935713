"""What the service layer needs from the outside, bundled: ports, timing rules, a clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from intake.model import utcnow
from intake.policy import Policy
from intake.ports import LegalAnswerer, Places, Understander


@dataclass(frozen=True)
class IntakeDeps:
    """The ports the intake pipeline needs, the workflow's timing rules and a clock."""

    understander: Understander
    places: Places
    legal: LegalAnswerer | None = None
    policy: Policy = field(default_factory=Policy)
    clock: Callable[[], datetime] = utcnow
    console_url: str = "http://127.0.0.1:5000/console"  # where /console's sign-in links point
    # The key of invite codes' hashes (SECRET_KEY): see intake.invites.
    invite_key: str = ""

    def at(self, now: datetime) -> IntakeDeps:
        """These deps with the clock stopped at `now`: one step (a job, a command) reads the time
        once, so every stamp it writes and every comparison it makes agree."""
        return replace(self, clock=lambda: now)
