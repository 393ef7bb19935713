"""A browser (Playwright driving Debian's chromium) opens the reports dashboard and the district
map over a generated year, checks what a reader sees, and saves screenshots (in the test's tmp
folder; in docs/ as well when SAVE_SCREENSHOTS=1, which is how docs/reports-*.png were made)."""

from __future__ import annotations

import os
import shutil
import threading
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from bot import create_app
from bot.bootstrap import build_services
from bot.reports.bench import generate
from bot.reports.pages import Viewer, make_blueprint
from intake import indicators as ind

CHROMIUM = "/usr/bin/chromium"
DOCS = Path(__file__).resolve().parents[2] / "docs"

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
]


@pytest.fixture
def reports_server(config, places):
    from werkzeug.serving import make_server

    engine = create_engine(config.database_url)
    generate(engine, n_cases=3000, n_messages=20_000, n_questions=4000)
    engine.dispose()
    services = build_services(replace(config, simulator=False), places=places, legal=None)
    app = create_app(services=services)
    who = {"viewer": Viewer(ind.Scope.national(full_protection=True), may_choose_province=True)}
    app.register_blueprint(make_blueprint(lambda: who["viewer"]))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", who
    server.shutdown()
    thread.join(5)
    services.engine.dispose()


def _save(path: Path, name: str) -> None:
    if os.environ.get("SAVE_SCREENSHOTS") == "1":
        DOCS.mkdir(exist_ok=True)
        shutil.copy(path, DOCS / name)


def test_the_dashboard_and_the_map_in_a_browser(reports_server, tmp_path):
    playwright = pytest.importorskip("playwright.sync_api")
    base, who = reports_server
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 1100})

        page.goto(f"{base}/console/reports?period=2026-Q4")
        assert page.locator("h1").inner_text().startswith("ផ្ទាំងព័ត៌មាន · Dashboard")
        assert page.locator("section.card > svg").count() == 7
        # The trend: twelve months of disputes and of protection cases, under its chart.
        assert page.locator("#cases_by_month tbody tr").count() == 24
        assert "cases were opened in 2026-01…2026-12" in page.locator("#cases_by_month p.reading").inner_text()
        shot = tmp_path / "reports-dashboard.png"
        page.screenshot(path=str(shot))
        _save(shot, "reports-dashboard.png")

        page.goto(f"{base}/console/reports/map?period=2026-Q4")
        assert page.locator("svg path").count() == 197
        assert "Cases opened" in page.locator("svg > title").first.text_content()
        page.check("input[value=questions]")
        page.click("form.filters button")
        page.wait_for_url("**measure=questions**")
        assert "Legal questions" in page.locator("svg > title").first.text_content()
        shot = tmp_path / "reports-map.png"
        page.screenshot(path=str(shot))
        _save(shot, "reports-map.png")

        # A coordinator's dashboard: their province only, small protection figures hidden.
        who["viewer"] = Viewer(ind.Scope.province("02"))
        page.goto(f"{base}/console/reports?period=2026-Q4")
        offices = page.locator("#cases_intake tbody td.dim .note").all_inner_texts()
        assert offices and all(code.split("-")[1].startswith("02") for code in offices)
        browser.close()
