"""A place name shared by several units is offered with each option's district and province, in
the person's script, and a number picks one (issue 14)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.bootstrap import build_services
from bot.config import Config
from nlu.types import Intent, Language, Location, PlaceCandidate, Understanding
from tests.conftest import TELEGRAM, TWILIO, load_sample_directory
from tests.fakes import RecordingQueue, RecordingSender, ScriptedUnderstander
from tests.integration.test_pipeline import say

SAMRAONG = (
    PlaceCandidate("district", "2107", "សំរោង", "Samraong"),
    PlaceCandidate("district", "2204", "សំរោង", "Samraong"),
)


@pytest.fixture
def services(sqlite_url, places):
    ambiguous = Location(ambiguous=SAMRAONG)
    table = {
        "Samraong": Understanding(Intent.DISPUTE_MEDIATION, 0.9, Language.ENGLISH, location=ambiguous),
        "សំរោង": Understanding(Intent.DISPUTE_MEDIATION, 0.9, Language.KHMER, location=ambiguous),
    }
    cfg = replace(Config(), database_url=sqlite_url, **TWILIO, **TELEGRAM)
    s = build_services(
        cfg,
        queue=RecordingQueue(),
        senders={"sms": RecordingSender(), "telegram": RecordingSender()},
        understander=ScriptedUnderstander(table),
        places=places,
        legal=None,
    )
    load_sample_directory(s)
    yield s
    s.engine.dispose()


def test_english_options_name_the_province(services):
    say(services, "my neighbour took my land, I live in Samraong")
    assert services.senders["sms"].sent[-1][1] == (
        "Several places have that name: 1) Samraong District, Takéo Province, "
        "2) Samraong Municipality, Oddar Meanchey Province. Reply with the number."
    )


def test_khmer_options_name_the_province_in_khmer(services):
    say(services, "អ្នកជិតខាងយកដីខ្ញុំ ខ្ញុំនៅសំរោង", address="+85512000222")
    text = services.senders["sms"].sent[-1][1]
    assert text == "មានទីកន្លែងច្រើនឈ្មោះនេះ៖ 1) ស្រុកសំរោង ខេត្តតាកែវ 2) ក្រុងសំរោង ខេត្តឧត្តរមានជ័យ។ សូមឆ្លើយលេខ។"
    assert "Samraong" not in text
