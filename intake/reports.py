"""The monthly demand report: legal questions by topic, commune and language (JSC function:
assessing the demand for legal information). Counts only; no text, no phone numbers."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime

from intake.model import ContactRole, LegalQuestion
from intake.unit_of_work import UnitOfWork

COLUMNS = [
    "month",
    "province_code",
    "district_code",
    "commune_code",
    "topic",
    "language",
    "asked_by",
    "questions",
    "answered",
]


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """UTC bounds of a 'YYYY-MM' month (the report's month)."""
    start = datetime.strptime(month, "%Y-%m").replace(tzinfo=UTC)
    end = start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)
    return start, end


def questions_in_month(uow: UnitOfWork, month: str) -> list[LegalQuestion]:
    """Every legal question asked in a month."""
    start, end = month_bounds(month)
    return uow.repo.legal_questions_between(start, end)


def demand_csv(month: str, questions: Iterable[LegalQuestion]) -> str:
    """One row per (place, topic, language, asker) with the number asked and answered."""
    asked: Counter = Counter()
    answered: Counter = Counter()
    for q in questions:
        key = (
            q.province_code or "",
            q.district_code or "",
            q.commune_code or "",
            q.topic or "unanswered",
            q.language,
            ContactRole.COMMUNE_COUNCIL if q.by_council else ContactRole.CITIZEN,
        )
        asked[key] += 1
        answered[key] += int(q.answered)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for key in sorted(asked):
        writer.writerow([month, *key, asked[key], answered[key]])
    return out.getvalue()
