"""The embedded classifier: trains on Rasa YAML, caches on disk, gives meaningful confidences."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlu.embedded import EmbeddedClassifier
from nlu.training import TrainingDataError, load_heldout, load_training_data, load_training_file
from nlu.types import Intent

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "nlu"
TRAIN = [FIXTURES / "nlu_fixture.yml"]


@pytest.fixture(scope="module")
def classifier() -> EmbeddedClassifier:
    return EmbeddedClassifier.from_files(TRAIN, cache_dir=None)


def test_training_file_is_read_into_examples():
    examples = load_training_file(TRAIN[0])
    assert len(examples) == 26
    assert examples[0].text == "what does the law say about inheritance"
    assert examples[0].intent == "legal_information"
    assert {e.intent for e in examples} == {
        "legal_information",
        "dispute_mediation",
        "victim_protection",
        "greet",
        "out_of_scope",
    }


def test_unknown_intent_is_refused_with_the_file_name():
    with pytest.raises(TrainingDataError, match="bad_intent.yml: unknown intent 'buy_pizza'"):
        load_training_data([FIXTURES / "bad_intent.yml"])


def test_no_training_files_fails_loudly(tmp_path):
    with pytest.raises(TrainingDataError, match="no training files"):
        EmbeddedClassifier.from_files([], cache_dir=None)


def test_heldout_file_is_read_with_place_codes():
    rows = load_heldout([FIXTURES / "heldout_fixture.jsonl"])
    assert len(rows) == 5
    assert rows[0].province_code == "02" and rows[0].district_code == "0204" and rows[0].commune_code is None
    assert rows[1].language == "km-Latn"


@pytest.mark.parametrize(
    "text,intent",
    [
        ("my husband beats me", Intent.VICTIM_PROTECTION),
        ("bdey knhom vay knhom rol yub", Intent.VICTIM_PROTECTION),
        ("my neighbour moved the boundary into my land", Intent.DISPUTE_MEDIATION),
        ("what does the law say about marriage", Intent.LEGAL_INFORMATION),
        ("hello", Intent.GREET),
    ],
)
def test_classifies_fixture_like_messages(classifier, text, intent):
    score = classifier.classify(text)
    assert score.intent == intent
    assert 0.0 <= score.confidence <= 1.0
    assert score.ranking[0] == (score.intent, round(score.confidence, 4))
    assert abs(sum(p for _, p in score.ranking) - 1.0) < 0.01


def test_confidence_is_higher_for_a_training_like_message_than_for_a_vague_one(classifier):
    clear = classifier.classify("my husband beats me every night")
    vague = classifier.classify("the thing")
    assert clear.confidence > vague.confidence


@pytest.mark.parametrize("text", ["", "😀😀😀", "!!!", "ЖЖЖ ЩЩЩ"])
def test_text_sharing_no_feature_is_out_of_scope_with_low_confidence(classifier, text):
    score = classifier.classify(text)
    assert score.intent == Intent.OUT_OF_SCOPE
    assert score.confidence <= 0.1


def test_long_text_is_classified_on_its_start(classifier):
    score = classifier.classify("my husband beats me " + "zzz " * 3000)
    assert score.intent == Intent.VICTIM_PROTECTION


def test_slow_training_is_cached_and_reloaded(tmp_path):
    trained = EmbeddedClassifier.from_files(TRAIN, cache_dir=tmp_path, cache_threshold_s=0.0)
    cached = list(tmp_path.glob("nlu_embedded_*.pkl"))
    assert len(cached) == 1
    loaded = EmbeddedClassifier.from_files(TRAIN, cache_dir=tmp_path)
    assert loaded is not trained and loaded.key == trained.key
    assert loaded.classify("bdey knhom vay knhom") == trained.classify("bdey knhom vay knhom")


def test_fast_training_is_not_cached(tmp_path):
    EmbeddedClassifier.from_files(TRAIN, cache_dir=tmp_path, cache_threshold_s=60.0)
    assert list(tmp_path.glob("*.pkl")) == []


def test_a_corrupt_cache_is_ignored_and_rebuilt(tmp_path):
    first = EmbeddedClassifier.from_files(TRAIN, cache_dir=tmp_path, cache_threshold_s=0.0)
    path = next(tmp_path.glob("nlu_embedded_*.pkl"))
    path.write_bytes(b"not a pickle")
    again = EmbeddedClassifier.from_files(TRAIN, cache_dir=tmp_path, cache_threshold_s=0.0)
    assert again.classify("hello").intent == first.classify("hello").intent == Intent.GREET


def test_changed_training_data_gets_a_new_cache_key(tmp_path):
    copy = tmp_path / "nlu.yml"
    copy.write_text(TRAIN[0].read_text(encoding="utf-8"), encoding="utf-8")
    a = EmbeddedClassifier.from_files([copy], cache_dir=None)
    copy.write_text(TRAIN[0].read_text(encoding="utf-8") + "    - hi hi\n", encoding="utf-8")
    b = EmbeddedClassifier.from_files([copy], cache_dir=None)
    assert a.key != b.key


def test_the_direct_arithmetic_gives_scikit_learns_probabilities():
    import numpy as np

    from nlu.embedded import EmbeddedClassifier, _prepare

    clf = EmbeddedClassifier.default()
    assert clf._fast is not None  # the shipped model takes the fast path
    for text in ("ប្តីខ្ញុំវាយខ្ញុំ", "knhom chong dg pi chbab mordok", "my neighbour moved the boundary", "ok"):
        prepared = _prepare(text)
        expected = clf._model.predict_proba(clf._features.transform([prepared]))[0]
        assert np.allclose(clf._fast.probabilities(prepared), expected, atol=1e-6)
