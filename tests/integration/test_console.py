"""The web console through Flask's test client: sign-in links, sessions, CSRF, roles and scope (on
SQLite and PostgreSQL), actions through the Telegram workflow's functions, the audit log."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text, update

from bot import create_app
from bot.bootstrap import build_services
from bot.config import Config
from bot.console import actions, auth, i18n
from intake import orm, staff
from intake.model import AuditEntry, CaseEvent, Message, Official, utcnow
from tests.console_data import seed
from tests.fakes import RecordingQueue, RecordingSender, ScriptedUnderstander
from tests.integration.helpers import say
from tests.support import TELEGRAM, TWILIO, load_sample_directory

TEMPLATES = Path(__file__).resolve().parents[2] / "bot" / "console" / "templates" / "console"


def _services(url, places, clock=None):
    cfg = replace(Config(), database_url=url, telegram_bot_username="jsc_bot", **TWILIO, **TELEGRAM)
    s = build_services(
        cfg,
        clock=clock,
        queue=RecordingQueue(),
        senders={"sms": RecordingSender(), "telegram": RecordingSender()},
        understander=ScriptedUnderstander({}),
        places=places,
        legal=None,
    )
    load_sample_directory(s)
    return s


@pytest.fixture(params=["sqlite", "postgres"])
def console(request, places):
    """Services, seeded caseload and app, on SQLite and on the machine's PostgreSQL."""
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")
    s = _services(url, places)
    data = seed(s, extra_phnom_penh=30)
    yield s, data, create_app(services=s)
    s.engine.dispose()


@pytest.fixture
def lite(sqlite_url, places):
    """The same on SQLite only, for what does not depend on the database."""
    s = _services(sqlite_url, places)
    data = seed(s)
    yield s, data, create_app(services=s)
    s.engine.dispose()


@pytest.fixture
def daytime(sqlite_url, places):
    """`lite` at 10:00 on Cambodian clocks (the clock runs, moved by whole hours), for what SMS
    quiet hours (21:00-07:00) would otherwise hold whenever the suite happens to run."""
    now = utcnow()
    local = now.astimezone(ZoneInfo(Config().timezone))
    offset = local.replace(hour=10, minute=0, second=0, microsecond=0) - local
    s = _services(sqlite_url, places, clock=lambda: utcnow() + offset)
    data = seed(s, now=s.clock())
    yield s, data, create_app(services=s)
    s.engine.dispose()


def issue(services, official_id: int, now=None) -> str:
    with services.uow() as uow:
        raw = staff.issue_sign_in(uow, uow.repo.official(official_id), now or services.clock())
        uow.commit()
    return raw


def form_token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(client, services, official_id: int):
    """Open a fresh link, press the button; returns the response."""
    raw = issue(services, official_id)
    page = client.get(f"/console/signin?t={raw}")
    return client.post("/console/signin", data={"t": raw, "csrf_token": form_token(page.text)})


def csrf(client) -> str:
    with client.session_transaction() as s:
        return s[auth.CSRF]


def inbox_refs(html: str) -> set[str]:
    return set(re.findall(r'class="ref" href="/console/cases/([A-Z0-9-]+)"', html))


# Security


def test_every_console_route_without_a_session_redirects_or_answers_401(lite):
    services, data, app = lite
    client = app.test_client()
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("console.") or rule.endpoint in auth.PUBLIC:
            continue
        url = rule.rule.replace("<ref>", data.refs["boundary"]).replace("<action>", "accept")
        url = url.replace("<int:official_id>", str(data.officials["jsc"]))
        for method in rule.methods & {"GET", "POST"}:
            response = client.open(url, method=method, data={"csrf_token": "x"})
            if method == "GET":
                assert response.status_code == 302, url
                assert response.location.startswith("/console/welcome"), url
            else:
                assert response.status_code == 401, url
            checked += 1
    assert checked == 13  # inbox, export, case, actions, directory x3, people x4, audit, sign-out
    welcome = client.get("/console/welcome")
    assert "/console" in welcome.text and "flask --app bot console link" in welcome.text


def test_a_forged_csrf_token_is_refused_and_changes_nothing(lite):
    services, data, app = lite
    client = app.test_client()
    sign_in(client, services, data.officials["jsc"])
    response = client.post(f"/console/cases/{data.refs['boundary']}/accept", data={"csrf_token": "forged"})
    assert response.status_code == 400
    missing = client.post(f"/console/cases/{data.refs['boundary']}/accept")
    assert missing.status_code == 400
    with services.uow() as uow:
        assert uow.repo.case_by_ref(data.refs["boundary"]).accepted_by is None
    for action, form in (("message", {"text": "Come on Monday."}), ("note", {"text": "Called."})):
        forged = client.post(f"/console/cases/{data.refs['boundary']}/{action}", data={"csrf_token": "forged", **form})
        assert forged.status_code == 400, action
    with services.uow() as uow:
        case = uow.repo.case_by_ref(data.refs["boundary"])
        assert uow.repo.notes_of(case.id, case.office_id) == []
        assert [e.type for e in uow.repo.case_events(case.id)] == ["opened", "routed"]
    # The real token works.
    ok = client.post(f"/console/cases/{data.refs['boundary']}/accept", data={"csrf_token": csrf(client)})
    assert ok.status_code == 302


