"""Ingress when parts fail, on real PostgreSQL and Redis: bad bytes, a database down or frozen, a
frozen Redis. Every signed delivery is answered 200 in time and stored once, now or after the
database returns; 5xx only when it could be kept nowhere."""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rq import SimpleWorker
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from bot import create_app
from bot.bootstrap import build_services
from bot.config import Config
from bot.jobqueue import InProcessJobQueue
from bot.spool import BAD_KEY, SPOOL_KEY
from intake import job_names
from intake.crypto import DataKeyError, Keyring, new_key
from intake.model import Message
from tests.fakes import RecordingQueue, RecordingSender, ScriptedUnderstander, understanding
from tests.support import REDIS_URL, TELEGRAM, TWILIO, load_sample_directory, wait_until
from worker import jobs

SMS_URL = "http://localhost/webhooks/twilio/sms"
TABLE = {"rice": understanding("dispute_mediation", province_code="02", district_code="0208")}


def sms_form(**fields) -> dict:
    form = {
        "MessageSid": f"SM{uuid.uuid4().hex}",
        "AccountSid": TWILIO["twilio_account_sid"],
        "From": "+85512345678",
        "To": "+85599000111",
        "Body": "rice field dispute in Sangkae",
    }
    form.update(fields)
    return {k: v for k, v in form.items() if v is not None}


def post_sms(client, form: dict):
    signature = RequestValidator(TWILIO["twilio_auth_token"]).compute_signature(SMS_URL, form)
    return client.post(SMS_URL, data=form, headers={"X-Twilio-Signature": signature})


def post_update(client, update: dict):
    # ensure_ascii (as Telegram sends it): a lone surrogate travels as its \\u escape.
    return client.post(
        "/webhooks/telegram",
        data=json.dumps(update),
        content_type="application/json",
        headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM["telegram_webhook_secret"]},
    )


def inbound(services) -> list[Message]:
    with services.uow() as uow:
        return list(uow.session.scalars(select(Message).where(Message.direction == "in").order_by(Message.id)))


