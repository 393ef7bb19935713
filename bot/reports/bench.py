"""`python -m bot.reports.bench` (`make bench-reports`): how long each dashboard query, page and
export takes on a realistic year, beside a plain `SELECT count(*)` over the same table in the same
run.

A year (2026) is generated with bulk inserts into a PostgreSQL database of its own (`jsc_bench_
reports`, created, migrated and dropped by the benchmark): 40 JSC districts in 10 provinces and a
protection office in each of the 25 provinces; 30,000 cases (dispute 88 %, protection 12 %, most in
JSC districts), their events (opened, routed, accepted, escalations, re-routes, sessions, outcomes,
follow-up answers, CCM stages), sessions with the 1/2 answers, 40,000 legal questions and 200,000
messages (in and out, SMS segments counted). Pages are fetched through the Flask app as an admin
(the whole country) and as a coordinator (one province), signed in through the console. Each figure is the median of `--repeat`
runs after one warm-up.

    .venv/bin/python -m bot.reports.bench [--cases 30000] [--messages 200000] [--repeat 5] [--keep]
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, func, insert, select, text

from intake.orm import (
    appointments,
    case_events,
    cases,
    contacts,
    legal_questions,
    messages,
    offices,
)
from intake.sms import count_segments

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/jsc_bench_reports"
YEAR_START = datetime(2025, 12, 31, 17, tzinfo=UTC)  # 2026-01-01 00:00 in Phnom Penh
TOPICS = ["land", "family", "divorce", "inheritance", "labour", "debt", "birth_registration", "domestic_violence"]
STAGES = [
    "identified",
    "registered",
    "assessed",
    "case_conference",
    "case_plan",
    "referred",
    "service_provision",
    "reintegration_follow_up",
    "closed",
]
SMS_TEXTS = [
    "Your case {ref} was sent to the Justice Service Centre. They will call you.",
    "ករណីរបស់អ្នក {ref} ត្រូវបានបញ្ជូនទៅមជ្ឈមណ្ឌលសេវាយុត្តិធម៌។ ពួកគេនឹងទូរស័ព្ទមកអ្នក។",
    "ការប្រជុំសម្របសម្រួលសម្រាប់ករណី {ref} ថ្ងៃពុធ ០៣/១២ ម៉ោង ០៩:០០ នៅមជ្ឈមណ្ឌល។ ឆ្លើយ 1 នឹងមក 2 មិនអាចមក",
    "Reminder: session for case {ref} tomorrow 09:00.",
]


def _districts() -> dict[str, list[str]]:
    by_province: dict[str, list[str]] = {}
    with (ROOT / "data" / "gazetteer" / "kh_districts.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            by_province.setdefault(row["province_code"], []).append(row["district_code"])
    return by_province


def generate(engine, n_cases: int = 30_000, n_messages: int = 200_000, n_questions: int = 40_000, seed: int = 13):
    """Fill an empty, migrated database with a realistic year (bulk inserts). Returns row counts."""
    rnd = random.Random(seed)
    by_province = _districts()
    provinces = sorted(by_province)
    jsc_provinces = ["01", "02", "04", "05", "06", "07", "11", "12", "14", "17"]
    jsc_districts = [d for p in jsc_provinces for d in sorted(by_province[p])[:4]]
    office_rows, jsc_of, protection_of = [], {}, {}
    for i, d in enumerate(jsc_districts, start=1):
        office_rows.append(
            dict(id=i, code=f"JSC-{d}", kind="jsc", name_en=f"JSC {d}", name_km=f"មជ្ឈមណ្ឌល {d}", province_code=d[:2],
                 district_code=d, lat=12.0, lon=104.0, covered_districts=[d], active=True, sample=True)
        )  # fmt: skip
        jsc_of[d] = i
    for j, p in enumerate(provinces, start=len(office_rows) + 1):
        office_rows.append(
            dict(id=j, code=f"DOSVY-{p}", kind="protection", name_en=f"Social Affairs {p}", name_km=f"មន្ទីរសង្គមកិច្ច {p}",
                 province_code=p, district_code=by_province[p][0], lat=12.0, lon=104.0, covered_districts=[],
                 active=True, sample=True)
        )  # fmt: skip
        protection_of[p] = j
    jsc_by_province = {p: [jsc_of[d] for d in jsc_districts if d[:2] == p] for p in jsc_provinces}
    all_districts = [d for p in provinces for d in by_province[p]]
    year_s = 365 * 86400

    def when(after: datetime = YEAR_START, spread_s: float = year_s) -> datetime:
        return after + timedelta(seconds=rnd.random() * spread_s)

    n_contacts = int(n_cases * 0.8) + 5000
    contact_rows = [
        dict(id=i, language=rnd.choice(["km", "km", "km", "en"]), opted_out=rnd.random() < 0.01,
             role="citizen", safe_to_sms=True, language_fixed=False, created_at=YEAR_START)
        for i in range(1, n_contacts + 1)
    ]  # fmt: skip
    case_rows, event_rows, appt_rows = [], [], []
    eid = 0

    def event(case_id, type_, at, actor="system", **detail):
        nonlocal eid
        eid += 1
        event_rows.append(dict(id=eid, case_id=case_id, type=type_, actor=actor, detail=detail, at=at))

    for cid in range(1, n_cases + 1):
        kind = "protection" if rnd.random() < 0.12 else "dispute"
        district = rnd.choice(jsc_districts) if rnd.random() < 0.8 else rnd.choice(all_districts)
        province = district[:2]
        # Demand grows through the year.
        created = YEAR_START + timedelta(seconds=year_s * rnd.random() ** 0.8)
        if kind == "dispute":
            office = jsc_of.get(district) or rnd.choice(jsc_by_province.get(province) or list(jsc_of.values()))
        else:
            office = protection_of[province]
        status = "routed"
        channel = "sms" if rnd.random() < 0.7 else "telegram"
        written = rnd.choices(["km", "km-Latn", "en"], [60, 25, 15])[0]
        event(cid, "opened", created, "citizen", channel=channel, message_id=None, written_in=written)
        event(cid, "routed", created + timedelta(seconds=1), office=f"office-{office}", reason="covers the district")
        accepted = rnd.random() < 0.85
        t = created
        follow_up = None
        if not accepted:
            t += timedelta(hours=24)
            event(cid, "escalation_reminder", t, officials=1)
            if rnd.random() < 0.6:
                t += timedelta(hours=24)
                event(cid, "escalated_to_coordinator", t, coordinators=1)
                if rnd.random() < 0.5:
                    t += timedelta(hours=24)
                    event(cid, "rerouted", t, office="next", reason="escalated: not accepted")
        else:
            t += timedelta(hours=rnd.lognormvariate(2.0, 1.0))
            event(cid, "accepted", t, "official:1")
            status = "accepted" if kind == "dispute" else "identified"
            if kind == "dispute" and rnd.random() < 0.65:
                starts = t + timedelta(days=rnd.uniform(2, 20))
                answer = rnd.choices(["will_come", "cannot_come", None], [65, 15, 20])[0]
                held = answer != "cannot_come" and rnd.random() < 0.8
                appt_rows.append(
                    dict(case_id=cid, starts_at=starts, place="JSC", status="held" if held else "scheduled",
                         citizen_answer=answer, created_at=t)
                )  # fmt: skip
                event(cid, "scheduled", t + timedelta(minutes=5), "official:1", starts_at=starts.isoformat())
                status = "scheduled"
                if held:
                    outcome = rnd.choices(["resolved", "not_resolved", "referred"], [55, 25, 20])[0]
                    done = starts + timedelta(hours=rnd.uniform(2, 72))
                    event(cid, "outcome", done, "official:1", outcome=outcome)
                    status = outcome
                    if rnd.random() < 0.6:
                        follow_up = "settled" if rnd.random() < 0.7 else "not_settled"
                        event(cid, "follow_up_answer", done + timedelta(days=3, hours=2), "citizen", answer=follow_up)
                        status = "closed"
            elif kind == "protection":
                for stage in STAGES[1 : 1 + rnd.randint(0, len(STAGES) - 1)]:
                    t += timedelta(days=rnd.uniform(1, 20))
                    event(cid, "stage", t, "official:1", stage=stage)
                    status = stage
        if rnd.random() < 0.03:
            event(cid, "rerouted", t + timedelta(hours=1), "official:1", office="other", reason="re-routed")
        case_rows.append(
            dict(id=cid, ref=f"{cid:07d}"[:3] + "-" + f"{cid:07d}"[3:], kind=kind, status=status, urgent=kind == "protection",
                 contact_id=rnd.randint(1, n_contacts), language="en" if written == "en" else "km",
                 province_code=province, district_code=district, commune_code=None, office_id=office,
                 escalation_level=0, follow_up_answer=follow_up, created_at=created, updated_at=t)
        )  # fmt: skip
    question_rows = []
    for _ in range(n_questions):
        district = rnd.choice(jsc_districts) if rnd.random() < 0.6 else rnd.choice(all_districts)
        answered = rnd.random() < 0.7
        offered = not answered and rnd.random() < 0.5
        topic = rnd.choice(TOPICS) if answered else None
        question_rows.append(
            dict(asked_at=YEAR_START + timedelta(seconds=year_s * rnd.random() ** 0.8),
                 channel="sms" if rnd.random() < 0.65 else "telegram",
                 language=rnd.choices(["km", "km-Latn", "en"], [60, 25, 15])[0], answered=answered, offered=offered,
                 article_id=f"{topic}-1" if topic else None, topic=topic, province_code=district[:2],
                 district_code=district, commune_code=None, by_council=rnd.random() < 0.1)
        )  # fmt: skip
    message_rows = []
    seg_cache = {t: count_segments(t.format(ref="ABC-1234")).segments for t in SMS_TEXTS}
    for mid in range(1, n_messages + 1):
        case = case_rows[rnd.randrange(len(case_rows))] if rnd.random() < 0.75 else None
        created = case["created_at"] + timedelta(hours=rnd.uniform(0, 400)) if case else when()
        out = rnd.random() < 0.55
        channel = "sms" if rnd.random() < 0.7 else "telegram"
        purpose = "stop_confirmation" if out and rnd.random() < 0.01 else ("reply" if out else "inbound")
        body = rnd.choice(SMS_TEXTS)
        message_rows.append(
            dict(id=mid, direction="out" if out else "in", channel=channel, address=f"+8551{mid:08d}",
                 body=body.format(ref="ABC-1234"), status=("sent" if rnd.random() < 0.97 else "failed") if out else "processed",
                 provider_message_id=None if out else f"SM{mid}", idempotency_key=f"bench:{mid}" if out else None,
                 contact_id=case["contact_id"] if case else rnd.randint(1, n_contacts), case_id=case["id"] if case else None,
                 purpose=purpose, urgent=False, attempts=1 if out else 0, created_at=created, updated_at=created,
                 segments=seg_cache[body] if out and channel == "sms" else None)
        )  # fmt: skip
    # Into a database that already holds rows (the browser test's seeded console): ids after theirs.
    with engine.connect() as conn:
        top = {
            t.name: conn.execute(select(func.coalesce(func.max(t.c.id), 0))).scalar_one()
            for t in (offices, contacts, cases, case_events, messages)
        }
    for r in office_rows:
        r["id"] += top["offices"]
    for r in contact_rows:
        r["id"] += top["contacts"]
    for r in case_rows:
        r["id"] += top["cases"]
        r["office_id"] += top["offices"]
        r["contact_id"] += top["contacts"]
    for r in event_rows:
        r["id"] += top["case_events"]
        r["case_id"] += top["cases"]
    for r in appt_rows:
        r["case_id"] += top["cases"]
    for r in message_rows:
        r["id"] += top["messages"]
        r["contact_id"] += top["contacts"]
        if r["case_id"] is not None:
            r["case_id"] += top["cases"]
    with engine.begin() as conn:
        for table, rows in (
            (offices, office_rows),
            (contacts, contact_rows),
            (cases, case_rows),
            (case_events, event_rows),
            (appointments, appt_rows),
            (legal_questions, question_rows),
            (messages, message_rows),
        ):
            for start in range(0, len(rows), 5000):
                conn.execute(insert(table), rows[start : start + 5000])
        if conn.dialect.name == "postgresql":
            for table in ("offices", "contacts", "cases", "case_events", "appointments", "legal_questions", "messages"):
                conn.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
                )
    if engine.dialect.name == "postgresql":
        # As autovacuum leaves a live database: statistics, and the visibility map that lets the
        # reports' index-only scans skip the table.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    return {
        "offices": len(office_rows),
        "cases": len(case_rows),
        "case_events": len(event_rows),
        "appointments": len(appt_rows),
        "legal_questions": len(question_rows),
        "messages": len(message_rows),
    }


def _time(fn, repeat: int) -> float:
    fn()  # warm-up
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs)


def _signed_in(app, services, office_code: str, role: str):
    """A test client signed in to the console (one-time link, CSRF token) as a new official."""
    import re

    from intake import staff
    from intake.directory import invite_official

    with services.uow() as uow:
        official, _ = invite_official(
            uow, office_code, f"Bench {role}", role, now=services.clock(), key=services.config.secret_key
        )
        raw = staff.issue_sign_in(uow, official, services.clock())
        uow.commit()
    client = app.test_client()
    form = client.get(f"/console/signin?t={raw}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    client.post("/console/signin", data={"t": raw, "csrf_token": token})
    return client


def _fresh_database(url: str) -> None:
    """Create the benchmark's own database (emptied if it exists) and migrate it."""
    from bot.database import upgrade_database

    admin = create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    name = url.rsplit("/", 1)[1]
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    upgrade_database(url)


