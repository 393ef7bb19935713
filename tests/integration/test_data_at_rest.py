"""Personal data at rest (issue 15): what a person wrote and their number are sealed in the
database (PostgreSQL and SQLite), found by a keyed hash, re-sealed when keys rotate, erased when
their case's time is up or when they ask, and the reports count the same afterwards."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, inspect, select, text

from bot import create_app
from bot.bootstrap import build_services
from bot.database import upgrade_database
from bot.ingress import TWILIO_SMS
from intake import indicators as ind
from intake import orm, retention, staff
from intake.cases import contact_for
from intake.crypto import DataKeyError, Keyring, new_key
from intake.model import AuditEntry, Case, CaseEvent, CaseNote, Contact, Conversation, Identity, Message
from intake.outbound import queue_message
from tests.fakes import RecordingQueue, RecordingSender, ScriptedUnderstander
from tests.integration import reports_fixture as fx
from tests.integration.helpers import say
from tests.support import load_sample_directory

PHONE = "+85517000111"
OTHER = "+85516000222"
CHAT = "7712345001"  # a citizen's Telegram chat id
WORDS = "ប្តីខ្ញុំវាយខ្ញុំ my husband beats me"
STORY = "he took the rice field by the canal"
NOTE = "she is staying with her sister behind the pagoda"
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def keys(spec: str | None = None, hash_key: str | None = None) -> dict:
    return {"data_keys": spec or f"k1:{K1}", "phone_hash_key": hash_key or HASH}


K1, K2, HASH = new_key(), new_key(), new_key()


def build(config, url, places, **cfg):
    services = build_services(
        replace(config, database_url=url, **cfg),
        queue=RecordingQueue(),
        senders={"sms": RecordingSender(), "telegram": RecordingSender()},
        understander=ScriptedUnderstander({}),
        places=places,
        legal=None,
    )
    services.queue.services = services
    return services


@pytest.fixture(params=["sqlite", "postgres"])
def db(request, config, places):
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")
    services = build(config, url, places, **keys())
    load_sample_directory(services)
    yield services
    services.engine.dispose()


@pytest.fixture
def pg(config, places, postgres_url):
    services = build(config, postgres_url, places, **keys())
    load_sample_directory(services)
    yield services
    services.engine.dispose()


def a_case(uow, *, phone=PHONE, kind="dispute", status="routed", at=T0, other_party=OTHER) -> Case:
    """A person, their case with a narrative, a note, the messages both ways and the intake's data."""
    contact = contact_for(uow, "sms", phone, "en")
    office = uow.repo.office_by_code("SAMPLE-JSC-0203")
    inbound = Message(
        direction="in",
        channel="sms",
        address=phone,
        body=WORDS,
        status="processed",
        purpose="inbound",
        contact_id=contact.id,
        created_at=at - timedelta(minutes=5),
        updated_at=at - timedelta(minutes=5),
    )
    uow.repo.add(inbound)
    case = Case(
        ref=f"T{uow.session.scalar(select(Case.id).order_by(Case.id.desc())) or 0:03d}-TEST"[:8],
        kind=kind,
        status=status,
        contact_id=contact.id,
        language="en",
        province_code="02",
        district_code="0203",
        office_id=office.id,
        summary=WORDS,
        details=STORY,
        other_party_phone=other_party,
        created_at=at,
        updated_at=at,
    )
    uow.repo.add(case)
    uow.repo.flush()
    uow.repo.add(case.event("opened", "citizen", at, channel="sms", message_id=inbound.id, written_in="en"))
    uow.repo.add(CaseNote(case_id=case.id, office_id=office.id, official_id=_official(uow, office), body=NOTE, at=at))
    queue_message(
        uow,
        channel="sms",
        address=phone,
        body=f"about {STORY}",
        key=f"k-{case.ref}",
        contact=contact,
        case_id=case.id,
        purpose="reply",
    )
    conversation = uow.repo.conversation(contact.id) or Conversation(contact_id=contact.id)
    conversation.state, conversation.data, conversation.case_id, conversation.updated_at = (
        "idle",
        {"summary": WORDS},
        case.id,
        at,
    )
    uow.repo.add(conversation)
    uow.repo.flush()
    return case


def _official(uow, office) -> int:
    from intake.model import Official

    found = uow.session.scalar(select(Official.id))
    if found:
        return found
    official = Official(office_id=office.id, name="Sok Dara", created_at=T0)
    uow.repo.add(official)
    uow.repo.flush()
    return official.id


