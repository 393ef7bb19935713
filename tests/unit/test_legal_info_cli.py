"""The `python -m legal_info` command line: check, ask --json, evaluate."""

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from legal_info.__main__ import main

ROOT = Path(__file__).resolve().parents[2]
ARTICLES = ROOT / "tests" / "fixtures" / "legal_info" / "articles"


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


def test_check_passes_on_valid_articles_and_lists_warnings():
    code, out = run("check", str(ARTICLES), "--today", "2026-11-26")
    assert code == 0
    lines = out.splitlines()
    assert (
        "land-boundary-dispute.md: warning: legal_review is false: no qualified lawyer has reviewed this article yet"
        in lines
    )
    assert lines[-1] == f"checked 4 articles in {ARTICLES}: 0 errors, 4 warnings"


def test_check_fails_on_an_article_with_errors(tmp_path):
    for p in ARTICLES.glob("*.md"):
        shutil.copy(p, tmp_path)
    bad = tmp_path / "birth-registration.md"
    bad.write_text(bad.read_text(encoding="utf-8").replace("date: 2026-11-20", "date: 2027-03-01"), encoding="utf-8")
    (tmp_path / "notes.md").write_text("no front matter here\n", encoding="utf-8")
    code, out = run("check", str(tmp_path), "--today", "2026-11-26")
    assert code == 1
    assert "birth-registration.md: error: reviewed.date 2027-03-01 is in the future" in out
    assert "notes.md: error: cannot read article: notes.md: no YAML front matter between '---' lines" in out
    assert out.splitlines()[-1].endswith(": 2 errors, 4 warnings")


def test_check_fails_on_an_empty_directory(tmp_path):
    code, out = run("check", str(tmp_path))
    assert code == 1 and "no articles (*.md) found" in out