def test_an_official_asking_for_another_offices_case_by_url_gets_404(lite):
    services, data, app = lite
    client = app.test_client()
    sign_in(client, services, data.officials["jsc"])
    other = data.refs["phnom_penh"]
    assert client.get(f"/console/cases/{other}").status_code == 404
    for action in ("accept", "message", "note"):
        response = client.post(f"/console/cases/{other}/{action}", data={"csrf_token": csrf(client), "text": "x"})
        assert response.status_code == 404, action
    assert client.get(f"/console/?ref={other}").status_code == 200
    assert inbox_refs(client.get(f"/console/?ref={other}").text) == set()
    with services.uow() as uow:
        assert uow.repo.case_by_ref(other).accepted_by is None


def test_the_simulator_stays_off_unless_simulator_is_1(lite):
    services, _, _ = lite
    assert Config.from_env({}).simulator is False
    assert Config.from_env({"SIMULATOR": "0"}).simulator is False
    assert Config.from_env({"SIMULATOR": "1"}).simulator is True
    off = create_app(services=replace(services, config=replace(services.config, simulator=False)))
    assert off.test_client().get("/simulator").status_code == 404
    on = create_app(services=replace(services, config=replace(services.config, simulator=True)))
    assert on.test_client().get("/simulator").status_code == 200


def test_a_sign_in_link_works_once_and_not_after_ten_minutes(lite):
    services, data, app = lite
    client = app.test_client()
    raw = issue(services, data.officials["jsc"])
    token = form_token(client.get(f"/console/signin?t={raw}").text)
    first = client.post("/console/signin", data={"t": raw, "csrf_token": token})
    assert first.status_code == 302 and first.location == "/console/"
    assert client.get("/console/").status_code == 200

    again = app.test_client()
    token = form_token(again.get(f"/console/signin?t={raw}").text)
    reused = again.post("/console/signin", data={"t": raw, "csrf_token": token})
    assert reused.status_code == 403
    assert again.get("/console/").status_code == 302

    old = issue(services, data.officials["jsc"], now=services.clock() - timedelta(minutes=11))
    late = app.test_client()
    token = form_token(late.get(f"/console/signin?t={old}").text)
    assert late.post("/console/signin", data={"t": old, "csrf_token": token}).status_code == 403
    with services.uow() as uow:
        stored = uow.session.scalars(select(orm.sign_in_tokens.c.token_hash)).all()
    assert raw not in " ".join(stored) and old not in " ".join(stored)


def test_opening_a_link_does_not_use_it_up(lite):
    """Telegram fetches links to draw previews: only the button press signs in."""
    services, data, app = lite
    raw = issue(services, data.officials["jsc"])
    app.test_client().get(f"/console/signin?t={raw}")
    app.test_client().get(f"/console/signin?t={raw}")
    assert sign_in_with(app, raw).status_code == 302


def sign_in_with(app, raw):
    client = app.test_client()
    return client.post(
        "/console/signin", data={"t": raw, "csrf_token": form_token(client.get(f"/console/signin?t={raw}").text)}
    )


def test_too_many_refused_sign_ins_from_one_address_are_rate_limited(lite):
    services, data, app = lite
    for i in range(staff.SIGN_IN_FAILURES_ALLOWED):
        assert sign_in_with(app, f"guess-{i}").status_code == 403
    good = issue(services, data.officials["jsc"])
    assert sign_in_with(app, good).status_code == 429
    with services.uow() as uow:
        entries, total = staff.audit_entries(uow, action=staff.AuditAction.SIGN_IN_REFUSED)
    assert total == staff.SIGN_IN_FAILURES_ALLOWED


def test_console_pages_are_not_framed_cached_or_fed_from_elsewhere(lite):
    services, data, app = lite
    client = app.test_client()
    sign_in(client, services, data.officials["jsc"])
    page = client.get(f"/console/cases/{data.refs['boundary']}")
    assert page.headers["Cache-Control"] == "no-store"
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY" and page.headers["Referrer-Policy"] == "same-origin"
    font = client.get("/console/static/fonts/NotoSansKhmer-Regular.ttf")
    assert font.status_code == 200 and len(font.data) > 100_000


def test_behind_a_proxy_the_limit_is_per_browser_address(lite):
    """One TLS proxy in front (PROXY_HOPS=1): one address's failures do not lock the others out."""
    services, data, _ = lite
    app = create_app(services=replace(services, config=replace(services.config, proxy_hops=1)))

    def attempt(raw, address):
        client = app.test_client()
        headers = {"X-Forwarded-For": address}
        page = client.get(f"/console/signin?t={raw}", headers=headers)
        return client.post("/console/signin", data={"t": raw, "csrf_token": form_token(page.text)}, headers=headers)

    for i in range(staff.SIGN_IN_FAILURES_ALLOWED):
        assert attempt(f"guess-{i}", "203.0.113.9").status_code == 403
    assert attempt(issue(services, data.officials["jsc"]), "203.0.113.9").status_code == 429
    assert attempt(issue(services, data.officials["jsc"]), "198.51.100.7").status_code == 302


