"""Reading the NLU training data (Rasa 3 YAML) and the held-out evaluation sets (JSON lines).

Training files: `nlu/data/*.yml`, each `version: "3.1"` with an `nlu:` list of
`- intent: NAME` / `examples: |` blocks whose lines start with "- ", and the evaluation sets named
in `TRAINED_EVAL_SETS` (`nlu/eval/<set>_*.jsonl`: sets that have been measured once, blind, and
serve as training data since). Every other evaluation set (`nlu/eval/*.jsonl`) is never read by
training.

Which evaluation sets are training data is said in `nlu.training_sets` (which also writes the
training data as Rasa reads it).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from nlu.training_sets import EvalFileError, eval_rows, trained_eval_files
from nlu.types import Intent

NLU_DIR = Path(__file__).resolve().parent
DATA_DIR = NLU_DIR / "data"
EVAL_DIR = NLU_DIR / "eval"

_INTENTS = frozenset(i.value for i in Intent)
# Rasa entity annotations "[text](entity)" are kept as their text: we train intents only.
_ENTITY = re.compile(r"\[([^\]]+)\]\([^)]*\)|\[([^\]]+)\]\{[^}]*\}")


class TrainingDataError(ValueError):
    """A training or held-out file is malformed (the message names the file and the problem)."""


@dataclass(frozen=True)
class Example:
    """One labelled message."""

    text: str
    intent: str


@dataclass(frozen=True)
class HeldOutExample:
    """One held-out message with its expected intent and place codes (None when not named)."""

    text: str
    language: str
    intent: str
    province_code: str | None = None
    district_code: str | None = None
    commune_code: str | None = None
    source: str = ""
    urgent: bool | None = None  # gold urgency, when the file gives it
    subset: str = ""  # the file's `set` field (general | victims_implicit | nonvictims_with_danger_words)


def training_files(directory: Path | None = None) -> list[Path]:
    """The training files in a stable order: the YAML files of `directory`, and by default (no
    directory given) `nlu/data/*.yml` and the trained evaluation sets' files (`trained_eval_files`)."""
    yaml_files = sorted(p for p in (directory or DATA_DIR).glob("*.yml") if p.is_file()) + sorted(
        p for p in (directory or DATA_DIR).glob("*.yaml") if p.is_file()
    )
    return yaml_files if directory is not None else yaml_files + trained_eval_files()


# Files of ordinary messages only (`nlu_general_*`), written to teach the intent classifiers to tell
# the ordinary intents apart. The danger model does not learn from them (issue 14, round 14): 640
# such messages with no danger in them taught it mostly that everyday words are safe, and on the
# development sets 2-15 it then read seven more victims below every threshold (3 -> 10 missed,
# embedded), while the intent classifier gained 0.016 macro-F1 from them. Without them it keeps
# its reading and the classifier keeps the gain.
GENERAL_ONLY_PREFIX = "nlu_general_"


def danger_training_files(directory: Path | None = None) -> list[Path]:
    """The training files the danger model learns from: every one but the ordinary-messages-only
    `nlu_general_*` files."""
    return [p for p in training_files(directory) if not p.name.startswith(GENERAL_ONLY_PREFIX)]


# Evaluation sets (`python -m nlu evaluate --set NAME`): every `nlu/eval/NAME_*.jsonl` file. Any
# prefix present is a set; these are the ones the project knows about.
EVAL_SETS = {
    "heldout": "the project's first held-out files (written with the training data)",
    "heldout2": "written for issue 14 by people who never saw the training data (used for tuning since); training data since round 25",
    "heldout3": "written by people who saw no project file; blind for round 2; used for tuning since round 3; training data since round 25",
    "heldout4": "written by people who saw no project file; blind for round 3; used for tuning since round 4; training data since round 25",
    "heldout5": "written by people who saw no project file; blind for round 4; used for tuning since round 5; training data since round 25",
    "heldout6": "written by people who saw no project file; blind for round 5; used for tuning since round 6; training data since round 25",
    "heldout7": "written by people who saw no project file; blind for round 6; used for tuning since round 7; training data since round 25",
    "heldout8": "written by people who saw no project file; blind for round 7; used for tuning since round 8; training data since round 25",
    "heldout9": "written by people who saw no project file; blind for round 8; used for tuning since round 9; training data since round 25",
    "heldout10": "written by people who saw no project file; blind for round 9; development data since round 10; training data since round 25",
    "heldout11": "written by people who saw no project file; blind for round 10; development data since round 11; training data since round 25",
    "heldout12": "written by people who saw no project file; blind for round 11; development data since round 12; training data since round 25",
    "heldout13": "written by people who saw no project file; blind for round 12; development data since round 13; training data since round 25",
    "heldout14": "written by people who saw no project file; blind for round 12 (with set 13); development data since round 13; training data since round 25",
    "heldout15": "written by people who saw no project file; blind for round 13; development data since round 14; training data since round 25",
    "heldout16": "written by people who saw no project file; blind for round 14; development data since round 15; training data since round 25",
    "heldout17": "written by people who saw no project file; blind for round 15; development data since round 16; training data since round 25",
    "heldout18": "written by people who saw no project file; blind for round 16; development data since round 17; training data since round 25",
    "heldout19": "written by people who saw no project file; blind for round 17; development data since round 18; training data since round 25",
    "heldout20": "written by people who saw no project file; blind for round 18; development data since round 19; training data since round 25",
    "heldout21": "written by people who saw no project file; blind for round 19; development data since round 20; training data since round 25",
    "heldout22": "written by people who saw no project file; blind for round 20; development data since round 21; training data since round 25",
    "heldout23": "written by people who saw no project file; blind for round 21; development data since round 22; training data since round 25",
    "heldout24": "written by people who saw no project file; blind for round 22; development data since round 23; training data since round 25",
    "heldout25": "written by people who saw no project file; blind for round 22 (with no change after set 24); development data since round 23; training data since round 25",
    "heldout26": "written by people who saw no project file; blind for round 23; development data since round 24; training data since round 25",
    "heldout27": "written by people who saw no project file; blind for round 24; training data since round 25",
    "heldout28": "written by people who saw no project file; blind for round 25; training data since round 26",
    "heldout29": "written by people who saw no project file; blind for round 25 (with no change after set 28); training data since round 26",
    "heldout30": "written by people who saw no project file; blind for round 26; training data since round 27",
    "heldout31": "written by people who saw no project file; blind for round 27 (measured once)",
    "dev": "for tuning",
}
_SET_NAME = re.compile(r"^[a-z][a-z0-9]*$")