def test_check_exit_code_from_the_real_entry_point(tmp_path):
    shutil.copy(ARTICLES / "land-boundary-dispute.md", tmp_path)  # its related article is missing
    proc = subprocess.run(
        [sys.executable, "-m", "legal_info", "check", str(tmp_path), "--today", "2026-11-26"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1
    assert "land-boundary-dispute.md: error: related article 'land-title-registration' does not exist" in proc.stdout


def test_ask_json_names_the_article_and_the_answer():
    code, out = run("ask", "bdey khnhom vay khnhom", "--json", "--articles", str(ARTICLES))
    assert code == 0
    data = json.loads(out)
    assert data["question"] == "bdey khnhom vay khnhom"
    assert data["language"] == "km-Latn"
    top = data["articles"][0]
    assert top["id"] == "domestic-violence-help"
    assert top["title"] == "សមាជិកគ្រួសារធ្វើបាបខ្ញុំ"
    assert top["citations"] == [
        {"law": "Law on the Prevention of Domestic Violence and the Protection of Victims", "year": 2005}
    ]
    assert 0 < top["confidence"] <= 1
    assert data["answer"].endswith("\nផ្ញើ MORE ដឹងបន្ថែម ឬសួរសំណួរថ្មី")
    assert data["confident"] is True


def test_ask_json_declines_an_off_topic_question():
    code, out = run("ask", "How do I top up my phone?", "--json", "--articles", str(ARTICLES), "--office", "Takeo JSC")
    data = json.loads(out)
    assert code == 0 and data["language"] == "en" and data["confident"] is False
    assert "Takeo JSC" in data["answer"]


def test_ask_plain_text_over_telegram_lists_related():
    code, out = run(
        "ask",
        "My neighbour put his fence posts inside my rice field",
        "--language",
        "en",
        "--channel",
        "telegram",
        "--articles",
        str(ARTICLES),
    )
    assert code == 0
    assert out.startswith("Boundary quarrels are common")
    assert "Related: How to get a title for my land [land-title-registration]" in out


def test_evaluate_reports_hits_and_declines(tmp_path):
    rows = [
        {"question": "My husband hits me when he is drunk", "language": "en", "expected": "domestic-violence-help"},
        {"question": "kon khnhom ot mean sambot kamnert", "language": "km-Latn", "expected": "birth-registration"},
        {"question": "Who won the football match?", "language": "en", "expected": None},
    ]
    (tmp_path / "heldout_x.jsonl").write_text("\n".join(json.dumps(r) for r in rows[:2]) + "\n", encoding="utf-8")
    (tmp_path / "out_of_scope.jsonl").write_text(json.dumps(rows[2]) + "\n", encoding="utf-8")
    code, out = run("evaluate", "--articles", str(ARTICLES), "--eval-dir", str(tmp_path))
    assert code == 0
    lines = out.splitlines()
    assert any(line.split()[:4] == ["all", "2", "1.000", "1.000"] for line in lines), out
    assert "out-of-scope declined all      1/1 = 1.000" in lines
    assert any(line.startswith("threshold: ") for line in lines)


def test_evaluate_without_files_fails(tmp_path):
    code, out = run("evaluate", "--articles", str(ARTICLES), "--eval-dir", str(tmp_path))
    assert code == 1


def test_evaluate_dev_set_reads_only_the_dev_files(tmp_path):
    dev = {"question": "kon khnhom ot mean sambot kamnert", "language": "km-Latn", "expected": "birth-registration"}
    wrong = {
        "question": "kon khnhom ot mean sambot kamnert",
        "language": "km-Latn",
        "expected": "land-boundary-dispute",
    }
    (tmp_path / "dev.jsonl").write_text(json.dumps(dev) + "\n", encoding="utf-8")
    (tmp_path / "heldout_a.jsonl").write_text(json.dumps(wrong) + "\n", encoding="utf-8")
    (tmp_path / "dev_out_of_scope.jsonl").write_text(
        json.dumps({"question": "will it rain tomorrow", "language": "en", "expected": None}) + "\n", encoding="utf-8"
    )
    code, out = run("evaluate", "--set", "dev", "--articles", str(ARTICLES), "--eval-dir", str(tmp_path))
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("set: dev ") and "questions: 1 " in lines[0]
    assert any(line.split()[:4] == ["all", "1", "1.000", "1.000"] for line in lines), out
    assert "out-of-scope declined all      1/1 = 1.000" in lines
    code, out = run("evaluate", "--articles", str(ARTICLES), "--eval-dir", str(tmp_path))
    assert out.splitlines()[0].startswith("set: heldout ")
    assert any(line.split()[:4] == ["all", "1", "0.000", "0.000"] for line in out.splitlines()), out


def test_evaluate_names_any_dev_file_but_never_a_held_out_one(tmp_path):
    oos = {"question": "which bank has a cheap motorbike loan", "language": "en", "expected": None}
    (tmp_path / "dev_out_of_scope2.jsonl").write_text(json.dumps(oos) + "\n", encoding="utf-8")
    (tmp_path / "heldout_a.jsonl").write_text(json.dumps(oos) + "\n", encoding="utf-8")
    code, out = run("evaluate", "--set", "dev-oos2", "--articles", str(ARTICLES), "--eval-dir", str(tmp_path))
    assert code == 0 and out.splitlines()[0].startswith("set: dev-oos2")
    with pytest.raises(SystemExit) as refused:
        run("evaluate", "--set", "heldout_a", "--articles", str(ARTICLES), "--eval-dir", str(tmp_path))
    assert "unknown evaluation set 'heldout_a'" in str(refused.value)


def test_ask_json_below_the_threshold_offers_topics_but_no_answer():
    code, out = run(
        "ask", "my neighbour moved the boundary posts", "--json", "--articles", str(ARTICLES), "--threshold", "0.99"
    )
    payload = json.loads(out)
    assert code == 0 and payload["confident"] is False
    assert payload["suggestions"][0] == {"id": "land-boundary-dispute", "label": "Land boundary dispute"}
    assert (
        payload["answer"].startswith("I am not sure I understood.") and "1) Land boundary dispute" in payload["answer"]
    )
