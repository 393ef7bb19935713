"""Nothing lost and nothing sent twice when a part fails (issue 15): on real PostgreSQL and
Redis, with the real Twilio and Telegram clients talking to the loopback fakes (which number
Telegram's message ids per chat, as Telegram does)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from rq import SimpleWorker

from bot.bootstrap import build_services
from bot.config import Config
from intake import job_names
from intake.services import record_inbound
from tests.database import recreate_database
from tests.fakes import RecordingQueue, ScriptedUnderstander
from tests.fakes.providers import FakeProviders
from tests.integration.helpers import queue_messages, row, telegram_id
from tests.integration.test_worker_processes import BIN, ROOT
from tests.support import REDIS_URL, TELEGRAM, TWILIO, load_sample_directory, scheduled, side_database, wait_until
from worker import jobs
from worker.sendworker import ThreadSenders


@pytest.fixture
def pg_live(config, postgres_url, providers, places):
    """Services on PostgreSQL whose real provider clients talk to the loopback fakes."""
    cfg = replace(config, database_url=postgres_url, twilio_api_url=providers.url, telegram_api_url=providers.url)
    s = build_services(cfg, queue=RecordingQueue(), understander=ScriptedUnderstander({}), places=places, legal=None)
    s.queue.services = s
    yield s
    s.engine.dispose()


# --- 1. Telegram message ids are unique only within a chat ------------------------------------


def test_ten_chats_each_get_their_reply_once_though_telegram_numbers_each_chat_from_one(pg_live, providers):
    chats = [f"90000{n}" for n in range(10)]
    ids = queue_messages(pg_live, [("telegram", chat, f"Case K7M-4TX{n}: accepted") for n, chat in enumerate(chats)])
    with ThreadPoolExecutor(4) as pool:
        outcomes = jobs.send_batch(ids, pg_live, senders=ThreadSenders(pg_live.senders_factory), run=pool.map)
    assert set(outcomes.values()) == {"sent"}
    assert sorted(m["chat_id"] for m in providers.telegram_sends) == chats  # one each
    assert {row(pg_live, i).provider_message_id for i in ids} == {telegram_id(pg_live, chat, 1) for chat in chats}
    # Nothing is left `sending` for recovery to send again.
    assert jobs.recover(pg_live, older_than_s=0, lease_s=0) == (0, 0)
    assert len(providers.telegram_sends) == 10


def test_one_provider_id_collision_in_a_batch_does_not_send_the_batch_again(pg_live, providers):
    # A row that already carries the id Telegram will give the next message to chat 900002 (as
    # ids stored before this change, or a provider that reuses one, could).
    [old] = queue_messages(pg_live, [("telegram", "900002", "an older notice")])
    with pg_live.uow() as uow:
        m = uow.repo.message(old)
        m.status, m.provider_message_id = "sent", telegram_id(pg_live, "900002", 1)
        uow.commit()
    ids = queue_messages(pg_live, [("telegram", f"90000{n}", f"New dispute K7M-4TX{n}") for n in range(1, 4)])
    outcomes = jobs.send_batch(ids, pg_live, senders=ThreadSenders(pg_live.senders_factory))
    assert set(outcomes.values()) == {"sent"}
    assert [row(pg_live, i).status for i in ids] == ["sent", "sent", "sent"]
    assert row(pg_live, ids[1]).provider_message_id is None  # the colliding one: sent, id left out
    assert row(pg_live, ids[0]).provider_message_id == telegram_id(pg_live, "900001", 1)
    assert jobs.recover(pg_live, older_than_s=0, lease_s=0) == (0, 0)
    assert len(providers.telegram_sends) == 3


def test_the_telegram_sender_keeps_one_bot_instead_of_asking_getme_before_every_send(providers):
    from bot.senders import TelegramSender

    sender = TelegramSender(TELEGRAM["telegram_bot_token"], providers.url)
    ids = [sender.send("900001", f"notice {n}") for n in range(5)]
    sender.answer_callback("cb-1")
    assert ids == [f"900001:{n}" for n in range(1, 6)]
    assert providers.getme_calls == 0 and providers.callback_answers == ["cb-1"]


# --- 2. a killed worker must not stall processing --------------------------------------------


class HangingRasa:
    """A loopback Rasa whose first parse of a text containing HANG never answers (until the test
    ends): the worker asking it is mid-message, holding its transaction and the sender's lock."""

    def __init__(self):
        self.hung = threading.Event()
        self.release = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if "HANG" in json.loads(raw or b"{}").get("text", "") and not fake.hung.is_set():
                    fake.hung.set()
                    fake.release.wait(120)
                body = json.dumps({"intent": {"name": None}, "intent_ranking": []}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self):
        self.release.set()
        self._server.shutdown()
        self._server.server_close()


