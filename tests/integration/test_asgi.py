"""The web app as gunicorn ships it (bot.asgi), on real PostgreSQL and Redis: the SMS webhook's
plain case stored from the event loop, grouped and once each; everything else, a forged request
included, answered by the Flask app; a database that is down, frozen or drops the connection
costs no message (spooled, or retried on a fresh connection)."""

from __future__ import annotations

import asyncio
import time
import uuid
from urllib.parse import urlencode

import psycopg
import pytest
from sqlalchemy import create_engine, text
from twilio.request_validator import RequestValidator

from bot.asgi import LoopStore, SmsIngress, _conninfo
from bot.ingress import Inbound
from bot.spool import SPOOL_KEY
from intake import job_names
from tests.integration.test_ingress import (
    FreezableProxy,
    closed_port,
    count,
    inbound,
    make_services,
    sms_form,
    worker_services,
)
from tests.support import REDIS_URL, TWILIO
from worker import jobs

PUBLIC = "https://jsc.example"
SMS_PATH = "/webhooks/twilio/sms"


def asgi_app(services):
    """The ASGI app over the Flask app, as bot.asgi.create_app builds it, with `seen` recording
    the paths the Flask app was asked for."""
    from bot import create_app

    flask_app = create_app(services=services)
    flask_app.seen = []

    @flask_app.before_request
    def record():
        from flask import request

        flask_app.seen.append(request.full_path)

    app = SmsIngress(flask_app, services, threads=4, max_body=256 * 1024)
    app.flask = flask_app
    return app


def services_on(database_url: str, places, tmp_path, **extra):
    return make_services(database_url, places, spool_dir=tmp_path / "spool", public_base_url=PUBLIC, **extra)


async def call(app, method: str, path: str, body: bytes = b"", headers=(), query: bytes = b""):
    """One HTTP request through the ASGI app: (status, headers, body)."""
    done = asyncio.Event()
    messages: list[dict] = []
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1:8000"), *((k.lower().encode(), v.encode()) for k, v in headers)],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
    }
    given = False

    async def receive():
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message):
        messages.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            done.set()

    await app(scope, receive, send)
    start = messages[0]
    return start["status"], dict(start["headers"]), b"".join(m.get("body", b"") for m in messages[1:])


def signed(form: dict, url: str = PUBLIC + SMS_PATH) -> tuple[bytes, list[tuple[str, str]]]:
    body = urlencode(form).encode()
    signature = RequestValidator(TWILIO["twilio_auth_token"]).compute_signature(url, form)
    return body, [
        ("content-type", "application/x-www-form-urlencoded"),
        ("content-length", str(len(body))),
        ("x-twilio-signature", signature),
    ]


async def post_sms(app, form: dict):
    body, headers = signed(form)
    return await call(app, "POST", SMS_PATH, body, headers)


def run(coro):
    return asyncio.run(coro)


async def _close(app) -> None:
    if app.store is not None:
        await app.store.close()


@pytest.fixture
def pg_app(postgres_url, places, tmp_path):
    from tests.integration.test_ingress import load_sample_directory

    services = services_on(postgres_url, places, tmp_path)
    load_sample_directory(services)
    app = asgi_app(services)
    yield app
    run(_close(app))
    services.ingress.close()
    services.engine.dispose()


def test_a_signed_sms_is_stored_on_the_event_loop_once_and_queued_and_flask_never_sees_it(pg_app):
    services = pg_app.services
    form = sms_form(Body="ខ្ញុំមានជម្លោះដីធ្លី")

    async def scenario():
        first = await post_sms(pg_app, form)
        again = await post_sms(pg_app, form)  # a redelivery
        return first, again

    (status, headers, body), again = run(scenario())
    assert status == 200 and headers[b"content-type"].startswith(b"text/xml")
    assert body == b'<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
    assert again[0] == 200 and pg_app.flask.seen == []  # both answered on the loop
    [message] = inbound(services)
    assert (message.provider_message_id, message.body, message.address) == (
        form["MessageSid"],
        "ខ្ញុំមានជម្លោះដីធ្លី",
        "+85512345678",
    )
    assert [job[:2] for job in services.queue.jobs] == [(job_names.PROCESS_INBOUND, (message.id,))]  # queued once


