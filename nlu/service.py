"""The NLU facade: one call turns a raw message into an `Understanding`, and never raises.

Steps of `Understander.understand`:
1. Normalise (`nlu.khmer.normalize`) and cap the text at MAX_CHARS (1,000) characters for the
   classifier, the place resolver and the entity finders: a long message keeps its first 1,000
   characters, which is where people state what they want and where they live (a Khmer SMS part is
   70 characters; 1,000 is fifteen parts). The safety detector reads up to 5,000 characters.
2. Text with no letters at all (empty, emoji, punctuation, digits only) is `out_of_scope` with
   confidence 0.0 without asking any classifier.
3. Classify with the primary backend. If it raises `nlu.rasa_client.NLUUnavailable` (server down,
   timeout, open circuit) — or fails in any other way — the fallback answers within the same call,
   `stats["fallback"]` is counted and the event is logged (the exception type, never the text).
   If no classifier answers, the intent is `out_of_scope` with confidence 0.0 and backend "none";
   the safety override still applies.
4. Safety override (`nlu.safety.assess_danger`): any danger category forces `victim_protection`,
   with confidence max(classifier confidence, 0.9) — the override is a rule we trust, not a guess —
   and sets `urgent` and `danger`. Two narrow exceptions keep the classifier's intent (with
   `danger` noted and `urgent` False): a confident abstract legal question with no one in it, and
   a message whose every danger mention is clearly negated (`nlu.safety.danger_negated`: "nobody
   hit anyone", "ot mean vay te", "គ្មានអ្នកណាវាយទេ") when a confident (>= 0.7) classifier says it
   is not a protection case.
5. Places (the injected resolver), phones and dates (`nlu.entities`), language
   (`nlu.language.detect_language`). A failure in any of these leaves that field empty.
"""

from __future__ import annotations

import logging
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from nlu.khmer import normalize
from nlu.language import detect_language
from nlu.safety import assess_danger, danger_negated
from nlu.types import Danger, Intent, IntentScore, Language, Location, Understanding

log = logging.getLogger(__name__)

MAX_CHARS = 1000
OVERRIDE_CONFIDENCE = 0.9
ABSTRACT_QUESTION_CONFIDENCE = 0.7
SECOND_OPINION_BELOW = 0.5
# A classifier this sure that a message is not a protection case may overrule a danger word that
# the message itself denies ("he never hit me"); below it, the override applies.
NEGATED_DANGER_CONFIDENCE = 0.7
# People in a sentence: the speaker, a relative, anyone "he" or "she" — in the three scripts.
_PERSONAL = re.compile(
    r"\b(i|i'm|im|me|my|mine|we|us|our|he|she|him|her|his|they|them|their|husband|wife|son|daughter|child|"
    r"children|kid|sister|brother|mother|father|mom|dad|uncle|aunt|cousin|neighbou?r|friend|boss|"
    r"knhom|khnhom|khnom|knom|kgnom|knyom|yeung|yerng|koat|kat|ke|bdey|pdey|ptey|propon|prapon|propun|kon|"
    r"koun|bong|oun|mae|mak|pa|ov|pou|ming|chas|neak chit khang)\b"
    r"|ខ្ញុំ|ខ្ញំុ|យើង|គាត់|គេ|ប្តី|ប្ដី|ប្រពន្ធ|កូន|បង|ប្អូន|ម្តាយ|ម្ដាយ|ឪពុក|ពូ|មីង|អ្នកជិតខាង|ថៅកែ|នាង|វា",
    re.IGNORECASE,
)
TIMEZONE = ZoneInfo("Asia/Phnom_Penh")  # "today" for relative dates is Cambodian today


class Classifier(Protocol):
    """Anything with `.classify(text) -> IntentScore` (RasaClient, EmbeddedClassifier, a fake)."""

    def classify(self, text: str) -> IntentScore: ...


class Resolver(Protocol):
    """Anything with `.resolve(text) -> Location` (PlaceResolver, a fake)."""

    def resolve(self, text: str) -> Location: ...


def _nlu_unavailable() -> type[BaseException] | None:
    try:
        from nlu.rasa_client import NLUUnavailable
    except ImportError:
        return None
    return NLUUnavailable


def _default_entity_finders() -> tuple[Callable[[str], tuple], Callable[[str, date], tuple]]:
    """`nlu.entities.find_phones` / `find_dates`; raises ImportError if that module is missing."""
    from nlu.entities import find_dates, find_phones

    return find_phones, find_dates


