"""Knowledge-base articles: parsing the Markdown files into `Article` and checking them.

An article is one file `<id>.md`: YAML front matter between `---` lines, then the full answer under
`## en` and `## km` headings (the format is described in the knowledge-base brief). Parsing is
lenient about missing fields so that `validate` can name every problem at once; it only raises
`ArticleFormatError` when the file cannot be read as an article at all.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from intake.sms import count_segments
from nlu.khmer import khmer_ratio, normalize

LANGUAGES = ("en", "km")
QUESTION_SCRIPTS = ("en", "km", "km-Latn")
NEXT_OFFICES = frozenset(
    {"jsc", "legal_aid", "protection", "police", "commune", "cadastral", "court", "civil_registration", "labour"}
)
TOPICS = frozenset(
    {
        "land",
        "family",
        "inheritance",
        "domestic-violence",
        "trafficking",
        "juvenile-justice",
        "mediation",
        "courts",
        "legal-aid",
        "civil-documents",
        "labour",
        "debt",
        "children",
    }
)
# The line added under every SMS answer. The Khmer one is kept to 33 UCS-2 units so that a 100-unit
# short answer, a newline and this line still fit two UCS-2 segments (134 units).
MORE_SUFFIX = {
    "en": "Reply MORE for more, or ask another question.",
    "km": "ផ្ញើ MORE ដឹងបន្ថែម ឬសួរសំណួរថ្មី",
}
# A label is named in an SMS menu of two choices: Khmer SMS is UCS-2, 70 characters a segment.
LABEL_MAX = {"en": 32, "km": 26}
BUTTON_WIDTH = 60  # characters of a Telegram button's text we show
SHORT_BUDGET = {"en": 250, "km": 100}  # units: GSM-7 for en, UCS-2 for km
SMS_MAX_SEGMENTS = 2
REVIEW_MAX_AGE_YEARS = 2
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ERROR, WARNING = "error", "warning"

_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n---[ \t]*\r?\n?(.*)\Z", re.S)
_SECTION = re.compile(r"^##[ \t]+(en|km)[ \t]*$", re.M)


class ArticleFormatError(ValueError):
    """The file is not an article at all (no front matter, YAML that does not parse, not a mapping)."""


@dataclass(frozen=True)
class Citation:
    """A law the article relies on; `article` only when the authors are sure of the number."""

    law: str
    year: int | None
    article: str | None = None

    def __str__(self) -> str:
        text = f"{self.law} ({self.year})" if self.year else self.law
        return f"{text}, {self.article}" if self.article else text


@dataclass(frozen=True)
class Review:
    """Who looked at the article and when; `legal_review` is True only after a qualified review."""

    date: date | None
    by: str
    legal_review: bool


@dataclass(frozen=True)
class Article:
    """One knowledge-base answer in English and Khmer (mappings are read-only)."""

    id: str
    title: Mapping[str, str]
    topics: tuple[str, ...]
    questions: Mapping[str, tuple[str, ...]]
    short: Mapping[str, str]
    full: Mapping[str, str]
    citations: tuple[Citation, ...]
    reviewed: Review
    next_office: str
    related: tuple[str, ...] = ()
    source: str = field(default="", compare=False)  # file name it came from, for "id equals file name"
    # A few words naming the topic in a numbered menu ("reply 1 for ..."); the title if absent.
    label: Mapping[str, str] = field(default_factory=dict)

    def menu_label(self, lang: str) -> str:
        """The topic's name for a numbered choice: its label, else its title without a final "?"."""
        return self.label.get(lang) or self.title.get(lang, "").rstrip("?។ ")

    def button_label(self, lang: str, width: int = BUTTON_WIDTH) -> str:
        """The article's name on a Telegram button: its title when it fits, else its label."""
        title = self.title.get(lang, "")
        return title if len(title) <= width else self.menu_label(lang)

    def citation_line(self) -> str:
        """All citations on one line, e.g. "Land Law (2001); Civil Code (2007), Art. 5"."""
        return "; ".join(str(c) for c in self.citations)


def _text(value: Any) -> str:
    return normalize(str(value)) if value is not None else ""


