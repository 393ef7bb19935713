"""Admin commands and the schema: re-routing with a reason, Telegram polling, migrations that
match the models on PostgreSQL."""

from __future__ import annotations

from dataclasses import replace

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from bot import create_app
from bot.bootstrap import build_services
from intake.orm import metadata
from tests.fakes import RecordingQueue, ScriptedUnderstander, understanding
from tests.integration.helpers import official, open_dispute, the_case
from tests.support import load_sample_directory


def test_migrations_on_postgresql_match_the_models(postgres_url):
    engine = create_engine(postgres_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    assert diff == []


def test_an_admin_reroutes_a_case_with_a_reason(services, understander):
    understander.table["rice field"] = understanding("dispute_mediation", province_code="02", district_code="0208")
    official(services, "SAMPLE-JSC-1202", "900050")
    open_dispute(services)
    case = the_case(services)
    runner = create_app(services=services).test_cli_runner()
    result = runner.invoke(
        args=[
            "cases",
            "reroute",
            case.ref,
            "--office",
            "SAMPLE-JSC-1202",
            "--reason",
            "the land is registered in Phnom Penh",
        ]
    )
    assert result.exit_code == 0 and f"case {case.ref} re-routed to SAMPLE-JSC-1202; 1 officials told" in result.output
    services.queue.run_all(services)
    moved = the_case(services)
    assert moved.routing_reason == "re-routed by admin: the land is registered in Phnom Penh"
    assert services.senders["telegram"].sent[-1][0] == "900050"
    with services.uow() as uow:
        event = uow.repo.case_events(moved.id)[-1]
    assert (event.type, event.actor) == ("rerouted", "admin")
    bad = runner.invoke(args=["cases", "reroute", "NOPE", "--office", "SAMPLE-JSC-1202", "--reason", "x"])
    assert bad.exit_code != 0 and "no case NOPE" in bad.output


def test_telegram_polling_feeds_updates_into_the_same_pipeline(config, providers, places):
    cfg = replace(config, telegram_api_url=providers.url)
    s = build_services(cfg, queue=RecordingQueue(), understander=ScriptedUnderstander({}), places=places, legal=None)
    load_sample_directory(s)
    providers.updates = [
        {
            "update_id": 700,
            "message": {
                "message_id": 1,
                "date": 1795687200,
                "text": "hello",
                "chat": {"id": 5550009, "type": "private", "first_name": "A"},
            },
        },
        {
            "update_id": 701,
            "edited_message": {
                "message_id": 1,
                "date": 1795687200,
                "edit_date": 1795687201,
                "text": "hello!",
                "chat": {"id": 5550009, "type": "private"},
            },
        },
    ]
    runner = create_app(services=s).test_cli_runner()
    for _ in range(2):  # a restart re-reads the same updates: still one message
        assert runner.invoke(args=["telegram", "poll", "--once"]).exit_code == 0
    with s.uow() as uow:
        msg = uow.repo.inbound_by_provider_id("telegram", "update:700")
        assert msg.body == "hello" and len(uow.repo.recent_messages()) == 1
    assert s.queue.jobs == [("worker.jobs.process_inbound", (msg.id,), 0)]
    s.engine.dispose()


def test_a_button_press_in_poll_mode_gets_its_spinner_stopped(config, providers, places):
    cfg = replace(config, telegram_api_url=providers.url)
    s = build_services(cfg, queue=RecordingQueue(), understander=ScriptedUnderstander({}), places=places, legal=None)
    load_sample_directory(s)
    providers.updates = [
        {
            "update_id": 800,
            "callback_query": {
                "id": "press-in-poll-mode",
                "chat_instance": "-1234",
                "data": "acc:1",
                "from": {"id": 5550010, "is_bot": False, "first_name": "Dara"},
                "message": {
                    "message_id": 5,
                    "date": 1795687200,
                    "text": "new case",
                    "chat": {"id": 5550010, "type": "private", "first_name": "Dara"},
                },
            },
        }
    ]
    runner = create_app(services=s).test_cli_runner()
    assert runner.invoke(args=["telegram", "poll", "--once"]).exit_code == 0
    s.queue.run_all(s)  # through python-telegram-bot to the loopback Telegram
    assert providers.callback_answers == ["press-in-poll-mode"]
    s.engine.dispose()


def test_message_indexes_skip_the_rows_an_inbound_insert_leaves_empty(postgres_url):
    """The webhook stores an inbound message with no contact, case or idempotency key: the three
    indexes over those columns hold only rows that have one (the insert writes three B-tree entries
    fewer), and the idempotency key stays unique where it is set."""
    engine = create_engine(postgres_url)
    with engine.connect() as conn:
        defs = dict(
            conn.execute(
                text(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'messages' "
                    "AND indexname IN ('ix_messages_contact_id', 'ix_messages_case_id', 'uq_messages_idempotency_key')"
                )
            ).all()
        )
        assert sorted(defs) == ["ix_messages_case_id", "ix_messages_contact_id", "uq_messages_idempotency_key"]
        for name, column in (("ix_messages_contact_id", "contact_id"), ("ix_messages_case_id", "case_id")):
            assert defs[name].endswith(f"WHERE ({column} IS NOT NULL)"), defs[name]
        assert defs["uq_messages_idempotency_key"].startswith("CREATE UNIQUE INDEX")
        assert defs["uq_messages_idempotency_key"].endswith("WHERE (idempotency_key IS NOT NULL)")
        # A lookup by value still uses the partial index.
        conn.execute(text("SET enable_seqscan = off"))
        plan = "\n".join(
            row[0] for row in conn.execute(text("EXPLAIN SELECT id FROM messages WHERE idempotency_key = 'k'")).all()
        )
        assert "uq_messages_idempotency_key" in plan, plan
    engine.dispose()
