"""Embedded mode, as `make run` starts it: no Redis, no providers, no Rasa. Jobs run on threads
in the web process and messages land in the local outbox."""

from __future__ import annotations

import time
from dataclasses import replace

from bot import create_app
from bot.bootstrap import build_services
from bot.config import Config
from bot.jobqueue import InProcessJobQueue
from bot.senders import OutboxSender
from tests.support import load_sample_directory


def test_a_message_is_answered_in_process_with_the_real_nlu(sqlite_url):
    config = replace(Config.from_env({"SIMULATOR": "1"}), database_url=sqlite_url)  # as `make run` sets it
    services = build_services(config)
    assert isinstance(services.queue, InProcessJobQueue)
    assert all(isinstance(sender, OutboxSender) for sender in services.senders.values())
    load_sample_directory(services)
    client = create_app(services=services).test_client()
    sent = client.post(
        "/simulator/api/messages",
        json={"channel": "sms", "address": "+85512345678", "text": "ប្តីខ្ញុំវាយខ្ញុំរាល់ថ្ងៃ ខ្ញុំនៅស្រុកសង្កែ ខេត្តបាត់ដំបង"},
    )
    assert sent.status_code == 201
    deadline = time.monotonic() + 30
    replies = []
    while time.monotonic() < deadline and not replies:
        messages = client.get("/simulator/api/messages").get_json()["messages"]
        replies = [m for m in messages if m["direction"] == "out" and m["status"] == "sent"]
        time.sleep(0.1)
    assert replies, "no reply within 30 s"
    reply = replies[0]["text"]
    # A protection case, routed to Battambang's office; nobody is linked there, so the person is not
    # told that the office was.
    assert reply.startswith("លេខយោង ") and "មន្ត្រីទទួលបន្ទុកនឹងទាក់ទងអ្នក" in reply
    with services.uow() as uow:
        case = uow.repo.case(replies[0]["case_id"])
        assert case.kind == "protection" and uow.repo.office(case.office_id).code == "SAMPLE-DOSVY-02"
    assert replies[0]["segments"] <= 3 and replies[0]["encoding"] == "UCS-2"
    services.engine.dispose()
