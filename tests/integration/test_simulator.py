"""The local simulator: messages injected as a provider would deliver them, every message shown
with its SMS segments and its buttons."""

from __future__ import annotations

from tests.fakes import understanding


def test_simulator_runs_a_conversation_and_shows_what_each_side_receives(client, services, understander):
    understander.table["rice field"] = understanding("dispute_mediation", province_code="02", district_code="0208")
    page = client.get("/simulator")
    assert page.status_code == 200 and b"Citizen \xc2\xb7 SMS" in page.data
    response = client.post(
        "/simulator/api/messages",
        json={"channel": "sms", "address": "+85512345678", "text": "rice field problem with my neighbour"},
    )
    assert response.status_code == 201
    services.queue.run_all(services)
    messages = client.get("/simulator/api/messages").get_json()["messages"]
    inbound, reply = messages
    assert inbound["direction"] == "in" and inbound["status"] == "processed"
    assert reply["direction"] == "out" and reply["status"] == "sent" and reply["segments"] == 1
    assert reply["text"] == "What would you like to happen? For example: the boundary restored, the debt repaid."


def test_simulator_rejects_bad_input_with_a_clear_answer(client):
    assert (
        client.post("/simulator/api/messages", json={"channel": "fax", "address": "1", "text": "x"}).status_code == 400
    )
    bad = client.post("/simulator/api/messages", json={"channel": "telegram", "address": "bob", "text": "x"})
    assert bad.status_code == 400 and "numeric chat id" in bad.get_json()["error"]


def test_simulator_is_absent_when_providers_are_configured(services):
    from dataclasses import replace

    from bot import create_app
    from bot.bootstrap import build_services

    live = build_services(
        replace(services.config, simulator=False),
        queue=services.queue,
        senders=services.senders,
        understander=services.deps.understander,
        places=services.deps.places,
        legal=None,
    )
    assert create_app(services=live).test_client().get("/simulator").status_code == 404
