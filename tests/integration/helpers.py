"""Steps the integration tests share: a citizen or an official writing, the workflow's state read
back, outbound messages queued by hand."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import func, select, update

from bot.webhooks import ingest
from intake import orm
from intake.directory import invite_official
from intake.model import Case, Contact, utcnow
from intake.outbound import queue_message


def say(services, text: str, address: str = "+85512345678", channel: str = "sms", sid: str | None = None):
    sid = sid or f"SM{uuid.uuid4().hex}"
    ingest(services, channel, address, sid, text)
    services.queue.run_all(services)


def open_dispute(services, address: str = "+85512345678", first: str = "rice field in Sangkae") -> None:
    """The whole dispute intake: the story, what they want, consent."""
    say(services, first, address=address)
    say(services, "I want the boundary put back where it was", address=address)
    say(services, "1", address=address)


def link_official(services, office_code: str, chat_id: str) -> int:
    with services.uow() as uow:
        official, code = invite_official(
            uow, office_code, "Sok Dara", now=services.clock(), key=services.config.secret_key
        )
        uow.commit()
    say(services, f"/start {code}", address=chat_id, channel="telegram")
    return official.id


def count(services, model) -> int:
    with services.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(model))


def only_case(services) -> Case:
    with services.uow() as uow:
        cases = list(uow.session.scalars(select(Case)))
    assert len(cases) == 1
    return cases[0]


def official(services, office: str, chat: str, name: str = "Sok Dara", role: str = "official") -> int:
    with services.uow() as uow:
        o, code = invite_official(uow, office, name, role, now=services.clock(), key=services.config.secret_key)
        uow.commit()
    say(services, f"/start {code}", address=chat, channel="telegram")
    return o.id


def tg(services, chat: str, text: str) -> tuple[str, list | None]:
    """What an official types or presses; returns the last Telegram message to that chat."""
    say(services, text, address=chat, channel="telegram")
    return last_to(services, chat)


def last_to(services, chat: str) -> tuple[str, list | None]:
    sender = services.senders["telegram"]
    for (address, body), buttons in zip(reversed(sender.sent), reversed(sender.buttons)):
        if address == chat:
            return body, buttons
    raise AssertionError(f"nothing sent to {chat}")


def the_case(services) -> Case:
    with services.uow() as uow:
        [case] = uow.session.query(Case).all()
        return case


def run_delayed(services, func: str) -> int:
    jobs = services.queue.take_delayed(func)
    for _, args, _ in jobs:
        services.queue.enqueue(func, *args)
    return services.queue.run_all(services)


def queue_messages(services, specs: list[tuple]) -> list[int]:
    """Queue outbound messages (channel, address, body[, key]); the key defaults to the body."""
    ids = []
    with services.uow() as uow:
        contact = Contact(language="en")
        uow.repo.add(contact)
        uow.repo.flush()
        for channel, address, body, *key in specs:
            ids.append(
                queue_message(
                    uow,
                    channel=channel,
                    address=address,
                    body=body,
                    key=(key or [body])[0],
                    contact=contact,
                    purpose="reply",
                ).id
            )
        uow.commit()
    return ids


def row(services, message_id):
    with services.uow() as uow:
        return uow.repo.message(message_id)


def backdate_attempt(services, message_id, minutes: float = 10) -> None:
    """As if the worker that claimed the message died `minutes` ago."""
    with services.uow() as uow:
        uow.repo.claim_outbound(message_id, utcnow())
        uow.session.execute(
            update(orm.messages)
            .where(orm.messages.c.id == message_id)
            .values(attempt_started_at=utcnow() - timedelta(minutes=minutes))
        )
        uow.commit()


def telegram_id(services, chat: str, n: int) -> str:
    """The stored provider id of the `n`th message Telegram numbered in `chat`: the chat named by
    its keyed hash (intake.delivery.stored_provider_id), never by its id."""
    return f"{services.keyring.phone_hash(chat)[:16]}:{n}"