def count(services) -> int:
    with services.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(Message).where(Message.direction == "in"))


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FrozenServer:
    """A loopback listener that accepts connections and never answers: a PostgreSQL or Redis
    that is stopped (SIGSTOP) or hung, as the kernel still completes the handshake."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        self.sock.settimeout(0.2)
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
                self.held.append(conn)
            except OSError:
                continue

    def close(self):
        self._stop = True
        for conn in self.held:
            conn.close()
        self.sock.close()


class FreezableProxy:
    """A loopback TCP proxy to a real server that can be frozen: it stops passing bytes either way
    but keeps every connection open, as a stopped (SIGSTOP) server does."""

    def __init__(self, target_port: int):
        self.target = ("127.0.0.1", target_port)
        self.frozen = threading.Event()
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self._stop = False
        self._conns: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self._stop:
            try:
                client, _ = self.sock.accept()
            except OSError:
                continue
            upstream = socket.create_connection(self.target)
            self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, src, dst):
        while not self._stop:
            try:
                data = src.recv(65536)
            except OSError:
                return
            if not data:
                return
            while self.frozen.is_set() and not self._stop:
                time.sleep(0.05)
            try:
                dst.sendall(data)
            except OSError:
                return

    def close(self):
        self._stop = True
        for conn in self._conns:
            conn.close()
        self.sock.close()


@pytest.fixture
def frozen():
    server = FrozenServer()
    yield server
    server.close()


def make_services(
    database_url: str, places, *, redis_url: str | None = None, spool_dir=None, request_path=False, **config
):
    cfg = replace(
        Config(),
        database_url=database_url,
        redis_url=redis_url,
        queue_name="ingress-test",
        spool_dir=spool_dir,
        **TWILIO,
        **TELEGRAM,
        **config,
    )
    return build_services(
        cfg,
        queue=None if redis_url else RecordingQueue(),
        senders={"sms": RecordingSender(), "telegram": RecordingSender()},
        understander=ScriptedUnderstander(TABLE),
        places=places,
        legal=None,
        request_path=request_path,
    )


@pytest.fixture
def pg(postgres_url, places, tmp_path):
    """The web app on PostgreSQL (the database that refuses NULs and over-long values)."""
    s = make_services(postgres_url, places, spool_dir=tmp_path / "spool")
    load_sample_directory(s)
    yield s
    s.ingress.close()
    s.engine.dispose()


@pytest.fixture
def pg_client(pg):
    return create_app(services=pg).test_client()


def down_services(database_url, places, tmp_path, redis_url=REDIS_URL):
    """The web app as gunicorn builds it (request-path Redis budget) against a database that is
    unreachable; its spool on the test Redis and a file under tmp_path."""
    return make_services(database_url, places, redis_url=redis_url, spool_dir=tmp_path / "spool", request_path=True)


def worker_services(postgres_url, places, tmp_path):
    """The worker side, on the database that is back and the test Redis."""
    s = make_services(postgres_url, places, redis_url=REDIS_URL, spool_dir=tmp_path / "spool")
    load_sample_directory(s)
    return s


def run_worker(services) -> None:
    jobs.configure(services)
    try:
        SimpleWorker([services.queue.queue], connection=services.queue.connection).work(burst=True)
    finally:
        jobs.configure(None)


# ------------------------------------------------------------------ bad bytes


def test_bad_bytes_in_an_sms_are_cleaned_and_stored(pg, pg_client):
    cases = [
        sms_form(Body="my land\x00 in Sangkae"),  # PostgreSQL refuses NUL in text
        sms_form(MessageSid="SM" + "7" * 120),  # longer than its column
        sms_form(From="+855" + "1" * 90),  # a sender longer than its column
        sms_form(Body=None),  # no Body at all (an MMS)
        sms_form(MessageSid=None),  # no MessageSid: known by a digest of the form
        sms_form(From=None),  # no sender: kept for an admin
    ]
    for form in cases:
        assert post_sms(pg_client, form).status_code == 200
    rows = inbound(pg)
    assert len(rows) == len(cases)
    nul = rows[0]
    assert nul.body == "my land\ufffd in Sangkae" and nul.status == "received"
    long_sid = rows[1]
    assert len(long_sid.provider_message_id) == 64 and long_sid.provider_message_id.startswith("SM777")
    assert (rows[2].status, rows[2].error) == ("failed", "sender longer than 64 characters")
    assert len(rows[2].address) == 64 and rows[2].address.startswith("+85511111")
    assert rows[3].body == "" and rows[3].status == "received"
    assert rows[4].provider_message_id.startswith("sha:")
    assert (rows[5].status, rows[5].error) == ("failed", "no sender")
    # Those with a sender are queued for processing; the two without one are not.
    assert len(pg.queue.jobs) == len(cases) - 2


def test_bad_bytes_in_a_telegram_update_are_cleaned_and_stored(pg, pg_client):
    chat = {"id": 5550001, "type": "private", "first_name": "Dara"}
    updates = [
        {"update_id": 801, "message": {"message_id": 1, "chat": chat, "text": "lone \ud800 surrogate\x00"}},
        {"update_id": 802, "message": {"message_id": 2, "chat": dict(chat, id=int("9" * 70)), "text": "hi"}},
        {"update_id": 803, "message": {"message_id": 3, "chat": chat, "text": {"a": [1, "b"]}}},
        {"update_id": 804, "message": {"message_id": 4, "chat": chat, "text": ["x", 2]}},
        {"update_id": 805, "message": {"message_id": 5, "chat": chat, "text": 12345}},
        {"update_id": int("1" * 70), "message": {"message_id": 6, "chat": chat, "text": "big update id"}},
        {"message": {"message_id": 7, "chat": chat, "text": "no update id"}},
        {"update_id": 808, "message": {"message_id": 8, "chat": {"type": "private"}, "text": "no chat id"}},
    ]
    for update in updates:
        assert post_update(pg_client, update).status_code == 200
    rows = inbound(pg)
    assert [r.body for r in rows] == [
        "lone \ufffd surrogate\ufffd",
        "hi",
        '{"a": [1, "b"]}',
        '["x", 2]',
        "12345",
        "big update id",
        "no update id",
        "no chat id",
    ]
    assert (rows[1].status, rows[1].error) == ("failed", "chat id longer than 64 characters")
    assert len(rows[5].provider_message_id) == 64
    assert rows[6].provider_message_id.startswith("update:sha:")
    assert (rows[7].status, rows[7].error) == ("failed", "no chat id")
    # Redelivered (Telegram retries until it gets a 200): nothing new.
    for update in updates:
        assert post_update(pg_client, update).status_code == 200
    assert count(pg) == len(updates)


TEXT = st.one_of(
    st.text(st.characters(codec="utf-8"), max_size=80),
    st.text(st.characters(codec="utf-8"), min_size=60, max_size=200),
    st.sampled_from(["\x00", "a\x00b", "\u0000\u17a2", "ខ្ញុំ" * 30]),
)
JSON_TEXT = st.one_of(
    TEXT,
    st.sampled_from(["\ud800", "x\udfffy", "\ud83d"]),  # lone surrogates (JSON escapes them)
    st.none(),
    st.integers(min_value=-(10**80), max_value=10**80),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)
FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(sid=st.one_of(st.none(), TEXT), sender=st.one_of(st.none(), TEXT), body=st.one_of(st.none(), TEXT))
def test_fuzzed_signed_sms_are_answered_200_and_each_is_stored(pg, pg_client, sid, sender, body):
    before = count(pg)
    # A nonce field makes every example a distinct delivery (its digest differs without a sid).
    form = sms_form(MessageSid=sid, From=sender, Body=body, ApiVersion=uuid.uuid4().hex)
    form = {k: v for k, v in form.items() if v is not None}
    if sid:  # "" stays empty: known by the digest of the form (distinct by its nonce)
        form["MessageSid"] = f"{uuid.uuid4().hex}{sid}"
    response = post_sms(pg_client, form)
    assert response.status_code == 200
    assert count(pg) == before + 1


@FUZZ
@given(
    update_id=st.one_of(st.none(), st.integers(min_value=-(10**80), max_value=10**80), TEXT),
    chat_id=st.one_of(st.none(), st.integers(min_value=-(10**80), max_value=10**80), TEXT, st.floats()),
    text=JSON_TEXT,
    caption=JSON_TEXT,
    press=st.booleans(),
)
def test_fuzzed_telegram_updates_are_answered_200_and_each_is_stored(
    pg, pg_client, update_id, chat_id, text, caption, press
):
    before = count(pg)
    nonce = uuid.uuid4().int >> 64  # distinct updates, also when update_id repeats or is missing
    chat = {"id": chat_id, "type": "private"}
    if press:
        update = {"callback_query": {"id": str(nonce), "data": text or "acc:1", "message": {"chat": chat}}}
    else:
        update = {"message": {"message_id": nonce, "chat": chat, "text": text, "caption": caption}}
    if update_id is not None:
        update["update_id"] = update_id if isinstance(update_id, str) else update_id + nonce
    response = post_update(pg_client, json.loads(json.dumps(update, allow_nan=True)))
    assert response.status_code == 200
    assert count(pg) == before + 1


# ------------------------------------------------------------------ the database down


def test_database_down_the_sms_is_spooled_answered_at_once_and_stored_once_when_it_returns(
    postgres_url, places, tmp_path, redis_db
):
    web = down_services(f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/jsc", places, tmp_path)
    client = create_app(services=web).test_client()
    form = sms_form()
    started = time.monotonic()
    response = post_sms(client, form)
    assert response.status_code == 200 and time.monotonic() - started < 2.0
    assert redis_db.llen(SPOOL_KEY) == 1
    [record] = redis_db.lrange(SPOOL_KEY, 0, -1)  # sealed: neither the words nor the number in Redis
    assert record.startswith(b"enc1:") and b"rice field" not in record and b"12345678" not in record
    # Twilio does not retry, but a second delivery of the same message must not become two.
    assert post_sms(client, form).status_code == 200

    worker = worker_services(postgres_url, places, tmp_path)
    try:
        jobs.recover(worker, older_than_s=3600)  # the sweep drains the spool
        jobs.recover(worker, older_than_s=3600)
        rows = inbound(worker)
        assert [(r.provider_message_id, r.body) for r in rows] == [(form["MessageSid"], form["Body"])]
        assert redis_db.llen(SPOOL_KEY) == 0
        run_worker(worker)  # processes it (and queues the reply)
        run_worker(worker)
        assert [r.status for r in inbound(worker)] == ["processed"]
        assert [a for a, _ in worker.senders["sms"].sent] == ["+85512345678"]
    finally:
        worker.ingress.close()
        worker.engine.dispose()
        web.ingress.close()


def test_database_frozen_the_webhook_answers_within_its_budget(postgres_url, places, tmp_path, redis_db, frozen):
    web = down_services(f"postgresql+psycopg://postgres@127.0.0.1:{frozen.port}/jsc", places, tmp_path)
    client = create_app(services=web).test_client()
    first, second = sms_form(), sms_form(Body="rice field, again")
    started = time.monotonic()
    assert post_sms(client, first).status_code == 200
    took = time.monotonic() - started
    assert 1.0 < took < 2.5  # connecting has libpq's minimum of 2 s, not PostgreSQL's 60 s hang
    started = time.monotonic()
    assert post_sms(client, second).status_code == 200
    # The database is left alone while it is down: a try would take libpq's 2 s connect minimum.
    assert time.monotonic() - started < 1.0
    assert redis_db.llen(SPOOL_KEY) == 2

    worker = worker_services(postgres_url, places, tmp_path)
    try:
        jobs.recover(worker, older_than_s=3600)
        assert [r.body for r in inbound(worker)] == [first["Body"], second["Body"]]
        assert worker.queue.queue.count == 2
    finally:
        worker.ingress.close()
        worker.engine.dispose()
        web.ingress.close()


def test_database_freezing_mid_statement_is_cut_off_at_the_budget(postgres_url, places, tmp_path, redis_db):
    """A PostgreSQL that stops answering on a connection already in the pool (SIGSTOP, a network
    path gone quiet): the watchdog ends the statement at the budget, the delivery is spooled."""
    proxy = FreezableProxy(5432)
    web = down_services(postgres_url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}"), places, tmp_path)
    client = create_app(services=web).test_client()
    first, second = sms_form(), sms_form(Body="rice field, frozen")
    try:
        assert post_sms(client, first).status_code == 200  # stored through the proxy: a pooled connection
        assert [r.body for r in inbound(web)] == [first["Body"]] and redis_db.llen(SPOOL_KEY) == 0
        proxy.frozen.set()
        started = time.monotonic()
        assert post_sms(client, second).status_code == 200
        assert 1.0 < time.monotonic() - started < 2.0  # the 1.5 s budget
        assert redis_db.llen(SPOOL_KEY) == 1
    finally:
        proxy.close()
        web.ingress.close()
        web.engine.dispose()

    worker = worker_services(postgres_url, places, tmp_path)
    try:
        jobs.recover(worker, older_than_s=3600)
        assert [r.body for r in inbound(worker)] == [first["Body"], second["Body"]]
    finally:
        worker.ingress.close()
        worker.engine.dispose()


def test_database_and_redis_down_the_delivery_goes_to_the_local_file(postgres_url, places, tmp_path):
    dead = f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/jsc"
    web = down_services(dead, places, tmp_path, redis_url=f"redis://127.0.0.1:{closed_port()}/0")
    client = create_app(services=web).test_client()
    chat = {"id": 5550001, "type": "private"}
    update = {"update_id": 9101, "message": {"message_id": 1, "chat": chat, "text": "rice field \ud800"}}
    started = time.monotonic()
    assert post_sms(client, sms_form()).status_code == 200
    assert post_update(client, update).status_code == 200
    assert time.monotonic() - started < 2.0
    spooled = (tmp_path / "spool" / "inbound.jsonl").read_text().splitlines()
    assert len(spooled) == 2 and all(line.startswith("enc1:") for line in spooled)
    assert not any("rice field" in line or "5550001" in line for line in spooled)  # sealed on disk too

    back = make_services(postgres_url, places, spool_dir=tmp_path / "spool")  # Redis still down here
    load_sample_directory(back)
    try:
        jobs.recover(back, older_than_s=3600)
        jobs.recover(back, older_than_s=3600)
        assert sorted(r.body for r in inbound(back)) == ["rice field dispute in Sangkae", "rice field \ufffd"]
        assert [j[0] for j in back.queue.jobs] == ["worker.jobs.process_inbound"] * 2
        assert list((tmp_path / "spool").glob("*.jsonl")) == []
    finally:
        back.ingress.close()
        back.engine.dispose()
        web.ingress.close()


def test_only_when_nothing_can_keep_the_delivery_is_the_answer_5xx(places, tmp_path):
    (tmp_path / "not-a-dir").write_text("")
    dead = f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/jsc"
    web = make_services(
        dead,
        places,
        redis_url=f"redis://127.0.0.1:{closed_port()}/0",
        spool_dir=tmp_path / "not-a-dir" / "spool",
        request_path=True,
    )
    client = create_app(services=web).test_client()
    try:
        response = post_sms(client, sms_form())
        assert response.status_code == 503 and response.headers["Retry-After"]
    finally:
        web.ingress.close()


# ------------------------------------------------------------------ Redis frozen


def test_redis_frozen_the_webhook_answers_well_under_a_second_and_recovery_processes_it(
    postgres_url, places, tmp_path, redis_db, frozen
):
    # Redis calls get 5 s here (0.25 s as shipped), so that a request that made one would take
    # 5 s: far from the bound below, which a loaded machine cannot make fail either.
    web = make_services(
        postgres_url,
        places,
        redis_url=f"redis://127.0.0.1:{frozen.port}/0",
        spool_dir=tmp_path,
        request_path=True,
        enqueue_timeout_s=5.0,
    )
    load_sample_directory(web)
    client = create_app(services=web).test_client()
    forms = [sms_form(), sms_form(From="+85512000001")]
    try:
        for form in forms:
            started = time.monotonic()
            assert post_sms(client, form).status_code == 200
            # No Redis call in the request: the job is handed over by a thread of the process.
            assert time.monotonic() - started < 2.0
        assert [r.status for r in inbound(web)] == ["received", "received"]  # stored, not queued
    finally:
        web.ingress.close()
        web.engine.dispose()

    worker = worker_services(postgres_url, places, tmp_path)
    try:
        jobs.recover(worker, older_than_s=0)  # Redis is back: the sweep queues them
        run_worker(worker)
        run_worker(worker)
        assert [r.status for r in inbound(worker)] == ["processed", "processed"]
        assert sorted(a for a, _ in worker.senders["sms"].sent) == ["+85512000001", "+85512345678"]
    finally:
        worker.ingress.close()
        worker.engine.dispose()


# ------------------------------------------------------------------ the drain


def test_a_record_the_drain_cannot_read_is_set_aside_and_the_rest_still_drain(postgres_url, places, tmp_path, redis_db):
    worker = worker_services(postgres_url, places, tmp_path)
    try:
        redis_db.rpush(SPOOL_KEY, b"{not json")
        worker.ingress.spool.push("twilio_sms", sms_form())
        jobs.recover(worker, older_than_s=3600)
        assert count(worker) == 1
        assert redis_db.llen(SPOOL_KEY) == 0 and redis_db.lrange(BAD_KEY, 0, -1) == [b"{not json"]
    finally:
        worker.ingress.close()
        worker.engine.dispose()


def test_a_plain_record_of_an_older_version_still_drains_and_a_missing_key_stops_the_drain(
    postgres_url, places, tmp_path, redis_db
):
    worker = worker_services(postgres_url, places, tmp_path)
    try:
        plain = sms_form(Body="spooled before records were sealed")
        redis_db.rpush(SPOOL_KEY, json.dumps({"kind": "twilio_sms", "payload": plain, "received_at": "x"}))
        worker.ingress.spool.push("twilio_sms", sms_form())
        sealed = redis_db.lrange(SPOOL_KEY, 1, 1)[0]
        jobs.recover(worker, older_than_s=3600)
        assert sorted(r.body for r in inbound(worker)) == ["rice field dispute in Sangkae", plain["Body"]]
        assert redis_db.llen(SPOOL_KEY) == 0
        # A record sealed under a key this process does not hold waits for it: never set aside or lost.
        other = Keyring.parse(f"k9:{new_key()}", new_key())
        redis_db.rpush(SPOOL_KEY, other.encrypt(sealed.decode(), "ingress.spool"))
        with pytest.raises(DataKeyError, match="k9"):
            worker.ingress.spool.drain(lambda kind, payload: None)
        assert redis_db.llen(SPOOL_KEY) == 1 and redis_db.llen(BAD_KEY) == 0
    finally:
        worker.ingress.close()
        worker.engine.dispose()


def test_embedded_mode_drains_the_spool_on_its_own_sweep(sqlite_url, places, tmp_path):
    """`make run` has no worker process: the web process's sweep drains the file spool."""
    s = make_services(sqlite_url, places, spool_dir=tmp_path / "spool")
    s = replace(s, queue=InProcessJobQueue(lambda: s))
    s.ingress.queue = s.queue
    load_sample_directory(s)
    try:
        s.ingress.spool.push("twilio_sms", sms_form())  # spooled while the database was locked
        s.queue.start_sweep(0.1)
        wait_until(lambda: s.senders["sms"].sent, 20, "the spooled SMS answered")
        assert [a for a, _ in s.senders["sms"].sent] == ["+85512345678"]
        assert [r.status for r in inbound(s)] == ["processed"]
    finally:
        s.queue.close()
        s.ingress.close()
        s.engine.dispose()