def test_sign_out_ends_the_session_even_for_a_copied_cookie(lite):
    services, data, app = lite
    client = app.test_client()
    sign_in(client, services, data.officials["jsc"])
    cookie = client.get_cookie("jsc_console").value
    assert client.post("/console/signout", data={"csrf_token": csrf(client)}).status_code == 302
    thief = app.test_client()
    thief.set_cookie("jsc_console", cookie)
    assert thief.get("/console/").status_code == 302


def test_the_cookie_is_httponly_and_samesite_and_secure_behind_https(lite):
    services, data, app = lite
    response = sign_in(app.test_client(), services, data.officials["jsc"])
    header = response.headers["Set-Cookie"]
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Secure" not in header
    https = create_app(
        services=replace(services, config=replace(services.config, public_base_url="https://jsc.example.org"))
    )
    assert "Secure" in sign_in(https.test_client(), services, data.officials["jsc"]).headers["Set-Cookie"]


def test_an_idle_session_expires_and_a_deactivated_official_is_signed_out(lite):
    services, data, app = lite
    client = app.test_client()
    sign_in(client, services, data.officials["jsc"])
    with services.uow() as uow:
        uow.session.execute(update(orm.console_sessions).values(last_seen_at=services.clock() - timedelta(minutes=61)))
        uow.commit()
    assert client.get("/console/").status_code == 302

    sign_in(client, services, data.officials["jsc"])
    assert client.get("/console/").status_code == 200
    admin = app.test_client()
    sign_in(admin, services, data.officials["admin"])
    admin.post(f"/console/people/{data.officials['jsc']}/deactivate", data={"csrf_token": csrf(admin)})
    assert client.get("/console/").status_code == 302
    assert sign_in(app.test_client(), services, data.officials["admin"]).status_code == 302


# Roles and scope, on both databases


def test_each_role_sees_its_scope_and_only_caseworkers_read_protection_words(console):
    services, data, app = console
    battambang = {data.refs["boundary"], data.refs["debt"], data.refs["violence"]}
    opens = {
        "jsc": {data.refs["boundary"], data.refs["debt"]},
        "caseworker": {data.refs["violence"]},
        "coordinator": battambang,
        "admin": battambang | {data.refs["phnom_penh"]},
        "pp": {data.refs["phnom_penh"]},
    }
    seen = {}
    for who in ("jsc", "caseworker", "coordinator", "admin", "pp"):
        client = app.test_client()
        sign_in(client, services, data.officials[who])
        seen[who] = inbox_refs(client.get("/console/").text)
        for ref in battambang | {data.refs["phnom_penh"]}:
            page = client.get(f"/console/cases/{ref}")
            assert page.status_code in (200, 404)
            assert (page.status_code == 200) == (ref in opens[who]), (who, ref)
        violence = client.get(f"/console/cases/{data.refs['violence']}")
        if violence.status_code == 200:
            words = "ប្តីខ្ញុំវាយខ្ញុំ" in violence.text
            phone = data.phones["violence"] in violence.text
            assert words == phone == (who == "caseworker"), who
    assert seen["jsc"] == {data.refs["boundary"], data.refs["debt"]}
    assert seen["caseworker"] == {data.refs["violence"]}
    assert seen["coordinator"] == battambang
    assert seen["pp"] <= {data.refs["phnom_penh"]} | {r for k, r in data.refs.items() if k.startswith("extra")}
    # Admins see all 34 open cases, 25 a page.
    assert len(seen["admin"]) == 25
    admin = app.test_client()
    sign_in(admin, services, data.officials["admin"])
    assert len(inbox_refs(admin.get("/console/?page=2").text)) == 34 - 25
    assert "<b>34</b>" in admin.get("/console/").text


def test_inbox_filters_counts_and_search_by_reference(console):
    services, data, app = console
    client = app.test_client()
    sign_in(client, services, data.officials["coordinator"])
    page = client.get("/console/").text
    counts = dict(re.findall(r'chip chip-(\w+)">[^<]*<b>(\d+)</b>', page))
    # boundary (2 days) and violence (urgent, 40 min) wait longer than the Policy allows.
    assert counts == {"all": "3", "urgent": "1", "unaccepted": "3", "overdue": "2", "mine": "0"}
    assert inbox_refs(client.get("/console/?show=overdue").text) == {data.refs["boundary"], data.refs["violence"]}
    assert inbox_refs(client.get("/console/?kind=protection").text) == {data.refs["violence"]}
    assert inbox_refs(client.get("/console/?office=SAMPLE-JSC-0203").text) == {data.refs["boundary"], data.refs["debt"]}
    typed = data.refs["debt"].lower().replace("-", " ")
    assert inbox_refs(client.get(f"/console/?ref={typed}").text) == {data.refs["debt"]}


