"""The evaluation sets that are training data (`nlu.training_sets`): which files the models learn
from, which they never see, and the same data written as Rasa reads it."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from nlu.__main__ import main as nlu_main
from nlu.training import TrainingDataError, eval_set_names, load_training_data, load_training_file, training_files
from nlu.training_sets import (
    TRAINED_EVAL_SETS,
    EvalFileError,
    main,
    rasa_yaml,
    trained_eval_files,
    write_rasa_data,
)

EVAL_DIR = Path(__file__).resolve().parents[2] / "nlu" / "eval"


def _jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_the_models_learn_from_the_trained_sets_and_never_from_the_others():
    files = training_files()
    trained = {p.name.split("_", 1)[0] for p in files if p.suffix == ".jsonl"}
    assert trained == set(TRAINED_EVAL_SETS)
    assert all(len([p for p in files if p.name.startswith(f"{name}_")]) == 3 for name in TRAINED_EVAL_SETS)
    untrained = set(eval_set_names()) - set(TRAINED_EVAL_SETS)
    # the first held-out files, the dev files and every set written after the list was last extended
    assert {"heldout", "dev"} <= untrained
    assert not [p for p in files if p.name.split("_", 1)[0] in untrained]
    # a directory given (tests, tools) is that directory's YAML files only
    assert all(p.suffix in (".yml", ".yaml") for p in training_files(EVAL_DIR.parent / "data"))


def test_an_evaluation_file_reads_as_training_examples(tmp_path):
    path = _jsonl(
        tmp_path / "heldout2_general.jsonl",
        [
            {"text": "ប្តីខ្ញុំវាយខ្ញុំ", "language": "km", "intent": "victim_protection", "urgent": True},
            {"text": "how do I register a birth", "language": "en", "intent": "legal_information"},
        ],
    )
    examples = load_training_file(path)
    assert [(e.text, e.intent) for e in examples] == [
        ("ប្តីខ្ញុំវាយខ្ញុំ", "victim_protection"),
        ("how do I register a birth", "legal_information"),
    ]
    _jsonl(tmp_path / "heldout2_bad.jsonl", [{"text": "x", "intent": "no_such_intent"}])
    with pytest.raises(TrainingDataError, match="unknown intent"):
        load_training_data([tmp_path / "heldout2_bad.jsonl"])


def test_the_rasa_data_holds_the_same_examples_as_the_projects_reader(tmp_path):
    data, evals, out = tmp_path / "data", tmp_path / "eval", tmp_path / "out"
    data.mkdir(), evals.mkdir(), out.mkdir()
    yml = 'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - hello\n    - សួស្តី\n'
    (data / "nlu_en.yml").write_text(yml, encoding="utf-8")
    (out / "stale.yml").write_text("left from an earlier run", encoding="utf-8")
    rows = [
        {"text": "line one\nline two: 'quoted' \"double\" # not a comment", "intent": "dispute_mediation"},
        {"text": "- starts with a dash [and](brackets)", "intent": "legal_information"},
        {"text": "kon knhom ot mean bay si 3 thngai", "intent": "victim_protection", "urgent": True},
    ]
    name = TRAINED_EVAL_SETS[0]
    _jsonl(evals / f"{name}_general.jsonl", rows)
    _jsonl(evals / "heldout999_general.jsonl", [{"text": "never trained", "intent": "greet"}])

    written = write_rasa_data(out, data_dir=data, eval_dir=evals)

    assert (
        sorted(p.name for p in out.glob("*.yml"))
        == sorted(p.name for p in written)
        == [f"eval_{name}.yml", "nlu_en.yml"]
    )
    assert (out / "nlu_en.yml").read_text(encoding="utf-8") == yml
    back = {(e.text, e.intent) for e in load_training_file(out / f"eval_{name}.yml")}
    assert ("line one line two: 'quoted' \"double\" # not a comment", "dispute_mediation") in back
    assert ("kon knhom ot mean bay si 3 thngai", "victim_protection") in back
    # the project's reader drops Rasa's entity markup as Rasa does: the text stays
    assert ("- starts with a dash and", "legal_information") in back
    assert not any("never trained" in t for t, _ in back)


def test_rasa_yaml_groups_by_intent_and_skips_empty_lines():
    doc = rasa_yaml([("a", "greet"), ("  ", "greet"), ("b", "stop"), ("c", "greet")], "x")
    assert doc.splitlines()[1:] == [
        'version: "3.1"',
        "nlu:",
        "- intent: greet",
        "  examples: |",
        "    - a",
        "    - c",
        "- intent: stop",
        "  examples: |",
        "    - b",
    ]


def test_the_command_writes_the_whole_training_data(tmp_path, capsys):
    assert main(["rasa-data", str(tmp_path)]) == 0
    names = {p.name for p in tmp_path.glob("*.yml")}
    assert {f"eval_{name}.yml" for name in TRAINED_EVAL_SETS} <= names
    assert {p.name for p in training_files() if p.suffix == ".yml"} <= names
    total = sum(len(load_training_file(p)) for p in tmp_path.glob("eval_*.yml"))
    assert total == sum(len(load_training_file(p)) for p in trained_eval_files())
    assert main(["nonsense"]) == 2


def test_evaluate_says_when_its_files_are_training_data(tmp_path):
    trained = trained_eval_files()[0]
    fresh = _jsonl(tmp_path / "heldout999_general.jsonl", [{"text": "hello", "language": "en", "intent": "greet"}])
    for path, expected in ((trained, [trained.name]), (fresh, [])):
        out = io.StringIO()
        nlu_main(["evaluate", "--json", "--rasa-url", "http://127.0.0.1:9", "--heldout", str(path)], stdout=out)
        assert json.loads(out.getvalue())["trained_on"] == expected
    out = io.StringIO()
    nlu_main(["evaluate", "--rasa-url", "http://127.0.0.1:9", "--heldout", str(trained)], stdout=out)
    assert "are training data" in out.getvalue() and "fit, not measured" in out.getvalue()


def test_a_malformed_trained_file_is_named_with_its_line_and_never_its_text(tmp_path, capsys):
    data, evals, out = tmp_path / "data", tmp_path / "eval", tmp_path / "out"
    data.mkdir(), evals.mkdir()
    name = TRAINED_EVAL_SETS[0]
    path = evals / f"{name}_victims.jsonl"
    path.write_text(
        json.dumps({"text": "he beats me every night", "intent": "victim_protection"})
        + "\n"
        + json.dumps({"text": "my uncle keeps my ID card"})
        + "\n",
        encoding="utf-8",
    )
    with pytest.raises(EvalFileError) as err:
        write_rasa_data(out, data_dir=data, eval_dir=evals)
    assert str(err.value) == f"{name}_victims.jsonl:2: KeyError"
    path.write_text("{not json\n", encoding="utf-8")
    with pytest.raises(EvalFileError, match=r":1: JSONDecodeError"):
        write_rasa_data(out, data_dir=data, eval_dir=evals)
    path.write_text(json.dumps({"text": 5, "intent": "greet"}) + "\n", encoding="utf-8")
    with pytest.raises(EvalFileError, match="must be strings"):
        write_rasa_data(out, data_dir=data, eval_dir=evals)