# ------------------------------------------------------------------ the hand-over to the workers


def test_the_webhook_hands_a_stored_sms_to_the_workers_without_building_a_job(postgres_url, places, tmp_path, redis_db):
    """The request thread stores and answers; a thread of the web process posts the message id on
    the feed in one command, and a worker's feeder makes the rq job (bot.jobqueue.move_posted)."""
    web = make_services(postgres_url, places, redis_url=REDIS_URL, spool_dir=tmp_path, request_path=True)
    load_sample_directory(web)
    client = create_app(services=web).test_client()
    form = sms_form()
    try:
        assert post_sms(client, form).status_code == 200
        assert post_sms(client, form).status_code == 200  # a redelivery: stored once, posted once
        web.ingress.flush()
        [row] = inbound(web)
        assert web.queue.queue.count == 0  # no rq job was built in the web process
        assert [json.loads(line) for line in redis_db.lrange(web.queue.feed_key, 0, -1)] == [
            [job_names.PROCESS_INBOUND, [row.id]]
        ]
        assert web.queue.waiting(job_names.PROCESS_INBOUND) == {row.id}  # recovery leaves it
    finally:
        web.ingress.close()
        web.engine.dispose()

    worker = worker_services(postgres_url, places, tmp_path)
    try:
        assert worker.queue.move_posted() == 1
        assert redis_db.llen(worker.queue.feed_key) == 0 and worker.queue.queue.count == 1
        run_worker(worker)
        run_worker(worker)
        assert [r.status for r in inbound(worker)] == ["processed"]
        assert [a for a, _ in worker.senders["sms"].sent] == ["+85512345678"]
    finally:
        worker.ingress.close()
        worker.engine.dispose()