def test_the_inbox_shows_urgent_cases_nobody_has_accepted_first_unless_asked_otherwise(console):
    services, data, app = console
    client = app.test_client()
    sign_in(client, services, data.officials["coordinator"])

    def order(query: str = "") -> list[str]:
        return re.findall(r'class="ref" href="/console/cases/([A-Z0-9-]+)"', client.get(f"/console/{query}").text)

    boundary, debt, violence = (data.refs[k] for k in ("boundary", "debt", "violence"))
    # The urgent protection case came in last (40 minutes ago) and is still waiting: at the top.
    assert order() == [violence, boundary, debt]
    assert order("?sort=oldest") == [boundary, debt, violence]
    assert order("?sort=newest") == [violence, debt, boundary]
    assert order("?sort=nonsense") == order()
    assert 'value="oldest" selected' in client.get("/console/?sort=oldest").text
    # An urgent case someone has accepted gives way to an urgent one still waiting, and stays ahead
    # of those that are not urgent.
    with services.uow() as uow:
        cases = orm.cases.c
        uow.session.execute(update(orm.cases).where(cases.ref == boundary).values(urgent=True))
        uow.session.execute(
            update(orm.cases).where(cases.ref == violence).values(accepted_by=data.officials["caseworker"])
        )
        uow.commit()
    assert order() == [boundary, violence, debt]


def test_the_export_has_no_words_or_phone_numbers_and_is_audited(console):
    services, data, app = console
    client = app.test_client()
    sign_in(client, services, data.officials["coordinator"])
    body = client.get("/console/export.csv").text
    lines = body.strip().splitlines()
    assert lines[0].startswith("ref,kind,status")
    assert {line.split(",")[0] for line in lines[1:]} == {data.refs[k] for k in ("boundary", "debt", "violence")}
    assert "+855" not in body and "rice" not in body and "ប្តី" not in body
    with services.uow() as uow:
        entries, _ = staff.audit_entries(uow, action=staff.AuditAction.EXPORT)
    assert entries[0].official_id == data.officials["coordinator"] and entries[0].detail["rows"] == 3
    # Scoped as the inbox is: an official's export has their office's cases; a caseworker's has the
    # protection case's reference, kind and stage, never its words or the person's phone.
    for who, keys in (("jsc", {"boundary", "debt"}), ("caseworker", {"violence"})):
        other = app.test_client()
        sign_in(other, services, data.officials[who])
        body = other.get("/console/export.csv").text
        assert {line.split(",")[0] for line in body.strip().splitlines()[1:]} == {data.refs[k] for k in keys}, who
        assert "+855" not in body and "ប្តី" not in body
    with services.uow() as uow:
        entries, _ = staff.audit_entries(uow, action=staff.AuditAction.EXPORT)
    assert len(entries) == 3


def test_the_audit_log_cannot_be_changed_or_deleted(console):
    services, data, _ = console
    with services.uow() as uow:
        staff.audit(uow, staff.AuditAction.SIGN_IN, services.clock(), data.officials["jsc"])
        uow.commit()
    for statement in ("UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"):
        with services.uow() as uow, pytest.raises(Exception, match="append-only"):
            uow.session.execute(text(statement))
            uow.commit()
    with services.uow() as uow:
        assert uow.session.scalar(select(AuditEntry.action)) == "sign_in"


def test_admin_pages_are_for_admins_only(lite):
    services, data, app = lite
    for who in ("jsc", "coordinator", "caseworker"):
        client = app.test_client()
        sign_in(client, services, data.officials[who])
        for path in ("/console/directory", "/console/people", "/console/audit"):
            assert client.get(path).status_code == 403, (who, path)
        assert client.post("/console/people/invite", data={"csrf_token": csrf(client)}).status_code == 403


# Actions: the Telegram workflow's functions, and the office's Telegram sees them


def test_accepting_in_the_console_is_the_telegram_accept_and_the_office_is_told(lite):
    services, data, app = lite
    client = app.test_client()
    sign_in(client, services, data.officials["jsc"])
    ref = data.refs["boundary"]
    response = client.post(f"/console/cases/{ref}/accept", data={"csrf_token": csrf(client)})
    assert response.status_code == 302
    with services.uow() as uow:
        case = uow.repo.case_by_ref(ref)
        assert case.status == "accepted" and case.accepted_by == data.officials["jsc"]
        assert [e.type for e in uow.repo.case_events(case.id)][-1] == "accepted"
        told = {
            m.address: m.body
            for m in uow.session.scalars(
                select(Message).where(Message.case_id == case.id, Message.channel == "telegram")
            )
        }
        entries, _ = staff.audit_entries(uow, action=staff.AuditAction.CASE_ACTION, case_ref=ref)
    assert "taken by Sok Dara" in told["900002"]  # the other official of the office
    assert f"You accepted case {ref}" in told["900001"]  # the actor's own Telegram
    assert entries[0].detail == {"action": "accept"}
    page = client.get(f"/console/cases/{ref}").text
    assert "Sok Dara" in page and 'action="/console/cases/' + ref + '/accept"' not in page


def test_an_action_that_does_not_fit_the_state_is_refused(lite):
    services, data, app = lite
    client = app.test_client()
    sign_in(client, services, data.officials["caseworker"])
    ref = data.refs["violence"]
    client.post(
        f"/console/cases/{ref}/schedule", data={"csrf_token": csrf(client), "date": "2030-01-02", "time": "09:00"}
    )
    with services.uow() as uow:
        assert uow.repo.appointments_of(uow.repo.case_by_ref(ref).id) == []
    client.post(f"/console/cases/{ref}/next_stage", data={"csrf_token": csrf(client)})
    with services.uow() as uow:
        assert uow.repo.case_by_ref(ref).status == "identified"


