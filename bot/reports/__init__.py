"""What the Ministry reports: the indicator tables (`intake.indicators`) rendered as SVG charts,
a district map, CSV / XLSX exports and a printable monthly report, for the roles that may see
them. Everything here reads aggregates; nothing reads a message text, a phone number or a name."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from bot.reports.exports import Namer
from intake import indicators as ind
from intake.indicators import Period, Scope, Table
from intake.orm import offices


def trailing_year(period: Period) -> Period:
    """The twelve Cambodian months ending with the period's last month (for trend lines)."""
    last = Period.parse(period.months[-1])
    start = last.start.astimezone(ind.TZ)
    first = start.replace(year=start.year - 1) + timedelta(days=32)
    first = first.replace(day=1)
    label = f"{first:%Y-%m}…{period.months[-1]}"
    return Period(label, first.astimezone(ind.UTC), last.end)


def namer_for(conn: Connection, places) -> Namer:
    """Names for the codes in the tables: offices from the directory, places from the gazetteer,
    each as 'English / Khmer'."""
    office_names = {
        code: f"{en} / {km}"
        for code, en, km in conn.execute(select(offices.c.code, offices.c.name_en, offices.c.name_km))
    }

    def name(dim: str, code: str) -> str:
        if dim == "office":
            return office_names.get(code, code)
        if places is None:
            return code
        en, km = places.name(code, "en"), places.name(code, "km")
        return en if en == km else f"{en} / {km}"

    return name


@dataclass
class Dashboard:
    """The tables behind the dashboard page, already suppressed for the scope."""

    period: Period
    scope: Scope
    trend_cases: Table
    by_office: Table
    trend_questions: Table
    questions_by_topic: Table
    sessions: Table
    outcomes: Table
    escalations: Table
    protection: Table
    knowledge_gaps: Table
    sms_cost: Table
    opt_outs: Table

    def tables(self) -> list[Table]:
        """Every table, in page order (the exports' order too)."""
        return [
            self.trend_cases,
            self.by_office,
            self.sessions,
            self.outcomes,
            self.escalations,
            self.protection,
            self.trend_questions,
            self.questions_by_topic,
            self.knowledge_gaps,
            self.sms_cost,
            self.opt_outs,
        ]


def build_dashboard(source: Connection | Engine, period: Period, scope: Scope, now=None) -> Dashboard:
    """Run the dashboard's queries for a period and scope. Given an engine on PostgreSQL, the
    eleven queries run four at a time, each on its own connection; given a connection (or on
    SQLite), one after another."""
    year = trailing_year(period)
    jobs = {
        "trend_cases": (ind.cases_intake, year, dict(by="none", grain="month")),
        "by_office": (ind.cases_intake, period, dict(by="office")),
        "trend_questions": (ind.legal_demand, year, dict(by="none", grain="month")),
        "questions_by_topic": (ind.legal_demand, period, dict(by="topic")),
        "sessions": (ind.sessions, period, dict(by="office")),
        "outcomes": (ind.outcomes, period, dict(by="office")),
        "escalations": (ind.escalations, period, dict(by="office")),
        "protection": (ind.protection_stages, period, dict(by="none", now=now)),
        "knowledge_gaps": (ind.knowledge_gaps, period, dict(by="district")),
        "sms_cost": (ind.sms_cost, period, dict(by="none")),
        "opt_outs": (ind.opt_outs, period, dict(by="channel", grain="month")),
    }

    def run(conn: Connection, name: str) -> Table:
        fn, p, kw = jobs[name]
        return fn(conn, p, scope, **kw)

    if isinstance(source, Engine) and source.dialect.name == "postgresql":

        def on_own_connection(name: str) -> Table:
            with source.connect() as conn:
                return run(conn, name)

        with ThreadPoolExecutor(max_workers=4) as pool:
            tables = dict(zip(jobs, pool.map(on_own_connection, jobs)))
    elif isinstance(source, Engine):
        with source.connect() as conn:
            tables = {name: run(conn, name) for name in jobs}
    else:
        tables = {name: run(source, name) for name in jobs}
    trend, questions = tables["trend_cases"], tables["trend_questions"]
    trend.key, trend.title_en, trend.title_km = "cases_by_month", "Cases opened per month", "ករណីដែលបានបើកប្រចាំខែ"
    questions.key, questions.title_en = "questions_by_month", "Legal questions per month"
    questions.title_km = "សំណួរច្បាប់ប្រចាំខែ"
    return Dashboard(period=period, scope=scope, **{name: t.suppressed(scope) for name, t in tables.items()})


def series(table: Table, value: str, split: str | None, buckets: list[str]) -> dict[str, list]:
    """Values of one column per bucket (period column), one series per value of `split`."""
    col, period_col = table.column(value), table.column("period")
    split_col = table.column(split) if split else None
    out: dict[str, dict] = {}
    for row in table.rows:
        name = str(row[split_col]) if split_col is not None else value
        out.setdefault(name, {})[row[period_col]] = row[col]
    return {name: [vals.get(b, 0) for b in buckets] for name, vals in sorted(out.items())}


def bars(
    table: Table, value: str, label_col: str, namer, where: dict | None = None, top: int = 15
) -> list[tuple[str, object]]:
    """(label, value) pairs for a bar chart, the `top` largest first (suppressed and empty values
    last); the table below the chart has them all."""
    col, lab = table.column(value), table.column(label_col)
    items = []
    for row in table.rows:
        if where and any(row[table.column(k)] != v for k, v in where.items()):
            continue
        code = str(row[lab])
        name = namer(label_col, code) if label_col in ("office", "district", "province") else code
        items.append((name.split(" / ")[0], row[col]))
    items.sort(key=lambda kv: (not isinstance(kv[1], int | float), -(kv[1] if isinstance(kv[1], int | float) else 0)))
    return items[:top]
