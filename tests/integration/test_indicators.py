"""Each indicator against a hand-computed fixture (tests/integration/reports_fixture.py), on
SQLite and on PostgreSQL; the small-cell rule; a coordinator's scope counting only their province."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.bootstrap import build_services
from intake import indicators as ind
from tests.fakes import RecordingQueue, RecordingSender, ScriptedUnderstander
from tests.integration import reports_fixture as fx
from tests.support import load_sample_directory

Q4 = ind.Period.parse(fx.PERIOD)
ADMIN = ind.Scope.national(full_protection=True)


@pytest.fixture(params=["sqlite", "postgres"])
def reports(request, config, places):
    """Services over a database holding the fixture; yields (services, ids)."""
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")
    services = build_services(
        replace(config, database_url=url),
        queue=RecordingQueue(),
        senders={"sms": RecordingSender(), "telegram": RecordingSender()},
        understander=ScriptedUnderstander({}),
        places=places,
        legal=None,
    )
    load_sample_directory(services)
    with services.uow() as uow:
        ids = fx.build(uow)
        uow.commit()
    yield services, ids
    services.engine.dispose()


def rows(services, fn, scope=ADMIN, **kw) -> list[list]:
    with services.engine.connect() as conn:
        return fn(conn, Q4, scope, **kw).suppressed(scope).rows


def test_periods_are_cambodian_months_and_quarters():
    q = ind.Period.parse("2026-q4")
    assert (q.label, q.months) == ("2026-Q4", ["2026-10", "2026-11", "2026-12"])
    assert q.start.isoformat() == "2026-09-30T17:00:00+00:00"  # midnight in Phnom Penh
    assert ind.Period.parse("2026").buckets("quarter") == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    with pytest.raises(ValueError):
        ind.Period.parse("2026-13")


def test_percentile_is_linear_like_percentile_cont():
    assert ind.percentile([2, 4, 10], 0.5) == 4
    assert ind.percentile([2, 4, 10], 0.9) == pytest.approx(8.8)
    assert ind.percentile([], 0.5) is None


def test_cases_opened_accepted_and_the_times_to_acceptance_and_session(reports):
    services, _ = reports
    # Disputes D1-D4 opened in the quarter (D5 in September is not); accepted after 2 h (D1),
    # 10 h (D2, by scheduling) and 4 h (D4): median 4, p90 4 + 6 × 0.8 = 8.8. First sessions 7 and
    # 3 days after opening (D2's cancelled one does not count): median 5, p90 3 + 4 × 0.9 = 6.6.
    assert rows(services, ind.cases_intake, by="none") == [
        ["2026-Q4", "all", "dispute", 4, 3, "75%", 4.0, 8.8, 2, 5.0, 6.6],
        ["2026-Q4", "all", "protection", 3, 2, "67%", 2.0, 2.8, 0, None, None],
    ]


def test_a_case_opened_at_night_on_31_october_utc_counts_in_november(reports):
    services, _ = reports
    by_month = rows(services, ind.cases_intake, by="none", grain="month")
    assert [(r[0], r[2], r[3]) for r in by_month] == [
        ("2026-11", "dispute", 3),
        ("2026-11", "protection", 2),
        ("2026-12", "dispute", 1),
        ("2026-12", "protection", 1),
    ]
    quarters = rows(services, ind.cases_intake, by="none", grain="quarter")
    assert [(r[0], r[3]) for r in quarters] == [("2026-Q4", 4), ("2026-Q4", 3)]


def test_cases_by_office_channel_and_script_of_the_first_message(reports):
    services, _ = reports
    by_office = {(r[1], r[2]): r[3] for r in rows(services, ind.cases_intake, by="office")}
    # D3 was re-routed to Kampong Leaeng: it counts there.
    assert by_office == {
        ("SAMPLE-JSC-0203", "dispute"): 2,
        ("SAMPLE-JSC-0404", "dispute"): 2,
        ("SAMPLE-DOSVY-02", "protection"): 3,
    }
    by_channel = {(r[1], r[2]): r[3] for r in rows(services, ind.cases_intake, by="channel")}
    assert by_channel == {
        ("sms", "dispute"): 3,
        ("telegram", "dispute"): 1,
        ("sms", "protection"): 2,
        ("telegram", "protection"): 1,
    }
    by_script = {(r[1], r[2]): r[3] for r in rows(services, ind.cases_intake, by="language")}
    assert by_script == {("km", "dispute"): 2, ("en", "dispute"): 1, ("km-Latn", "dispute"): 1, ("km", "protection"): 3}


def test_sessions_and_the_will_come_cannot_come_answers(reports):
    services, _ = reports
    assert rows(services, ind.sessions, by="none") == [["2026-Q4", "all", 2, 1, 1, 0, "50%", 1]]


def test_outcomes_by_when_they_were_recorded_and_the_follow_up_answers(reports):
    services, _ = reports
    # D1 and D5 (opened in September, resolved on 2 October) resolved, D2 not, D4 referred;
    # D1's person says settled, D2's not.
    assert rows(services, ind.outcomes, by="none") == [["2026-Q4", "all", "dispute", 2, 1, 1, 0, 1, 1, "50%"]]


def test_escalations_and_re_routes(reports):
    services, _ = reports
    assert rows(services, ind.escalations, by="office") == [["2026-Q4", "SAMPLE-JSC-0404", "dispute", 1, 1, 0, 1, 0]]


def test_protection_cases_by_stage_with_days_in_stage_as_the_quarter_ends(reports):
    services, _ = reports
    # As at 1 January 00:00 in Phnom Penh (31 December 17:00 UTC): P1 assessed since 6 November
    # 00:00 (55 d 17 h), P2 identified since 10 November 03:00 (51 d 14 h), P3 routed since
    # 20 December (11 d 17 h).
    assert rows(services, ind.protection_stages, now=fx.NOW) == [
        ["2026-Q4", "all", "routed", 1, 11.7, 11.7],
        ["2026-Q4", "all", "identified", 1, 51.6, 51.6],
        ["2026-Q4", "all", "assessed", 1, 55.7, 55.7],
    ]


def test_legal_questions_answered_offered_declined_and_the_gaps(reports):
    services, _ = reports
    assert rows(services, ind.legal_demand, by="topic") == [
        ["2026-Q4", "(not answered)", 3, 0, 1, 2, "0%"],
        ["2026-Q4", "land", 2, 2, 0, 0, "100%"],
        ["2026-Q4", "family", 1, 1, 0, 0, "100%"],
    ]
    assert rows(services, ind.knowledge_gaps, by="district") == [
        ["2026-Q4", "0203", "km", 2, 1, 1],
        ["2026-Q4", "-", "en", 1, 0, 1],
    ]


def test_sms_segments_per_case_and_per_person(reports):
    services, _ = reports
    # Sent SMS only (not the suppressed one, not Telegram, not September's): D1 1 + 2 segments;
    # P1 1; without a case, a 3-segment legal answer and c2's 1-segment STOP confirmation.
    assert rows(services, ind.sms_cost, by="none") == [
        ["2026-Q4", "all", "dispute", 2, 3, 1, 1, 3.0, 3.0],
        ["2026-Q4", "all", "none", 2, 4, 0, 2, None, 2.0],
        ["2026-Q4", "all", "protection", 1, 1, 1, 1, 1.0, 1.0],
    ]


def test_opt_outs_by_month_and_channel(reports):
    services, _ = reports
    assert rows(services, ind.opt_outs, by="channel", grain="month") == [
        ["2026-11", "sms", 1],
        ["2026-12", "telegram", 1],
    ]
    # A province counts the people with a case there: c2 (D2) and c6 (P3) in 02, nobody in 04.
    assert rows(services, ind.opt_outs, ind.Scope.province("02"), by="none", grain="period") == [["2026-Q4", "all", 2]]
    assert rows(services, ind.opt_outs, ind.Scope.province("04"), by="none", grain="period") == [["2026-Q4", "all", 0]]


def test_demand_by_district_for_the_map(reports):
    services, _ = reports
    with services.engine.connect() as conn:
        assert ind.demand_by_district(conn, Q4, ADMIN) == {"0203": 6, "0404": 1}
        assert ind.demand_by_district(conn, Q4, ADMIN, "questions") == {"0203": 4, "0404": 1}
        assert ind.demand_by_district(conn, Q4, ind.Scope.province("04"), "questions") == {"0404": 1}


def test_a_coordinator_counts_only_their_province_and_sees_small_protection_figures_as_under_5(reports):
    services, ids = reports
    coordinator = ind.scope_for("coordinator", ids["offices"]["jsc02"], "02", "jsc")
    assert coordinator == ind.Scope.province("02")
    # D3 left for province 04; protection's 3 cases and 2 acceptances are under 5, their times hidden;
    # the zero stays a zero.
    assert rows(services, ind.cases_intake, coordinator, by="none") == [
        ["2026-Q4", "all", "dispute", 2, 2, "100%", 6.0, 9.2, 2, 5.0, 6.6],
        ["2026-Q4", "all", "protection", "<5", "<5", None, None, None, 0, None, None],
    ]
    assert [r[2] for r in rows(services, ind.legal_demand, coordinator, by="none")] == [4]
    assert [r[3] for r in rows(services, ind.protection_stages, coordinator, now=fx.NOW)] == ["<5"] * 3


def test_an_official_sees_their_office_and_a_protection_caseworker_sees_small_figures(reports):
    services, ids = reports
    official = ind.scope_for("official", ids["offices"]["jsc04"], "04", "jsc")
    assert [(r[1], r[3]) for r in rows(services, ind.cases_intake, official, by="office")] == [("SAMPLE-JSC-0404", 2)]
    caseworker = ind.scope_for("official", ids["offices"]["dosvy02"], "02", "protection")
    assert caseworker.full_protection
    assert [r[3] for r in rows(services, ind.cases_intake, caseworker, by="none")] == [3]
    admin = ind.scope_for("admin", ids["offices"]["jsc02"], "02", "jsc")
    assert admin.full_protection and admin.province_code is None


def test_suppression_leaves_dispute_rows_alone():
    table = ind.Table(
        key="t",
        title_en="t",
        title_km="t",
        columns=[ind.Col("kind", "kind", "kind", "dim"), ind.Col("n", "n", "n"), ind.Col("m", "m", "m", "measure")],
        rows=[["dispute", 3, 1.5], ["protection", 3, 1.5], ["protection", 7, 2.0]],
        protection_rows=[False, True, True],
        basis="n",
    )
    shown = table.suppressed(ind.Scope.province("02")).rows
    assert shown == [["dispute", 3, 1.5], ["protection", "<5", None], ["protection", 7, 2.0]]
    # A reading built from every row would say 13; the suppressed table's reading counts 10.
    table.read = lambda rows: (f"{sum(r[1] for r in rows)} in all.", "")
    assert (
        table.suppressed(ind.Scope.province("02")).reading_en == "10 in all. (Protection figures under 5 are left out.)"
    )
    assert table.suppressed(ind.Scope.national(full_protection=True)).rows == table.rows