def eval_set_names(directory: Path | None = None) -> list[str]:
    """Every set prefix present as `nlu/eval/<prefix>_*.jsonl`, sorted."""
    names = {p.name.split("_", 1)[0] for p in (directory or EVAL_DIR).glob("*_*.jsonl")}
    return sorted(n for n in names if _SET_NAME.match(n))


def heldout_files(directory: Path | None = None, name: str = "heldout") -> list[Path]:
    """The JSONL files of an evaluation set, `nlu/eval/<name>_*.jsonl`, in a stable order
    (`heldout` by default); [] for a name that is not a plain prefix."""
    if not _SET_NAME.match(name):
        return []
    return sorted((directory or EVAL_DIR).glob(f"{name}_*.jsonl"))


def _examples_block(block: object, path: Path, intent: str) -> list[str]:
    if isinstance(block, list):  # tolerate a YAML list instead of the Rasa literal block
        lines = [str(x) for x in block]
    elif isinstance(block, str):
        lines = [ln.strip() for ln in block.splitlines()]
        lines = [ln[1:].strip() for ln in lines if ln.startswith("-")]
    else:
        raise TrainingDataError(f"{path.name}: intent {intent!r} has no examples block")
    return [_ENTITY.sub(lambda m: m.group(1) or m.group(2), ln).strip() for ln in lines]


def load_training_file(path: Path) -> list[Example]:
    """Examples of one Rasa YAML file (or of an evaluation set's JSON lines file); raises
    TrainingDataError on unknown intents or bad shape."""
    if path.suffix == ".jsonl":
        return [Example(ex.text, ex.intent) for ex in load_heldout([path])]
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise TrainingDataError(f"{path.name}: not valid YAML ({exc.__class__.__name__})") from exc
    if not isinstance(doc, dict):
        raise TrainingDataError(f"{path.name}: top level is not a mapping")
    examples: list[Example] = []
    for item in doc.get("nlu") or []:
        if not isinstance(item, dict) or "intent" not in item:
            continue  # synonyms, regexes, lookups: not intent examples
        intent = str(item["intent"]).strip()
        if intent not in _INTENTS:
            raise TrainingDataError(f"{path.name}: unknown intent {intent!r}")
        examples.extend(Example(text, intent) for text in _examples_block(item.get("examples"), path, intent) if text)
    return examples


def load_training_data(paths: list[Path] | None = None) -> list[Example]:
    """All training examples from `paths` (default: `training_files()`), duplicates dropped."""
    paths = training_files() if paths is None else paths
    seen: set[tuple[str, str]] = set()
    out: list[Example] = []
    for path in paths:
        for ex in load_training_file(path):
            if (ex.text, ex.intent) not in seen:
                seen.add((ex.text, ex.intent))
                out.append(ex)
    return out


def fingerprint(paths: list[Path]) -> str:
    """Content hash of the given files (names and bytes), used as the model cache key."""
    h = hashlib.sha256()
    for path in sorted(paths):
        h.update(path.name.encode())
        h.update(b"\0")
        h.update(path.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def load_heldout(paths: list[Path] | None = None) -> list[HeldOutExample]:
    """Held-out examples from `paths` (default: every `nlu/eval/heldout_*.jsonl`)."""
    paths = heldout_files() if paths is None else paths
    out: list[HeldOutExample] = []
    for path in paths:
        try:
            rows = eval_rows(path)
        except EvalFileError as exc:
            raise TrainingDataError(str(exc)) from None
        for lineno, row in rows:
            text, intent = row["text"], row["intent"]
            if intent not in _INTENTS:
                raise TrainingDataError(f"{path.name}:{lineno}: unknown intent {intent!r}")
            out.append(
                HeldOutExample(
                    text=text,
                    language=row.get("language") or "",
                    intent=intent,
                    province_code=row.get("province_code") or None,
                    district_code=row.get("district_code") or None,
                    commune_code=row.get("commune_code") or None,
                    source=path.name,
                    urgent=bool(row["urgent"]) if row.get("urgent") is not None else None,
                    subset=str(row.get("set") or ""),
                )
            )
    return out
