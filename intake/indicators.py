"""The programme's indicators: SQL aggregates over cases, events, appointments, messages and legal
questions, per month / quarter, per office, district or province, by kind, channel and language.

A read model: SQLAlchemy Core over the tables of `intake/orm.py`, nothing written. Every query is
limited by a `Scope` (the whole country, one province, some offices), so that a coordinator's
dashboard counts only their province. Medians and 90th percentiles are PostgreSQL's
`percentile_cont`; on SQLite (`make run`) the same per-case values are fetched and the same
(linear) percentile is computed in Python.

Protection figures of 1–4 in a cell are shown as "<5" unless the scope may see them (admins and
protection caseworkers): `Table.suppressed()` does it, and every renderer and export goes through it.
No query reads a message text, a phone number or a name.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, String, and_, case, cast, exists, func, literal, literal_column, select, true
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement

from intake import routing
from intake.model import OPEN_STATUSES, OUTCOMES, PROTECTION_STAGES, CaseKind
from intake.orm import appointments, case_events, cases, legal_questions, messages, offices

TZ = ZoneInfo("Asia/Phnom_Penh")
SMALL_CELL = 5
SUPPRESSED = "<5"
# The first thing an official does with a case: accept it, schedule it (which accepts it) or
# move a protection case to its first stage.
ACCEPTING_EVENTS = ("accepted", "scheduled", "stage")
ESCALATION_EVENTS = ("escalation_reminder", "escalated_to_coordinator", "escalation_exhausted")
STAGE_EVENTS = ("opened", "routed", "rerouted", "accepted", "stage", "place_given")
SENT_STATUSES = ("sent", "delivered", "undelivered")
GRAINS = ("month", "quarter", "period")
CASE_DIMENSIONS = ("none", "office", "district", "province", "kind", "channel", "language")
QUESTION_DIMENSIONS = ("none", "district", "province", "topic", "channel", "language", "asker")


# ----------------------------------------------------------------------------- periods and scopes


@dataclass(frozen=True)
class Period:
    """A reporting period on Cambodian calendars: a month (2026-11), a quarter (2026-Q4) or a
    year (2026). `start` and `end` are UTC instants (end excluded)."""

    label: str
    start: datetime
    end: datetime

    @classmethod
    def parse(cls, text: str) -> Period:
        """'2026-11', '2026-Q4' or '2026'; ValueError otherwise."""
        text = text.strip().upper()
        if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
            year, month = int(m.group(1)), int(m.group(2))
            if not 1 <= month <= 12:
                raise ValueError(text)
            first, months = (year, month), 1
        elif m := re.fullmatch(r"(\d{4})-?Q([1-4])", text):
            first, months = (int(m.group(1)), 3 * int(m.group(2)) - 2), 3
            text = f"{m.group(1)}-Q{m.group(2)}"
        elif re.fullmatch(r"\d{4}", text):
            first, months = (int(text), 1), 12
        else:
            raise ValueError(f"not a month, quarter or year: {text!r}")
        start = datetime(first[0], first[1], 1, tzinfo=TZ)
        y, m_ = divmod(first[1] - 1 + months, 12)
        end = datetime(first[0] + y, m_ + 1, 1, tzinfo=TZ)
        return cls(text, start.astimezone(UTC), end.astimezone(UTC))

    @property
    def months(self) -> list[str]:
        """The 'YYYY-MM' months the period covers."""
        out, at = [], self.start.astimezone(TZ)
        while at < self.end.astimezone(TZ):
            out.append(f"{at:%Y-%m}")
            at = (at.replace(day=28) + timedelta(days=4)).replace(day=1)
        return out

    def buckets(self, grain: str) -> list[str]:
        """The bucket labels a grain gives over this period, in order."""
        if grain == "period":
            return [self.label]
        if grain == "quarter":
            return sorted({f"{m[:4]}-Q{(int(m[5:]) + 2) // 3}" for m in self.months})
        return self.months


@dataclass(frozen=True)
class Scope:
    """Whose figures a reader may see: the whole country, one province or some offices; and
    whether small protection figures are shown (admins, protection caseworkers)."""

    province_code: str | None = None
    office_ids: tuple[int, ...] | None = None
    full_protection: bool = False
    label: str = "Cambodia"

    @classmethod
    def national(cls, full_protection: bool = False) -> Scope:
        """Every office and every place."""
        return cls(full_protection=full_protection)

    @classmethod
    def province(cls, code: str, full_protection: bool = False) -> Scope:
        """One province: cases routed to its offices, questions asked from its places."""
        return cls(province_code=code, full_protection=full_protection, label=f"province {code}")

    @classmethod
    def offices(cls, ids: Iterable[int], full_protection: bool = False, label: str = "office") -> Scope:
        """Cases routed to these offices only (an official's own office)."""
        return cls(office_ids=tuple(ids), full_protection=full_protection, label=label)


def scope_for(role: str, office_id: int, office_province: str, office_kind: str) -> Scope:
    """The scope of an official's reports, by their role (the same rule as acting on cases):
    admin = all, coordinator = their province, official = their office. Admins and the
    protection office's own caseworkers see small protection figures; the others see "<5"."""
    caseworker = role == "official" and office_kind == "protection"
    if role == "admin":
        return Scope.national(full_protection=True)
    if role == "coordinator":
        return Scope.province(office_province)
    return Scope.offices([office_id], full_protection=caseworker)


# ----------------------------------------------------------------------------- tables


@dataclass(frozen=True)
class Col:
    """A column of an indicator table: `kind` is 'dim' (a grouping key), 'count' (a whole number of
    people or events: suppressed when small and protection), 'measure' (a duration or a ratio:
    blanked with its row's count) or 'share' (a fraction 0–1)."""

    key: str
    en: str
    km: str
    kind: str = "count"


@dataclass
class Table:
    """One indicator table: titled in Khmer and English, rows of plain values, a one-sentence
    reading. `protection_rows` tells which rows hold protection figures (small-cell rule)."""

    key: str
    title_en: str
    title_km: str
    columns: list[Col]
    rows: list[list]
    reading_en: str = ""
    reading_km: str = ""
    protection_rows: list[bool] = field(default_factory=list)
    basis: str | None = None  # the count column a row's measures rest on
    # Rows -> (English, Khmer) reading; re-run on what is left visible when cells are suppressed,
    # so that a sentence's total never gives a hidden figure away.
    read: Callable[[list[list]], tuple[str, str]] | None = None

    def column(self, key: str) -> int:
        """The index of a column."""
        return next(i for i, c in enumerate(self.columns) if c.key == key)

    def dicts(self) -> list[dict]:
        """Rows as dicts keyed by column key."""
        return [dict(zip([c.key for c in self.columns], r)) for r in self.rows]

    def suppressed(self, scope: Scope) -> Table:
        """The table as this scope may see it: in protection rows, counts 1–4 become "<5" and the
        measures resting on them are left blank, unless the scope sees protection in full."""
        if scope.full_protection or not any(self.protection_rows):
            return self
        basis = self.column(self.basis) if self.basis else None
        rows, whole = [], []
        for row, protected in zip(self.rows, self.protection_rows or [False] * len(self.rows)):
            if not protected:
                rows.append(row)
                whole.append(row)
                continue
            small_basis = basis is not None and isinstance(row[basis], int) and 0 < row[basis] < SMALL_CELL
            new = []
            for value, col in zip(row, self.columns):
                if col.kind == "count" and isinstance(value, int) and 0 < value < SMALL_CELL:
                    new.append(SUPPRESSED)
                elif col.kind in ("measure", "share") and small_basis:
                    new.append(None)
                else:
                    new.append(value)
            rows.append(new)
            if new == row:
                whole.append(row)
        if rows == self.rows:
            return self
        en, km = self.read(whole) if self.read else ("", "")
        return replace(
            self,
            rows=rows,
            reading_en=f"{en} (Protection figures under 5 are left out.)".strip(),
            reading_km=f"{km} (តួលេខការពារតិចជាង ៥ មិនរាប់បញ្ចូលទេ។)".strip(),
        )


# ----------------------------------------------------------------------------- SQL helpers


def _pg(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def _bucket(conn: Connection, col, grain: str, period: Period) -> ColumnElement:
    """The Cambodian month ('2026-11') or quarter ('2026-Q4') of a UTC timestamp column."""
    if grain == "period":
        return _const(period.label)
    if _pg(conn):
        local = func.timezone(_const("Asia/Phnom_Penh"), col)
        return func.to_char(local, _const('YYYY-"Q"Q' if grain == "quarter" else "YYYY-MM"), type_=String)
    shifted = (_const("+7 hours"),)
    if grain == "quarter":
        month = cast(func.strftime(_const("%m"), col, *shifted), Integer)
        quarter = cast(cast((month + 2) / 3, Integer), String)
        return func.strftime(_const("%Y"), col, *shifted, type_=String) + _const("-Q") + quarter
    return func.strftime(_const("%Y-%m"), col, *shifted, type_=String)


def _const(text: str) -> ColumnElement:
    """A string constant written into the SQL, not bound: the same expression then appears
    identically wherever it is used (psycopg binds each parameter separately)."""
    if "'" in text:
        raise ValueError(text)
    col = literal_column(f"'{text}'", String)
    col._report_constant = True
    return col


def _groups(*cols) -> list:
    """GROUP BY keys without the constants (PostgreSQL refuses a string constant there)."""
    return [c for c in cols if not getattr(getattr(c, "element", c), "_report_constant", False)]


def _hours_between(conn: Connection, later, earlier) -> ColumnElement:
    if _pg(conn):
        return func.extract("epoch", later - earlier) / 3600.0
    return (func.julianday(later) - func.julianday(earlier)) * 24.0


def _in_period(col, period: Period) -> ColumnElement:
    return and_(col >= period.start, col < period.end)


def _case_scope(scope: Scope) -> ColumnElement:
    """Cases the scope covers: routed to its offices, or to offices of its province."""
    if scope.office_ids is not None:
        return cases.c.office_id.in_(scope.office_ids)
    if scope.province_code:
        return cases.c.office_id.in_(select(offices.c.id).where(offices.c.province_code == scope.province_code))
    return true()


def _question_scope(scope: Scope) -> ColumnElement:
    """Legal questions the scope covers (by the place they were asked from; an office's scope
    covers the districts the office covers)."""
    if scope.province_code:
        return legal_questions.c.province_code == scope.province_code
    if scope.office_ids is not None:
        return legal_questions.c.district_code.in_(
            select(offices.c.district_code).where(offices.c.id.in_(scope.office_ids))
        )
    return true()


def _opened_events():
    """The 'opened' event of each case: its channel and script live in the detail."""
    return case_events.alias("opened")


def _json_text(conn: Connection, col, key: str) -> ColumnElement:
    """A text field of a JSON detail column, with the key written into the SQL."""
    if _pg(conn):
        return col.op("->>", return_type=String)(_const(key))
    return func.json_extract(col, _const(f"$.{key}"), type_=String)


def _case_dimension(conn: Connection, dim: str, opened) -> ColumnElement:
    if dim == "office":
        return func.coalesce(offices.c.code, _const("-"))
    if dim == "district":
        return func.coalesce(cases.c.district_code, _const("-"))
    if dim == "province":
        return func.coalesce(cases.c.province_code, _const("-"))
    if dim == "kind":
        return cases.c.kind
    if dim == "channel":
        return func.coalesce(_json_text(conn, opened.c.detail, "channel"), _const("-"))
    if dim == "language":
        # The script of the first message (recorded since the reports); before that, the reply language.
        return func.coalesce(_json_text(conn, opened.c.detail, "written_in"), cases.c.language)
    return _const("all")


def _case_from(dim: str, opened, base=None):
    """FROM cases, joined to what the dimension needs."""
    base = cases if base is None else base
    if dim == "office":
        base = base.outerjoin(offices, offices.c.id == cases.c.office_id)
    if dim in ("channel", "language"):
        base = base.outerjoin(opened, and_(opened.c.case_id == cases.c.id, opened.c.type == "opened"))
    return base


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile, as PostgreSQL's percentile_cont (None for no values)."""
    vals = sorted(v for v in values if v is not None)
    if not vals:
        return None
    pos = q * (len(vals) - 1)
    lo, hi = math.floor(pos), math.ceil(pos)
    return vals[lo] + (vals[hi] - vals[lo]) * (pos - lo)


def _round(value, digits: int = 1):
    return None if value is None else round(float(value), digits)


def _check(dim: str, allowed: Sequence[str], grain: str) -> None:
    if dim not in allowed:
        raise ValueError(f"unknown dimension {dim!r}; one of {', '.join(allowed)}")
    if grain not in GRAINS:
        raise ValueError(f"unknown grain {grain!r}; one of {', '.join(GRAINS)}")


def _dim_col(dim: str) -> Col:
    names = {
        "none": ("all", "ទាំងអស់"),
        "office": ("office", "ការិយាល័យ"),
        "district": ("district", "ស្រុក/ខណ្ឌ"),
        "province": ("province", "ខេត្ត/រាជធានី"),
        "kind": ("kind", "ប្រភេទ"),
        "channel": ("channel", "មធ្យោបាយ"),
        "language": ("language / script", "ភាសា / អក្សរ"),
        "topic": ("topic", "ប្រធានបទ"),
        "asker": ("asked by", "អ្នកសួរ"),
    }
    en, km = names[dim]
    return Col(dim, en, km, "dim")


BUCKET_COL = Col("period", "period", "រយៈពេល", "dim")
KIND_COL = Col("kind", "kind", "ប្រភេទ", "dim")


def _pct(n: int, d: int) -> str:
    return f"{100 * n / d:.0f}%" if d else "–"


# ----------------------------------------------------------------------------- indicators


def cases_intake(conn: Connection, period: Period, scope: Scope, by: str = "office", grain: str = "period") -> Table:
    """Cases opened in the period (by when they were opened), how many were accepted, and the
    hours from opening to acceptance and the days to the first session: median and 90th
    percentile."""
    _check(by, CASE_DIMENSIONS, grain)
    opened = _opened_events()
    # One pass over the accepting events since the period began (an index-only scan of
    # (type, at, case_id)), rather than a lookup per case: cheaper for a year of cases.
    acc = (
        select(case_events.c.case_id, func.min(case_events.c.at).label("at"))
        .where(case_events.c.type.in_(ACCEPTING_EVENTS), case_events.c.at >= period.start)
        .group_by(case_events.c.case_id)
        .subquery("acc")
    )
    ses = (
        select(appointments.c.case_id, func.min(appointments.c.starts_at).label("at"))
        .where(appointments.c.status != "cancelled", appointments.c.starts_at >= period.start)
        .group_by(appointments.c.case_id)
        .subquery("ses")
    )
    on_acc, on_ses = acc.c.case_id == cases.c.id, ses.c.case_id == cases.c.id
    bucket = _bucket(conn, cases.c.created_at, grain, period).label("bucket")
    dim = _case_dimension(conn, by, opened).label("dim")
    to_accept = _hours_between(conn, acc.c.at, cases.c.created_at)
    to_session = _hours_between(conn, ses.c.at, cases.c.created_at) / 24.0
    source = _case_from(by, opened).outerjoin(acc, on_acc).outerjoin(ses, on_ses)
    where = and_(_in_period(cases.c.created_at, period), _case_scope(scope))
    keys = [bucket, dim, cases.c.kind]
    if _pg(conn):
        q = (
            select(
                *keys,
                func.count(),
                func.count(acc.c.at),
                func.percentile_cont(0.5).within_group(to_accept),
                func.percentile_cont(0.9).within_group(to_accept),
                func.count(ses.c.at),
                func.percentile_cont(0.5).within_group(to_session),
                func.percentile_cont(0.9).within_group(to_session),
            )
            .select_from(source)
            .where(where)
            .group_by(*_groups(*keys))
        )
        raw = [list(r) for r in conn.execute(q)]
    else:
        groups: dict = defaultdict(lambda: ([], []))
        counts: dict = defaultdict(lambda: [0, 0, 0])
        q = select(*keys, to_accept.label("a"), to_session.label("s")).select_from(source).where(where)
        for b, d, k, a, s in conn.execute(q):
            key = (b, d, k)
            counts[key][0] += 1
            if a is not None:
                counts[key][1] += 1
                groups[key][0].append(a)
            if s is not None:
                counts[key][2] += 1
                groups[key][1].append(s)
        raw = [
            [
                *key,
                n,
                na,
                percentile(groups[key][0], 0.5),
                percentile(groups[key][0], 0.9),
                ns,
                percentile(groups[key][1], 0.5),
                percentile(groups[key][1], 0.9),
            ]
            for key, (n, na, ns) in counts.items()
        ]
    rows = sorted(
        [
            [b, d, k, n, na, _pct(na, n), _round(a50), _round(a90), ns, _round(s50), _round(s90)]
            for b, d, k, n, na, a50, a90, ns, s50, s90 in raw
        ],
        key=lambda r: (r[0], str(r[1]), r[2]),
    )

    def read(rows: list[list]) -> tuple[str, str]:
        total = sum(r[3] for r in rows)
        accepted = sum(r[4] for r in rows)
        disputes = [r for r in rows if r[2] == CaseKind.DISPUTE and r[6] is not None]
        median_en = ""
        if disputes and by == "none" and len(disputes) == 1:
            median_en = f"; half of the disputes were accepted within {disputes[0][6]:g} hours"
        return (
            f"{total} cases were opened in {period.label} and {accepted} ({_pct(accepted, total)}) were accepted{median_en}.",
            f"ករណីចំនួន {total} ត្រូវបានបើកក្នុង {period.label} ហើយ {accepted} ({_pct(accepted, total)}) ត្រូវបានទទួលយក។",
        )

    reading_en, reading_km = read(rows)
    table = Table(
        key="cases_intake",
        title_en="Cases opened and accepted",
        title_km="ករណីដែលបានបើក និងទទួលយក",
        columns=[
            BUCKET_COL,
            _dim_col(by),
            KIND_COL,
            Col("opened", "opened", "បានបើក"),
            Col("accepted", "accepted", "បានទទួល"),
            Col("accepted_share", "% accepted", "% បានទទួល", "share"),
            Col("accept_h_median", "hours to accept, median", "ម៉ោងរហូតដល់ទទួល (មធ្យម)", "measure"),
            Col("accept_h_p90", "hours to accept, 90th pct", "ម៉ោងរហូតដល់ទទួល (៩០%)", "measure"),
            Col("with_session", "with a session", "មានកិច្ចប្រជុំ"),
            Col("session_d_median", "days to first session, median", "ថ្ងៃរហូតដល់កិច្ចប្រជុំដំបូង (មធ្យម)", "measure"),
            Col("session_d_p90", "days to first session, 90th pct", "ថ្ងៃរហូតដល់កិច្ចប្រជុំដំបូង (៩០%)", "measure"),
        ],
        rows=rows,
        reading_en=reading_en,
        reading_km=reading_km,
        read=read,
        protection_rows=[r[2] == CaseKind.PROTECTION for r in rows],
        basis="opened",
    )
    return table


def sessions(conn: Connection, period: Period, scope: Scope, by: str = "office", grain: str = "period") -> Table:
    """Mediation sessions falling in the period (not cancelled), and what the person answered to
    "1 will come / 2 cannot come"; held = the office closed the case after the session time."""
    _check(by, CASE_DIMENSIONS, grain)
    opened = _opened_events()
    bucket = _bucket(conn, appointments.c.starts_at, grain, period).label("bucket")
    dim = _case_dimension(conn, by, opened).label("dim")
    answer = appointments.c.citizen_answer
    q = (
        select(
            bucket,
            dim,
            func.count(),
            func.count(case((answer == "will_come", 1))),
            func.count(case((answer == "cannot_come", 1))),
            func.count(case((answer.is_(None), 1))),
            func.count(case((appointments.c.status == "held", 1))),
        )
        .select_from(_case_from(by, opened, appointments.join(cases, cases.c.id == appointments.c.case_id)))
        .where(_in_period(appointments.c.starts_at, period), appointments.c.status != "cancelled", _case_scope(scope))
        .group_by(*_groups(bucket, dim))
    )
    rows = sorted([[*r[:6], _pct(r[3], r[2]), r[6]] for r in conn.execute(q)], key=lambda r: (r[0], str(r[1])))
    total = sum(r[2] for r in rows)
    will, cannot = sum(r[3] for r in rows), sum(r[4] for r in rows)
    return Table(
        key="sessions",
        title_en="Mediation sessions",
        title_km="កិច្ចប្រជុំសម្របសម្រួល",
        columns=[
            BUCKET_COL,
            _dim_col(by),
            Col("sessions", "sessions", "កិច្ចប្រជុំ"),
            Col("will_come", "will come (1)", "នឹងមក (1)"),
            Col("cannot_come", "cannot come (2)", "មិនអាចមក (2)"),
            Col("no_answer", "no answer", "គ្មានចម្លើយ"),
            Col("will_come_share", "% will come", "% នឹងមក", "share"),
            Col("held", "held", "បានធ្វើ"),
        ],
        rows=rows,
        reading_en=f"{total} sessions fell in {period.label}: {will} people said they would come and {cannot} that they could not.",
        reading_km=f"កិច្ចប្រជុំ {total} ក្នុង {period.label}៖ {will} នាក់ថានឹងមក ហើយ {cannot} នាក់ថាមិនអាចមក។",
        protection_rows=[False] * len(rows),
    )


def outcomes(conn: Connection, period: Period, scope: Scope, by: str = "office", grain: str = "period") -> Table:
    """Outcomes recorded in the period (resolved, not resolved, referred, and protection cases
    closed), and the person's own answer to the 3-day follow-up: settled or not."""
    _check(by, CASE_DIMENSIONS, grain)
    opened = _opened_events()
    ev = case_events
    bucket = _bucket(conn, ev.c.at, grain, period).label("bucket")
    dim = _case_dimension(conn, by, opened).label("dim")
    outcome = _json_text(conn, ev.c.detail, "outcome")
    answer = _json_text(conn, ev.c.detail, "answer")
    counted = [func.count(case((and_(ev.c.type == "outcome", outcome == str(o)), 1))) for o in OUTCOMES] + [
        func.count(case((ev.c.type == "closed", 1))),
        func.count(case((and_(ev.c.type == "follow_up_answer", answer == "settled"), 1))),
        func.count(case((and_(ev.c.type == "follow_up_answer", answer == "not_settled"), 1))),
    ]
    q = (
        select(bucket, dim, cases.c.kind, *counted)
        .select_from(_case_from(by, opened, ev.join(cases, cases.c.id == ev.c.case_id)))
        .where(
            ev.c.type.in_(("outcome", "closed", "follow_up_answer")),
            _in_period(ev.c.at, period),
            _case_scope(scope),
        )
        .group_by(*_groups(bucket, dim, cases.c.kind))
    )
    rows = sorted(
        [[*r, _pct(r[7], r[7] + r[8])] for r in (list(x) for x in conn.execute(q))],
        key=lambda r: (r[0], str(r[1]), r[2]),
    )

    def read(rows: list[list]) -> tuple[str, str]:
        resolved = sum(r[3] for r in rows)
        closed_disputes = sum(r[3] + r[4] + r[5] for r in rows)
        settled, unsettled = sum(r[7] for r in rows), sum(r[8] for r in rows)
        return (
            f"Of {closed_disputes} disputes closed in {period.label}, the offices recorded {resolved} as resolved; "
            f"{settled} of the {settled + unsettled} people who answered the follow-up said it was settled.",
            f"ក្នុងចំណោមវិវាទ {closed_disputes} ដែលបានបិទក្នុង {period.label} ការិយាល័យកត់ត្រា {resolved} ថាបានដោះស្រាយ; "
            f"{settled} នាក់ក្នុងចំណោម {settled + unsettled} នាក់ដែលបានឆ្លើយ ថាបានដោះស្រាយ។",
        )

    reading_en, reading_km = read(rows)
    return Table(
        key="outcomes",
        title_en="Outcomes and the 3-day follow-up",
        title_km="លទ្ធផល និងការតាមដាន ៣ ថ្ងៃ",
        columns=[
            BUCKET_COL,
            _dim_col(by),
            KIND_COL,
            Col("resolved", "resolved", "បានដោះស្រាយ"),
            Col("not_resolved", "not resolved", "មិនបានដោះស្រាយ"),
            Col("referred", "referred", "បានបញ្ជូន"),
            Col("closed", "closed (protection)", "បានបិទ (ការពារ)"),
            Col("settled", "settled, says the person", "បានដោះស្រាយ តាមសម្ដីអ្នកប្ដឹង"),
            Col("not_settled", "not settled, says the person", "មិនទាន់ដោះស្រាយ តាមសម្ដីអ្នកប្ដឹង"),
            Col("settled_share", "% settled of answers", "% បានដោះស្រាយ", "share"),
        ],
        rows=rows,
        reading_en=reading_en,
        reading_km=reading_km,
        read=read,
        protection_rows=[r[2] == CaseKind.PROTECTION for r in rows],
    )


def escalations(conn: Connection, period: Period, scope: Scope, by: str = "office", grain: str = "period") -> Table:
    """Escalations of cases nobody accepted (reminder, coordinator, no office left) and
    re-routes (by escalation, or by an official or admin), in the period."""
    _check(by, CASE_DIMENSIONS, grain)
    opened = _opened_events()
    ev = case_events
    bucket = _bucket(conn, ev.c.at, grain, period).label("bucket")
    dim = _case_dimension(conn, by, opened).label("dim")
    reason = _json_text(conn, ev.c.detail, "reason")
    escalated = and_(ev.c.type == "rerouted", reason == routing.ESCALATED)
    q = (
        select(
            bucket,
            dim,
            cases.c.kind,
            *[func.count(case((ev.c.type == t, 1))) for t in ESCALATION_EVENTS],
            func.count(case((escalated, 1))),
            func.count(case((and_(ev.c.type == "rerouted", ~escalated), 1))),
        )
        .select_from(_case_from(by, opened, ev.join(cases, cases.c.id == ev.c.case_id)))
        .where(ev.c.type.in_((*ESCALATION_EVENTS, "rerouted")), _in_period(ev.c.at, period), _case_scope(scope))
        .group_by(*_groups(bucket, dim, cases.c.kind))
    )
    rows = sorted([list(r) for r in conn.execute(q)], key=lambda r: (r[0], str(r[1]), r[2]))

    def read(rows: list[list]) -> tuple[str, str]:
        reminders, moved = sum(r[3] for r in rows), sum(r[6] + r[7] for r in rows)
        return (
            f"In {period.label}, offices were reminded of unaccepted cases {reminders} times and {moved} cases were re-routed.",
            f"ក្នុង {period.label} ការិយាល័យត្រូវបានរំលឹក {reminders} ដង ហើយករណី {moved} ត្រូវបានបញ្ជូនបន្ត។",
        )

    reading_en, reading_km = read(rows)
    return Table(
        key="escalations",
        title_en="Escalations and re-routes",
        title_km="ការលើកឡើង និងការបញ្ជូនបន្ត",
        columns=[
            BUCKET_COL,
            _dim_col(by),
            KIND_COL,
            Col("reminded", "office reminded", "រំលឹកការិយាល័យ"),
            Col("to_coordinator", "to the coordinator", "ទៅអ្នកសម្របសម្រួល"),
            Col("exhausted", "no office left", "គ្មានការិយាល័យផ្សេង"),
            Col("rerouted_escalated", "re-routed: not accepted", "បញ្ជូនបន្ត៖ គ្មានអ្នកទទួល"),
            Col("rerouted_by_staff", "re-routed by staff", "បញ្ជូនបន្តដោយមន្ត្រី"),
        ],
        rows=rows,
        reading_en=reading_en,
        reading_km=reading_km,
        read=read,
        protection_rows=[r[2] == CaseKind.PROTECTION for r in rows],
    )


def protection_stages(
    conn: Connection, period: Period, scope: Scope, by: str = "none", grain: str = "period", now: datetime | None = None
) -> Table:
    """Protection cases by coordinated case management stage as the period ends (or today, for
    the current period: pass `now`), with the days they have spent in it: median and longest. The stage is
    the last stage event before that moment ('routed' before the first)."""
    _check(by, CASE_DIMENSIONS, "period")
    opened = _opened_events()
    as_at = min(period.end, now) if now else period.end
    ev = case_events.alias("stage_ev")
    if _pg(conn):
        # Each protection case's last stage event, through the (case_id, type, at) index.
        last_ev = (
            select(ev.c.type, ev.c.detail, ev.c.at)
            .where(ev.c.case_id == cases.c.id, ev.c.type.in_(STAGE_EVENTS), ev.c.at < as_at)
            .order_by(ev.c.at.desc(), ev.c.id.desc())
            .limit(1)
            .lateral("last_ev")
        )
        on_last = None
    else:  # SQLite has no LATERAL
        last = (
            select(ev.c.case_id, func.max(ev.c.id).label("event_id"))
            .where(ev.c.type.in_(STAGE_EVENTS), ev.c.at < as_at)
            .group_by(ev.c.case_id)
            .subquery("last_stage")
        )
        last_ev = case_events.alias("last_ev")
        on_last = last
    stage = case(
        (last_ev.c.type == _const("stage"), _json_text(conn, last_ev.c.detail, "stage")),
        (last_ev.c.type == _const("accepted"), _const("identified")),
        else_=_const("routed"),
    ).label("stage")
    days = (_hours_between(conn, literal(as_at, type_=cases.c.created_at.type), last_ev.c.at) / 24.0).label("days")
    dim = _case_dimension(conn, by, opened).label("dim")
    if on_last is None:
        source = _case_from(by, opened).join(last_ev, true())
    else:
        source = (
            _case_from(by, opened)
            .join(on_last, on_last.c.case_id == cases.c.id)
            .join(last_ev, last_ev.c.id == on_last.c.event_id)
        )
    where = and_(cases.c.kind == CaseKind.PROTECTION, cases.c.created_at < as_at, _case_scope(scope))
    if _pg(conn):
        q = (
            select(
                dim,
                stage,
                func.count(),
                func.percentile_cont(0.5).within_group(days),
                func.max(days),
            )
            .select_from(source)
            .where(where)
            .group_by(*_groups(dim, stage))
        )
        raw = [list(r) for r in conn.execute(q)]
    else:
        values: dict = defaultdict(list)
        for d, s, n in conn.execute(select(dim, stage, days).select_from(source).where(where)):
            values[(d, s)].append(n)
        raw = [[d, s, len(v), percentile(v, 0.5), max(v)] for (d, s), v in values.items()]
    order = {"routed": -1, **{str(s): i for i, s in enumerate(PROTECTION_STAGES)}}
    rows = sorted(
        [[period.label, d, s, n, _round(m), _round(x)] for d, s, n, m, x in raw],
        key=lambda r: (str(r[1]), order.get(r[2], 99)),
    )

    def read(rows: list[list]) -> tuple[str, str]:
        still_open = sum(r[3] for r in rows if r[2] not in ("closed", "evaluated"))
        return (
            f"At the end of {period.label}, {still_open} protection cases were still open across the stages.",
            f"នៅចុង {period.label} ករណីការពារ {still_open} នៅបើកនៅឡើយ។",
        )

    reading_en, reading_km = read(rows)
    return Table(
        key="protection_stages",
        title_en="Protection cases by case management stage",
        title_km="ករណីការពារ តាមដំណាក់កាលគ្រប់គ្រងករណី",
        columns=[
            BUCKET_COL,
            _dim_col(by),
            Col("stage", "stage", "ដំណាក់កាល", "dim"),
            Col("cases", "cases", "ករណី"),
            Col("days_median", "days in stage, median", "ថ្ងៃក្នុងដំណាក់កាល (មធ្យម)", "measure"),
            Col("days_max", "days in stage, longest", "ថ្ងៃក្នុងដំណាក់កាល (យូរបំផុត)", "measure"),
        ],
        rows=rows,
        reading_en=reading_en,
        reading_km=reading_km,
        read=read,
        protection_rows=[True] * len(rows),
        basis="cases",
    )


def _question_dimension(dim: str) -> ColumnElement:
    lq = legal_questions.c
    return {
        "district": func.coalesce(lq.district_code, _const("-")),
        "province": func.coalesce(lq.province_code, _const("-")),
        "topic": func.coalesce(lq.topic, _const("(not answered)")),
        "channel": lq.channel,
        "language": lq.language,
        "asker": case((lq.by_council, _const("commune_council")), else_=_const("citizen")),
    }.get(dim, _const("all"))


def legal_demand(conn: Connection, period: Period, scope: Scope, by: str = "topic", grain: str = "period") -> Table:
    """Legal questions asked in the period: answered from an article, offered close articles
    (not sure enough to answer), or declined (nothing came close)."""
    _check(by, QUESTION_DIMENSIONS, grain)
    lq = legal_questions.c
    bucket = _bucket(conn, lq.asked_at, grain, period).label("bucket")
    dim = _question_dimension(by).label("dim")
    q = (
        select(
            bucket,
            dim,
            func.count(),
            func.count(case((lq.answered, 1))),
            func.count(case((and_(~lq.answered, lq.offered), 1))),
            func.count(case((and_(~lq.answered, ~lq.offered), 1))),
        )
        .where(_in_period(lq.asked_at, period), _question_scope(scope))
        .group_by(*_groups(bucket, dim))
    )
    rows = sorted([[*r, _pct(r[3], r[2])] for r in conn.execute(q)], key=lambda r: (r[0], -r[2], str(r[1])))
    asked, answered = sum(r[2] for r in rows), sum(r[3] for r in rows)
    return Table(
        key="legal_demand",
        title_en="Legal questions: answered, offered, declined",
        title_km="សំណួរច្បាប់៖ បានឆ្លើយ បានផ្ដល់ជម្រើស បានបដិសេធ",
        columns=[
            BUCKET_COL,
            _dim_col(by),
            Col("asked", "asked", "បានសួរ"),
            Col("answered", "answered", "បានឆ្លើយ"),
            Col("offered", "offered close articles", "បានផ្ដល់ជម្រើស"),
            Col("declined", "declined (no article)", "គ្មានចម្លើយ"),
            Col("answered_share", "% answered", "% បានឆ្លើយ", "share"),
        ],
        rows=rows,
        reading_en=f"{asked} legal questions were asked in {period.label}; {answered} ({_pct(answered, asked)}) were answered from an article.",
        reading_km=f"សំណួរច្បាប់ {asked} ត្រូវបានសួរក្នុង {period.label}; {answered} ({_pct(answered, asked)}) ត្រូវបានឆ្លើយ។",
        protection_rows=[False] * len(rows),
    )


def knowledge_gaps(
    conn: Connection, period: Period, scope: Scope, by: str = "district", grain: str = "period"
) -> Table:
    """Where and in which language people asked what no article answers (offered or declined),
    most first. The question's text is never kept, so the gap is known by place and language."""
    _check(by, QUESTION_DIMENSIONS, grain)
    lq = legal_questions.c
    bucket = _bucket(conn, lq.asked_at, grain, period).label("bucket")
    dim = _question_dimension(by).label("dim")
    q = (
        select(
            bucket,
            dim,
            lq.language,
            func.count(),
            func.count(case((lq.offered, 1))),
            func.count(case((~lq.offered, 1))),
        )
        .where(_in_period(lq.asked_at, period), ~lq.answered, _question_scope(scope))
        .group_by(*_groups(bucket, dim, lq.language))
    )
    rows = sorted([list(r) for r in conn.execute(q)], key=lambda r: (r[0], -r[3], str(r[1]), r[2]))
    total = sum(r[3] for r in rows)
    top = f"; most in {rows[0][1]} ({rows[0][2]}, {rows[0][3]})" if rows else ""
    return Table(
        key="knowledge_gaps",
        title_en="Knowledge gaps: questions no article answered",
        title_km="ចន្លោះចំណេះដឹង៖ សំណួរដែលគ្មានអត្ថបទឆ្លើយ",
        columns=[
            BUCKET_COL,
            _dim_col(by),
            Col("language", "language / script", "ភាសា / អក្សរ", "dim"),
            Col("unanswered", "not answered", "មិនបានឆ្លើយ"),
            Col("offered", "offered close articles", "បានផ្ដល់ជម្រើស"),
            Col("declined", "declined", "គ្មានចម្លើយ"),
        ],
        rows=rows,
        reading_en=f"{total} questions in {period.label} found no confident answer{top}.",
        reading_km=f"សំណួរ {total} ក្នុង {period.label} មិនបានរកឃើញចម្លើយច្បាស់លាស់។",
        protection_rows=[False] * len(rows),
    )


def sms_cost(conn: Connection, period: Period, scope: Scope, by: str = "kind", grain: str = "period") -> Table:
    """SMS segments the service sent in the period (what it pays for), per case and per person:
    by the kind of case they were about ('none' = answers to questions, help, confirmations)."""
    _check(by, CASE_DIMENSIONS, grain)
    m = messages.c
    opened = _opened_events()
    bucket = _bucket(conn, m.created_at, grain, period).label("bucket")
    dim = (_const("all") if by == "none" else func.coalesce(_case_dimension(conn, by, opened), _const("none"))).label(
        "dim"
    )
    kind = func.coalesce(cases.c.kind, _const("none")).label("kind")
    source = _case_from(by, opened, messages.outerjoin(cases, cases.c.id == m.case_id))
    where = [
        m.direction == "out",
        m.channel == "sms",
        m.status.in_(SENT_STATUSES),
        _in_period(m.created_at, period),
    ]
    if scope.province_code or scope.office_ids is not None:
        where.append(and_(m.case_id.is_not(None), _case_scope(scope)))
    q = (
        select(
            bucket,
            dim,
            kind,
            func.count(),
            func.coalesce(func.sum(m.segments), 0),
            func.count(func.distinct(m.case_id)),
            func.count(func.distinct(m.contact_id)),
        )
        .select_from(source)
        .where(*where)
        .group_by(*_groups(bucket, dim, kind))
    )
    rows = []
    for b, d, k, n, seg, ncases, people in conn.execute(q):
        seg = int(seg)
        rows.append(
            [
                b,
                d,
                k,
                n,
                seg,
                ncases,
                people,
                _round(seg / ncases, 2) if ncases else None,
                _round(seg / people, 2) if people else None,
            ]
        )
    rows.sort(key=lambda r: (r[0], str(r[1]), r[2]))

    def read(rows: list[list]) -> tuple[str, str]:
        segments = sum(r[4] for r in rows)
        people = sum(r[6] for r in rows)
        each = segments / people if people else 0
        return (
            f"The service sent {segments} SMS segments in {period.label}, about {each:.1f} per person it wrote to.",
            f"សេវាបានផ្ញើ SMS {segments} ផ្នែកក្នុង {period.label} ប្រហែល {each:.1f} ក្នុងមួយនាក់។",
        )

    reading_en, reading_km = read(rows)
    return Table(
        key="sms_cost",
        title_en="SMS sent: segments per case and per person",
        title_km="សារ SMS ដែលបានផ្ញើ៖ ផ្នែកក្នុងមួយករណី និងមួយនាក់",
        columns=[
            BUCKET_COL,
            _dim_col(by) if by != "kind" else Col("by", "kind", "ប្រភេទ", "dim"),
            KIND_COL,
            Col("sms", "SMS sent", "SMS បានផ្ញើ"),
            Col("segments", "segments", "ផ្នែក"),
            Col("cases", "cases", "ករណី"),
            Col("people", "people", "មនុស្ស"),
            Col("segments_per_case", "segments per case", "ផ្នែកក្នុងមួយករណី", "measure"),
            Col("segments_per_person", "segments per person", "ផ្នែកក្នុងមួយនាក់", "measure"),
        ],
        rows=rows,
        reading_en=reading_en,
        reading_km=reading_km,
        read=read,
        protection_rows=[r[2] == CaseKind.PROTECTION for r in rows],
        basis="cases",
    )


def opt_outs(conn: Connection, period: Period, scope: Scope, by: str = "channel", grain: str = "month") -> Table:
    """People who sent STOP in the period (each STOP is confirmed once by an outbound
    'stop_confirmation', which carries the date); a province's scope counts the people with a case
    there."""
    if by not in ("none", "channel"):
        raise ValueError("opt-outs are counted by channel only")
    _check("none", CASE_DIMENSIONS, grain)
    m = messages.c
    bucket = _bucket(conn, m.created_at, grain, period).label("bucket")
    dim = (m.channel if by == "channel" else _const("all")).label("dim")
    where = [m.direction == "out", m.purpose == "stop_confirmation", _in_period(m.created_at, period)]
    if scope.province_code or scope.office_ids is not None:
        where.append(exists().where(cases.c.contact_id == m.contact_id, _case_scope(scope)))
    q = select(bucket, dim, func.count(func.distinct(m.contact_id))).where(*where).group_by(*_groups(bucket, dim))
    rows = sorted([list(r) for r in conn.execute(q)], key=lambda r: (r[0], str(r[1])))
    total = sum(r[2] for r in rows)
    return Table(
        key="opt_outs",
        title_en="Opt-outs (STOP)",
        title_km="ការឈប់ទទួលសារ (STOP)",
        columns=[BUCKET_COL, _dim_col(by), Col("opted_out", "people who sent STOP", "អ្នកផ្ញើ STOP")],
        rows=rows,
        reading_en=f"{total} people asked to receive no more messages in {period.label}.",
        reading_km=f"{total} នាក់បានស្នើមិនទទួលសារទៀតក្នុង {period.label}។",
        protection_rows=[False] * len(rows),
    )


def demand_by_district(conn: Connection, period: Period, scope: Scope, measure: str = "cases") -> dict[str, int]:
    """Cases opened (or legal questions asked) in the period per district code, for the map."""
    if measure == "questions":
        lq = legal_questions.c
        q = (
            select(lq.district_code, func.count())
            .where(_in_period(lq.asked_at, period), lq.district_code.is_not(None), _question_scope(scope))
            .group_by(lq.district_code)
        )
    elif measure == "cases":
        q = (
            select(cases.c.district_code, func.count())
            .where(_in_period(cases.c.created_at, period), cases.c.district_code.is_not(None), _case_scope(scope))
            .group_by(cases.c.district_code)
        )
    else:
        raise ValueError("measure is 'cases' or 'questions'")
    return {code: n for code, n in conn.execute(q)}


INDICATORS: dict[str, Callable[..., Table]] = {
    "cases_intake": cases_intake,
    "sessions": sessions,
    "outcomes": outcomes,
    "escalations": escalations,
    "protection_stages": protection_stages,
    "legal_demand": legal_demand,
    "knowledge_gaps": knowledge_gaps,
    "sms_cost": sms_cost,
    "opt_outs": opt_outs,
}
# The dimension each indicator is shown by when none is asked for.
DEFAULT_BY = {
    "cases_intake": "office",
    "sessions": "office",
    "outcomes": "office",
    "escalations": "office",
    "protection_stages": "none",
    "legal_demand": "topic",
    "knowledge_gaps": "district",
    "sms_cost": "kind",
    "opt_outs": "channel",
}


def all_indicators(conn: Connection, period: Period, scope: Scope, grain: str = "period") -> list[Table]:
    """Every indicator for a period and scope, by its default dimension, suppressed for the scope."""
    tables = []
    for key, fn in INDICATORS.items():
        g = "period" if key == "protection_stages" else grain
        tables.append(fn(conn, period, scope, by=DEFAULT_BY[key], grain=g).suppressed(scope))
    return tables


def open_case_count(conn: Connection, scope: Scope) -> int:
    """Cases open now in the scope (for the dashboard's heading)."""
    q = (
        select(func.count())
        .select_from(cases)
        .where(cases.c.status.in_([str(s) for s in OPEN_STATUSES]), _case_scope(scope))
    )
    return conn.execute(q).scalar_one()


__all__ = [
    "Col",
    "Period",
    "Scope",
    "Table",
    "all_indicators",
    "demand_by_district",
    "percentile",
    "scope_for",
    *INDICATORS,
]