def everything_stored(services) -> str:
    """Every row of every table as the database holds it, as one text (a backup's view)."""
    with services.engine.connect() as conn:
        names = inspect(conn).get_table_names()
        if services.engine.dialect.name == "postgresql":
            return "\n".join(str(conn.execute(text(f'SELECT t::text FROM "{n}" t')).all()) for n in names)
        return "\n".join(str(conn.execute(text(f'SELECT * FROM "{n}"')).all()) for n in names)


def test_no_word_or_number_is_stored_in_plain_text(db):
    # The webhook's own insert (on PostgreSQL the driver's statement below SQLAlchemy) and the ORM.
    db.ingress.accept(TWILIO_SMS, {"From": PHONE, "Body": WORDS, "MessageSid": "SM" + "1" * 32})
    with db.uow() as uow:
        case = a_case(uow)
        uow.commit()
    stored = everything_stored(db)
    for secret in ("husband", "ខ្ញុំ", "rice field", "pagoda", PHONE, PHONE[1:], OTHER, "17000111"):
        assert secret not in stored, secret
    assert "enc1:k1:" in stored and case.ref in stored  # sealed values, and what is not sealed
    # ... and all of it reads back through the domain.
    with db.uow() as uow:
        found = uow.repo.case_by_ref(case.ref)
        assert (found.summary, found.details, found.other_party_phone) == (WORDS, STORY, OTHER)
        assert [n.body for n in uow.repo.notes_of(found.id, found.office_id)] == [NOTE]
        assert uow.repo.conversation(found.contact_id).data == {"summary": WORDS}
        assert {m.body for m in uow.repo.conversation_of_case(found)} >= {WORDS, f"about {STORY}"}


def test_people_are_still_found_by_their_number(pg):
    say(pg, "hello", address=PHONE)
    say(pg, "STOP", address=PHONE)
    with pg.uow() as uow:
        identity = uow.repo.identity("sms", PHONE)
        assert identity is not None and uow.repo.identity("sms", OTHER) is None
        assert uow.repo.contact(identity.contact_id).opted_out  # the STOP list holds
        assert len(list(uow.session.scalars(select(Contact)))) == 1  # the second message found them
        assert len(uow.repo.unprocessed_inbound_until("sms", PHONE, 10**6)) == 0
        mine = uow.session.scalars(select(Message).where(Message.address == PHONE)).all()
        assert {m.body for m in mine if m.direction == "in"} == {"hello", "STOP"}
        case = a_case(uow)
        uow.commit()
    with pg.uow() as uow:
        assert [c.ref for c in uow.repo.cases_of_contact(identity.contact_id)] == [case.ref]
        # Only equality means something on a sealed column.
        with pytest.raises(TypeError, match="only equality"):
            select(Message).where(Message.address > PHONE)


def test_keys_rotate_and_a_missing_or_wrong_key_is_a_clear_error(pg, config, places):
    with pg.uow() as uow:
        ref = a_case(uow).ref
        uow.commit()
    rotated = build(config, pg.config.database_url, places, **keys(f"k2:{K2},k1:{K1}"))
    result = create_app(services=rotated).test_cli_runner().invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    assert "values per key: k2 " in result.output and "k1" not in result.output.split("values per key:")[1]
    stored = everything_stored(pg)
    assert "enc1:k2:" in stored and "enc1:k1:" not in stored
    only_new = build(config, pg.config.database_url, places, **keys(f"k2:{K2}"))
    with only_new.uow() as uow:
        assert uow.repo.case_by_ref(ref).summary == WORDS and uow.repo.identity("sms", PHONE) is not None
    old_only = build(config, pg.config.database_url, places, **keys(f"k1:{K1}"))
    with old_only.uow() as uow, pytest.raises(DataKeyError, match="key 'k2', which DATA_KEYS does not hold"):
        uow.repo.case_by_ref(ref)
    wrong = build(config, pg.config.database_url, places, **keys(f"k2:{K1}"))
    with wrong.uow() as uow, pytest.raises(DataKeyError) as err:
        uow.repo.case_by_ref(ref)
    assert "wrong key for that id" in str(err.value) and "husband" not in str(err.value)
    for s in (rotated, only_new, old_only, wrong):
        s.engine.dispose()