def test_everything_but_the_plain_signed_sms_is_the_flask_apps(pg_app):
    services = pg_app.services

    async def scenario():
        forged_body, forged_headers = signed(sms_form())
        forged_headers[-1] = ("x-twilio-signature", "bm90IGEgc2lnbmF0dXJl")
        forged = await call(pg_app, "POST", SMS_PATH, forged_body, forged_headers)
        # Signed with a query string (a gateway's own parameter): Flask's full check takes it.
        form = sms_form()
        body, headers = signed(form, PUBLIC + SMS_PATH + "?gateway=somleng")
        with_query = await call(pg_app, "POST", SMS_PATH, body, headers, query=b"gateway=somleng")
        health = await call(pg_app, "GET", "/healthz")
        return forged, with_query, health

    forged, with_query, health = run(scenario())
    assert forged[0] == 403 and with_query[0] == 200
    assert [m.body for m in inbound(services)] == ["rice field dispute in Sangkae"]  # the signed one only
    assert health[0] == 200 and b'"status":"ok"' in health[2].replace(b" ", b"")
    assert pg_app.flask.seen == ["/webhooks/twilio/sms?", "/webhooks/twilio/sms?gateway=somleng", "/healthz?"]


def test_messages_that_arrive_together_are_stored_together_each_once_in_order(pg_app, postgres_url):
    services = pg_app.services
    forms = [sms_form(Body=f"message {i}", From="+85512000001") for i in range(24)]
    forms.append(dict(forms[3]))  # a redelivery in flight at the same time

    async def scenario():
        return await asyncio.gather(*(post_sms(pg_app, form) for form in forms))

    answers = run(scenario())
    assert [status for status, _, _ in answers] == [200] * 25
    rows = inbound(services)
    assert [r.body for r in rows] == [f"message {i}" for i in range(24)]  # arrival order kept
    assert len(services.queue.jobs) == 24
    engine = create_engine(postgres_url)
    try:
        with engine.connect() as conn:
            xmins = conn.execute(text("SELECT DISTINCT xmin::text FROM messages WHERE direction = 'in'")).all()
    finally:
        engine.dispose()
    assert len(xmins) < 24  # grouped: fewer statements (transactions) than messages


def test_database_down_the_sms_is_spooled_answered_at_once_and_stored_once_when_it_returns(
    postgres_url, places, tmp_path, redis_db
):
    web = services_on(
        f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/jsc",
        places,
        tmp_path,
        redis_url=REDIS_URL,
        request_path=True,
    )
    app = asgi_app(web)
    first, second = sms_form(), sms_form(Body="rice field, again")

    async def scenario():
        started = time.monotonic()
        a = await post_sms(app, first)
        took = time.monotonic() - started
        b = await post_sms(app, second)
        return a, b, took

    try:
        a, b, took = run(scenario())
        assert a[0] == 200 and b[0] == 200 and took < 2.0
        assert redis_db.llen(SPOOL_KEY) == 2 and not web.ingress.fast_store_allowed()
    finally:
        run(_close(app))
        web.ingress.close()
    worker = worker_services(postgres_url, places, tmp_path)
    try:
        jobs.recover(worker, older_than_s=3600)  # the sweep drains the spool, in order
        assert [r.body for r in inbound(worker)] == [first["Body"], second["Body"]]
        assert redis_db.llen(SPOOL_KEY) == 0
    finally:
        worker.ingress.close()
        worker.engine.dispose()


def test_database_freezing_mid_statement_the_webhook_answers_within_its_budget(
    postgres_url, places, tmp_path, redis_db
):
    """A PostgreSQL that stops answering on the loop's open connection: the statement is abandoned
    at the budget with its connection, the delivery spooled, and the loop free meanwhile."""
    proxy = FreezableProxy(5432)
    web = services_on(
        postgres_url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}"),
        places,
        tmp_path,
        redis_url=REDIS_URL,
        request_path=True,
        ingress_db_budget_s=1.0,
    )
    app = asgi_app(web)
    warm, first = sms_form(), sms_form(Body="while frozen")

    async def scenario():
        assert (await post_sms(app, warm))[0] == 200  # the loop's connection is open
        proxy.frozen.set()
        ticks = 0

        async def ticker():
            nonlocal ticks
            while True:
                await asyncio.sleep(0.05)
                ticks += 1

        tick = asyncio.create_task(ticker())
        started = time.monotonic()
        answer = await post_sms(app, first)
        took = time.monotonic() - started
        tick.cancel()
        return answer, took, ticks

    try:
        answer, took, ticks = run(scenario())
        assert answer[0] == 200 and 0.9 < took < 2.5
        assert ticks >= 10  # the loop kept running while the statement hung
        assert redis_db.llen(SPOOL_KEY) == 1
    finally:
        proxy.frozen.clear()
        run(_close(app))
        web.ingress.close()
        web.engine.dispose()
        proxy.close()
    worker = worker_services(postgres_url, places, tmp_path)
    try:
        jobs.recover(worker, older_than_s=3600)
        assert sorted(r.body for r in inbound(worker)) == sorted([warm["Body"], first["Body"]])
    finally:
        worker.ingress.close()
        worker.engine.dispose()


