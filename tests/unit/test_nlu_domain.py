"""The Rasa project names the same intents as the app: nlu/domain.yml lists exactly the `Intent`
enum, and the training data uses no intent the domain does not list (a typo would reach the app
as an unknown intent) and leaves none without examples."""

from __future__ import annotations

from pathlib import Path

import yaml

from nlu.types import Intent

NLU = Path(__file__).resolve().parents[2] / "nlu"


def _training_intents() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in sorted((NLU / "data").glob("*.y*ml")):
        blocks = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []
        found[path.name] = {block["intent"] for block in blocks if "intent" in block}
    return found


def test_the_domain_lists_exactly_the_intent_enum():
    domain = yaml.safe_load((NLU / "domain.yml").read_text(encoding="utf-8"))["intents"]
    assert len(domain) == len(set(domain))
    assert set(domain) == {str(i) for i in Intent}


def test_the_training_data_uses_only_the_domain_intents_and_all_of_them():
    domain = set(yaml.safe_load((NLU / "domain.yml").read_text(encoding="utf-8"))["intents"])
    per_file = _training_intents()
    assert per_file, "no training files in nlu/data"
    for name, intents in per_file.items():
        assert intents <= domain, (name, sorted(intents - domain))
    assert set().union(*per_file.values()) == domain
