"""The console in a real headless Chromium (Debian's, driven by Playwright), against the app served
on 127.0.0.1 with jobs on threads and the real Twilio and Telegram clients talking to the loopback
fakes: what staff do, and what the person and the office then receive."""

from __future__ import annotations

from datetime import timedelta

import pytest

from intake import staff
from tests.e2e.console_server import ConsoleServer, launch, sign_in
from tests.support import wait_until

playwright_api = pytest.importorskip("playwright.sync_api", reason="pip install -r requirements.txt")

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


@pytest.fixture
def server(sqlite_url, places):
    s = ConsoleServer(sqlite_url, places=places)
    yield s
    s.stop()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    p = context.new_page()
    p.set_default_timeout(15_000)
    yield p
    context.close()


def english(page) -> None:
    switch = page.locator("button[name=lang][value=en]")
    if switch.count():
        switch.click()


def listed_refs(page) -> set[str]:
    return set(page.locator("table.cases a.ref").all_inner_texts())


def test_sign_in_by_link_and_a_reused_or_expired_link_is_refused(server, browser, page):
    link = server.link("jsc")
    page.goto(f"{server.url}/console/")
    assert "/console/welcome" in page.url  # no session: the page that explains how to get in
    sign_in(page, link)
    english(page)
    assert page.locator("h1").inner_text() == "Open cases"
    assert "Sok Dara" in page.locator(".who").inner_text()

    other = browser.new_context().new_page()
    other.goto(link)
    other.locator("form[action$='/console/signin'] button").click()
    assert other.locator(".flash.error").count() == 1
    other.goto(f"{server.url}/console/")
    assert "/console/welcome" in other.url

    with server.services.uow() as uow:
        official = uow.repo.official(server.data.officials["jsc"])
        raw = staff.issue_sign_in(uow, official, server.services.clock() - timedelta(minutes=11))
        uow.commit()
    other.goto(f"{server.url}/console/signin?t={raw}")
    other.locator("form[action$='/console/signin'] button").click()
    assert other.locator(".flash.error").count() == 1
    other.context.close()

    page.locator("form[action$='/console/signout'] button").click()
    page.goto(f"{server.url}/console/")
    assert "/console/welcome" in page.url


def test_an_officials_inbox_shows_only_their_office(server, page):
    sign_in(page, server.link("jsc"))
    refs = server.data.refs
    assert listed_refs(page) == {refs["boundary"], refs["debt"]}
    assert page.locator("select[name=office]").count() == 0  # one office: nothing to choose


def test_a_coordinators_inbox_shows_their_province(server, page):
    sign_in(page, server.link("coordinator"))
    refs = server.data.refs
    assert listed_refs(page) == {refs["boundary"], refs["debt"], refs["violence"]}
    page.select_option("select[name=kind]", "protection")
    page.locator(".filters button").click()
    assert listed_refs(page) == {refs["violence"]}


def test_a_jsc_coordinator_opening_a_protection_case_sees_no_narrative(server, page):
    sign_in(page, server.link("coordinator"))
    english(page)
    page.locator(f"a.ref:text('{server.data.refs['violence']}')").click()
    body = page.locator("main").inner_text()
    assert "Protection" in body and "Sent to the office" in body and "40 min" in body  # exists, stage, age
    assert "ប្តីខ្ញុំវាយខ្ញុំ" not in page.content() and server.data.phones["violence"] not in page.content()
    assert "shown only to the protection office's caseworkers" in body


def test_accepting_and_scheduling_reach_the_person_by_sms_and_the_office_on_telegram(server, page):
    sign_in(page, server.link("jsc"))
    english(page)
    ref, phone = server.data.refs["boundary"], server.data.phones["boundary"]
    page.goto(f"{server.url}/console/cases/{ref}")
    page.get_by_role("button", name="Accept the case").click()
    assert "Accepted" in page.locator(".flash").inner_text()
    assert page.get_by_role("button", name="Accept the case").count() == 0

    day = server.services.web_deps.policy.working_days(server.services.clock())[1]
    # Explicit day and 24-hour time, whatever the browser's locale (en-US would show 02:00 PM).
    assert page.locator("select[name=date] option").first.inner_text() == f"Thu {day - timedelta(days=1):%d/%m/%Y}"
    page.select_option("select[name=date]", label=f"{'Mon Tue Wed Thu Fri'.split()[day.weekday()]} {day:%d/%m/%Y}")
    page.select_option("select[name=time]", "14:00")
    page.get_by_role("button", name="Schedule and text the person").click()
    assert "Session set" in page.locator(".flash").inner_text()
    assert "14:00" in page.locator("ul.plain li").first.inner_text()

    fake = server.providers
    sms = wait_until(
        lambda: [m for m in fake.twilio_messages if m["to"] == phone and ref in m["body"]], what="the session SMS"
    )
    assert f"{day:%d/%m} 14:00" in sms[0]["body"]

    def office_told(chat: str, words: str):
        return [t for t in fake.telegram_sends if t["chat_id"] == chat and words in t["text"] and ref in t["text"]]

    wait_until(lambda: office_told("900002", "taken by Sok Dara"), what="the colleague told of the acceptance")
    wait_until(lambda: office_told("900002", "session set by Sok Dara"), what="the colleague told of the session")
    wait_until(lambda: office_told("900001", "session"), what="the actor's own Telegram")