def test_a_connection_the_server_dropped_is_replaced_and_the_message_stored(pg_app, postgres_url):
    services = pg_app.services
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")

    async def scenario():
        assert (await post_sms(pg_app, sms_form()))[0] == 200
        pid = pg_app.store._conn.pgconn.backend_pid
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        await asyncio.sleep(0.2)
        answer = await post_sms(pg_app, sms_form(Body="after the restart"))
        return answer, pid, pg_app.store._conn.pgconn.backend_pid

    try:
        answer, old, new = run(scenario())
    finally:
        admin.dispose()
    assert answer[0] == 200 and new != old
    assert [r.body for r in inbound(services)][-1] == "after the restart" and count(services) == 2
    assert services.ingress.fast_store_allowed()  # retried at once, not spooled


def test_the_loop_store_hands_a_refused_group_back_and_forgets_a_lost_prepared_statement(pg_app, postgres_url):
    """A row the database refuses fails its group (bot.asgi sends each of them the threads' way,
    where they are stored one by one); a session that forgot the prepared insert prepares it again
    and loses nothing."""
    store = LoopStore(_conninfo(postgres_url), 1.5, pg_app.services.clock, pg_app.services.keyring)

    def one(i: int, channel: str = "sms") -> Inbound:
        return Inbound(channel, f"+8551200{i:04d}", f"SM{uuid.uuid4().hex}", f"text {i}")

    async def scenario():
        refused = await asyncio.gather(store.store(one(1)), store.store(one(2, "x" * 40)), return_exceptions=True)
        first = await store.store(one(3))
        store._conn.pgconn.exec_(b"DEALLOCATE ALL")
        forgot = await store.store(one(4))
        again = await store.store(one(5))
        await store.close()
        return refused, first, forgot, again

    refused, first, forgot, again = run(scenario())
    assert all(isinstance(r, psycopg.DataError) for r in refused)
    assert first[1] is True and forgot[1] is True and again[1] is True
    assert count(pg_app.services) == 3


def test_bad_bytes_in_a_signed_sms_are_cleaned_and_stored_on_the_loop(pg_app):
    services = pg_app.services
    forms = [
        sms_form(Body="my land\x00 in Sangkae"),  # PostgreSQL refuses NUL in text
        sms_form(Body="x" * 5000),  # longer than any SMS: kept whole
    ]

    async def scenario():
        answers = [await post_sms(pg_app, form) for form in forms]
        # Bytes that are no UTF-8 at all (a broken gateway): read as werkzeug reads them (the bytes
        # left escaped), and signed so.
        body = b"MessageSid=SMbad&From=%2B85512345678&Body=%ED%A0%80+%FF+rice"
        signature = RequestValidator(TWILIO["twilio_auth_token"]).compute_signature(
            PUBLIC + SMS_PATH, {"MessageSid": "SMbad", "From": "+85512345678", "Body": "%ED%A0%80 %FF rice"}
        )
        headers = [
            ("content-type", "application/x-www-form-urlencoded"),
            ("content-length", str(len(body))),
            ("x-twilio-signature", signature),
        ]
        answers.append(await call(pg_app, "POST", SMS_PATH, body, headers))
        return answers

    answers = run(scenario())
    assert [status for status, _, _ in answers] == [200, 200, 200]
    bodies = {m.provider_message_id: m.body for m in inbound(services)}
    assert bodies[forms[0]["MessageSid"]] == "my land\ufffd in Sangkae"
    assert bodies[forms[1]["MessageSid"]] == "x" * 5000
    assert bodies["SMbad"] == "%ED%A0%80 %FF rice"
    assert pg_app.flask.seen == []  # all three stored on the loop


def test_only_when_nothing_can_keep_the_delivery_does_the_loop_answer_503(places, tmp_path):
    (tmp_path / "not-a-dir").write_text("")
    web = make_services(
        f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/jsc",
        places,
        redis_url=f"redis://127.0.0.1:{closed_port()}/0",
        spool_dir=tmp_path / "not-a-dir" / "spool",
        request_path=True,
        public_base_url=PUBLIC,
    )
    app = asgi_app(web)
    try:
        status, headers, _ = run(post_sms(app, sms_form()))
        assert status == 503 and headers[b"retry-after"] == b"5"
        assert app.flask.seen == []  # refused by the loop's path, not handed to Flask
    finally:
        run(_close(app))
        web.ingress.close()
