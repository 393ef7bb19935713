"""Property test: random text and random keyword sequences through the real NLU and the intake
pipeline never raise, always get a reply, and no reply is longer than three SMS segments."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.bootstrap import build_services, default_understander
from bot.config import Config
from bot.webhooks import ingest
from intake.sms import count_segments
from tests.fakes import RecordingQueue, RecordingSender
from tests.support import TELEGRAM, TWILIO, load_sample_directory

KEYWORDS = ["STOP", "START", "HELP", "MORE", "stop", "ឈប់", "ជំនួយ", "status K7M-4TXP", "1", "2", "yes", "no"]
PHRASES = [
    "my neighbour moved my land boundary",
    "ប្តីខ្ញុំវាយខ្ញុំ",
    "knhom rous nov srok Sangkae",
    "Battambang",
    "ខេត្តបាត់ដំបង",
    "what is a land title?",
    "help me now he has a knife",
    "😀",
    "",
]
KHMER = st.text(alphabet=st.characters(min_codepoint=0x1780, max_codepoint=0x17FF), max_size=80)
ANY = st.text(max_size=300)
MESSAGE = st.one_of(
    st.sampled_from(KEYWORDS),
    st.sampled_from(PHRASES),
    KHMER,
    ANY,
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz ", max_size=120),
)


@pytest.fixture(scope="module")
def nlu():
    return default_understander(Config())


@pytest.fixture
def pipeline(sqlite_url, places, nlu):
    cfg = replace(Config(), database_url=sqlite_url, **TWILIO, **TELEGRAM)
    s = build_services(
        cfg,
        queue=RecordingQueue(),
        senders={"sms": RecordingSender(), "telegram": RecordingSender()},
        understander=nlu,
        places=places,
        legal=None,
    )
    load_sample_directory(s)
    yield s
    s.engine.dispose()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(conversation=st.lists(MESSAGE, min_size=1, max_size=6), phone=st.integers(10_000_000, 99_999_999))
def test_any_conversation_gets_replies_within_three_segments(pipeline, conversation, phone):
    address = f"+8551{phone}"
    sender = pipeline.senders["sms"]
    for n, text in enumerate(conversation):
        before = len(sender.sent)
        ingest(pipeline, "sms", address, f"SM{phone}-{n}-{len(sender.sent)}-{hash(text)}", text)
        pipeline.queue.run_all(pipeline)
        with pipeline.uow() as uow:
            contact = uow.repo.contact(uow.repo.identity("sms", address).contact_id)
            opted_out = contact.opted_out
        replies = sender.sent[before:]
        if not opted_out:
            assert replies, f"no reply to {text!r}"
        for _, body in replies:
            assert count_segments(body).segments <= 3, body
