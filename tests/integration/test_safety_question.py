"""The safety question (issue 14): when the NLU's triage says "ask", one short SMS (or a message
with buttons on Telegram) carries the hotlines and asks whether anyone is hurting the person or
they are in danger now. Yes → protection at once; no → what the classifier read, without asking
again; silence for 30 minutes or a new message with danger → protection. Khmer script,
romanised Khmer and English, over SMS and Telegram, on a real database."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from bot.bootstrap import build_services
from bot.config import Config
from intake import replies
from intake.model import Case, Conversation
from intake.sms import count_segments
from legal_info.service import KnowledgeBaseAnswerer
from nlu.types import Intent, Language, Location, Understanding
from tests.conftest import TELEGRAM, TWILIO, load_sample_directory
from tests.fakes import RecordingQueue, RecordingSender, ScriptedUnderstander
from tests.integration.test_pipeline import say
from worker import jobs

SANGKAE = Location(province_code="02", district_code="0208")


def reading(intent: str, language: str, safety: str = "none", location: Location = Location(), **kw) -> Understanding:
    return Understanding(
        Intent(intent),
        0.9,
        Language(language),
        location=location,
        safety=safety,
        danger=("violence",) if safety != "none" else (),
        **kw,
    )


# Per language: a dispute with a danger word, a legal question with one, and a message with danger.
STORIES = {
    "en": {
        "dispute": "a tuk tuk hit my moto outside the market in Sangkae",
        "legal": "my uncle wants my cousin to marry soon, what is the legal age to marry",
        "danger": "he is outside with a knife now",
    },
    "km-Latn": {
        "dispute": "tuk tuk bok moto knhom nov mukh phsar srok Sangkae",
        "legal": "pou knhom chong aoy kmouy rieb kar, ayu ponman ach rieb kar ban",
        "danger": "ke nov krav phteah kan kambet ey lov",
    },
    "km": {
        "dispute": "តុកតុកបុកម៉ូតូខ្ញុំនៅមុខផ្សារ ស្រុកសង្កែ",
        "legal": "ពូខ្ញុំចង់ឲ្យក្មួយរៀបការឆាប់ៗ តើអាយុប៉ុន្មានទើបអាចរៀបការបានតាមច្បាប់",
        "danger": "គាត់នៅក្រៅផ្ទះកាន់កាំបិតឥឡូវនេះ",
    },
}
CHANNELS = {"sms": "+85512345678", "telegram": "700001"}


def table_for(language: str) -> dict[str, Understanding]:
    story = STORIES[language]
    return {
        story["dispute"]: reading("dispute_mediation", language, "ask", SANGKAE),
        story["legal"]: reading("legal_information", language, "ask"),
        story["danger"]: reading("victim_protection", language, "protect", urgent=True),
    }


@pytest.fixture
def services(sqlite_url, places):
    table = {}
    for language in STORIES:
        table.update(table_for(language))
    cfg = replace(Config(), database_url=sqlite_url, **TWILIO, **TELEGRAM)
    s = build_services(
        cfg,
        queue=RecordingQueue(),
        senders={"sms": RecordingSender(), "telegram": RecordingSender()},
        understander=ScriptedUnderstander(table),
        places=places,
        legal=KnowledgeBaseAnswerer.default(),
    )
    load_sample_directory(s)
    yield s
    s.engine.dispose()


def cases(services) -> list[Case]:
    with services.uow() as uow:
        return list(uow.session.scalars(select(Case)))


def sent(services, channel: str) -> list[str]:
    return [body for _, body in services.senders[channel].sent]


def reply_lang(language: str) -> str:
    return "en" if language == "en" else "km"


LANGS = list(STORIES)


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("language", LANGS)
def test_the_question_carries_the_hotlines_fits_the_sms_budget_and_yes_protects_at_once(services, language, channel):
    address = CHANNELS[channel]
    say(services, STORIES[language]["dispute"], address=address, channel=channel)
    question = sent(services, channel)[-1]
    assert question == replies.render("ask_safety", reply_lang(language))
    assert "117" in question and "1280" in question  # Latin digits, whatever the script
    assert count_segments(question).segments <= (1 if language == "en" else 2)
    if channel == "telegram":
        labels = [[b[1] for b in row] for row in services.senders["telegram"].buttons[-1]]
        assert labels == [["1", "2"]]
    assert cases(services) == []  # nothing opened before the answer
    timeouts = [j for j in services.queue.delayed if j[0] == "worker.jobs.safety_timeout"]
    assert len(timeouts) == 1 and 29 * 60 < timeouts[0][2] <= 30 * 60

    say(services, "1", address=address, channel=channel)
    (case,) = cases(services)
    assert case.kind == "protection" and case.urgent
    assert STORIES[language]["dispute"] in case.summary
    assert (case.province_code, case.district_code) == ("02", "0208")  # the place the first message gave
    # The timeout that was scheduled now finds the question answered and does nothing.
    for _, args, _ in services.queue.take_delayed("worker.jobs.safety_timeout"):
        assert jobs.safety_timeout(*args, services=services) == []
    assert len(cases(services)) == 1


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("language", LANGS)
def test_no_goes_on_to_dispute_intake_without_asking_again(services, language, channel):
    address = CHANNELS[channel]
    say(services, STORIES[language]["dispute"], address=address, channel=channel)
    say(services, "2", address=address, channel=channel)
    # The dispute intake's next question: the place was in the first message, the other party
    # and the wish were not.
    assert sent(services, channel)[-1] == replies.render("ask_details", reply_lang(language))
    assert cases(services) == []
    # Another message with a weak sign of danger in the same conversation: not asked twice.
    say(services, STORIES[language]["dispute"], address=address, channel=channel)
    question = replies.render("ask_safety", reply_lang(language))
    assert sent(services, channel).count(question) == 1
    assert cases(services) == []
    # The silence timer from the first question does nothing after the "no".
    for _, args, _ in services.queue.take_delayed("worker.jobs.safety_timeout"):
        assert jobs.safety_timeout(*args, services=services) == []
    assert cases(services) == []


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("language", LANGS)
def test_no_reaches_the_legal_answer(services, language, channel):
    address = CHANNELS[channel]
    say(services, STORIES[language]["legal"], address=address, channel=channel)
    assert sent(services, channel)[-1] == replies.render("ask_safety", reply_lang(language))
    say(services, "២" if language == "km" else "2", address=address, channel=channel)
    answer = sent(services, channel)[-1]
    expected = "18" in answer and ("freely agree" in answer if language == "en" else "យល់ព្រម" in answer)
    assert expected, answer
    assert cases(services) == []
    with services.uow() as uow:
        conversation = uow.session.scalars(select(Conversation)).one()
        assert conversation.state == "idle"


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("language", LANGS)
def test_thirty_minutes_of_silence_opens_the_protection_case(services, language, channel):
    address = CHANNELS[channel]
    say(services, STORIES[language]["legal"], address=address, channel=channel)
    assert cases(services) == []
    (job,) = services.queue.take_delayed("worker.jobs.safety_timeout")
    jobs.safety_timeout(*job[1], services=services)
    services.queue.run_all(services)
    (case,) = cases(services)
    assert case.kind == "protection" and case.urgent
    # Run twice (a retried job): still one case.
    assert jobs.safety_timeout(*job[1], services=services) == []
    assert len(cases(services)) == 1


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("language", LANGS)
def test_a_new_message_with_danger_instead_of_an_answer_protects_at_once(services, language, channel):
    address = CHANNELS[channel]
    say(services, STORIES[language]["dispute"], address=address, channel=channel)
    say(services, STORIES[language]["danger"], address=address, channel=channel)
    (case,) = cases(services)
    assert case.kind == "protection" and case.urgent
    assert STORIES[language]["dispute"] in case.summary and STORIES[language]["danger"] in case.summary
    question = replies.render("ask_safety", reply_lang(language))
    assert sent(services, channel).count(question) == 1


def test_an_answer_of_several_words_is_read_like_any_message(services):
    # "no, it is only about the moto" is neither 1 nor 2: it is read on its own (no danger in it),
    # and the conversation moves on; the silence timer then does nothing.
    address = CHANNELS["sms"]
    say(services, STORIES["en"]["dispute"], address=address)
    say(services, "hello", address=address)
    for _, args, _ in services.queue.take_delayed("worker.jobs.safety_timeout"):
        assert jobs.safety_timeout(*args, services=services) == []
    assert cases(services) == []