def test_a_coordinator_re_routes_to_a_near_office_which_is_told(lite):
    services, data, app = lite
    client = app.test_client()
    sign_in(client, services, data.officials["coordinator"])
    ref = data.refs["debt"]
    page = client.get(f"/console/cases/{ref}").text
    choices = re.findall(r'name="office" value="([^"]+)"', page)
    # The four nearest other JSCs, then legal aid (a dispute may be sent there on purpose).
    assert len(choices) == 5 and "SAMPLE-JSC-0203" not in choices and choices[-1] == "SAMPLE-LAC-12"
    client.post(f"/console/cases/{ref}/reroute", data={"csrf_token": csrf(client), "office": choices[0]})
    with services.uow() as uow:
        case = uow.repo.case_by_ref(ref)
        assert uow.repo.office(case.office_id).code == choices[0]
        events = uow.session.scalars(
            select(CaseEvent.type).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
        ).all()
    # Nobody is linked at the new office: the duty desk hears of it right after the re-route.
    assert events[-2:] == ["rerouted", "duty_desk_notified"]


def _telegram_to(services, case_id: int) -> dict[str, list[str]]:
    with services.uow() as uow:
        rows = uow.session.execute(
            select(Message.address, Message.body).where(Message.case_id == case_id, Message.channel == "telegram")
        ).all()
    told: dict[str, list[str]] = {}
    for address, body in rows:
        told.setdefault(address, []).append(body)
    return told


def _texts_to(services, phone: str) -> list[Message]:
    with services.uow() as uow:
        return list(
            uow.session.scalars(
                select(Message)
                .where(Message.address == phone, Message.purpose == "office_message")
                .order_by(Message.id)
            )
        )


def test_messaging_the_person_is_telegrams_msg_signed_by_the_office_once_and_audited(daytime):
    services, data, app = daytime
    client = app.test_client()
    sign_in(client, services, data.officials["jsc"])
    client.post("/console/language", data={"csrf_token": csrf(client), "lang": "en"})
    ref, phone = data.refs["boundary"], data.phones["boundary"]
    page = client.get(f"/console/cases/{ref}").text
    assert 'action="/console/cases/' + ref + '/message"' in page and 'name="text"' in page
    nonce = re.search(r'name="nonce" value="([^"]+)"', page).group(1)
    form = {"csrf_token": csrf(client), "nonce": nonce, "text": "Please come on Monday with the land title."}
    first = client.post(f"/console/cases/{ref}/message", data=form, follow_redirects=True)
    assert f"Case {ref}: your message was sent to the person." in first.text
    again = client.post(f"/console/cases/{ref}/message", data=form, follow_redirects=True)  # a double click
    assert "That message was already sent." in again.text
    sent = _texts_to(services, phone)
    # Khmer-speaking person: signed with the office's Khmer name, as `/msg` does.
    assert [m.body for m in sent] == ["Please come on Monday with the land title. - មជ្ឈមណ្ឌលសេវាយុត្តិធម៌ក្រុងបាត់ដំបង"]
    assert sent[0].status == "queued" and sent[0].channel == "sms"
    with services.uow() as uow:
        case = uow.repo.case_by_ref(ref)
        assert [e.type for e in uow.repo.case_events(case.id)][-1] == "office_message"
        entries, _ = staff.audit_entries(uow, action=staff.AuditAction.CASE_ACTION, case_ref=ref)
    assert [e.detail for e in entries] == [{"action": "message"}]  # never the words
    told = _telegram_to(services, case.id)
    assert any("Sok Dara sent the person a message" in b for b in told["900002"])  # the colleague
    assert any(f"Case {ref}: your message was sent" in b for b in told["900001"])  # the actor's own Telegram
    # The conversation on the case page shows what went.
    assert "Please come on Monday" in client.get(f"/console/cases/{ref}").text


def test_a_protection_case_gets_only_the_discreet_texts_and_only_from_its_caseworkers(lite):
    services, data, app = lite
    ref, phone = data.refs["violence"], data.phones["violence"]
    caseworker = app.test_client()
    sign_in(caseworker, services, data.officials["caseworker"])
    caseworker.post("/console/language", data={"csrf_token": csrf(caseworker), "lang": "en"})
    page = caseworker.get(f"/console/cases/{ref}").text
    # The office has no phone: "call us back" cannot be offered.
    assert re.findall(r'name="discreet" value="([^"]+)"', page) == ["discreet_good_time", "discreet_are_you_ok"]
    assert "សួស្តី នេះជាសេវាគាំទ្រ។ សុខសប្បាយទេ?" in page  # the exact text the person will get
    assert 'name="text"' not in page.split('id="write"')[1].split("</section>")[0]
    forged = caseworker.post(
        f"/console/cases/{ref}/message",
        data={"csrf_token": csrf(caseworker), "text": "Your husband's case is at the DoSVY"},
        follow_redirects=True,
    )
    assert "only discreet messages" in forged.text and _texts_to(services, phone) == []
    caseworker.post(
        f"/console/cases/{ref}/message", data={"csrf_token": csrf(caseworker), "discreet": "discreet_are_you_ok"}
    )
    assert [m.body for m in _texts_to(services, phone)] == ["សួស្តី នេះជាសេវាគាំទ្រ។ សុខសប្បាយទេ? អាចឆ្លើយតបបានគ្រប់ពេល។"]
    with services.uow() as uow:
        entries, _ = staff.audit_entries(uow, action=staff.AuditAction.CASE_ACTION, case_ref=ref)
    assert entries[0].detail == {"action": "message", "discreet": "discreet_are_you_ok"}

    for who in ("coordinator", "admin"):  # they may see that it exists, not write to the person
        client = app.test_client()
        sign_in(client, services, data.officials[who])
        page = client.get(f"/console/cases/{ref}").text
        assert 'id="write"' not in page and 'name="discreet"' not in page, who
        client.post(
            f"/console/cases/{ref}/message", data={"csrf_token": csrf(client), "discreet": "discreet_are_you_ok"}
        )
    assert len(_texts_to(services, phone)) == 1


