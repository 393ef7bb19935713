"""Exports and pages of the reports: CSV that keeps Khmer through Excel's encoding, XLSX that
opens with its rows, the CLI, no personal data in any of them, and the pages' scoping."""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook

from bot import create_app
from bot.bootstrap import build_services
from bot.reports import build_dashboard, namer_for
from bot.reports.exports import to_csv, to_xlsx
from intake import indicators as ind
from intake import staff
from intake.directory import invite_official
from tests.fakes import RecordingQueue, RecordingSender, ScriptedUnderstander
from tests.integration import reports_fixture as fx
from tests.support import load_sample_directory

Q4 = ind.Period.parse(fx.PERIOD)
PERSONAL = ["+8551200000", "+85512000000", "words that must never reach a report", "ករណីរបស់", "ខខខខខ", "You will get"]


@pytest.fixture
def reports(config, places):
    services = build_services(
        config,
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


def dashboard_tables(services, scope):
    with services.engine.connect() as conn:
        return build_dashboard(conn, Q4, scope, now=fx.NOW).tables(), namer_for(conn, services.deps.places)


def test_csv_starts_with_a_bom_and_khmer_survives_the_round_trip(reports):
    services, _ = reports
    tables, namer = dashboard_tables(services, ind.Scope.national(full_protection=True))
    by_office = next(t for t in tables if t.key == "cases_intake")
    body = to_csv([by_office], namer)
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][:5] == [
        "period / រយៈពេល",
        "office / ការិយាល័យ",
        "office name / ឈ្មោះ",
        "kind / ប្រភេទ",
        "opened / បានបើក",
    ]
    battambang = next(r for r in rows[1:] if r[1] == "SAMPLE-JSC-0203")
    assert battambang[2] == "Battambang Justice Service Centre / មជ្ឈមណ្ឌលសេវាយុត្តិធម៌ក្រុងបាត់ដំបង"
    assert battambang[4] == "2"


def test_xlsx_opens_with_one_sheet_per_table_and_its_rows(reports):
    services, _ = reports
    tables, namer = dashboard_tables(services, ind.Scope.province("02"))
    book = load_workbook(io.BytesIO(to_xlsx(tables, namer)))
    assert book.sheetnames == [t.key for t in tables]
    sheet = book["cases_intake"]
    assert sheet["A1"].value == "Cases opened and accepted / ករណីដែលបានបើក និងទទួលយក"
    header = [c.value for c in sheet[4]]
    assert header[:3] == ["period / រយៈពេល", "office / ការិយាល័យ", "office name / ឈ្មោះ"]
    data = [[c.value for c in row] for row in sheet.iter_rows(min_row=5)]
    assert [(r[1], r[3], r[4]) for r in data] == [
        ("SAMPLE-DOSVY-02", "protection", "<5"),
        ("SAMPLE-JSC-0203", "dispute", 2),
    ]


def test_no_export_holds_a_phone_number_a_name_or_a_message_text(reports):
    services, _ = reports
    tables, namer = dashboard_tables(services, ind.Scope.national(full_protection=True))
    text = to_csv(tables, namer).decode("utf-8-sig")
    book = load_workbook(io.BytesIO(to_xlsx(tables, namer)))
    cells = " ".join(str(c.value) for ws in book for row in ws.iter_rows() for c in row if c.value is not None)
    for secret in PERSONAL:
        assert secret not in text
        assert secret not in cells
    assert "Battambang" in text and "Battambang" in cells  # the offices are named: they are public


def test_the_cli_writes_a_province_s_indicators_as_csv_and_xlsx(reports, tmp_path):
    services, _ = reports
    app = create_app(services=services)
    runner = app.test_cli_runner()
    out = tmp_path / "q4.csv"
    result = runner.invoke(
        args=[
            "reports",
            "indicators",
            "--period",
            "2026-Q4",
            "--province",
            "02",
            "--format",
            "csv",
            "--output",
            str(out),
        ]
    )
    assert result.exit_code == 0, result.output
    text = out.read_bytes().decode("utf-8-sig")
    assert "Cases opened and accepted / ករណីដែលបានបើក និងទទួលយក" in text
    assert "SAMPLE-JSC-0404" not in text  # Kampong Chhnang's office is not in province 02
    assert "<5" in text
    xlsx = tmp_path / "q4.xlsx"
    result = runner.invoke(
        args=["reports", "indicators", "--period", "2026-Q4", "--format", "xlsx", "--output", str(xlsx)]
    )
    assert result.exit_code == 0, result.output
    assert "sms_cost" in load_workbook(xlsx).sheetnames
    bad = runner.invoke(args=["reports", "indicators", "--period", "2026-14"])
    assert bad.exit_code != 0 and "--period" in bad.output


STAFF = {  # who signs in to the console: office, role
    "coordinator": ("SAMPLE-JSC-0203", "coordinator"),  # Battambang (province 02)
    "admin": ("SAMPLE-JSC-1202", "admin"),
    "official": ("SAMPLE-JSC-0404", "official"),  # Kampong Leaeng, province 04
    "caseworker": ("SAMPLE-DOSVY-02", "official"),  # a protection caseworker in province 02
}


