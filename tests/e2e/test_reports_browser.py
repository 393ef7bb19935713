"""A browser (Playwright driving Debian's chromium) signs in to the console, opens the reports
dashboard and the district map over a generated year, checks what a reader sees, and saves
screenshots (in the test's tmp folder; in docs/ as well when SAVE_SCREENSHOTS=1, which is how
docs/reports-*.png were made)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from bot.reports.bench import generate
from tests.e2e.console_server import CHROMIUM, ConsoleServer, launch, sign_in

DOCS = Path(__file__).resolve().parents[2] / "docs"

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
]


@pytest.fixture
def server(sqlite_url, places):
    """The console as deployed, its seeded staff, and a generated year of cases and questions."""
    s = ConsoleServer(sqlite_url, places=places)
    generate(s.services.engine, n_cases=3000, n_messages=20_000, n_questions=4000)
    yield s
    s.stop()


def _save(path: Path, name: str) -> None:
    if os.environ.get("SAVE_SCREENSHOTS") == "1":
        DOCS.mkdir(exist_ok=True)
        shutil.copy(path, DOCS / name)


def test_the_dashboard_and_the_map_in_a_browser(server, tmp_path):
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        sign_in(page, server.link("admin"))
        page.click("header nav a[href='/console/reports']")  # the console's menu
        page.goto(f"{server.url}/console/reports?period=2026-Q4")
        assert page.locator("h1").inner_text().startswith("ផ្ទាំងព័ត៌មាន · Dashboard")
        assert page.locator("section.card > svg").count() == 7
        # The trend: twelve months of disputes and of protection cases, under its chart.
        assert page.locator("#cases_by_month tbody tr").count() == 24
        assert "cases were opened in 2026-01…2026-12" in page.locator("#cases_by_month p.reading").inner_text()
        shot = tmp_path / "reports-dashboard.png"
        page.screenshot(path=str(shot))
        _save(shot, "reports-dashboard.png")

        page.goto(f"{server.url}/console/reports/map?period=2026-Q4")
        assert page.locator(".reports svg path").count() == 197
        assert "Cases opened" in page.locator(".reports svg > title").first.text_content()
        page.check("input[value=questions]")
        page.click("form.filters button")
        page.wait_for_url("**measure=questions**")
        assert "Legal questions" in page.locator(".reports svg > title").first.text_content()
        shot = tmp_path / "reports-map.png"
        page.screenshot(path=str(shot))
        _save(shot, "reports-map.png")

        # A coordinator's dashboard: their province only (Battambang), small protection figures hidden.
        coordinator = browser.new_page(viewport={"width": 1400, "height": 1100})
        sign_in(coordinator, server.link("coordinator"))
        coordinator.goto(f"{server.url}/console/reports?period=2026-Q4")
        offices = coordinator.locator("#cases_intake tbody td.dim .note").all_inner_texts()
        assert offices and all(code.split("-")[-1].startswith("02") for code in offices)
        assert "Protection figures below 5" in coordinator.content()
        browser.close()