def _not_protection(score: IntentScore) -> float | None:
    """How sure the classifier is that a message is not a protection case: everything its ranking
    gives to other intents (a message it splits between a dispute and a legal question is still
    surely not a victim's). None when the ranking does not score victim_protection; then the best
    intent's confidence serves."""
    victim = [p for label, p in score.ranking if label == Intent.VICTIM_PROTECTION.value]
    if not victim:  # a ranking that does not say (or none): judge by the best intent alone
        return None
    return max(0.0, 1.0 - victim[0])


def _has_letters(text: str) -> bool:
    return any(ch.isalpha() or "\u1780" <= ch <= "\u17ff" for ch in text)


class Understander:
    """Classifier + safety override + places + entities + language, with a fallback classifier."""

    def __init__(
        self,
        primary: Classifier,
        fallback: Classifier | None,
        resolver: Resolver | None,
        clock: Callable[[], float] = time.monotonic,
        *,
        find_phones: Callable[[str], tuple] | None = None,
        find_dates: Callable[[str, date], tuple] | None = None,
        primary_name: str | None = None,
        danger: Callable[[str], Danger] = assess_danger,
        negated: Callable[[str], bool] = danger_negated,
    ) -> None:
        self.primary = primary
        self.fallback = fallback
        self.resolver = resolver
        self.clock = clock
        if find_phones is None or find_dates is None:
            default_phones, default_dates = _default_entity_finders()
            find_phones = find_phones or default_phones
            find_dates = find_dates or default_dates
        self._find_phones = find_phones
        self._find_dates = find_dates
        self._danger = danger
        self._negated = negated
        # The primary is "rasa" when there is a fallback (build_understander's shape), else the
        # embedded classifier on its own; a classifier may name itself with a `name` attribute.
        self.primary_name = (
            primary_name or getattr(primary, "name", None) or ("rasa" if fallback is not None else "embedded")
        )
        self.fallback_name = f"{getattr(fallback, 'name', 'embedded')}-fallback"
        self.stats: Counter[str] = Counter()
        self._unavailable = _nlu_unavailable()

    def understand(self, text: str, today: date | None = None) -> Understanding:
        """Everything the NLU can tell about one message; never raises."""
        self.stats["messages"] += 1
        try:
            return self._understand(text, today)
        except Exception as exc:  # last line of defence: a bug here must not drop a message
            self.stats["errors"] += 1
            log.error("understand failed (%s); answering out_of_scope", exc.__class__.__name__)
            danger = self._safe_danger(text if isinstance(text, str) else "")
            return self._with_danger(
                Understanding(intent=Intent.OUT_OF_SCOPE, confidence=0.0, language=Language.KHMER, backend="none"),
                danger,
            )

    # -- steps ---------------------------------------------------------------------------------

    def _understand(self, text: str, today: date | None) -> Understanding:
        raw = text if isinstance(text, str) else ""
        norm = normalize(raw[: MAX_CHARS * 2])[:MAX_CHARS]
        language = detect_language(norm)
        danger = self._safe_danger(raw)
        if not _has_letters(norm):
            self.stats["no_text"] += 1
            score, backend = IntentScore(Intent.OUT_OF_SCOPE.value, 0.0), "none"
        else:
            score, backend = self._classify(norm)
        understanding = Understanding(
            intent=_intent(score.intent),
            confidence=max(0.0, min(1.0, float(score.confidence))),
            language=language,
            location=self._location(norm),
            phones=self._phones(norm),
            dates=self._dates(norm, today or datetime.now(TIMEZONE).date()),
            backend=backend,
        )
        negated = bool(danger.categories) and self._safe_negated(raw)
        return self._with_danger(understanding, danger, norm, negated, _not_protection(score))

    def _classify(self, norm: str) -> tuple[IntentScore, str]:
        started = self.clock()
        try:
            score = self.primary.classify(norm)
            self.stats[self.primary_name] += 1
            if self.fallback is not None and score.confidence < SECOND_OPINION_BELOW:
                # The primary is unsure: ask the other classifier too and keep the surer answer.
                # Two models trained differently on the same data err on different messages.
                try:
                    other = self.fallback.classify(norm)
                except Exception:  # noqa: BLE001 - the second opinion is optional
                    other = None
                if other is not None and other.confidence > score.confidence:
                    self.stats["second_opinion"] += 1
                    return other, f"{self.primary_name}+{self.fallback_name.removesuffix('-fallback')}"
            return score, self.primary_name
        except Exception as exc:
            if self._unavailable is not None and isinstance(exc, self._unavailable):
                log.warning("%s unavailable (%s); using the fallback", self.primary_name, exc.__class__.__name__)
            else:
                self.stats["primary_error"] += 1
                log.error("%s failed (%s); using the fallback", self.primary_name, exc.__class__.__name__)
        finally:
            self.stats["classify_seconds"] += self.clock() - started  # type: ignore[assignment]  # seconds: a float
        if self.fallback is None:
            self.stats["unclassified"] += 1
            return IntentScore(Intent.OUT_OF_SCOPE.value, 0.0), "none"
        self.stats["fallback"] += 1
        try:
            return self.fallback.classify(norm), self.fallback_name
        except Exception as exc:
            self.stats["unclassified"] += 1
            log.error("fallback classifier failed (%s)", exc.__class__.__name__)
            return IntentScore(Intent.OUT_OF_SCOPE.value, 0.0), "none"

    def _safe_danger(self, raw: str) -> Danger:
        try:
            return self._danger(raw)
        except Exception as exc:  # the detector is data-driven code: keep the message flowing
            self.stats["errors"] += 1
            log.error("danger assessment failed (%s)", exc.__class__.__name__)
            return Danger(urgent=False)

    def _safe_negated(self, raw: str) -> bool:
        try:
            return bool(self._negated(raw))
        except Exception as exc:  # when in doubt, the override applies
            self.stats["errors"] += 1
            log.error("negation check failed (%s)", exc.__class__.__name__)
            return False

    def _with_danger(
        self,
        u: Understanding,
        danger: Danger,
        norm: str = "",
        negated: bool = False,
        not_protection: float | None = None,
    ) -> Understanding:
        if not danger.categories:
            return u
        if (
            u.intent == Intent.LEGAL_INFORMATION
            and u.confidence >= ABSTRACT_QUESTION_CONFIDENCE
            and not danger.urgent
            and not _PERSONAL.search(norm)
        ):
            # A question about the law in the abstract ("what does the law say about domestic
            # violence?"), asked with no one in it — no I / my / he / a relative — stays a legal
            # question: it gets the legal answer with the safety numbers, not an urgent protection
            # case and a duty-desk alarm. Anyone in the sentence, or any urgency, and the override
            # applies as before.
            self.stats["safety_abstract_question"] += 1
            return replace(u, danger=tuple(danger.categories))
        if (
            negated
            and u.intent != Intent.VICTIM_PROTECTION
            and (u.confidence if not_protection is None else not_protection) >= NEGATED_DANGER_CONFIDENCE
        ):
            # "we argue about the land but nobody hit anyone": every danger word is denied, no
            # urgency, and the classifier is sure it is a dispute or a question. The intake
            # answers it as such; `danger` keeps what was denied for the record.
            self.stats["safety_negated"] += 1
            return replace(u, urgent=False, danger=tuple(danger.categories))
        self.stats["safety_override"] += 1
        if u.intent != Intent.VICTIM_PROTECTION:
            self.stats["safety_changed_intent"] += 1
        return replace(
            u,
            intent=Intent.VICTIM_PROTECTION,
            confidence=max(u.confidence, OVERRIDE_CONFIDENCE),
            urgent=danger.urgent,
            danger=tuple(danger.categories),
        )

    def _location(self, norm: str) -> Location:
        if self.resolver is None:
            return Location()
        try:
            return self.resolver.resolve(norm)
        except Exception as exc:
            self.stats["errors"] += 1
            log.error("place resolution failed (%s)", exc.__class__.__name__)
            return Location()

    def _phones(self, norm: str) -> tuple[str, ...]:
        try:
            return tuple(self._find_phones(norm))
        except Exception as exc:
            self.stats["errors"] += 1
            log.error("phone extraction failed (%s)", exc.__class__.__name__)
            return ()

    def _dates(self, norm: str, today: date) -> tuple[date, ...]:
        try:
            return tuple(self._find_dates(norm, today))
        except Exception as exc:
            self.stats["errors"] += 1
            log.error("date extraction failed (%s)", exc.__class__.__name__)
            return ()


def _intent(name: Any) -> Intent:
    try:
        return Intent(str(name))
    except ValueError:  # a backend trained on another intent set: treat as not understood
        return Intent.OUT_OF_SCOPE


def build_understander(rasa_url: str | None, timeout_s: float = 2.0) -> Understander:
    """The production Understander: embedded only when rasa_url is None, else Rasa with the embedded
    classifier as fallback; places from `PlaceResolver.default()`."""
    from nlu.embedded import EmbeddedClassifier
    from nlu.places import PlaceResolver

    embedded = EmbeddedClassifier.default()
    resolver = PlaceResolver.default()
    if rasa_url is None:
        return Understander(embedded, None, resolver, primary_name="embedded")
    from nlu.rasa_client import RasaClient

    return Understander(RasaClient(rasa_url, timeout_s=timeout_s), embedded, resolver, primary_name="rasa")
