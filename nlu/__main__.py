"""Command line for the NLU: `python -m nlu parse` and `python -m nlu evaluate`.

parse     reads JSON lines {"text": ...} on stdin and writes one JSON line of understanding each.
train     builds the embedded models into var/cache (or finds them there): `make run` and `make test`
          call it first.
evaluate  scores the classifiers (raw) and the full Understander (with the safety triage) on an
          evaluation set (`--set PREFIX`: every nlu/eval/PREFIX_*.jsonl, `heldout` by default; also
          `heldout2`, `dev`, and any set added later such as `heldout3`), for the embedded and the Rasa
          backend side by side (Rasa is reported as unavailable when it does not answer), per
          script ("mixed" = code-switched, its own row) and overall: intent P/R/F1, the safety
          triage (victims caught / protected, non-victims protected / asked, urgent flagged),
          place accuracy and the word list's recall / false alarms; when the files give each
          message's `set` (general / victims_implicit / nonvictims_with_danger_words), the same
          triage figures per set and script.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import IO, Any

from nlu.khmer import normalize
from nlu.training import EVAL_SETS, eval_set_names, heldout_files
from nlu.training_sets import trained_eval_files
from nlu.types import Understanding

DEFAULT_RASA_URL = "http://127.0.0.1:5005"
MAIN_INTENTS = ("legal_information", "dispute_mediation", "victim_protection")
CLASSES = MAIN_INTENTS + ("other",)
LANGUAGES = ("km", "km-Latn", "en", "mixed")
# Phones and dates are not scored here (the held-out sets carry no gold for them).
_NO_ENTITIES: dict[str, Any] = {"find_phones": lambda text: (), "find_dates": lambda text, today: ()}
TARGETS = {
    "macro_f1": 0.92,
    "macro_f1_per_script": 0.88,
    "victim_recall": 0.97,
    "province": 0.95,
    "district": 0.85,
    "victims_caught": 1.00,
    "victims_protected": 0.85,
    "nonvictims_protected_max": 0.05,
    "nonvictims_asked_max": 0.15,
    "urgent_flagged": 0.95,
}


# --- parse ---------------------------------------------------------------------------------------


def understanding_json(text: str, u: Understanding) -> dict[str, Any]:
    """The JSON line `parse` writes for one message."""
    loc = u.location
    return {
        "text": text,
        "intent": u.intent.value,
        "confidence": round(u.confidence, 4),
        "language": u.language.value,
        "urgent": u.urgent,
        "danger": list(u.danger),
        "safety": u.safety,
        "safety_reasons": list(u.safety_reasons),
        "location": {
            "province_code": loc.province_code,
            "district_code": loc.district_code,
            "commune_code": loc.commune_code,
            "ambiguous": [{"level": c.level, "code": c.code, "name_latin": c.name_latin} for c in loc.ambiguous],
        },
        "backend": u.backend,
    }


def _parse(args: argparse.Namespace, stdin: IO[str], stdout: IO[str]) -> int:
    from nlu.service import build_understander

    url = (args.rasa_url or DEFAULT_RASA_URL) if args.backend == "rasa" else None
    understander = build_understander(url)
    for line in stdin:
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            text = row["text"] if isinstance(row, dict) else None
            if not isinstance(text, str):
                raise TypeError("text is not a string")
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            stdout.write(json.dumps({"text": None, "error": f"bad input line: {exc.__class__.__name__}"}) + "\n")
            continue
        stdout.write(json.dumps(understanding_json(text, understander.understand(text)), ensure_ascii=False) + "\n")
        stdout.flush()
    return 0


# --- metrics -------------------------------------------------------------------------------------


def collapse(intent: str) -> str:
    """The three main intents as themselves, every other intent as "other"."""
    return intent if intent in MAIN_INTENTS else "other"


def classification_report(gold: list[str], pred: list[str]) -> dict[str, Any]:
    """Per-class precision/recall/F1 over CLASSES, macro-F1, accuracy and the confusion matrix."""
    g = [collapse(x) for x in gold]
    p = [collapse(x) for x in pred]
    confusion = {a: {b: 0 for b in CLASSES} for a in CLASSES}
    for a, b in zip(g, p):
        confusion[a][b] += 1
    per_class = {}
    for c in CLASSES:
        tp = confusion[c][c]
        predicted = sum(confusion[a][c] for a in CLASSES)
        actual = sum(confusion[c].values())
        precision = tp / predicted if predicted else 0.0
        recall = tp / actual if actual else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[c] = {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "support": actual,
        }
    present = [c for c in CLASSES if per_class[c]["support"]]
    macro = sum(per_class[c]["f1"] for c in present) / len(present) if present else 0.0
    n = len(g)
    return {
        "n": n,
        "accuracy": round(sum(a == b for a, b in zip(g, p)) / n, 4) if n else 0.0,
        "macro_f1": round(macro, 4),
        "per_intent": per_class,
        "victim_recall": per_class["victim_protection"]["recall"]
        if per_class["victim_protection"]["support"]
        else None,
        "confusion": confusion,
    }


def calibration(gold: list[str], pred: list[str], conf: list[float], bins: int = 10) -> dict[str, Any]:
    """Expected calibration error (full intent set) and accuracy above confidence thresholds."""
    n = len(gold)
    if not n:
        return {"ece": None}
    buckets: dict[int, list[tuple[float, bool]]] = defaultdict(list)
    for g, p, c in zip(gold, pred, conf):
        buckets[min(int(c * bins), bins - 1)].append((c, g == p))
    ece = sum(
        abs(sum(c for c, _ in b) / len(b) - sum(ok for _, ok in b) / len(b)) * len(b) / n for b in buckets.values()
    )
    out: dict[str, Any] = {"ece": round(ece, 4), "mean_confidence": round(sum(conf) / n, 4)}
    for t in (0.5, 0.8):
        sel = [g == p for g, p, c in zip(gold, pred, conf) if c >= t]
        out[f"accuracy_at_{t}"] = round(sum(sel) / len(sel), 4) if sel else None
        out[f"coverage_at_{t}"] = round(len(sel) / n, 4)
    return out


def _by_language(examples, values) -> dict[str, list]:
    groups: dict[str, list] = defaultdict(list)
    for ex, v in zip(examples, values):
        groups[ex.language].append((ex, v))
        groups["all"].append((ex, v))
    return groups


def _score_backend(examples, classify, understand) -> dict[str, Any]:
    raw = [classify(normalize(ex.text)) for ex in examples]
    full = [understand(ex.text) for ex in examples]
    result: dict[str, Any] = {"available": True}
    for kind, preds in (
        ("raw", [(s.intent, s.confidence) for s in raw]),
        ("understander", [(u.intent.value, u.confidence) for u in full]),
    ):
        per_lang = {}
        for lang, pairs in _by_language(examples, preds).items():
            gold = [ex.intent for ex, _ in pairs]
            pred = [p for _, (p, _) in pairs]
            report = classification_report(gold, pred)
            report["calibration"] = calibration(gold, pred, [c for _, (_, c) in pairs])
            per_lang[lang] = report
        result[kind] = per_lang
    result["triage"] = triage_report(examples, full)
    result["by_set"] = subset_report(examples, full, [sc.intent for sc in raw])
    result["backends_used"] = dict(Counter(u.backend for u in full))
    result["_full"] = full
    return result


def _triage_row(pairs, raw=None) -> dict[str, Any]:
    victims = [u for ex, u in pairs if ex.intent == "victim_protection"]
    others = [u for ex, u in pairs if ex.intent != "victim_protection"]
    urgent = [u for ex, u in pairs if ex.intent == "victim_protection" and ex.urgent]

    def share(sel, cond):
        return round(sum(1 for u in sel if cond(u)) / len(sel), 4) if sel else None

    gold = [ex.intent for ex, _ in pairs]
    first = [u.intent.value for _, u in pairs]
    answered = [
        "victim_protection" if u.safety == "ask" and ex.intent == "victim_protection" else u.intent.value
        for ex, u in pairs
    ]
    row = {
        "n": len(pairs),
        "victims": len(victims),
        "victims_caught": share(victims, lambda u: u.safety in ("protect", "ask")),
        "victims_protected": share(victims, lambda u: u.safety == "protect"),
        "nonvictims": len(others),
        "nonvictims_protected": share(others, lambda u: u.safety == "protect"),
        "nonvictims_asked": share(others, lambda u: u.safety == "ask"),
        "urgent_victims": len(urgent),
        "urgent_flagged": share(urgent, lambda u: u.urgent),
        "macro_f1_first_reading": classification_report(gold, first)["macro_f1"],
        "macro_f1_after_question": classification_report(gold, answered)["macro_f1"],
    }
    if raw is not None:
        row["macro_f1_classifier"] = classification_report(gold, raw)["macro_f1"]
    return row


def triage_report(examples, understandings) -> dict[str, Any]:
    """The safety triage per script: victims caught (protect or ask) and protected at once,
    non-victims sent straight to protection and asked the safety question, urgent victims flagged,
    and intent macro-F1 twice — at first reading (an asked message counts as what the classifier
    read) and after the question, assuming each person answers it truthfully (an asked victim
    then reaches protection, an asked non-victim what the classifier read)."""
    return {lang: _triage_row(pairs) for lang, pairs in _by_language(examples, understandings).items()}


def subset_report(examples, understandings, raw_intents) -> dict[str, Any]:
    """The triage figures per the files' `set` field (general / victims_implicit /
    nonvictims_with_danger_words) and script, plus the classifier's own macro-F1 on each:
    {set: {script | "all": row}}. Empty when no example names its set."""
    out: dict[str, Any] = {}
    subsets = sorted({ex.subset for ex in examples if ex.subset})
    for subset in subsets:
        idx = [i for i, ex in enumerate(examples) if ex.subset == subset]
        groups: dict[str, list[int]] = defaultdict(list)
        for i in idx:
            groups[examples[i].language].append(i)
            groups["all"].append(i)
        out[subset] = {
            lang: _triage_row([(examples[i], understandings[i]) for i in ids], [raw_intents[i] for i in ids])
            for lang, ids in groups.items()
        }
    return out


def place_report(examples, understandings) -> dict[str, Any]:
    """Accuracy of province / district / commune on texts that name them, per language, and how
    often a place was returned for texts whose gold code is null (spurious)."""
    out: dict[str, Any] = {}
    for lang, pairs in _by_language(examples, understandings).items():
        row: dict[str, Any] = {}
        for level in ("province", "district", "commune"):
            attr = f"{level}_code"
            named = [(getattr(ex, attr), getattr(u.location, attr)) for ex, u in pairs if getattr(ex, attr)]
            unnamed = [getattr(u.location, attr) for ex, u in pairs if not getattr(ex, attr)]
            row[level] = {
                "n": len(named),
                "accuracy": round(sum(g == p for g, p in named) / len(named), 4) if named else None,
                "spurious": round(sum(p is not None for p in unnamed) / len(unnamed), 4) if unnamed else None,
            }
        out[lang] = row
    return out


def safety_report(examples) -> dict[str, Any]:
    """The danger detector alone: recall on victim texts, alarm rate on every other intent."""
    from nlu.safety import assess_danger

    out: dict[str, Any] = {}
    dangers = [assess_danger(ex.text) for ex in examples]
    for lang, pairs in _by_language(examples, dangers).items():
        victims = [d for ex, d in pairs if ex.intent == "victim_protection"]
        row: dict[str, Any] = {
            "victim_n": len(victims),
            "victim_recall": round(sum(bool(d.categories) for d in victims) / len(victims), 4) if victims else None,
            "victim_urgent": round(sum(d.urgent for d in victims) / len(victims), 4) if victims else None,
        }
        for intent in ("dispute_mediation", "legal_information", "other"):
            sel = [d for ex, d in pairs if collapse(ex.intent) == intent]
            row[f"false_alarm_{intent}"] = round(sum(bool(d.categories) for d in sel) / len(sel), 4) if sel else None
            row[f"false_alarm_{intent}_n"] = len(sel)
        out[lang] = row
    return out


def evaluate(heldout_paths: list[Path] | None, rasa_url: str | None, set_name: str = "heldout") -> dict[str, Any]:
    """All evaluation figures as a JSON-ready dict."""
    from nlu.embedded import EmbeddedClassifier
    from nlu.places import PlaceResolver
    from nlu.service import Understander
    from nlu.training import heldout_files, load_heldout
    from nlu.triage import DangerModel, default_urgency_model

    paths = heldout_paths or heldout_files(name=set_name)
    examples = load_heldout(paths)
    report: dict[str, Any] = {
        "heldout_files": [p.name for p in paths],
        "n": len(examples),
        "languages": dict(Counter(ex.language for ex in examples)),
        "targets": TARGETS,
        "backends": {},
    }
    # Files the models learn from (nlu.training_sets.TRAINED_EVAL_SETS): figures on them are fit.
    trained = {p.resolve() for p in trained_eval_files()}
    report["trained_on"] = [p.name for p in paths if p.resolve() in trained]
    if not examples:
        report["error"] = f"no held-out examples (set {set_name!r} in nlu/eval/)"
        return report

    resolver = PlaceResolver.default()
    embedded = EmbeddedClassifier.default()
    danger_model = DangerModel.default()
    urgency_model = default_urgency_model()
    emb_u = Understander(
        embedded,
        None,
        resolver,
        primary_name="embedded",
        danger_model=danger_model,
        urgency_model=urgency_model,
        **_NO_ENTITIES,
    )
    emb = _score_backend(examples, embedded.classify, emb_u.understand)
    report["places"] = place_report(examples, emb.pop("_full"))
    report["backends"]["embedded"] = emb

    report["backends"]["rasa"] = _rasa_backend(examples, rasa_url, embedded, resolver, danger_model, urgency_model)
    report["safety"] = safety_report(examples)
    return report


def _rasa_backend(examples, rasa_url, embedded, resolver, danger_model=None, urgency_model=None) -> dict[str, Any]:
    from nlu.service import Understander

    url = rasa_url or DEFAULT_RASA_URL
    try:
        from nlu.rasa_client import NLUUnavailable, RasaClient
    except ImportError as exc:
        return {"available": False, "url": url, "reason": f"nlu.rasa_client missing ({exc.__class__.__name__})"}
    client = RasaClient(url)
    if not client.healthy():
        return {"available": False, "url": url, "reason": "server did not answer"}
    u = Understander(
        client,
        embedded,
        resolver,
        primary_name="rasa",
        danger_model=danger_model,
        urgency_model=urgency_model,
        **_NO_ENTITIES,
    )
    try:
        result = _score_backend(examples, client.classify, u.understand)
    except NLUUnavailable as exc:
        return {"available": False, "url": url, "reason": f"failed during evaluation ({exc.__class__.__name__})"}
    result.pop("_full")
    result["url"] = url
    result["fallbacks"] = u.stats.get("fallback", 0)
    return result


# --- text output ---------------------------------------------------------------------------------


def _fmt(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.3f}"
    return str(v)


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    cells = [headers] + [[_fmt(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def render(report: dict[str, Any]) -> str:
    """The evaluation report as plain-text tables."""
    out = [
        f"set {report.get('set', '-')}: {report['n']} examples from {', '.join(report['heldout_files']) or 'nothing'} {report['languages']}"
    ]
    if report.get("trained_on"):
        out.append(
            f"NOTE: {len(report['trained_on'])} of these files are training data (nlu.training_sets.TRAINED_EVAL_SETS): "
            "the figures below are fit, not measured"
        )
    if report.get("error"):
        return "\n".join(out + [report["error"]])
    cols: list[tuple[str, dict | None]] = []
    for name, b in report["backends"].items():
        if b.get("available"):
            cols += [(f"{name} raw", b["raw"]), (f"{name} +safety", b["understander"])]
        else:
            cols += [(f"{name} (unavailable: {b.get('reason')})", None)]
    langs = [lang for lang in LANGUAGES + ("all",) if lang in report["backends"]["embedded"]["raw"]]
    for lang in langs:
        rows: list[list[Any]] = []
        get = lambda col, *keys, lang=lang: _dig(col, lang, *keys)  # noqa: E731
        for c in CLASSES:
            for m in ("precision", "recall", "f1"):
                rows.append([f"{c} {m}"] + [get(col, "per_intent", c, m) for _, col in cols])
        rows.append(["macro-F1"] + [get(col, "macro_f1") for _, col in cols])
        rows.append(["accuracy (4 classes)"] + [get(col, "accuracy") for _, col in cols])
        rows.append(["victim_protection recall"] + [get(col, "victim_recall") for _, col in cols])
        rows.append(["calibration ECE"] + [get(col, "calibration", "ece") for _, col in cols])
        rows.append(["accuracy when conf>=0.8"] + [get(col, "calibration", "accuracy_at_0.8") for _, col in cols])
        n = report["backends"]["embedded"]["raw"][lang]["n"]
        out += ["", f"== {lang} (n={n}) ==", _table(["metric"] + [h for h, _ in cols], rows)]
    for name, col in cols:
        if col is None:
            continue
        conf = col["all"]["confusion"]
        out += [
            "",
            f"confusion matrix, {name} (rows = expected, columns = predicted)",
            _table(["expected"] + list(CLASSES), [[a] + [conf[a][b] for b in CLASSES] for a in CLASSES]),
        ]
    rows = []
    for name, b in report["backends"].items():
        if not b.get("available"):
            continue
        for lang in langs:
            t = b["triage"].get(lang)
            if not t:
                continue
            rows.append(
                [
                    f"{name} {lang}",
                    t["victims"],
                    t["victims_caught"],
                    t["victims_protected"],
                    t["nonvictims"],
                    t["nonvictims_protected"],
                    t["nonvictims_asked"],
                    t["urgent_flagged"],
                    t["macro_f1_first_reading"],
                    t["macro_f1_after_question"],
                ]
            )
    out += [
        "",
        "safety triage (protect / ask / none); macro-F1 at first reading and after the safety question",
        _table(
            [
                "backend script",
                "victims",
                "caught",
                "protected",
                "others",
                "others protected",
                "others asked",
                "urgent flagged",
                "F1 first",
                "F1 answered",
            ],
            rows,
        ),
    ]
    rows = []
    for name, b in report["backends"].items():
        for subset, per_lang in (b.get("by_set") or {}).items() if b.get("available") else ():
            for lang in [x for x in LANGUAGES + ("all",) if x in per_lang]:
                t = per_lang[lang]
                rows.append(
                    [
                        f"{name} {subset} {lang}",
                        t["n"],
                        t["victims_caught"],
                        t["victims_protected"],
                        t["nonvictims_protected"],
                        t["nonvictims_asked"],
                        t["urgent_flagged"],
                        t["macro_f1_first_reading"],
                        t["macro_f1_after_question"],
                        t["macro_f1_classifier"],
                    ]
                )
    if rows:
        tg = report.get("targets", TARGETS)
        out += [
            "",
            "by set (the files' `set` field) and script; targets: victims caught "
            f"{tg['victims_caught']}, protected >= {tg['victims_protected']}, others protected <= "
            f"{tg['nonvictims_protected_max']}, asked <= {tg['nonvictims_asked_max']}, urgent flagged >= "
            f"{tg['urgent_flagged']}, macro-F1 >= {tg['macro_f1']} (each script >= {tg['macro_f1_per_script']})",
            _table(
                [
                    "backend set script",
                    "n",
                    "victims caught",
                    "protected",
                    "others protected",
                    "others asked",
                    "urgent flagged",
                    "F1 first",
                    "F1 answered",
                    "F1 classifier",
                ],
                rows,
            ),
        ]
    places = report.get("places", {})
    rows = []
    for lang in langs:
        for level in ("province", "district", "commune"):
            p = places.get(lang, {}).get(level, {})
            rows.append([f"{lang} {level}", p.get("n"), p.get("accuracy"), p.get("spurious")])
    out += [
        "",
        "places (held-out texts that name the unit)",
        _table(["language level", "n", "accuracy", "spurious when none named"], rows),
    ]
    rows = []
    for lang in langs:
        s = report["safety"][lang]
        rows.append(
            [
                lang,
                s["victim_n"],
                s["victim_recall"],
                s["victim_urgent"],
                s["false_alarm_dispute_mediation"],
                s["false_alarm_legal_information"],
                s["false_alarm_other"],
            ]
        )
    out += [
        "",
        "safety detector alone",
        _table(["language", "victims", "recall", "urgent", "alarm dispute", "alarm legal", "alarm other"], rows),
    ]
    return "\n".join(out)


def _dig(d: Any, *keys: str) -> Any:
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


def _evaluate(args: argparse.Namespace, stdout: IO[str]) -> int:
    started = time.perf_counter()
    report = evaluate([Path(p) for p in args.heldout] if args.heldout else None, args.rasa_url, args.set)
    report["set"] = "files" if args.heldout else args.set
    report["seconds"] = round(time.perf_counter() - started, 2)
    if args.json:
        stdout.write(json.dumps(report, ensure_ascii=False, indent=1) + "\n")
    else:
        stdout.write(render(report) + "\n")
    return 0 if report.get("n") else 1


def main(argv: list[str] | None = None, stdin: IO[str] | None = None, stdout: IO[str] | None = None) -> int:
    """Entry point of `python -m nlu`; returns the process exit code."""
    parser = argparse.ArgumentParser(prog="python -m nlu", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("parse", help='understand JSON lines {"text": ...} from stdin')
    p.add_argument("--backend", choices=("rasa", "embedded"), default="embedded")
    p.add_argument("--rasa-url", default=None, help=f"Rasa server (default {DEFAULT_RASA_URL})")
    e = sub.add_parser("evaluate", help="score both backends on nlu/eval/heldout_*.jsonl")
    e.add_argument("--rasa-url", default=None, help=f"Rasa server (default {DEFAULT_RASA_URL})")
    e.add_argument("--json", action="store_true", help="machine-readable output")
    e.add_argument("--heldout", action="append", help="held-out JSONL file (repeatable; overrides --set)")
    e.add_argument(
        "--set",
        default="heldout",
        help="evaluation set: any prefix of nlu/eval/<prefix>_*.jsonl files, e.g. "
        + ", ".join(f"{k} ({v})" for k, v in EVAL_SETS.items())
        + "; default heldout",
    )
    sub.add_parser("train", help="build the embedded models into var/cache (or find them there)")
    args = parser.parse_args(argv)
    if args.command == "evaluate" and not args.heldout and not heldout_files(name=args.set):
        known = ", ".join(eval_set_names()) or "none"
        parser.error(f"no files nlu/eval/{args.set}_*.jsonl (sets present: {known})")
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    if args.command == "parse":
        return _parse(args, stdin, stdout)
    if args.command == "train":
        return _train(stdout)
    return _evaluate(args, stdout)


def _train(stdout: IO[str]) -> int:
    """Build (or load from var/cache) the embedded classifier, the danger model and the urgency
    model, so that no web process, worker or test has to train them on its first message: they
    learn from ~18,000 messages, a minute or two on two cores."""
    from nlu.embedded import EmbeddedClassifier
    from nlu.triage import DangerModel, default_urgency_model

    for name, build in (
        ("embedded classifier", EmbeddedClassifier.default),
        ("danger model", DangerModel.default),
        ("urgency model", default_urgency_model),
    ):
        started = time.perf_counter()
        model = build()
        state = "ready" if model is not None else "not built (too few examples)"
        stdout.write(f"{name}: {state} in {time.perf_counter() - started:.1f} s\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