@pytest.fixture
def pages(reports):
    """The app as deployed (the reports mounted in the console), and a function that returns a
    test client signed in through the console's one-time link as one of STAFF."""
    services, _ = reports
    app = create_app(services=services)
    with services.uow() as uow:
        ids = {
            key: invite_official(
                uow, office, f"Test {key}", role, now=services.clock(), key=services.config.secret_key
            )[0].id
            for key, (office, role) in STAFF.items()
        }
        uow.commit()

    def signed_in(key: str):
        client = app.test_client()
        with services.uow() as uow:
            raw = staff.issue_sign_in(uow, uow.repo.official(ids[key]), services.clock())
            uow.commit()
        form = client.get(f"/console/signin?t={raw}").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        assert client.post("/console/signin", data={"t": raw, "csrf_token": token}).status_code in (302, 303)
        return client

    return app, signed_in


def test_pages_send_anyone_not_signed_in_to_the_console_s_sign_in(pages):
    app, _ = pages
    anonymous = app.test_client()
    for path in ("/console/reports", "/console/reports/export.csv?period=2026-Q4", "/console/reports/map"):
        page = anonymous.get(path)
        assert page.status_code == 302 and page.location.startswith("/console/welcome")


def test_the_reports_sit_in_the_console_s_frame_and_menu(pages):
    _, signed_in = pages
    page = signed_in("official").get("/console/reports?period=2026-Q4")
    html = page.get_data(as_text=True)
    assert 'href="/console/reports"' in html  # the console's menu entry
    assert "console.css" in html and "reports.css" in html
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["Cache-Control"] == "no-store"
    # An official sees their own office only.
    assert "SAMPLE-JSC-0404" in html and "SAMPLE-JSC-0203" not in html


def test_a_protection_caseworker_sees_small_protection_figures(pages):
    _, signed_in = pages
    html = signed_in("caseworker").get("/console/reports?period=2026-Q4").get_data(as_text=True)
    assert "SAMPLE-DOSVY-02" in html and "&lt;5" not in html


def test_a_coordinator_s_dashboard_shows_only_their_province(pages):
    _, signed_in = pages
    client = signed_in("coordinator")
    page = client.get("/console/reports?period=2026-Q4&province=04")  # a coordinator cannot pick another
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "SAMPLE-JSC-0203" in html and "SAMPLE-JSC-0404" not in html
    assert html.count("<svg") >= 7
    # 2 disputes and 3 protection cases: the sentence must not give the 3 away as 5 - 2.
    assert "5 cases were opened" not in html
    assert (
        "2 cases were opened in 2026-Q4 and 2 (100%) were accepted. (Protection figures under 5 are left out.)" in html
    )
    assert "&lt;5" in html


def test_an_admin_may_pick_a_province_and_sees_exact_protection_figures(pages):
    _, signed_in = pages
    client = signed_in("admin")
    html = client.get("/console/reports?period=2026-Q4&province=04").get_data(as_text=True)
    assert "SAMPLE-JSC-0404" in html and "SAMPLE-JSC-0203" not in html
    csv_body = client.get("/console/reports/export.csv?period=2026-Q4&table=cases_intake").data
    assert csv_body.startswith(b"\xef\xbb\xbf") and b"<5" not in csv_body


def test_the_map_page_draws_every_district_and_switches_to_questions(pages):
    _, signed_in = pages
    client = signed_in("admin")
    cases = client.get("/console/reports/map?period=2026-Q4").get_data(as_text=True)
    assert cases.count("<path ") == 197
    assert "Battambang Municipality: 6" in cases
    questions = client.get("/console/reports/map?period=2026-Q4&measure=questions").get_data(as_text=True)
    assert "Battambang Municipality: 4" in questions and "Legal questions" in questions
    assert "geoBoundaries" in questions
    svg = client.get("/console/reports/map.svg?period=2026-Q4")
    assert svg.mimetype == "image/svg+xml"
    assert client.get("/console/reports/map?measure=phones").status_code == 400


def test_the_monthly_report_prints_the_programme_s_indicators(pages):
    _, signed_in = pages
    client = signed_in("coordinator")
    html = client.get("/console/reports/monthly?period=2026-11").get_data(as_text=True)
    assert "Monthly report" in html and "2026-11" in html
    for title in ("Cases opened and accepted", "Mediation sessions", "Outcomes and the 3-day follow-up", "Opt-outs"):
        assert title in html
    assert "data-print" in html and "reports.css" in html
    css = client.get("/console/reports/static/reports.css").get_data(as_text=True)
    assert "@media print" in css and "size: A4" in css
    for secret in PERSONAL:
        assert secret not in html


def test_exports_are_suppressed_like_the_pages(pages):
    _, signed_in = pages
    client = signed_in("coordinator")
    body = client.get("/console/reports/export.xlsx?period=2026-Q4")
    book = load_workbook(io.BytesIO(body.data))
    values = [c.value for row in book["protection_stages"].iter_rows(min_row=5) for c in row]
    assert "<5" in values


def test_a_coordinator_s_map_zooms_to_their_province_and_only_an_admin_may_pick_one(pages):
    _, signed_in = pages
    client = signed_in("coordinator")
    html = client.get("/console/reports/map?period=2026-Q4").get_data(as_text=True)
    assert 20 < html.count("<path ") < 197  # Battambang's districts and the neighbours around them
    assert "Battambang Province / ខេត្តបាត់ដំបង" in html
    assert '<select name="province">' not in html
    html = signed_in("admin").get("/console/reports?period=2026-Q4").get_data(as_text=True)
    assert '<select name="province">' in html and '<option value="25"' in html