def test_notes_are_read_by_the_office_that_wrote_them_and_the_office_is_told(lite):
    services, data, app = lite
    ref = data.refs["boundary"]
    jsc = app.test_client()
    sign_in(jsc, services, data.officials["jsc"])
    jsc.post(f"/console/cases/{ref}/note", data={"csrf_token": csrf(jsc), "text": "Neighbour called: will come."})
    empty = jsc.post(f"/console/cases/{ref}/note", data={"csrf_token": csrf(jsc), "text": "  "})
    assert empty.status_code == 302
    colleague = app.test_client()
    sign_in(colleague, services, data.officials["jsc2"])
    assert "Neighbour called: will come." in colleague.get(f"/console/cases/{ref}").text
    admin = app.test_client()  # another office (Phnom Penh): sees the case, not the note
    sign_in(admin, services, data.officials["admin"])
    page = admin.get(f"/console/cases/{ref}").text
    assert "Neighbour called" not in page and 'action="/console/cases/' + ref + '/note"' in page
    with services.uow() as uow:
        case = uow.repo.case_by_ref(ref)
        notes = uow.repo.notes_of(case.id, None) + uow.repo.notes_of(case.id, case.office_id)
        entries, _ = staff.audit_entries(uow, action=staff.AuditAction.CASE_ACTION, case_ref=ref)
    assert [n.body for n in notes] == ["Neighbour called: will come."]  # the blank one was refused
    assert [e.detail for e in entries] == [{"action": "note"}]
    assert any("Sok Dara added a note" in b for b in _telegram_to(services, case.id)["900002"])


def visible_text(html: str) -> str:
    """What a reader sees of a page: the text between the tags, entities decoded."""
    import html as entities

    return entities.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"(?s)<(script|style)\b.*?</\1>", "", html)))


def stored_words() -> set[str]:
    """Every value the database stores for a status, kind, role, purpose, event or audit action."""
    from intake import model

    words = set()
    for enum in (
        model.CaseStatus,
        model.CaseKind,
        model.OutboundStatus,
        model.InboundStatus,
        model.AppointmentStatus,
        model.AppointmentAnswer,
        model.OfficeKind,
        model.OfficialRole,
        model.Purpose,
        staff.AuditAction,
    ):
        words |= {str(v) for v in enum}
    source = "".join(p.read_text() for p in (Path(__file__).parents[2] / "intake").glob("*.py"))
    words |= set(re.findall(r'event\(\s*"(\w+)"', source)) | {"scheduled", "rescheduled", "outcome", "closed"}
    return words