def test_messaging_the_person_and_adding_a_note_from_the_case_page(server, page):
    sign_in(page, server.link("jsc"))
    english(page)
    ref, phone = server.data.refs["debt"], server.data.phones["debt"]
    page.goto(f"{server.url}/console/cases/{ref}")
    page.fill("#write textarea[name=text]", "Please bring the paper he signed on Monday.")
    page.get_by_role("button", name="Send").click()
    assert f"Case {ref}: your message was sent to the person." in page.locator(".flash").inner_text()
    sms = wait_until(
        lambda: [m for m in server.providers.twilio_messages if m["to"] == phone and "paper he signed" in m["body"]],
        what="the office's SMS",
    )
    assert sms[0]["body"] == "Please bring the paper he signed on Monday. - មជ្ឈមណ្ឌលសេវាយុត្តិធម៌ក្រុងបាត់ដំបង"

    page.fill("#notes textarea[name=text]", "Called him: the paper is at the commune office.")
    page.get_by_role("button", name="Add the note").click()
    assert page.locator(".flash").inner_text() == "Note added."
    assert "the paper is at the commune office" in page.locator("#notes .note-item").inner_text()

    def colleague_told(words: str):
        return [t for t in server.providers.telegram_sends if t["chat_id"] == "900002" and words in t["text"]]

    wait_until(lambda: colleague_told(f"Case {ref}: Sok Dara sent the person a message."), what="the office told")
    wait_until(lambda: colleague_told(f"Case {ref}: Sok Dara added a note."), what="the office told of the note")


def test_a_directory_upload_with_a_bad_row_shows_the_error_and_changes_nothing(server, page, tmp_path):
    sign_in(page, server.link("admin"))
    english(page)
    page.goto(f"{server.url}/console/directory")
    sample = (server_root() / "data" / "directory" / "sample_offices.csv").read_text().splitlines()
    fields = sample[3].split(",")
    fields[4] = "99"  # no such province
    bad = sample[:3] + [",".join(fields)] + sample[4:]
    bad = [line for line in bad if "SAMPLE-JSC-1202," not in line]  # would be deactivated if it loaded
    path = tmp_path / "offices.csv"
    path.write_text("\n".join(bad) + "\n", encoding="utf-8")
    page.set_input_files("input[name=file]", str(path))
    page.get_by_role("button", name="Check").click()
    assert "Nothing was changed" in page.locator(".flash.error").inner_text()
    assert "line 4: unknown province_code '99'" in page.locator(".problems").inner_text()
    with server.services.uow() as uow:
        assert uow.repo.office_by_code("SAMPLE-JSC-1202").active
        assert len(uow.repo.offices()) == 39


def test_the_audit_log_lists_the_protection_view(server, browser, page):
    caseworker = browser.new_context().new_page()
    sign_in(caseworker, server.link("caseworker"))
    ref = server.data.refs["violence"]
    caseworker.goto(f"{server.url}/console/cases/{ref}")
    assert "ប្តីខ្ញុំវាយខ្ញុំ" in caseworker.locator("blockquote").inner_text()  # a caseworker reads it
    caseworker.context.close()

    sign_in(page, server.link("admin"))
    english(page)
    page.goto(f"{server.url}/console/audit")
    page.select_option("select[name=action]", "protection_case_view")
    page.locator(".filters button").click()
    rows = page.locator("table.audit tbody tr").all_inner_texts()
    assert len(rows) == 1
    assert "Keo Sophea" in rows[0] and ref in rows[0] and "viewed a protection case" in rows[0]


def test_khmer_pages_render_khmer_text_in_the_served_font(server, browser, tmp_path):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    fonts = []
    page.on("response", lambda r: fonts.append(r.url) if r.url.endswith(".ttf") else None)
    sign_in(page, server.link("jsc"))
    assert page.locator("html").get_attribute("lang") == "km"
    assert page.locator("h1").inner_text() == "ករណីកំពុងដំណើរការ"
    page.goto(f"{server.url}/console/cases/{server.data.refs['boundary']}")
    assert "អ្នកដាក់ពាក្យ" in page.locator("main").inner_text()
    page.evaluate("document.fonts.ready")
    assert page.evaluate("document.fonts.check('16px \"Noto Sans Khmer\"', 'ករណី')")
    assert any(url.startswith(server.url + "/console/static/fonts/NotoSansKhmer") for url in fonts)
    shot = tmp_path / "console-case-km-phone.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    context.close()


def server_root():
    from pathlib import Path

    return Path(__file__).resolve().parents[2]
