"""The Understander facade: fallback, safety override, places, entities and garbage, with fakes."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from nlu.rasa_client import NLUUnavailable
from nlu.service import MAX_CHARS, Understander
from nlu.types import Intent, IntentScore, Language, Location, PlaceCandidate, Understanding


class FakeClassifier:
    """Answers a fixed intent, or raises, and remembers what it was asked."""

    def __init__(self, intent: str = "dispute_mediation", confidence: float = 0.8, raises: Exception | None = None):
        self.intent, self.confidence, self.raises = intent, confidence, raises
        self.seen: list[str] = []

    def classify(self, text: str) -> IntentScore:
        self.seen.append(text)
        if self.raises is not None:
            raise self.raises
        return IntentScore(self.intent, self.confidence, ((self.intent, self.confidence),))


class FakeResolver:
    def __init__(self, location: Location | None = None, raises: Exception | None = None):
        self.location, self.raises = location or Location(), raises
        self.seen: list[str] = []

    def resolve(self, text: str) -> Location:
        self.seen.append(text)
        if self.raises is not None:
            raise self.raises
        return self.location


BATTAMBANG = Location(province_code="02", district_code="0201")
TODAY = date(2026, 3, 10)


def make(primary=None, fallback=None, resolver=None, **kw) -> Understander:
    return Understander(primary or FakeClassifier(), fallback, resolver or FakeResolver(BATTAMBANG), **kw)


def test_primary_answer_is_used_with_places_phones_dates_and_language():
    # the embedded classifier beside Rasa reads the same (their mean is that reading)
    u = make(FakeClassifier("dispute_mediation", 0.8), FakeClassifier("dispute_mediation", 0.8))
    result = u.understand("my neighbour moved the boundary, call me on 012 345 678 on 12/03/2026", TODAY)
    assert result.safety == "none"
    assert replace(result, safety_reasons=()) == Understanding(
        intent=Intent.DISPUTE_MEDIATION,
        confidence=0.8,
        language=Language.ENGLISH,
        location=BATTAMBANG,
        phones=("+85512345678",),
        dates=(date(2026, 3, 12),),
        backend="rasa+embedded",
    )
    assert u.stats["rasa"] == 1 and u.stats["fallback"] == 0 and u.stats["combined"] == 1


def test_unavailable_primary_falls_back_within_the_same_call_and_is_counted(caplog):
    primary = FakeClassifier(raises=NLUUnavailable("connection refused"))
    fallback = FakeClassifier("legal_information", 0.7)
    u = make(primary, fallback)
    text = "how do I get a birth certificate for my son Dara"
    result = u.understand(text, TODAY)
    assert result.intent == Intent.LEGAL_INFORMATION and result.confidence == 0.7
    assert result.backend == "embedded-fallback"
    assert u.stats["fallback"] == 1 and u.stats["rasa"] == 0
    assert fallback.seen == primary.seen == [text]
    assert "NLUUnavailable" in caplog.text and "Dara" not in caplog.text  # never the text


def test_a_bug_in_the_primary_also_falls_back():
    u = make(FakeClassifier(raises=ValueError("bad json")), FakeClassifier("greet", 0.9))
    result = u.understand("hello", TODAY)
    assert result.backend == "embedded-fallback" and result.intent == Intent.GREET
    assert u.stats["fallback"] == 1 and u.stats["primary_error"] == 1


def test_embedded_only_reports_embedded():
    u = make(FakeClassifier("greet", 0.95), None, primary_name="embedded")
    assert u.understand("hello", TODAY).backend == "embedded"
    assert u.stats["embedded"] == 1


def test_no_classifier_answering_gives_out_of_scope_but_safety_still_protects():
    u = make(FakeClassifier(raises=NLUUnavailable("down")), FakeClassifier(raises=RuntimeError("broken")))
    plain = u.understand("what is the weather", TODAY)
    assert (plain.intent, plain.confidence, plain.backend) == (Intent.OUT_OF_SCOPE, 0.0, "none")
    assert plain.safety == "none"
    danger = u.understand("my husband beats me", TODAY)
    assert danger.intent == Intent.VICTIM_PROTECTION and danger.confidence == 0.9
    assert danger.safety == "protect"
    assert u.stats["unclassified"] == 2


class FakeDangerModel:
    """A danger model that answers a fixed probability and remembers the cues it was given."""

    def __init__(self, p: float):
        self.p = p
        self.cues: list[list[float]] = []

    def probability(self, text: str, cues: list[float] | None = None) -> float:
        self.cues.append(cues or [])
        return self.p


@pytest.mark.parametrize(
    "text,urgent,categories",
    [
        ("bdey knhom vay knhom", False, ("violence",)),
        ("he says he will kill me tonight", True, ("threat",)),
        ("ប្តីខ្ញុំវាយកូនខ្ញុំ", True, ("violence", "child_at_risk")),
    ],
)
def test_danger_words_the_danger_model_confirms_protect_at_once(text, urgent, categories):
    u = make(FakeClassifier("dispute_mediation", 0.55), danger_model=FakeDangerModel(0.8))
    result = u.understand(text, TODAY)
    assert result.intent == Intent.VICTIM_PROTECTION and result.safety == "protect"
    assert result.confidence == 0.9  # max(0.55, 0.9)
    assert result.urgent is urgent and result.danger == categories
    assert u.stats["safety_protect"] == 1 and u.stats["safety_changed_intent"] == 1


@pytest.mark.parametrize(
    "text",
    ["bdey knhom vay knhom", "my husband hits me", "ប្តីខ្ញុំវាយខ្ញុំ"],
)
def test_danger_words_in_a_story_both_models_read_otherwise_ask(text):
    u = make(FakeClassifier("dispute_mediation", 0.7), danger_model=FakeDangerModel(0.3))
    result = u.understand(text, TODAY)
    assert result.safety == "ask" and result.intent == Intent.DISPUTE_MEDIATION  # what to do after "no"
    assert result.danger == ("violence",)


def test_a_danger_word_the_classifier_confidently_reads_otherwise_and_no_model_believes_is_nothing():
    u = make(FakeClassifier("out_of_scope", 0.9), danger_model=FakeDangerModel(0.1))
    result = u.understand("how do I burn the dry leaves in the garden safely", TODAY)
    assert result.safety == "none" and result.intent == Intent.OUT_OF_SCOPE


def test_a_threat_to_kill_the_models_doubt_is_asked_urgently_and_never_dropped():
    # A danger word alone does not protect ("how do I kill ants"), but a threat to kill or a weapon
    # is never explained away by the classifier's confident other reading.
    u = make(FakeClassifier("dispute_mediation", 0.9), danger_model=FakeDangerModel(0.1))
    result = u.understand("he came with a knife and said he will kill me", TODAY)
    assert result.safety == "ask" and result.urgent
    u = make(FakeClassifier("dispute_mediation", 0.9), danger_model=FakeDangerModel(0.7))
    assert u.understand("he came with a knife and said he will kill me", TODAY).safety == "protect"


def test_a_low_confidence_protection_reading_asks_and_keeps_the_next_reading():
    ranking = (("victim_protection", 0.45), ("legal_information", 0.35), ("dispute_mediation", 0.2))

    class Unsure:
        def classify(self, text):
            return IntentScore("victim_protection", 0.45, ranking)

    u = make(Unsure(), danger_model=FakeDangerModel(0.2))
    result = u.understand("a question about papers for my child", TODAY)
    assert result.safety == "ask"
    assert (result.intent, result.confidence) == (Intent.LEGAL_INFORMATION, 0.35)


def test_the_danger_model_is_given_the_context_cues_but_not_the_word_list():
    from nlu.triage import CUE_NAMES

    model = FakeDangerModel(0.1)
    result = make(FakeClassifier("dispute_mediation", 0.9), danger_model=model).understand(
        "a tuk tuk hit my parked moto", TODAY
    )
    on = {name for name, v in zip(CUE_NAMES, model.cues[0]) if v}
    assert on == {"lower:vehicle"}  # the word list is the other, independent opinion
    assert result.safety == "none" and result.intent == Intent.DISPUTE_MEDIATION


def test_a_failing_danger_model_leaves_the_classifier_to_weigh_the_words():
    class Broken:
        def probability(self, text, cues=None):
            raise RuntimeError("corrupt pickle")

    u = make(FakeClassifier("victim_protection", 0.9), danger_model=Broken())
    result = u.understand("my husband beats me", TODAY)
    assert result.safety == "protect" and u.stats["errors"] == 1


def test_a_failing_urgency_model_leaves_the_rules_to_flag_urgency():
    class Broken:
        def probability(self, text, cues=None):
            raise RuntimeError("corrupt pickle")

    # protected on a land threat, no word of time: the rules leave it unflagged, the model is asked
    u = make(FakeClassifier("victim_protection", 0.5), danger_model=FakeDangerModel(0.5), urgency_model=Broken())
    result = u.understand("the company wants our land, they said accidents happen to people who do not sell", TODAY)
    assert result.safety == "protect" and u.stats["errors"] == 1
    assert not result.urgent and not any(r.startswith("urgency_model") for r in result.safety_reasons)


def test_the_urgency_model_reads_the_same_text_and_cues_as_the_danger_model():
    danger, urgency = FakeDangerModel(0.5), FakeDangerModel(0.8)
    u = make(FakeClassifier("victim_protection", 0.5), danger_model=danger, urgency_model=urgency)
    result = u.understand("the company wants our land, they said accidents happen to people who do not sell", TODAY)
    assert result.urgent and "urgency_model:0.80" in result.safety_reasons
    assert urgency.cues == danger.cues


def test_override_keeps_a_higher_classifier_confidence():
    u = make(FakeClassifier("victim_protection", 0.97))
    result = u.understand("my husband beats me", TODAY)
    assert result.confidence == 0.97 and u.stats["safety_changed_intent"] == 0


def test_classifier_sees_normalised_capped_text():
    primary = FakeClassifier()
    u = make(primary)
    u.understand("  ខ្ញុំ\u200bចង់   ប្តឹង ១២៣ " + "x" * 5000, TODAY)
    assert primary.seen[0].startswith("ខ្ញុំចង់ ប្តឹង 123 ")
    assert len(primary.seen[0]) == MAX_CHARS


@pytest.mark.parametrize(
    "text",
    ["", "   ", "😀😀😀", "?!?!", "12345", "\u200b\u200b", "x" * 5000, "ខ្ញុំ abc ЖЖЖ 你好 😀 مرحبا", None, 42],
)
def test_garbage_gives_a_valid_understanding_never_an_exception(text):
    u = make(FakeClassifier("greet", 0.9), FakeClassifier("greet", 0.9))
    result = u.understand(text, TODAY)
    assert isinstance(result, Understanding)
    assert isinstance(result.intent, Intent) and 0.0 <= result.confidence <= 1.0
    assert isinstance(result.language, Language)


@pytest.mark.parametrize("text", ["", "😀😀😀", "?!?!", "12345"])
def test_text_without_letters_is_out_of_scope_without_asking_a_classifier(text):
    primary = FakeClassifier("greet", 0.9)
    result = make(primary).understand(text, TODAY)
    assert (result.intent, result.confidence, result.backend) == (Intent.OUT_OF_SCOPE, 0.0, "none")
    assert primary.seen == []


def test_failing_place_resolver_leaves_location_empty():
    u = make(resolver=FakeResolver(raises=KeyError("boom")))
    result = u.understand("I live in Battambang", TODAY)
    assert result.location == Location() and result.intent == Intent.DISPUTE_MEDIATION
    assert u.stats["errors"] == 1


def test_ambiguous_places_are_passed_through():
    loc = Location(
        ambiguous=(
            PlaceCandidate("district", "0201", "បាណន់", "Banan"),
            PlaceCandidate("commune", "150101", "x", "Banan"),
        )
    )
    assert make(resolver=FakeResolver(loc)).understand("Banan", TODAY).location == loc


def test_entity_finders_can_be_injected():
    u = make(find_phones=lambda text: ("+85599999999",), find_dates=lambda text, today: (today,))
    result = u.understand("call me", TODAY)
    assert result.phones == ("+85599999999",) and result.dates == (TODAY,)


def test_clock_times_the_classifier():
    ticks = iter([10.0, 10.25])
    u = make(clock=lambda: next(ticks))
    u.understand("hello there", TODAY)
    assert u.stats["classify_seconds"] == 0.25


def test_build_understander_embedded_only_uses_real_parts():
    from nlu.service import build_understander

    u = build_understander(None)
    result = u.understand("bdey knhom vay knhom, knhom nov srok Bavel khet Battambang", TODAY)
    assert result.backend == "embedded" and result.intent == Intent.VICTIM_PROTECTION
    assert result.language == Language.KHMER_LATIN and result.location.province_code == "02"


def test_build_understander_with_a_dead_rasa_falls_back():
    from nlu.service import build_understander

    u = build_understander("http://127.0.0.1:9", timeout_s=0.2)  # discard port: nothing listens
    result = u.understand("my neighbour moved the boundary of my rice field", TODAY)
    assert result.backend == "embedded-fallback" and result.intent == Intent.DISPUTE_MEDIATION
    assert u.stats["fallback"] == 1


@pytest.mark.parametrize(
    "text, categories",
    [
        ("we argue about the land but he never hit me", ("violence",)),
        ("ot mean vay te, kre chlos pi ruong prom dei", ("violence",)),
        ("គ្មានអ្នកណាវាយទេ យើងឈ្លោះគ្នារឿងដី", ("violence",)),
        ("បងប្រុសខ្ញុំយកដីមរតក គាត់មិនបានគំរាមខ្ញុំទេ", ("threat",)),
    ],
)
def test_a_denied_danger_the_danger_model_does_not_believe_stays_a_dispute(text, categories):
    u = make(FakeClassifier("victim_protection", 0.8), danger_model=FakeDangerModel(0.1))
    result = u.understand(text, TODAY)
    assert result.safety == "none" and result.urgent is False and result.danger == categories
    assert "negated" in result.safety_reasons


@pytest.mark.parametrize(
    "text",
    [
        # victims writing with negations: not a denial, the word list and the model protect
        "he said he will not stop hitting me",
        "I can't go home, he beats me",
        "bdey knhom min chhob vay knhom te",
        "ប្តីខ្ញុំមិនឈប់វាយខ្ញុំទេ",
        "nobody hit me, please help, he is coming now",
    ],
)
def test_victims_writing_with_negations_are_protected(text):
    # the danger model (0.75) and the classifier (a confident dispute) meet at WORD_PROTECT
    u = make(FakeClassifier("dispute_mediation", 0.95), danger_model=FakeDangerModel(0.75))
    result = u.understand(text, TODAY)
    assert result.safety == "protect" and result.intent == Intent.VICTIM_PROTECTION


def test_a_failing_negation_check_counts_as_no_denial():
    def broken(text):
        raise RuntimeError("bad pattern")

    u = make(FakeClassifier("dispute_mediation", 0.7), negated=broken, danger_model=FakeDangerModel(0.1))
    result = u.understand("we argue about the land but he never hit me", TODAY)
    assert result.safety == "ask" and u.stats["errors"] == 1


def test_with_a_fallback_both_classifiers_read_every_message_and_their_probabilities_are_averaged():
    rasa = FakeClassifier("legal_information", 0.42)
    rasa.classify = lambda text: IntentScore(  # type: ignore[method-assign]
        "legal_information", 0.42, (("legal_information", 0.42), ("dispute_mediation", 0.4), ("greet", 0.18))
    )
    u = make(rasa, FakeClassifier("dispute_mediation", 0.81))
    r = u.understand("my neighbour took part of my rice field")
    # dispute (0.4 + 0.81) / 2 = 0.605 beats legal (0.42 + 0) / 2 = 0.21
    assert (r.intent, r.confidence, r.backend) == (Intent.DISPUTE_MEDIATION, 0.605, "rasa+embedded")
    assert u.stats["combined"] == 1
    # two readings that agree stay that reading; a sure primary against an unsure other wins
    sure = make(FakeClassifier("legal_information", 0.8), FakeClassifier("dispute_mediation", 0.3))
    assert sure.understand("what is a land title").intent == Intent.LEGAL_INFORMATION
    # a failing second classifier leaves the primary's reading alone
    alone = make(FakeClassifier("legal_information", 0.42), FakeClassifier(raises=RuntimeError("broken")))
    r = alone.understand("land")
    assert (r.intent, r.confidence, r.backend) == (Intent.LEGAL_INFORMATION, 0.42, "rasa")