def test_pages_say_statuses_events_and_routing_reasons_in_words_with_place_names(lite):
    services, data, app = lite
    jsc = app.test_client()
    sign_in(jsc, services, data.officials["jsc"])
    ref = data.refs["boundary"]
    token = {"csrf_token": csrf(jsc)}
    jsc.post(f"/console/cases/{ref}/accept", data=token)
    day = services.web_deps.policy.working_days(services.clock())[1]
    jsc.post(f"/console/cases/{ref}/schedule", data={**token, "date": f"{day:%Y-%m-%d}", "time": "14:00"})
    jsc.post(f"/console/cases/{ref}/note", data={**token, "text": "Called."})
    jsc.post(f"/console/cases/{ref}/message", data={**token, "text": "See you then."})
    jsc.post(f"/console/cases/{data.refs['debt']}/close", data={**token, "outcome": "not_resolved"})

    # The page but the conversation (what was said is shown as it was said).
    khmer = visible_text(jsc.get(f"/console/cases/{ref}").text).split("ការសន្ទនា")[0]
    assert "ការិយាល័យទទួលបន្ទុកក្រុងបាត់ដំបង" in khmer  # the reason, the place in Khmer script
    assert "covers" not in khmer and "Battambang" not in khmer and "0203" not in khmer
    debt = visible_text(jsc.get(f"/console/cases/{data.refs['debt']}").text).split("ការសន្ទនា")[0]
    assert "ការិយាល័យជិតបំផុត៖ 27 គីឡូម៉ែត្រ" in debt and "មិនបានដោះស្រាយ" in debt
    pages = [
        khmer,
        debt,
        visible_text(jsc.get("/console/").text),
        visible_text(jsc.get("/console/?status=closed").text),
    ]
    admin = app.test_client()
    sign_in(admin, services, data.officials["admin"])
    jsc.get("/console/export.csv?kind=dispute&show=mine")
    pages.append(visible_text(admin.get("/console/audit").text))
    for shown in pages:
        assert set(re.findall(r"[A-Za-z_]+", shown)) & stored_words() == set()

    jsc.post("/console/language", data={**token, "lang": "en"})
    english = visible_text(jsc.get(f"/console/cases/{ref}").text).split("Conversation")[0]
    assert "covers Battambang Municipality" in english and "Session scheduled" in english
    assert "SAMPLE-JSC-0203" not in english and not re.search(r"\b[a-z]+_[a-z_]+\b", english)
    admin.post("/console/language", data={"csrf_token": csrf(admin), "lang": "en"})
    audit = visible_text(admin.get("/console/audit").text)
    assert "set a session" in audit and "Quick filters: Mine" in audit and "Kind: Dispute" in audit
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", audit) and "=" not in audit
    # Days are written day/month/year, as on every page (no browser date input in its own locale).
    page = admin.get("/console/audit").text
    assert 'type="date"' not in page and "day/month/year" in visible_text(page)
    assert "set a session" in visible_text(admin.get("/console/audit?from=01/01/2000&to=31/12/2999").text)
    assert "set a session" not in visible_text(admin.get("/console/audit?from=01/01/2999").text)
    assert "set a session" not in visible_text(admin.get("/console/audit?to=31/12/2000").text)
    assert "set a session" in visible_text(admin.get("/console/audit?from=2000-01-01").text)


# Getting a link


def test_console_on_telegram_sends_a_working_link(lite):
    services, data, app = lite
    say(services, "/console", address="900001", channel="telegram")
    with services.uow() as uow:
        body = uow.session.scalars(
            select(Message.body).where(Message.direction == "out", Message.address == "900001").order_by(Message.id)
        ).all()[-1]
    link = re.search(r"http://127\.0\.0\.1:5000/console/signin\?t=(\S+)", body)
    assert link and "10" in body
    with services.uow() as uow:  # the send job ran: the message is sent
        uow.session.execute(update(orm.messages).where(orm.messages.c.purpose == "console_link").values(status="sent"))
        uow.commit()
    assert sign_in_with(app, link.group(1)).status_code == 302
    with services.uow() as uow:  # used: the database no longer holds the link
        bodies = uow.session.scalars(select(Message.body).where(Message.purpose == "console_link")).all()
    assert bodies == [staff.LINK_SCRUBBED]


def test_the_cli_prints_a_link_for_an_official(lite):
    services, data, app = lite
    result = app.test_cli_runner().invoke(args=["console", "link", "--official", str(data.officials["admin"])])
    assert result.exit_code == 0
    raw = re.search(r"/console/signin\?t=(\S+)", result.output).group(1)
    assert sign_in_with(app, raw).status_code == 302
    with services.uow() as uow:
        uow.session.execute(
            update(orm.officials).where(orm.officials.c.id == data.officials["pp"]).values(active=False)
        )
        uow.commit()
    refused = app.test_cli_runner().invoke(args=["console", "link", "--official", str(data.officials["pp"])])
    assert refused.exit_code != 0


# Directory and people


def test_a_good_directory_upload_is_previewed_then_loaded(lite):
    services, data, app = lite
    client = app.test_client()
    sign_in(client, services, data.officials["admin"])
    client.post("/console/language", data={"csrf_token": csrf(client), "lang": "en"})
    csv_text = (Path(__file__).resolve().parents[2] / "data" / "directory" / "sample_offices.csv").read_text()
    keep = "\n".join(line for line in csv_text.splitlines() if "SAMPLE-DOSVY-01," not in line) + "\n"
    preview = client.post(
        "/console/directory/upload",
        data={"csrf_token": csrf(client), "file": (io.BytesIO(keep.encode()), "offices.csv")},
        content_type="multipart/form-data",
    )
    assert preview.status_code == 200 and "1 deactivated" in preview.text
    with services.uow() as uow:
        assert uow.repo.office_by_code("SAMPLE-DOSVY-01").active
    digest = re.search(r'name="digest" value="([^"]+)"', preview.text).group(1)
    client.post("/console/directory/load", data={"csrf_token": csrf(client), "digest": digest, "text": keep})
    with services.uow() as uow:
        assert not uow.repo.office_by_code("SAMPLE-DOSVY-01").active
    tampered = client.post(
        "/console/directory/load", data={"csrf_token": csrf(client), "digest": digest, "text": keep + "x"}
    )
    assert tampered.status_code == 400