def test_retention_erases_a_closed_case_s_words_at_its_kind_s_age_only(db):
    with db.uow() as uow:
        dispute = a_case(uow, phone="+85512000001", status="resolved")
        protection = a_case(uow, phone="+85512000002", kind="protection", status="closed")
        still_open = a_case(uow, phone="+85512000003", kind="protection", status="registered")
        events = len(list(uow.session.scalars(select(CaseEvent))))
        uow.commit()
    policy = retention.RetentionPolicy(dispute_days=180, protection_days=365)

    def erase(days: int) -> int:
        with db.uow() as uow:
            n = retention.erase_expired(uow, policy, T0 + timedelta(days=days))
            uow.commit()
            return n

    def words(case: Case) -> tuple:
        with db.uow() as uow:
            c = uow.repo.case(case.id)
            texts = [m.body for m in uow.repo.conversation_of_case(c)]
            notes = [n.body for n in uow.repo.notes_of(c.id, c.office_id)]
            return c.summary, c.details, c.other_party_phone, texts, notes

    kept = (WORDS, STORY, OTHER, [WORDS, f"about {STORY}"], [NOTE])
    erased = (None, None, None, ["", ""], [""])
    assert erase(179) == 0 and words(dispute) == kept
    assert erase(181) == 1
    assert words(dispute) == erased and words(protection) == kept and words(still_open) == kept
    assert erase(364) == 0 and erase(366) == 1
    assert words(protection) == erased and words(still_open) == kept
    assert erase(3000) == 0 and words(still_open) == kept
    with db.uow() as uow:  # the rows, counts and events stay
        assert len(list(uow.session.scalars(select(CaseEvent)))) == events
        assert len(list(uow.session.scalars(select(Message)))) == 6
        assert uow.repo.identity("sms", "+85512000001") is not None


def test_the_retention_job_runs_from_the_schedule_and_reschedules_itself(db):
    from worker import jobs

    db.clock = lambda: T0 + timedelta(days=200)
    with db.uow() as uow:
        a_case(uow, status="resolved")
        uow.commit()
    jobs.recover(db)  # the sweep starts retention's daily run on a new database
    with db.uow() as uow:
        assert [due for _, _, _, due in uow.repo.scheduled("worker.jobs.erase_expired")] == [db.clock()]
    jobs.recover(db)
    assert len(db.queue.take_delayed("worker.jobs.erase_expired")) == 1  # once, however often
    assert jobs.erase_expired(db) == 1
    with db.uow() as uow:
        assert [due for _, _, _, due in uow.repo.scheduled("worker.jobs.erase_expired")] == [
            db.clock() + timedelta(days=1)
        ]
        assert uow.session.scalar(select(Case.summary)) is None


def _unfiled(uow, phone: str, body: str, at: datetime, *, direction: str = "in") -> int:
    contact = contact_for(uow, "sms", phone, "en")
    message = Message(
        direction=direction,
        channel="sms",
        address=phone,
        body=body,
        status="processed" if direction == "in" else "sent",
        purpose="inbound" if direction == "in" else "reply",
        contact_id=contact.id,
        created_at=at,
        updated_at=at,
    )
    uow.repo.add(message)
    uow.repo.flush()
    return message.id


def test_messages_filed_on_no_case_are_erased_at_their_age_unless_their_person_has_a_kept_case(db):
    """A legal question and its answer belong to no case: erased after RETENTION_UNFILED_DAYS, by
    the retention job, a batch at a time; a person whose case is still kept keeps theirs."""
    with db.uow() as uow:
        question = _unfiled(uow, "+85512000011", "what does the law say if my husband beats me", T0)
        answer = _unfiled(uow, "+85512000011", "the law on domestic violence says", T0, direction="out")
        later = _unfiled(uow, "+85512000012", "how do I register a birth", T0 + timedelta(days=30))
        a_case(uow, phone="+85512000013", status="routed")  # open: kept, with what its person wrote
        after_case = _unfiled(uow, "+85512000013", "and what about the well", T0 + timedelta(days=1))
        uow.commit()
    policy = retention.RetentionPolicy(unfiled_days=180)

    def erase(days: int, limit: int = retention.MESSAGE_BATCH) -> int:
        with db.uow() as uow:
            n = retention.erase_unfiled(uow, policy, T0 + timedelta(days=days), limit=limit)
            uow.commit()
            return n

    def texts() -> dict[int, str]:
        with db.uow() as uow:
            return {m.id: m.body for m in uow.session.scalars(select(Message))}

    assert erase(179) == 0
    assert erase(181, limit=1) == 1 and erase(181, limit=1) == 1 and erase(181) == 0  # a batch at a time
    stored = texts()
    assert (stored[question], stored[answer]) == ("", "")
    assert stored[later] == "how do I register a birth" and stored[after_case] == "and what about the well"
    assert WORDS in stored.values()  # the open case's intake message
    assert erase(211) == 1 and texts()[later] == ""
    assert erase(3000) == 0 and texts()[after_case] == "and what about the well"
    with db.uow() as uow:  # the rows stay for the counts
        assert len(list(uow.session.scalars(select(Message)))) == 6


