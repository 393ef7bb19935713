"""Value objects that the NLU hands to the rest of the service (no I/O, no framework)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class Intent(StrEnum):
    """What a message asks for. The first three names are fixed: reports and routing use them."""

    LEGAL_INFORMATION = "legal_information"
    DISPUTE_MEDIATION = "dispute_mediation"
    VICTIM_PROTECTION = "victim_protection"
    GREET = "greet"
    HELP = "help"
    CASE_STATUS = "case_status"
    STOP = "stop"
    AFFIRM = "affirm"
    DENY = "deny"
    OUT_OF_SCOPE = "out_of_scope"


class Language(StrEnum):
    """The script and language a message was written in; replies follow it."""

    KHMER = "km"
    KHMER_LATIN = "km-Latn"
    ENGLISH = "en"


@dataclass(frozen=True)
class PlaceCandidate:
    """One gazetteer unit a name may refer to."""

    level: str  # "province" | "district" | "commune" | "village"
    code: str
    name_km: str
    name_latin: str
    score: float = 1.0


@dataclass(frozen=True)
class Location:
    """Where the sender is, as gazetteer codes; `ambiguous` lists candidates when a name is shared."""

    province_code: str | None = None
    district_code: str | None = None
    commune_code: str | None = None
    village_code: str | None = None
    ambiguous: tuple[PlaceCandidate, ...] = ()

    @property
    def known(self) -> bool:
        """True when at least the province is known."""
        return self.province_code is not None

    def as_dict(self) -> dict:
        """JSON-ready form used by the CLI and the case record."""
        return {
            "province_code": self.province_code,
            "district_code": self.district_code,
            "commune_code": self.commune_code,
            "village_code": self.village_code,
            "ambiguous": [
                {"level": c.level, "code": c.code, "name_km": c.name_km, "name_latin": c.name_latin}
                for c in self.ambiguous
            ],
        }


@dataclass(frozen=True)
class Understanding:
    """Everything the NLU could tell about one message."""

    intent: Intent
    confidence: float
    language: Language
    urgent: bool = False
    danger: tuple[str, ...] = ()  # danger categories found by the safety triage
    # The safety triage (`nlu.triage`): "protect" (protection case at once), "ask" (ask once
    # whether anyone is hurting them or in danger now), "none"; and what it weighed.
    safety: str = "none"
    safety_reasons: tuple[str, ...] = ()
    location: Location = field(default_factory=Location)
    phones: tuple[str, ...] = ()
    dates: tuple[date, ...] = ()
    backend: str = "embedded"


@dataclass(frozen=True)
class IntentScore:
    """A classifier's verdict: the best intent, its confidence (0–1) and the full ranking."""

    intent: str
    confidence: float
    ranking: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class Danger:
    """What the safety override found: any category forces victim_protection."""

    urgent: bool
    categories: tuple[str, ...] = ()
