"""What the service layer needs from the outside, bundled: ports, timing rules, a clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
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
