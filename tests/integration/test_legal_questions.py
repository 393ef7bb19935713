"""Legal questions end to end: Telegram answers with related-question buttons, commune councils,
and the monthly demand report."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot import create_app
from bot.bootstrap import build_services
from bot.config import Config
from legal_info.service import KnowledgeBaseAnswerer
from tests.fakes import RecordingQueue, RecordingSender, ScriptedUnderstander, understanding
from tests.integration.helpers import say
from tests.support import TELEGRAM, TWILIO, load_sample_directory


class Clock:
    now = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)

    def __call__(self):
        return self.now


@pytest.fixture
def kb_services(sqlite_url, places):
    table = {
        "birth": understanding("legal_information", province_code="02", district_code="0208", commune_code="020801"),
        "land title": understanding("legal_information", language="km"),
        "visa": understanding("legal_information"),
    }
    cfg = replace(Config(), database_url=sqlite_url, **TWILIO, **TELEGRAM)
    s = build_services(
        cfg,
        queue=RecordingQueue(),
        senders={"sms": RecordingSender(), "telegram": RecordingSender()},
        understander=ScriptedUnderstander(table),
        places=places,
        legal=KnowledgeBaseAnswerer.default(),
        clock=Clock(),
    )
    load_sample_directory(s)
    yield s
    s.engine.dispose()


def test_telegram_gets_the_full_answer_with_related_questions_and_open_a_case(kb_services):
    say(kb_services, "How do I register the birth of my baby?", address="700001", channel="telegram")
    sender = kb_services.senders["telegram"]
    body, buttons = sender.sent[-1][1], sender.buttons[-1]
    assert "Sub-decree No. 103 on Civil Status" in body and "Reply MORE" not in body
    assert buttons[-1] == [["Open a case", "open:case"]]
    related_id = buttons[0][0][1].removeprefix("kb:")
    assert buttons[0][0][1].startswith("kb:") and related_id != "civil-birth-registration"
    say(kb_services, f"kb:{related_id}", address="700001", channel="telegram")
    assert sender.sent[-1][1] != body and sender.buttons[-1][-1] == [["Open a case", "open:case"]]
    assert "\n\nLaw: " in sender.sent[-1][1]  # a related article comes with its citations, labelled
    say(kb_services, "open:case", address="700001", channel="telegram")
    assert sender.sent[-1][1] == "Tell us your problem in a few words, who it is with, and your district and province."


def test_the_monthly_report_counts_questions_by_place_topic_language_and_asker(kb_services):
    app = create_app(services=kb_services)
    runner = app.test_cli_runner()
    registered = runner.invoke(args=["councils", "register", "--commune", "020801", "--phone", "+855 12 999 000"])
    assert registered.exit_code == 0 and "commune council of" in registered.output
    say(kb_services, "How do I register the birth of my baby?")  # a citizen, place from the message
    say(kb_services, "can I get a visa for Japan", address="+85512999000")  # the council; not answered
    say(kb_services, "How do I register the birth of my baby?", address="+85512999000")
    report = runner.invoke(args=["reports", "questions", "--month", "2026-11"]).output.splitlines()
    assert report == [
        "month,province_code,district_code,commune_code,topic,language,asked_by,questions,answered",
        "2026-11,02,0208,020801,civil-documents,en,citizen,1,1",
        "2026-11,02,0208,020801,civil-documents,en,commune_council,1,1",
        "2026-11,02,0208,020801,unanswered,en,commune_council,1,0",
    ]
    assert runner.invoke(args=["reports", "questions", "--month", "2026-10"]).output.splitlines()[1:] == []
    assert runner.invoke(args=["reports", "questions", "--month", "Nov"]).exit_code != 0
    bad = runner.invoke(args=["councils", "register", "--commune", "999999", "--phone", "+1"])
    assert bad.exit_code != 0 and "unknown commune code" in bad.output


def test_answers_carry_no_markdown_markers(kb_services):
    say(kb_services, "How do I register the birth of my baby?", address="700002", channel="telegram")
    body = kb_services.senders["telegram"].sent[-1][1]
    assert "**" not in body and len(body) > 300


@pytest.fixture
def unsure_services(sqlite_url, places):
    """The shipped articles with a threshold nothing reaches: every question gets the "not sure" offer."""
    import copy

    kb = copy.copy(KnowledgeBaseAnswerer.default().kb)
    kb.threshold = 0.99
    table = {
        "birth": understanding("legal_information"),
        "សំបុត្រកំណើត": understanding("legal_information", language="km"),
        "visa": understanding("legal_information"),
        "1": understanding("affirm"),
    }
    cfg = replace(Config(), database_url=sqlite_url, **TWILIO, **TELEGRAM)
    s = build_services(
        cfg,
        queue=RecordingQueue(),
        senders={"sms": RecordingSender(), "telegram": RecordingSender()},
        understander=ScriptedUnderstander(table),
        places=places,
        legal=KnowledgeBaseAnswerer(kb),
        clock=Clock(),
    )
    yield s
    s.engine.dispose()


def _article(article_id):
    return KnowledgeBaseAnswerer.default().kb.articles[article_id]


def test_an_unsure_answer_offers_topics_by_number_and_the_number_gets_the_answer(unsure_services):
    from intake.sms import count_segments

    sender = unsure_services.senders["sms"]
    say(unsure_services, "How do I register the birth of my baby?")
    offer = sender.sent[-1][1]
    birth = _article("civil-birth-registration")
    assert offer.startswith("I am not sure I understood.") and f"1) {birth.menu_label('en')}" in offer
    assert "Reply with the number" in offer and "Justice Service Centre" in offer
    assert birth.short["en"] not in offer and count_segments(offer).segments <= 2
    say(unsure_services, "1")
    assert sender.sent[-1][1].startswith(birth.short["en"]) and "Reply MORE" in sender.sent[-1][1]
    say(unsure_services, "MORE")  # MORE now follows the article chosen, one page at a time
    first = sender.sent[-1][1]
    assert first.startswith(birth.full["en"].split(". ")[0]) and first.endswith("Reply MORE for more.")
    assert count_segments(first).segments <= 3
    say(unsure_services, "MORE")  # the next page
    assert "Sub-decree No. 103" in sender.sent[-1][1] and sender.sent[-1][1] != first
    sent_before = len(sender.sent)
    say(unsure_services, "MORE")
    assert len(sender.sent) == sent_before + 1  # one page per MORE, never the whole article


def test_after_an_offer_anything_but_a_number_is_a_new_message(unsure_services):
    sender = unsure_services.senders["sms"]
    say(unsure_services, "How do I register the birth of my baby?", address="+85512000111")
    say(unsure_services, "7", address="+85512000111")  # not one of the choices: no article
    assert sender.sent[-1][1] != _article("civil-birth-registration").short["en"]
    assert not sender.sent[-1][1].startswith(_article("civil-birth-registration").short["en"][:30])
    with unsure_services.uow() as uow:
        identity = uow.repo.identity("sms", "+85512000111")
        assert uow.repo.conversation(identity.contact_id).state == "idle"


def test_a_khmer_offer_fits_three_segments_and_a_khmer_digit_picks(unsure_services):
    from intake.sms import count_segments

    sender = unsure_services.senders["sms"]
    say(unsure_services, "ធ្វើសំបុត្រកំណើតឱ្យកូន នៅឯណា?", address="+85512000222")
    offer = sender.sent[-1][1]
    assert offer.startswith("ខ្ញុំមិនប្រាកដថាយល់ទេ") and count_segments(offer).segments <= 3
    say(unsure_services, "១", address="+85512000222")
    assert sender.sent[-1][1].startswith(_article("civil-birth-registration").short["km"])


def test_on_telegram_the_offered_topics_are_buttons(unsure_services):
    say(unsure_services, "How do I register the birth of my baby?", address="700009", channel="telegram")
    sender = unsure_services.senders["telegram"]
    buttons = sender.buttons[-1]
    assert buttons[0] == [
        [f"1) {_article('civil-birth-registration').menu_label('en')}", "kb:civil-birth-registration"]
    ]
    assert 2 <= len(buttons) <= 4 and buttons[-1] == [["Open a case", "open:case"]]