def test_an_admin_invites_an_official_and_changes_a_role(lite):
    services, data, app = lite
    client = app.test_client()
    sign_in(client, services, data.officials["admin"])
    page = client.post(
        "/console/people/invite",
        data={"csrf_token": csrf(client), "name": "Ouk Sreyneang", "office": "SAMPLE-JSC-0203", "role": "official"},
    )
    code = re.search(r'<p class="code">([A-Z0-9]{4}(?:-[A-Z0-9]{4}){3})</p>', page.text).group(1)
    assert f"https://t.me/jsc_bot?start={code}" in page.text
    say(services, f"/start {code}", address="901234", channel="telegram")
    with services.uow() as uow:
        assert uow.repo.official_by_chat("901234").name == "Ouk Sreyneang"
    client.post(
        f"/console/people/{data.officials['jsc']}/role", data={"csrf_token": csrf(client), "role": "coordinator"}
    )
    with services.uow() as uow:
        assert uow.session.get(Official, data.officials["jsc"]).role == "coordinator"
        actions = [e.action for e in staff.audit_entries(uow)[0]]
    assert {"official_invited", "role_changed", "sign_in"} <= set(actions)


# Khmer and English


def test_the_language_is_chosen_per_official_and_kept(lite):
    services, data, app = lite
    client = app.test_client()
    sign_in(client, services, data.officials["jsc"])
    assert "ករណីកំពុងដំណើរការ" in client.get("/console/").text  # Khmer by default
    client.post("/console/language", data={"csrf_token": csrf(client), "lang": "en", "next": "/console/"})
    assert "Open cases" in client.get("/console/").text
    other = app.test_client()
    sign_in(other, services, data.officials["jsc"])
    assert "Open cases" in other.get("/console/").text
    with services.uow() as uow:
        assert uow.session.get(Official, data.officials["jsc"]).console_language == "en"


def test_every_text_exists_in_khmer_and_english_and_every_template_key_exists():
    for key, (km, en) in i18n.CATALOGUE.items():
        assert km.strip() and en.strip(), key
        assert re.search(r"[\u1780-\u17FF]", km), f"{key}: the Khmer text has no Khmer letters"
    used = set()
    for template in TEMPLATES.glob("*.html"):
        used |= set(re.findall(r"\bt\('([a-z0-9_]+)'[,)]", template.read_text()))
    assert used - set(i18n.CATALOGUE) == set()
    # Keys built from values: every status, event type and audit action has its words.
    from intake.model import CaseStatus

    for status in CaseStatus:
        assert f"status_{status}" in i18n.CATALOGUE
    from intake.model import InboundStatus, OutboundStatus

    for action in staff.AuditAction:
        assert f"au_{action}" in i18n.CATALOGUE
    source = "".join(p.read_text() for p in (TEMPLATES.parents[3] / "intake").glob("*.py"))
    for event_type in set(re.findall(r'event\(\s*"(\w+)"', source)) | {"scheduled", "rescheduled"}:
        assert f"ev_{event_type}" in i18n.CATALOGUE, event_type
    for state in [*OutboundStatus, *InboundStatus]:
        assert f"msg_{state}" in i18n.CATALOGUE
    for action in actions.NAMES:
        assert f"did_{action}" in i18n.CATALOGUE


def test_login_required_and_require_role_protect_pages_of_other_blueprints(lite):
    """What the M&E dashboards use when they are mounted in the console."""
    from flask import Blueprint, g

    services, data, app = lite
    dashboards = Blueprint("dashboards", __name__, url_prefix="/console/dashboards")

    @dashboards.get("/")
    @auth.require_role("coordinator", "admin")
    def overview():
        with services.uow() as uow:
            n = uow.session.scalar(select(func.count()).select_from(orm.cases).where(g.viewer.case_filter()))
        return {"role": g.viewer.role, "cases": n}

    app.register_blueprint(dashboards)
    anonymous = app.test_client().get("/console/dashboards/")
    assert anonymous.status_code == 302 and anonymous.location.startswith("/console/welcome")
    official = app.test_client()
    sign_in(official, services, data.officials["jsc"])
    assert official.get("/console/dashboards/").status_code == 403
    coordinator = app.test_client()
    sign_in(coordinator, services, data.officials["coordinator"])
    assert coordinator.get("/console/dashboards/").json == {"role": "coordinator", "cases": 3}


def test_the_directory_lists_commune_councils(lite):
    services, data, app = lite
    result = app.test_cli_runner().invoke(
        args=["councils", "register", "--commune", "020801", "--phone", "+85512999000"]
    )
    assert result.exit_code == 0, result.output
    client = app.test_client()
    sign_in(client, services, data.officials["admin"])
    client.post("/console/language", data={"csrf_token": csrf(client), "lang": "en"})
    page = client.get("/console/directory").text
    assert "Commune councils" in page and "SMS +85512999000" in page and "Sangkae District" in page


def test_a_session_in_the_past_is_refused_with_the_workflows_own_answer(lite):
    services, data, app = lite
    client = app.test_client()
    sign_in(client, services, data.officials["jsc"])
    client.post("/console/language", data={"csrf_token": csrf(client), "lang": "en"})
    ref = data.refs["debt"]
    response = client.post(
        f"/console/cases/{ref}/schedule",
        data={"csrf_token": csrf(client), "date": "2020-01-06", "time": "09:00"},
        follow_redirects=True,
    )
    assert "already passed" in response.text
    with services.uow() as uow:
        case = uow.repo.case_by_ref(ref)
        assert uow.repo.appointments_of(case.id) == [] and case.status == "routed"