def _children(pid: int) -> list[int]:
    """Processes whose parent is `pid` (rq's forked scheduler)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def test_a_worker_killed_mid_message_does_not_stall_an_unrelated_sms(tmp_path, redis_db):
    database_url = recreate_database(side_database("killed_worker"))
    fake, rasa = FakeProviders().start(), HangingRasa()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "QUEUE_NAME": "killed-worker",
        "TWILIO_ACCOUNT_SID": TWILIO["twilio_account_sid"],
        "TWILIO_AUTH_TOKEN": TWILIO["twilio_auth_token"],
        "TWILIO_FROM": TWILIO["twilio_from"],
        "TWILIO_API_URL": fake.url,
        "TELEGRAM_BOT_TOKEN": TELEGRAM["telegram_bot_token"],
        "TELEGRAM_API_URL": fake.url,
        "RASA_URL": rasa.url,
        "RASA_TIMEOUT": "120",
    }
    cfg = replace(Config(), database_url=database_url, redis_url=REDIS_URL, queue_name="killed-worker", **TWILIO)
    s = build_services(cfg, understander=ScriptedUnderstander({}), legal=None)

    def start(name):
        return subprocess.Popen(
            [str(BIN / "python"), "-m", "worker", "--sweep-interval", "1"],
            cwd=ROOT,
            env=env,
            stdout=open(tmp_path / f"{name}.log", "w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def store(address, body, provider_id):
        with s.uow() as uow:
            message_id, _ = record_inbound(uow, "sms", address, provider_id, body, now=s.clock())
            uow.commit()
        return message_id

    def answered(address):
        return [m for m in fake.twilio_messages if m["to"] == address]

    first = start("first")
    second = None
    try:
        wait_until(lambda: len(SimpleWorker.all(queue=s.queue.queue)) == 1, 60, "the first worker")
        # The same person wrote twice: the job for the second message handles the first one too,
        # under the sender's lock, and asks the NLU about it there.
        store("+85512000001", "HANG on, my neighbour moved the fence", "SMkill1")
        later = store("+85512000001", "and he took my land", "SMkill2")
        s.queue.enqueue(job_names.PROCESS_INBOUND, later)
        assert rasa.hung.wait(60), "the worker never reached the NLU"
        assert _children(first.pid), "rq's scheduler was not forked from the worker"
        os.kill(first.pid, signal.SIGKILL)  # the worker alone: its forked scheduler lives on
        first.wait(timeout=5)

        second = start("second")  # a restart: it re-queues the interrupted messages first
        wait_until(
            lambda: any(w.pid == second.pid for w in SimpleWorker.all(queue=s.queue.queue)), 60, "the second worker"
        )
        sent_at = time.monotonic()
        s.queue.enqueue(job_names.PROCESS_INBOUND, store("+85512000002", "hello, I need help", "SMkill3"))
        wait_until(lambda: answered("+85512000002"), 30, "an answer to the unrelated SMS")
        assert time.monotonic() - sent_at < 15
        wait_until(lambda: len(answered("+85512000001")) >= 1, 30, "the interrupted person's answer")
    finally:
        for proc in (first, second):
            if proc is not None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)  # the group: the orphaned scheduler too
                except ProcessLookupError:
                    pass
                proc.wait(timeout=10)
        s.engine.dispose()
        rasa.stop()
        fake.stop()


def test_postgresql_timeouts_are_set_on_every_connection(postgres_url):
    from sqlalchemy import text

    cfg = Config.from_env({"DATABASE_URL": postgres_url, "DB_LOCK_TIMEOUT": "2.5", "DB_STATEMENT_TIMEOUT": "20"})
    s = build_services(cfg, queue=RecordingQueue(), understander=ScriptedUnderstander({}), legal=None)
    try:
        with s.engine.connect() as conn:
            shown = [conn.execute(text(f"SHOW {name}")).scalar() for name in ("lock_timeout", "statement_timeout")]
            idle = conn.execute(text("SHOW idle_in_transaction_session_timeout")).scalar()
        assert shown == ["2500ms", "20s"] and idle == "1min"
    finally:
        s.engine.dispose()


# --- 5. PostgreSQL's error details (key values) reach neither logs nor stored job tracebacks -----


def duplicate_identity(database_url: str, phone: str) -> None:
    """An rq job that stores the same phone twice (a unique violation whose DETAIL names it)."""
    from bot.config import Config
    from bot.keys import load_keyring
    from intake.model import Contact, Identity
    from intake.unit_of_work import UnitOfWork, make_engine, session_factory

    engine = make_engine(database_url, keyring=load_keyring(Config()))
    try:
        for _ in range(2):
            with UnitOfWork(session_factory(engine)) as uow:
                contact = Contact(language="en")
                uow.repo.add(contact)
                uow.repo.flush()
                uow.repo.add(Identity(contact_id=contact.id, channel="sms", address=phone))
                uow.commit()
    finally:
        engine.dispose()


def test_a_failed_jobs_stored_traceback_and_the_logs_carry_no_key_values(postgres_url, redis_db, caplog):
    from rq import Queue

    phone = "+85512987654"
    queue = Queue("scrub", connection=redis_db)
    job = queue.enqueue("tests.integration.test_failures.duplicate_identity", postgres_url, phone)
    SimpleWorker([queue], connection=redis_db).work(burst=True)
    job.refresh()
    assert job.is_failed
    stored = job.latest_result().exc_string
    assert "UniqueViolation" in stored and "uq_identities_channel_address" in stored
    assert phone not in stored and "DETAIL" not in stored and "Key (" not in stored
    assert "Key (" not in caplog.text and "DETAIL" not in caplog.text


# --- 3. recovery must not duplicate queued work under a backlog -------------------------------


@pytest.fixture
def rq_services(postgres_url, redis_db, places):
    """Services on PostgreSQL and the real rq queue (no worker: jobs stay queued)."""
    cfg = replace(Config(), database_url=postgres_url, redis_url=REDIS_URL, queue_name="backlog", **TWILIO)
    s = build_services(cfg, understander=ScriptedUnderstander({}), places=places, legal=None)
    yield s
    s.engine.dispose()


def backdate(services, ids, minutes=5):
    from datetime import timedelta

    from sqlalchemy import update

    from intake import orm
    from intake.model import utcnow

    with services.uow() as uow:
        uow.session.execute(
            update(orm.messages)
            .where(orm.messages.c.id.in_(ids))
            .values(updated_at=utcnow() - timedelta(minutes=minutes), created_at=utcnow() - timedelta(minutes=minutes))
        )
        uow.commit()


def test_recovery_under_a_backlog_queues_only_what_lost_its_job(rq_services, redis_db):
    s = rq_services
    with s.uow() as uow:
        inbound = [
            record_inbound(uow, "sms", f"+855120{n:05d}", f"SMbacklog{n}", "hello", now=s.clock())[0]
            for n in range(300)
        ]
        uow.commit()
    outbound = queue_messages(s, [("sms", f"+855130{n:05d}", f"reminder {n}") for n in range(100)])
    for message_id in inbound:
        s.queue.enqueue(job_names.PROCESS_INBOUND, message_id)
    for message_id in outbound:
        s.queue.enqueue(job_names.SEND_MESSAGE, message_id)
    backdate(s, inbound + outbound)  # the backlog has waited five minutes: longer than a sweep
    queue = s.queue.queue
    assert queue.count == 400
    for _ in range(3):  # three sweeps while nothing is worked off
        assert jobs.recover(s, older_than_s=60) == (0, 0)
    assert queue.count == 400
    # Redis loses 25 jobs at each end of the queue (a restart without its append-only file):
    # exactly those come back.
    redis_db.lpop(queue.key, 25)
    redis_db.rpop(queue.key, 25)
    assert jobs.recover(s, older_than_s=60) == (25, 25)
    assert queue.count == 400
    queued = [j.args[0] for j in queue.get_jobs()]
    assert sorted(queued) == sorted(inbound + outbound)


# --- 4. the transactional schedule ---------------------------------------------------------------


def _office_with_official(services, office: str, chat: str) -> None:
    from intake.directory import invite_official

    with services.uow() as uow:
        official, _ = invite_official(uow, office, "Sok Dara", now=services.clock(), key=services.config.secret_key)
        official.telegram_chat_id = chat
        uow.commit()


def _person_at_risk_writes(services) -> None:
    """Processing it opens and routes a protection case and schedules its escalation (in 15
    minutes, if nobody has accepted it)."""
    from bot.webhooks import ingest

    ingest(services, "sms", "+85512345678", "SMsched1", "my husband beats me, I am in Sangkae")


def _case_ref(services) -> str | None:
    with services.uow() as uow:
        cases = uow.repo.open_cases()
        return cases[0].ref if cases else None


def _restarted(services, **changes):
    """The same deployment built again, as a restarted process builds it."""
    return build_services(
        replace(services.config, **changes),
        understander=services.deps.understander,
        places=services.deps.places,
        legal=None,
        clock=lambda: services.clock() + timedelta(minutes=16),
    )


def test_an_escalation_scheduled_before_redis_was_flushed_and_the_worker_restarted_still_runs(
    postgres_url, redis_db, providers, places
):
    from bot.jobqueue import RqJobQueue
    from intake import schedule
    from tests.fakes import understanding

    cfg = replace(
        Config(),
        database_url=postgres_url,
        redis_url=REDIS_URL,
        queue_name="schedule",
        twilio_api_url=providers.url,
        telegram_api_url=providers.url,
        **TWILIO,
        **TELEGRAM,
    )
    table = {"beats me": understanding("victim_protection", urgent=True, province_code="02", district_code="0208")}
    s = build_services(cfg, understander=ScriptedUnderstander(table), places=places, legal=None)
    load_sample_directory(s)
    _office_with_official(s, "SAMPLE-DOSVY-02", "900050")

    def work(services):
        queue: RqJobQueue = services.queue
        jobs.configure(services)  # the services the worker process builds at start
        try:
            SimpleWorker([queue.queue], connection=queue.connection).work(burst=True)
        finally:
            jobs.configure(None)

    _person_at_risk_writes(s)
    work(s)  # the case is opened and the office told
    ref = _case_ref(s)
    with s.uow() as uow:
        [(func, args, _)] = schedule.pending(uow, "worker.jobs.escalate")
    redis_db.flushall()  # Redis loses everything (no append-only file, or a new instance)
    s.engine.dispose()

    restarted = _restarted(s)
    try:
        assert jobs.move_scheduled(restarted) == 1
        work(restarted)  # the escalation
        work(restarted)  # its send
        reminders = [m for m in providers.telegram_sends if f"case {ref} is waiting to be accepted." in m["text"]]
        assert [m["chat_id"] for m in reminders] == ["900050"]
        with restarted.uow() as uow:
            assert [e.type for e in uow.repo.case_events(uow.repo.case_by_ref(ref).id)].count(
                "escalation_reminder"
            ) == 1
            assert schedule.pending(uow, "worker.jobs.escalate")[0][1][1] == 2  # the next step is scheduled
    finally:
        restarted.engine.dispose()


def test_embedded_mode_runs_what_was_scheduled_before_a_restart(sqlite_url, places):
    from intake import schedule
    from tests.fakes import understanding

    cfg = replace(Config(), database_url=sqlite_url)  # embedded: no Redis, the local outbox
    table = {"beats me": understanding("victim_protection", urgent=True, province_code="02", district_code="0208")}
    s = build_services(cfg, understander=ScriptedUnderstander(table), places=places, legal=None)
    load_sample_directory(s)
    _office_with_official(s, "SAMPLE-DOSVY-02", "900050")
    _person_at_risk_writes(s)
    wait_until(lambda: _sent_to(s, "900050"), 30, "the office to be told")
    ref = _case_ref(s)
    with s.uow() as uow:
        assert len(schedule.pending(uow, "worker.jobs.escalate")) == 1
    s.engine.dispose()  # the process stops: its threads and timers are gone

    restarted = _restarted(s)
    restarted.queue.start_schedule(tick_s=0.1)
    try:
        wait_until(
            lambda: any(ref in body and "waiting" in body for body in _sent_to(restarted, "900050")),
            30,
            "the escalation",
        )
    finally:
        restarted.queue.close()
        restarted.engine.dispose()


def _sent_to(services, chat: str) -> list[str]:
    with services.uow() as uow:
        return [
            m.body
            for m in uow.repo.recent_messages()
            if m.channel == "telegram" and m.address == chat and m.direction == "out" and m.status == "sent"
        ]


# --- 5. smaller items ----------------------------------------------------------------------------


@pytest.mark.parametrize("status, retry_after, expected", [(429, "42", 42), (503, "120", 120), (429, None, 10)])
def test_twilios_retry_after_is_honoured(pg_live, providers, status, retry_after, expected):
    providers.fail_next("twilio", status, headers={"Retry-After": retry_after} if retry_after else None)
    [mid] = queue_messages(pg_live, [("sms", "+85512345678", "Your session is tomorrow at 9:00")])
    assert jobs.send_message(mid, services=pg_live) == "retrying"
    assert scheduled(pg_live) == [(job_names.SEND_MESSAGE, (mid,), expected)]  # 10: our own first back-off


def test_only_one_process_runs_the_recovery_sweep_at_a_time(rq_services):
    from intake import schedule

    s = rq_services
    with s.uow() as uow:
        ids = [record_inbound(uow, "sms", "+85512000009", f"SMlock{n}", "hello", now=s.clock())[0] for n in range(3)]
        uow.commit()
    backdate(s, ids)
    with schedule.exclusive(s.engine, "recovery") as mine:  # another worker's sweep is running
        assert mine
        assert jobs.recover(s, older_than_s=60) == (0, 0)
        assert s.queue.queue.count == 0
    assert jobs.recover(s, older_than_s=60) == (3, 0)  # its turn once the other has finished
    assert s.queue.queue.count == 3


def test_worker_check_passes_only_for_a_live_worker_of_this_host_on_its_queues(redis_db, monkeypatch):
    import socket

    from rq import Queue

    from worker.__main__ import main

    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    monkeypatch.setenv("QUEUE_NAME", "checked")
    monkeypatch.delenv("SEND_QUEUE", raising=False)
    elsewhere = SimpleWorker([Queue("checked", connection=redis_db)], connection=redis_db)
    elsewhere.hostname = "another-host"  # a healthy worker, but another machine's
    elsewhere.register_birth()
    assert main(["--check"]) == 1
    other_queue = SimpleWorker([Queue("not-ours", connection=redis_db)], connection=redis_db)
    other_queue.register_birth()  # this host, this (live) process, other queues
    assert main(["--check"]) == 1
    dead = SimpleWorker([Queue("checked", connection=redis_db)], connection=redis_db)
    dead.pid = 2**22 + 12345  # above pid_max: no such process here
    dead.register_birth()
    dead.pid = 2**22 + 12345
    redis_db.hset(dead.key, "pid", dead.pid)
    assert main(["--check"]) == 1
    ours = SimpleWorker([Queue("checked", connection=redis_db)], connection=redis_db)
    assert ours.hostname == socket.gethostname()
    ours.register_birth()
    assert main(["--check"]) == 0


def test_a_status_callback_that_comes_before_the_sid_is_recorded_is_kept_and_applied(pg_live, providers):
    from bot import create_app
    from intake.outbound import apply_early_statuses
    from tests.integration.test_webhooks import signed_post

    client = create_app(services=pg_live).test_client()
    url = "http://localhost/webhooks/twilio/status"
    sid = "SM" + "1".zfill(32)  # the SID the fake gives the next message, as Twilio would call back
    # Twilio answers the send and calls back at once; the batch has not committed the SID yet.
    assert signed_post(client, url, {"MessageSid": sid, "MessageStatus": "delivered"}).status_code == 204
    assert signed_post(client, url, {"MessageSid": "SMnotours", "MessageStatus": "failed"}).status_code == 204
    [mid] = queue_messages(pg_live, [("sms", "+85512345678", "Your case number is K7M-4TXP")])
    assert jobs.send_message(mid, services=pg_live) == "sent"
    m = row(pg_live, mid)
    assert (m.provider_message_id, m.status) == (sid, "delivered")
    with pg_live.uow() as uow:  # applied once; the stranger's stays until it is a day old
        assert apply_early_statuses(uow, None, pg_live.clock()) == 0


@pytest.fixture
def officials_pg(postgres_url, places):
    """Services on PostgreSQL with recording senders: what officials see on Telegram."""
    from tests.fakes import RecordingSender

    cfg = replace(Config(), database_url=postgres_url, secret_key="a-long-random-secret", **TWILIO, **TELEGRAM)
    s = build_services(
        cfg,
        queue=RecordingQueue(),
        senders={"sms": RecordingSender(), "telegram": RecordingSender()},
        understander=ScriptedUnderstander({}),
        places=places,
        legal=None,
    )
    load_sample_directory(s)
    yield s
    s.engine.dispose()


def _invite(services, office="SAMPLE-JSC-0203", key=None):
    from intake.directory import invite_official

    with services.uow() as uow:
        official, code = invite_official(
            uow, office, "Chan Sophea", now=services.clock(), key=key or services.config.secret_key
        )
        uow.commit()
    return official.id, code


def _start(services, chat: str, code: str) -> str:
    from tests.integration.helpers import say

    say(services, f"/start {code}", address=chat, channel="telegram")
    return [body for address, body in services.senders["telegram"].sent if address == chat][-1]


def _linked(services, official_id) -> str | None:
    with services.uow() as uow:
        return uow.repo.official(official_id).telegram_chat_id


LINKED = "You are linked to"
WRONG = "This invitation code is not valid"
LOCKED = "Too many wrong invitation codes"


def test_invite_codes_are_long_keyed_and_wrong_guesses_are_limited_per_chat(officials_pg):
    from intake import invites

    s = officials_pg
    official_id, code = _invite(s)
    assert len(invites.normalize(code)) == 16 and 23**16 > 2**64
    with s.uow() as uow:
        stored = uow.repo.official(official_id).invite_code_hash
    assert stored.startswith("k1:") and stored != invites.legacy_hash(code)
    assert stored != invites.keyed_hash(code, "another-deployments-key")  # useless without the key
    for n in range(invites.WRONG_PER_CHAT):
        assert WRONG in _start(s, "900101", f"WRONG-CODE-{n}")
    assert LOCKED in _start(s, "900101", code)  # even the right code, from that chat, this hour
    assert _linked(s, official_id) is None
    assert LINKED in _start(s, "900102", code.replace("-", " ").lower())  # typed loosely, another chat
    assert _linked(s, official_id) == "900102"


def test_wrong_invite_guesses_are_limited_overall(officials_pg, monkeypatch):
    from intake import invites

    s = officials_pg
    monkeypatch.setattr(invites, "WRONG_OVERALL", 12)  # the same rule as 100, with fewer messages
    official_id, code = _invite(s)
    for n in range(12):  # from twelve chats, two guesses each would stay under the chat limit
        assert WRONG in _start(s, f"9002{n:02d}", "K7MX-4TXP-9ADE-WRNC")
    assert LOCKED in _start(s, "900300", code)
    assert _linked(s, official_id) is None


def test_an_invite_issued_before_keyed_hashes_works_until_it_expires(officials_pg):
    from datetime import timedelta

    from intake import invites
    from intake.model import utcnow

    s = officials_pg
    fresh, _ = _invite(s)
    stale, _ = _invite(s)
    with s.uow() as uow:  # as the old code stored them: 8 characters, unsalted SHA-256
        uow.repo.official(fresh).invite_code_hash = invites.legacy_hash("K7MX4TXP")
        uow.repo.official(stale).invite_code_hash = invites.legacy_hash("9ADEWRNC")
        uow.repo.official(stale).invite_expires_at = utcnow() - timedelta(minutes=1)
        uow.commit()
    assert LINKED in _start(s, "900401", "k7mx4txp")
    assert WRONG in _start(s, "900402", "9ADEWRNC")
    assert _linked(s, fresh) == "900401" and _linked(s, stale) is None