def run(
    url: str, n_cases: int, n_messages: int, repeat: int, keep: bool, reuse: bool = False
) -> list[tuple[str, str, float, float]]:
    """Generate, time and return (what, table, seconds, count(*) seconds) rows; the database is
    dropped afterwards unless `keep`."""

    if not reuse:
        _fresh_database(url)
    try:
        return _measure(url, n_cases, n_messages, repeat, generated=reuse)
    finally:
        if not keep:
            admin = create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
            admin.dispose()


def _measure(
    url: str, n_cases: int, n_messages: int, repeat: int, generated: bool = False
) -> list[tuple[str, str, float, float]]:
    from bot import create_app
    from bot.bootstrap import build_services
    from bot.config import Config
    from bot.keys import load_keyring
    from intake import indicators as ind
    from intake.crypto import attach

    engine = attach(create_engine(url), load_keyring(Config()))  # the keys the services below use
    if not generated:
        t0 = time.perf_counter()
        counts = generate(engine, n_cases, n_messages, n_questions=max(1000, n_cases * 4 // 3))
        print(f"generated in {time.perf_counter() - t0:.0f} s: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    services = build_services(replace(Config(), database_url=url, simulator=False))
    app = create_app(services=services)
    clients = {"admin": _signed_in(app, services, "JSC-0201", "admin")}
    clients["coordinator"] = _signed_in(app, services, "JSC-0201", "coordinator")
    period = ind.Period.parse("2026-Q4")
    year = ind.Period.parse("2026")
    national = ind.Scope.national(True)
    rows = []

    def count_of(table: str) -> float:
        with engine.connect() as conn:
            return _time(lambda: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar(), repeat)

    baseline = {t: count_of(t) for t in ("cases", "case_events", "appointments", "legal_questions", "messages")}
    reads = {
        "cases_intake": "cases",
        "sessions": "appointments",
        "outcomes": "case_events",
        "escalations": "case_events",
        "protection_stages": "case_events",
        "legal_demand": "legal_questions",
        "knowledge_gaps": "legal_questions",
        "sms_cost": "messages",
        "opt_outs": "messages",
    }
    with engine.connect() as conn:
        for key, fn in ind.INDICATORS.items():
            by = ind.DEFAULT_BY[key]
            rows.append(
                (
                    f"query {key} (2026-Q4, by {by})",
                    reads[key],
                    _time(lambda fn=fn, by=by: fn(conn, period, national, by=by), repeat),
                    baseline[reads[key]],
                )
            )
        rows.append(
            (
                "query cases_intake (2026, by month)",
                "cases",
                _time(lambda: ind.cases_intake(conn, year, national, by="none", grain="month"), repeat),
                baseline["cases"],
            )
        )
        rows.append(
            (
                "query demand_by_district (cases)",
                "cases",
                _time(lambda: ind.demand_by_district(conn, period, national), repeat),
                baseline["cases"],
            )
        )

    def page(who: str, path: str):
        def get():
            r = clients[who].get(path)
            assert r.status_code == 200, (path, r.status_code)

        return get

    for name, who, path in [
        ("page dashboard, admin (country)", "admin", "/console/reports?period=2026-Q4"),
        ("page dashboard, coordinator (province 02)", "coordinator", "/console/reports?period=2026-Q4"),
        ("page map, cases", "admin", "/console/reports/map?period=2026-Q4&measure=cases"),
        ("page map, questions", "admin", "/console/reports/map?period=2026-Q4&measure=questions"),
        ("page monthly report (2026-11)", "admin", "/console/reports/monthly?period=2026-11"),
        ("export CSV, every table", "admin", "/console/reports/export.csv?period=2026-Q4"),
        ("export XLSX, every table", "admin", "/console/reports/export.xlsx?period=2026-Q4"),
    ]:
        rows.append((name, "messages", _time(page(who, path), repeat), baseline["messages"]))
    services.engine.dispose()
    engine.dispose()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL, help="a PostgreSQL database the benchmark may drop")
    parser.add_argument("--cases", type=int, default=30_000)
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="time the database a --keep run left (no generation)")
    parser.add_argument("--limit", type=float, default=1.0, help="the slowest page must stay under this (s)")
    args = parser.parse_args(argv)
    rows = run(args.database_url, args.cases, args.messages, args.repeat, args.keep or args.reuse, args.reuse)
    print()
    print("| what | reads | time | SELECT count(*) of that table, same run |")
    print("| --- | --- | ---: | ---: |")
    for what, table, seconds, base in rows:
        print(f"| {what} | {table} | {seconds * 1000:.0f} ms | {base * 1000:.1f} ms |")
    slowest = max((r for r in rows if r[0].startswith(("page", "export"))), key=lambda r: r[2])
    print(f"\nslowest page or export: {slowest[0]}, {slowest[2]:.2f} s (limit {args.limit:.1f} s)")
    return 0 if slowest[2] < args.limit else 1


if __name__ == "__main__":
    sys.exit(main())