def _texts(raw: Any, keys: Iterable[str]) -> Mapping[str, str]:
    raw = raw if isinstance(raw, dict) else {}
    return MappingProxyType({k: _text(raw.get(k)) for k in keys})


def _date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        return None


def _year(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def parse_article(text: str, source: str = "") -> Article:
    """Article from the text of one `.md` file; raises ArticleFormatError if it is not one."""
    m = _FRONT_MATTER.match(text)
    if not m:
        raise ArticleFormatError(f"{source or 'article'}: no YAML front matter between '---' lines")
    try:
        meta = yaml.safe_load(m.group(1))
    except yaml.YAMLError as exc:
        raise ArticleFormatError(f"{source or 'article'}: front matter is not valid YAML ({exc})") from exc
    if not isinstance(meta, dict):
        raise ArticleFormatError(f"{source or 'article'}: front matter is not a mapping")

    body = m.group(2)
    full: dict[str, str] = {}
    parts = _SECTION.split(body)
    # split() gives [before, lang, text, lang, text, ...]
    for lang, section in zip(parts[1::2], parts[2::2]):
        # Paragraphs survive (they become separate Telegram paragraphs); wrapped lines do not.
        paragraphs = (_text(p) for p in re.split(r"\n[ \t]*\n", section))
        full[lang] = "\n\n".join(p for p in paragraphs if p)

    raw_q: dict = meta["questions"] if isinstance(meta.get("questions"), dict) else {}
    questions = {
        k: tuple(_text(q) for q in (raw_q.get(k) or []) if _text(q)) if isinstance(raw_q.get(k), list) else ()
        for k in QUESTION_SCRIPTS
    }
    citations = []
    for c in meta.get("citations") or []:
        if isinstance(c, dict):
            art = c.get("article")
            citations.append(Citation(str(c.get("law") or "").strip(), _year(c.get("year")), str(art) if art else None))
        else:
            citations.append(Citation(str(c).strip(), None))
    rev: dict = meta["reviewed"] if isinstance(meta.get("reviewed"), dict) else {}
    topics = meta.get("topics") or []
    related = meta.get("related") or []
    return Article(
        id=str(meta.get("id") or "").strip(),
        title=_texts(meta.get("title"), LANGUAGES),
        topics=tuple(str(t) for t in topics) if isinstance(topics, list) else (str(topics),),
        questions=MappingProxyType(questions),
        short=_texts(meta.get("short"), LANGUAGES),
        full=MappingProxyType({k: full.get(k, "") for k in LANGUAGES}),
        citations=tuple(citations),
        reviewed=Review(_date(rev.get("date")), str(rev.get("by") or "").strip(), rev.get("legal_review") is True),
        next_office=str(meta.get("next_office") or "").strip(),
        related=tuple(str(r) for r in related) if isinstance(related, list) else (str(related),),
        source=source,
        label=_texts(meta.get("label"), LANGUAGES) if isinstance(meta.get("label"), dict) else MappingProxyType({}),
    )


def load_article(path: Path) -> Article:
    """Parse one article file."""
    path = Path(path)
    return parse_article(path.read_text(encoding="utf-8"), source=path.name)


def article_paths(directory: Path) -> list[Path]:
    """The article files of a directory, in a stable order."""
    return sorted(p for p in Path(directory).glob("*.md") if p.is_file())


def load_articles(directory: Path) -> list[Article]:
    """Every article in `directory`; raises ArticleFormatError on the first file that is not one."""
    return [load_article(p) for p in article_paths(directory)]


def sms_with_suffix(short: str, language: str) -> str:
    """The complete SMS answer: the short answer and the "reply MORE" line."""
    return f"{short}\n{MORE_SUFFIX[language]}"


def is_error(problem: str) -> bool:
    """True for a problem that must block publishing (as opposed to a warning)."""
    return problem.startswith(ERROR + ":")


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def validate(article: Article, known_ids: Collection[str] | None = None, today: date | None = None) -> list[str]:
    """Problems with one article, each "error: ..." or "warning: ..." (empty when it is fine).

    `known_ids` are the ids of the whole knowledge base (to check `related`); `today` defaults to
    the real date.
    """
    today = today or date.today()
    problems: list[str] = []

    def err(msg: str) -> None:
        problems.append(f"{ERROR}: {msg}")

    def warn(msg: str) -> None:
        problems.append(f"{WARNING}: {msg}")

    if not article.id:
        err("id is missing")
    elif not ID_PATTERN.match(article.id):
        err(f"id {article.id!r} must be lowercase letters, digits and hyphens")
    if article.source and article.source != f"{article.id}.md":
        err(f"id {article.id!r} does not match the file name {article.source!r}")

    for part, values in (("title", article.title), ("short", article.short), ("full answer", article.full)):
        for lang in LANGUAGES:
            if not values.get(lang):
                err(f"{part} is missing in {lang}")
            elif lang == "km" and khmer_ratio(values[lang]) < 0.5:
                err(f"{part} in km is not written in Khmer script")
    for lang in LANGUAGES:
        label = article.label.get(lang, "")
        if not label:
            err(f"label is missing in {lang} (a few words for the numbered topic menu)")
        elif len(label) > LABEL_MAX[lang]:
            err(f"label in {lang} is {len(label)} characters, over {LABEL_MAX[lang]}")
    for script in QUESTION_SCRIPTS:
        qs = article.questions.get(script, ())
        if not qs:
            err(f"questions are missing in {script}")
        elif not 4 <= len(qs) <= 14:
            warn(f"{len(qs)} questions in {script} (the format asks for 4-14)")
    for q in article.questions.get("km", ()):
        if khmer_ratio(q) < 0.5:
            err(f"km question is not in Khmer script: {q[:40]!r}")
    for q in article.questions.get("km-Latn", ()):
        if khmer_ratio(q) > 0:
            err(f"km-Latn question contains Khmer script: {q[:40]!r}")

    for lang in LANGUAGES:
        short = article.short.get(lang, "")
        if not short:
            continue
        count = count_segments(short)
        if lang == "en" and count.encoding != "GSM-7":
            bad = sorted({c for c in short if count_segments(c).encoding != "GSM-7"})
            err(f"short en has characters outside GSM-7: {''.join(bad)!r}")
        if count.units > SHORT_BUDGET[lang]:
            err(f"short {lang} is {count.units} units, over the budget of {SHORT_BUDGET[lang]}")
        sms = count_segments(sms_with_suffix(short, lang))
        if sms.segments > SMS_MAX_SEGMENTS:
            err(f"short {lang} with the MORE line takes {sms.segments} SMS segments (max {SMS_MAX_SEGMENTS})")

    if not article.citations:
        err("no citations")
    for c in article.citations:
        if not c.law:
            err(f"citation without a law: {c}")
        if c.year is None:
            err(f"citation without a year: {c.law or c}")
        elif not 1900 <= c.year <= today.year:
            err(f"citation year {c.year} is not plausible: {c.law}")

    review_date = article.reviewed.date
    if review_date is None:
        err("reviewed.date is missing or not a date (YYYY-MM-DD)")
    elif review_date > today:
        err(f"reviewed.date {review_date} is in the future")
    elif review_date < _years_before(today, REVIEW_MAX_AGE_YEARS):
        err(f"reviewed.date {review_date} is older than {REVIEW_MAX_AGE_YEARS} years: review it again")
    if not article.reviewed.by:
        warn("reviewed.by is empty")
    if not article.reviewed.legal_review:
        warn("legal_review is false: no qualified lawyer has reviewed this article yet")

    if article.next_office not in NEXT_OFFICES:
        err(f"next_office {article.next_office!r} is not one of {', '.join(sorted(NEXT_OFFICES))}")
    if not article.topics:
        err("topics are missing")
    for t in article.topics:
        if t not in TOPICS:
            warn(f"topic {t!r} is not in the agreed list")
    for rid in article.related:
        if rid == article.id:
            err("related lists the article itself")
        elif known_ids is not None and rid not in known_ids:
            err(f"related article {rid!r} does not exist")
    return problems