def test_the_retention_job_also_erases_old_messages_filed_on_no_case(db):
    from worker import jobs

    db.config = replace(db.config, retention_unfiled_days=30)
    with db.uow() as uow:
        question = _unfiled(uow, "+85512000021", "is it legal for my boss to keep my ID card", T0)
        uow.commit()
    db.clock = lambda: T0 + timedelta(days=29)
    jobs.erase_expired(db)
    with db.uow() as uow:
        assert uow.session.get(Message, question).body == "is it legal for my boss to keep my ID card"
    db.clock = lambda: T0 + timedelta(days=31)
    jobs.erase_expired(db)
    with db.uow() as uow:
        assert uow.session.get(Message, question).body == ""


def test_the_retention_job_comes_back_in_a_minute_while_unfiled_messages_remain(db, monkeypatch):
    from worker import jobs

    monkeypatch.setattr(retention, "MESSAGE_BATCH", 1)
    db.config = replace(db.config, retention_unfiled_days=30)
    with db.uow() as uow:
        first = _unfiled(uow, "+85512000031", "how do I get a birth certificate", T0)
        second = _unfiled(uow, "+85512000032", "can my employer keep my passport", T0)
        uow.commit()
    db.clock = lambda: T0 + timedelta(days=31)

    def next_run():
        with db.uow() as uow:
            return [due for _, _, _, due in uow.repo.scheduled("worker.jobs.erase_expired")]

    def run_once():
        jobs.erase_expired(db)
        due = next_run()
        with db.uow() as uow:  # as the scheduler does when it moves the run to the queue
            uow.session.execute(orm.scheduled_jobs.delete())
            uow.commit()
        return due

    soon, later = [db.clock() + timedelta(minutes=1)], [db.clock() + timedelta(days=1)]
    assert run_once() == soon  # a full batch of one: more may remain
    assert run_once() == soon
    with db.uow() as uow:
        assert (uow.session.get(Message, first).body, uow.session.get(Message, second).body) == ("", "")
    assert run_once() == later  # nothing left: tomorrow


def test_forgetting_a_person_erases_them_keeps_the_counts_and_is_audited(pg):
    with pg.uow() as uow:
        mine = a_case(uow, phone=PHONE)
        theirs = a_case(uow, phone="+85512999888", other_party=PHONE)  # they are someone's other party
        uow.commit()
    say(pg, "one more thing about the canal", address=PHONE)
    runner = create_app(services=pg).test_cli_runner()
    refused = runner.invoke(args=["people", "forget", "call me", "--yes"])
    assert refused.exit_code == 2 and "one Cambodian phone number" in refused.output
    # Written as people write it, not as stored (+85517000111).
    result = runner.invoke(args=["people", "forget", "017 000 111", "--yes"])
    assert result.exit_code == 0, result.output
    assert "erased: 1 contacts, 1 cases" in result.output
    stored = everything_stored(pg)
    digest = pg.keyring.phone_hash(PHONE)
    for gone in ("husband", "canal", digest, PHONE):
        assert gone not in stored, gone
    with pg.uow() as uow:
        assert uow.repo.identity("sms", PHONE) is None
        case = uow.repo.case(mine.id)
        assert (case.summary, case.details, case.other_party_phone, case.erased_at is not None) == (
            None,
            None,
            None,
            True,
        )
        assert uow.repo.case(theirs.id).summary == WORDS and uow.repo.case(theirs.id).other_party_phone is None
        assert len(list(uow.session.scalars(select(CaseEvent).where(CaseEvent.case_id == mine.id)))) == 1
        [entry] = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == staff.AuditAction.PERSON_FORGOTTEN))
    assert entry.detail == {
        "requested_by": "cli",
        "contacts": 1,
        "cases": [mine.ref],
        "messages": entry.detail["messages"],
        "other_party_cases": 1,
    }
    assert entry.detail["messages"] >= 4 and PHONE not in str(entry.detail)


