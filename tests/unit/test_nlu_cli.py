"""`python -m nlu parse` and `python -m nlu evaluate`: output shape, through main(argv)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from nlu.__main__ import CLASSES, classification_report, main
from nlu.training import eval_set_names, heldout_files

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "nlu"


def run(argv: list[str], stdin: str = "") -> tuple[int, str]:
    out = io.StringIO()
    code = main(argv, stdin=io.StringIO(stdin), stdout=out)
    return code, out.getvalue()


def test_parse_writes_one_json_line_per_input_line():
    lines = [
        {"text": "bdey knhom vay knhom, knhom nov srok Bavel khet Battambang"},
        {"text": "how do I get a birth certificate"},
        {"text": "ប្តីខ្ញុំគំរាមសម្លាប់ខ្ញុំ"},
    ]
    code, out = run(["parse", "--backend", "embedded"], "\n".join(json.dumps(x, ensure_ascii=False) for x in lines))
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(rows) == 3
    first = rows[0]
    assert set(first) >= {"text", "intent", "confidence", "language", "urgent", "location", "backend"}
    assert set(first["location"]) >= {"province_code", "district_code", "commune_code", "ambiguous"}
    assert first["text"] == lines[0]["text"]
    assert (first["intent"], first["language"], first["backend"]) == ("victim_protection", "km-Latn", "embedded")
    assert (first["location"]["province_code"], first["location"]["district_code"]) == ("02", "0204")
    assert rows[1]["intent"] == "legal_information" and rows[1]["language"] == "en" and rows[1]["urgent"] is False
    assert rows[2]["intent"] == "victim_protection" and rows[2]["urgent"] is True and rows[2]["language"] == "km"
    # The safety triage: protect / ask / none, with what it weighed.
    assert [r["safety"] for r in rows] == ["protect", "none", "protect"]
    assert "word:violence" in rows[0]["safety_reasons"] and "word:threat" in rows[2]["safety_reasons"]


def test_parse_reports_bad_lines_and_continues():
    code, out = run(["parse"], 'not json\n{"txt": 1}\n\n{"text": "hello"}\n')
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r.get("error", "").split(":")[0] for r in rows[:2]] == ["bad input line", "bad input line"]
    assert rows[2]["intent"] == "greet" and len(rows) == 3


def test_parse_with_rasa_down_answers_from_the_fallback():
    code, out = run(["parse", "--backend", "rasa", "--rasa-url", "http://127.0.0.1:9"], '{"text": "hello"}\n')
    assert json.loads(out)["backend"] == "embedded-fallback"


def test_evaluate_json_has_both_backends_languages_and_places():
    code, out = run(
        ["evaluate", "--json", "--rasa-url", "http://127.0.0.1:9", "--heldout", str(FIXTURES / "heldout_fixture.jsonl")]
    )
    report = json.loads(out)
    assert code == 0 and report["n"] == 5
    assert report["backends"]["rasa"]["available"] is False
    emb = report["backends"]["embedded"]
    assert set(emb["raw"]) == set(emb["understander"]) == {"en", "km", "km-Latn", "all"}
    overall = emb["understander"]["all"]
    assert set(overall["per_intent"]) == set(CLASSES)
    assert set(overall["per_intent"]["victim_protection"]) == {"precision", "recall", "f1", "support"}
    assert overall["victim_recall"] == 1.0  # both victim texts, via the safety override
    assert set(overall["confusion"]) == set(CLASSES)
    assert report["places"]["en"]["province"] == {"n": 1, "accuracy": 1.0, "spurious": 0.0}
    assert report["places"]["en"]["district"]["accuracy"] == 1.0
    assert report["safety"]["all"]["victim_recall"] == 1.0
    triage = emb["triage"]["all"]
    assert triage["victims"] == 2 and triage["victims_caught"] == 1.0
    assert set(triage) >= {"victims_protected", "nonvictims_protected", "nonvictims_asked", "urgent_flagged"}


def test_evaluate_reports_mixed_text_as_its_own_script(tmp_path):
    path = tmp_path / "heldout2_mixed.jsonl"
    rows = [
        {"text": "ប្តីខ្ញុំ beat me again, please help", "language": "mixed", "intent": "victim_protection", "urgent": True},
        {"text": "tuk tuk bok moto knhom, driver ot prom pay", "language": "mixed", "intent": "dispute_mediation"},
    ]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    code, out = run(["evaluate", "--json", "--rasa-url", "http://127.0.0.1:9", "--heldout", str(path)])
    triage = json.loads(out)["backends"]["embedded"]["triage"]
    assert set(triage) == {"mixed", "all"} and triage["mixed"]["urgent_victims"] == 1
    code, out = run(["evaluate", "--rasa-url", "http://127.0.0.1:9", "--heldout", str(path)])
    assert "embedded mixed" in out


def test_evaluate_text_output_shows_rasa_unavailable():
    code, out = run(
        ["evaluate", "--rasa-url", "http://127.0.0.1:9", "--heldout", str(FIXTURES / "heldout_fixture.jsonl")]
    )
    assert code == 0
    assert "rasa (unavailable: server did not answer)" in out
    assert "macro-F1" in out and "confusion matrix, embedded +safety" in out


def test_evaluate_with_no_heldout_data_exits_1(tmp_path):
    empty = tmp_path / "heldout_none.jsonl"
    empty.write_text("")
    code, out = run(["evaluate", "--json", "--heldout", str(empty), "--rasa-url", "http://127.0.0.1:9"])
    assert code == 1 and json.loads(out)["error"].startswith("no held-out examples")


def test_classification_report_collapses_other_intents_and_computes_f1():
    gold = ["victim_protection", "victim_protection", "greet", "stop", "legal_information"]
    pred = ["victim_protection", "dispute_mediation", "help", "stop", "legal_information"]
    r = classification_report(gold, pred)
    assert r["per_intent"]["victim_protection"] == {"precision": 1.0, "recall": 0.5, "f1": 0.6667, "support": 2}
    assert r["per_intent"]["other"]["recall"] == 1.0  # greet→help is still "other"
    assert r["confusion"]["victim_protection"]["dispute_mediation"] == 1
    assert r["accuracy"] == 0.8


def test_any_prefix_of_eval_files_is_a_set(tmp_path):
    for name in ("heldout3_general.jsonl", "heldout3_safety_victims.jsonl", "heldout_en.jsonl", "dev_x.jsonl"):
        (tmp_path / name).write_text("")
    (tmp_path / "notes.txt").write_text("")
    assert eval_set_names(tmp_path) == ["dev", "heldout", "heldout3"]
    assert [p.name for p in heldout_files(tmp_path, "heldout3")] == [
        "heldout3_general.jsonl",
        "heldout3_safety_victims.jsonl",
    ]
    assert [p.name for p in heldout_files(tmp_path, "heldout")] == ["heldout_en.jsonl"]  # not heldout3_*
    assert heldout_files(tmp_path, "../x") == []


def test_an_unknown_set_is_refused_with_the_sets_present():
    with pytest.raises(SystemExit):
        run(["evaluate", "--set", "nosuchset"])


def test_evaluate_reports_the_triage_per_set_field_and_script(tmp_path):
    path = tmp_path / "heldout9_mix.jsonl"
    rows = [
        {
            "text": "my husband beat me again tonight",
            "language": "en",
            "intent": "victim_protection",
            "urgent": True,
            "set": "general",
        },
        {
            "text": "how do I register a birth",
            "language": "en",
            "intent": "legal_information",
            "urgent": False,
            "set": "general",
        },
        {
            "text": "a tuk tuk hit my parked moto, the driver will not pay",
            "language": "en",
            "intent": "dispute_mediation",
            "urgent": False,
            "set": "nonvictims_with_danger_words",
        },
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    code, out = run(["evaluate", "--json", "--rasa-url", "http://127.0.0.1:9", "--heldout", str(path)])
    by_set = json.loads(out)["backends"]["embedded"]["by_set"]
    assert set(by_set) == {"general", "nonvictims_with_danger_words"}
    assert by_set["general"]["en"]["victims"] == 1 and by_set["general"]["en"]["victims_caught"] == 1.0
    assert by_set["nonvictims_with_danger_words"]["all"]["nonvictims_protected"] == 0.0
    assert "macro_f1_classifier" in by_set["general"]["all"]
    code, out = run(["evaluate", "--rasa-url", "http://127.0.0.1:9", "--heldout", str(path)])
    assert "embedded nonvictims_with_danger_words en" in out and "by set" in out


def test_train_builds_or_finds_the_three_embedded_models():
    code, out = run(["train"])
    assert code == 0
    lines = out.splitlines()
    assert [line.split(":")[0] for line in lines] == ["embedded classifier", "danger model", "urgency model"]
    assert all(": ready in " in line for line in lines)