def test_feeders_running_at_once_queue_each_posted_job_once(redis_db):
    from bot.jobqueue import RqJobQueue

    queue = RqJobQueue(REDIS_URL, "feed-test")
    queue.post_many([("worker.jobs.process_inbound", (i,)) for i in range(1, 401)])
    moved: list[int] = []

    def feeder() -> None:
        feeder_queue = RqJobQueue(REDIS_URL, "feed-test")
        while n := feeder_queue.move_posted(limit=7, wait_s=0.2):
            moved.append(n)

    threads = [threading.Thread(target=feeder) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sum(moved) == 400 and queue.queue.count == 400
    assert queue.waiting("worker.jobs.process_inbound") == set(range(1, 401))


# ------------------------------------------------------------------ storing together


def _store_while_the_table_is_locked(postgres_url, keyring, inbounds, hold_s=0.6):
    """Store `inbounds` from one request thread each while another transaction keeps inserts
    waiting, so that they pile up behind the first statement; (results, rows' transaction ids)."""
    from datetime import UTC, datetime

    from sqlalchemy import create_engine, text

    from bot.ingress import budgeted_store, make_store_engine

    engine = make_store_engine(postgres_url, 1.5, 8, keyring)
    store = budgeted_store(engine, 1.5, lambda: datetime.now(UTC))
    blocker = create_engine(postgres_url)
    results: dict[int, object] = {}

    def request(i: int, one) -> None:
        try:
            results[i] = store(one)
        except Exception as exc:  # noqa: BLE001 - the test looks at what each request got
            results[i] = exc

    try:
        with blocker.connect() as conn:
            conn.execute(text("LOCK TABLE messages IN SHARE ROW EXCLUSIVE MODE"))
            threads = [threading.Thread(target=request, args=(i, one)) for i, one in enumerate(inbounds)]
            for t in threads:
                t.start()
            time.sleep(hold_s)
            conn.commit()
        for t in threads:
            t.join(10)
        with blocker.connect() as conn:
            xmins = conn.execute(text("SELECT xmin::text FROM messages WHERE direction = 'in'")).scalars().all()
    finally:
        engine.dispose()
        blocker.dispose()
    return [results[i] for i in range(len(inbounds))], xmins


def test_concurrent_requests_are_stored_together_each_once(pg, postgres_url):
    from bot.ingress import Inbound

    sids = [f"SM{uuid.uuid4().hex}" for _ in range(12)]
    inbounds = [Inbound("sms", f"+8551200{i:04d}", sid, f"text {i}") for i, sid in enumerate(sids)]
    inbounds.append(Inbound("sms", "+85512000000", sids[0], "text 0"))  # a redelivery, in flight at once
    results, xmins = _store_while_the_table_is_locked(postgres_url, pg.keyring, inbounds)
    assert all(isinstance(r, tuple) for r in results), results
    assert sorted(created for _, created in results) == [False] + [True] * 12
    assert results[0][0] == results[-1][0]  # the redelivery is the same message
    assert len({message_id for message_id, _ in results}) == 12 == count(pg)
    # The first request's statement waited for the lock; every other one went in one more.
    assert len(xmins) == 12 and len(set(xmins)) <= 2


def test_a_row_the_database_refuses_fails_alone_and_its_group_is_stored(pg, postgres_url):
    from sqlalchemy.exc import DataError

    from bot.ingress import Inbound

    good = [Inbound("sms", f"+8551200{i:04d}", f"SM{uuid.uuid4().hex}", f"text {i}") for i in range(6)]
    refused = Inbound("x" * 40, "+85512009999", f"SM{uuid.uuid4().hex}", "too long a channel")
    results, _ = _store_while_the_table_is_locked(postgres_url, pg.keyring, [*good[:3], refused, *good[3:]])
    assert isinstance(results[3], DataError)
    assert [created for _, created in results[:3] + results[4:]] == [True] * 6
    assert count(pg) == 6


def test_the_writer_keeps_one_connection_and_replaces_one_the_server_dropped(pg, postgres_url):
    from datetime import UTC, datetime

    from sqlalchemy import create_engine, text

    from bot.ingress import Inbound, budgeted_store, make_store_engine

    engine = make_store_engine(postgres_url, 1.5, 8, pg.keyring)
    store = budgeted_store(engine, 1.5, lambda: datetime.now(UTC))
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    before: set[int] = set()

    def backends() -> set[int]:
        """This store's connections (the app's own store engine, and earlier tests', are older)."""
        with admin.connect() as conn:
            sql = "SELECT pid FROM pg_stat_activity WHERE application_name = 'jsc-ingress' AND datname = current_database()"
            return set(conn.execute(text(sql)).scalars().all()) - before

    before = backends()

    def one(i: int) -> tuple[int, bool]:
        return store(Inbound("sms", f"+8551200{i:04d}", f"SM{uuid.uuid4().hex}", f"text {i}"))

    try:
        assert [created for _, created in (one(i) for i in range(5))] == [True] * 5
        [kept] = backends()  # five statements, one connection, still open for the next
        with admin.connect() as conn:  # the server drops it (a restart, an admin, a failover)
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": kept})
        wait_until(lambda: kept not in backends(), 5, "the backend to go")
        assert one(5)[1] is True  # retried at once on a fresh connection, not spooled
        assert len(backends()) == 1 and kept not in backends()  # one fresh connection, kept again
        assert count(pg) == 6
    finally:
        store.close()
        engine.dispose()
        admin.dispose()


def test_the_insert_is_prepared_again_on_a_connection_that_lost_its_prepared_statements(pg, postgres_url):
    """The insert runs as a statement prepared on the writer's connection (bot.ingress._exec_insert);
    a session that forgot it (DISCARD ALL by a pooler, a reset) prepares it again, losing nothing."""
    from datetime import UTC, datetime

    from bot.ingress import Inbound, budgeted_store, make_store_engine

    engine = make_store_engine(postgres_url, 1.5, 8, pg.keyring)
    store = budgeted_store(engine, 1.5, lambda: datetime.now(UTC))

    def one(i: int) -> tuple[int, bool]:
        return store(Inbound("sms", f"+8551200{i:04d}", f"SM{uuid.uuid4().hex}", f"text {i}"))

    def prepared() -> list[str]:
        pgconn = store._raw.driver_connection.pgconn
        result = pgconn.exec_(b"SELECT name FROM pg_prepared_statements ORDER BY name")
        return [result.get_value(i, 0).decode() for i in range(result.ntuples)]

    try:
        assert one(1)[1] is True
        assert prepared() == ["jsc_inbound_1"]
        store._raw.driver_connection.pgconn.exec_(b"DEALLOCATE ALL")
        assert prepared() == []
        assert [one(i)[1] for i in (2, 3)] == [True, True]
        assert prepared() == ["jsc_inbound_1"]
        assert count(pg) == 3
    finally:
        store.close()
        engine.dispose()


def test_the_inserts_text_parameters_read_back_as_the_values_stored(pg, postgres_url):
    """Every inbound column is sent in PostgreSQL's text form: a timestamp keeps its instant, a
    flag and a count their values, a missing error stays NULL, Khmer text its characters."""
    from datetime import UTC, datetime, timedelta, timezone

    from sqlalchemy import text

    from bot.ingress import Inbound, _text_param, budgeted_store, make_store_engine

    assert _text_param(None) is None and _text_param(True) == b"t" and _text_param(0) == b"0"
    with pytest.raises(ValueError):
        _text_param(datetime(2026, 12, 5, 3, 0))  # naive: refused, as the ORM's column type refuses it
    with pytest.raises(TypeError):
        _text_param(b"bytes")
    plus7 = datetime(2026, 12, 5, 10, 30, 15, 123456, tzinfo=timezone(timedelta(hours=7)))
    engine = make_store_engine(postgres_url, 1.5, 8, pg.keyring)
    store = budgeted_store(engine, 1.5, lambda: plus7)
    try:
        message_id, created = store(Inbound("sms", "+85512345678", f"SM{uuid.uuid4().hex}", "ខ្ញុំមានជម្លោះដី"))
        failed_id, _ = store(Inbound("telegram", "", f"update:{uuid.uuid4().int % 10**9}", "x", "no chat id"))
    finally:
        store.close()
        engine.dispose()
    assert created
    with pg.engine.connect() as conn:
        row = conn.execute(
            text("SELECT created_at, updated_at, urgent, attempts, error, status FROM messages WHERE id = :id"),
            {"id": message_id},
        ).one()
        failed = conn.execute(text("SELECT status, error FROM messages WHERE id = :id"), {"id": failed_id}).one()
    assert row.created_at == plus7 == row.updated_at and row.created_at.astimezone(UTC).hour == 3
    assert (row.urgent, row.attempts, row.error, row.status) == (False, 0, None, "received")
    assert tuple(failed) == ("failed", "no chat id")
    with pg.uow() as uow:
        stored = uow.repo.message(message_id)
        assert (stored.body, stored.address) == ("ខ្ញុំមានជម្លោះដី", "+85512345678")


# ------------------------------------------------------------------ below Flask


def test_a_signed_sms_is_stored_below_flask_and_every_other_request_goes_on_to_flask(pg):
    from flask import request

    app = create_app(services=pg)
    flask_saw: list[str] = []
    app.before_request(lambda: flask_saw.append(request.full_path))
    client = app.test_client()

    form = sms_form()
    answer = post_sms(client, form)
    assert answer.status_code == 200 and answer.mimetype == "text/xml"
    assert answer.data == b'<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
    assert flask_saw == [] and count(pg) == 1  # answered below Flask
    assert post_sms(client, form).status_code == 200 and count(pg) == 1  # a redelivery: stored once

    forged = client.post(SMS_URL, data=sms_form(), headers={"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"})
    assert forged.status_code == 403 and flask_saw == ["/webhooks/twilio/sms?"] and count(pg) == 1

    # Signed with a query string: not the plain case, so Flask's full check takes it, and stores it.
    form = sms_form()
    url = SMS_URL + "?gateway=somleng"
    signature = RequestValidator(TWILIO["twilio_auth_token"]).compute_signature(url, form)
    answer = client.post(url, data=form, headers={"X-Twilio-Signature": signature})
    assert answer.status_code == 200 and flask_saw[-1] == "/webhooks/twilio/sms?gateway=somleng"
    assert count(pg) == 2


def test_a_fault_below_flask_hands_the_request_to_flask_which_stores_it_once(pg):
    class FailsOnce:
        """The ingress, with one unexpected fault on the first delivery (a bug of ours)."""

        def __init__(self, ingress):
            self.ingress, self.failed = ingress, False

        def accept(self, kind, payload):
            if not self.failed:
                self.failed = True
                raise RuntimeError("unexpected")
            return self.ingress.accept(kind, payload)

        def __getattr__(self, name):
            return getattr(self.ingress, name)

    real = pg.ingress
    pg.ingress = FailsOnce(real)
    try:
        client = create_app(services=pg).test_client()
        form = sms_form()
        assert post_sms(client, form).status_code == 200
        assert pg.ingress.failed and count(pg) == 1
        assert [m.provider_message_id for m in inbound(pg)] == [form["MessageSid"]]
    finally:
        pg.ingress = real