def test_the_reports_count_the_same_after_every_word_is_erased(db):
    with db.uow() as uow:
        fx.build(uow)
        uow.commit()
    period, scope = ind.Period.parse(fx.PERIOD), ind.Scope.national(full_protection=True)

    def report():
        with db.engine.connect() as conn:
            return [(t.key, t.rows) for t in ind.all_indicators(conn, period, scope)]

    before = report()
    with db.uow() as uow:
        retention.erase_expired(uow, retention.RetentionPolicy(0, 0), fx.NOW + timedelta(days=1))
        phones = [i.address for i in uow.session.scalars(select(Identity))]
        for phone in phones:
            retention.forget_person(uow, phone, fx.NOW, requested_by="test")
        uow.commit()
    assert "words that must never reach a report" not in everything_stored(db)
    assert report() == before


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_the_migration_seals_rows_stored_in_plain_text(backend, request, tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}" if backend == "sqlite" else request.getfixturevalue("postgres_url")
    if backend == "postgres":
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    upgrade_database(url, revision="0015_casework")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO contacts (id, language, opted_out, role, created_at) VALUES (1, 'en', false, 'citizen', :t)"
            ),
            {"t": T0},
        )
        conn.execute(text("INSERT INTO identities (contact_id, channel, address) VALUES (1, 'sms', :p)"), {"p": PHONE})
        conn.execute(
            text(
                "INSERT INTO messages (direction, channel, address, body, status, purpose, urgent, attempts, created_at, updated_at, contact_id) "
                "VALUES ('in', 'sms', :p, :w, 'processed', 'inbound', false, 0, :t, :t, 1)"
            ),
            {"p": PHONE, "w": WORDS, "t": T0},
        )
        conn.execute(  # a reply sent on Telegram, its provider id naming the chat (before 0016)
            text(
                "INSERT INTO messages (direction, channel, address, body, status, purpose, urgent, attempts, created_at, updated_at, provider_message_id) "
                "VALUES ('out', 'telegram', :c, 'ok', 'sent', 'reply', false, 1, :t, :t, :pid)"
            ),
            {"c": CHAT, "pid": f"{CHAT}:7", "t": T0},
        )
        conn.execute(
            text(
                "INSERT INTO cases (ref, kind, status, urgent, contact_id, language, summary, details, other_party_phone, created_at, updated_at) "
                "VALUES ('OLD1-TST', 'dispute', 'routed', false, 1, 'en', :w, :s, :o, :t, :t)"
            ),
            {"w": WORDS, "s": STORY, "o": OTHER, "t": T0},
        )
        conn.execute(
            text("INSERT INTO conversations (contact_id, state, data, updated_at) VALUES (1, 'idle', :d, :t)"),
            {"d": '{"summary": "my husband beats me"}', "t": T0},
        )
    engine.dispose()
    keyring = Keyring.parse(f"k1:{K1}", HASH)
    upgrade_database(url, keyring)
    from intake.unit_of_work import UnitOfWork, make_engine, session_factory

    engine = make_engine(url, keyring=keyring)
    with engine.connect() as conn:
        raw = str(
            [
                conn.execute(text(f"SELECT * FROM {t}")).all()
                for t in ("identities", "messages", "cases", "conversations")
            ]
        )
    assert "husband" not in raw and PHONE not in raw and OTHER not in raw and "rice" not in raw and CHAT not in raw
    with UnitOfWork(session_factory(engine)) as uow:
        identity = uow.repo.identity("sms", PHONE)
        assert identity is not None and identity.contact_id == 1
        case = uow.repo.case_by_ref("OLD1-TST")
        assert (case.summary, case.details, case.other_party_phone) == (WORDS, STORY, OTHER)
        assert uow.session.scalar(select(Message.body).where(Message.address == PHONE)) == WORDS
        assert uow.repo.conversation(1).data == {"summary": "my husband beats me"}
        stored = uow.session.scalar(select(Message.provider_message_id).where(Message.channel == "telegram"))
        assert stored == f"{keyring.phone_hash(CHAT)[:16]}:7"
    engine.dispose()
