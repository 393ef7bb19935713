"""End to end: the web app (gunicorn) and a worker (`python -m worker`) run as processes on real
PostgreSQL and Redis, with TWILIO_API_URL and TELEGRAM_API_URL pointing at loopback fakes. A
signed SMS goes in; the official's Telegram message and the citizen's SMS come out through the
real client libraries."""

from __future__ import annotations

import json
import re
import time
import urllib.request

import pytest
from twilio.request_validator import RequestValidator

from tests.e2e.stack import Processes, production_stack
from tests.support import TELEGRAM, TWILIO, wait_until

pytestmark = pytest.mark.e2e


@pytest.fixture
def stack(providers, tmp_path):
    codes = []

    def invite(stack: Processes) -> None:
        out = stack.cli("officials", "invite", "--office", "SAMPLE-JSC-0203", "--name", "Sok Dara")
        codes.append(re.search(r"^code: ([\w-]+)$", out, re.M).group(1))
        assert f"https://t.me/jsc_test_bot?start={codes[0]}" in out

    with production_stack(providers, tmp_path, "e2e", invite, TELEGRAM_BOT_USERNAME="jsc_test_bot") as stack:
        yield {"base": stack.base, "code": codes[0], "logs": tmp_path}


def post(url: str, data: bytes, headers: dict) -> int:
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        return urllib.request.urlopen(request, timeout=10).status
    except urllib.error.HTTPError as err:
        return err.code


def test_signed_sms_becomes_a_case_the_official_sees_and_the_citizen_is_answered(stack, providers):
    base = stack["base"]
    start = {
        "update_id": 9001,
        "message": {
            "message_id": 1,
            "date": 1795687200,
            "text": f"/start {stack['code']}",
            "chat": {"id": 900001, "type": "private", "first_name": "Dara"},
            "from": {"id": 900001, "is_bot": False, "first_name": "Dara"},
        },
    }
    assert (
        post(
            f"{base}/webhooks/telegram",
            json.dumps(start).encode(),
            {
                "Content-Type": "application/json",
                "X-Telegram-Bot-Api-Secret-Token": TELEGRAM["telegram_webhook_secret"],
            },
        )
        == 200
    )
    wait_until(lambda: providers.telegram_sends, 60, "the official's link confirmation")
    assert providers.telegram_sends[0]["chat_id"] == "900001"
    assert "You are linked to" in providers.telegram_sends[0]["text"]

    url = f"{base}/webhooks/twilio/sms"

    def sms_in(n: int, text: str, signature: str | None = None) -> int:
        form = {
            "MessageSid": f"SMe2e{n:029d}",
            "AccountSid": TWILIO["twilio_account_sid"],
            "From": "+85512345678",
            "To": TWILIO["twilio_from"],
            "NumMedia": "0",
            "Body": text,
        }
        signature = signature or RequestValidator(TWILIO["twilio_auth_token"]).compute_signature(url, form)
        return post(
            url,
            urllib.parse.urlencode(form).encode(),
            {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature},
        )

    def replies(n: int):
        return wait_until(
            lambda: providers.twilio_messages if len(providers.twilio_messages) >= n else None, 60, f"SMS reply {n}"
        )

    story = "My neighbour moved the boundary of my rice field, I live in Sangkae district, Battambang"
    assert sms_in(1, story) == 200
    assert sms_in(1, story) == 200  # Twilio retries the webhook: still one message
    assert sms_in(1, story, signature="forged") == 403
    assert (
        replies(1)[0]["body"] == "What would you like to happen? For example: the boundary restored, the debt repaid."
    )
    assert sms_in(2, "I want the boundary put back") == 200
    assert replies(2)[1]["body"].startswith("May we share your case with the Justice Service Centre")
    assert sms_in(3, "1") == 200
    sms = replies(3)
    notice = wait_until(
        lambda: [m for m in providers.telegram_sends if "New dispute" in m["text"]],
        30,
        "the official's case notification",
    )
    ref = re.search(r"Your case number is ([0-9A-Z]{3}-[0-9A-Z]{4})\.", sms[2]["body"]).group(1)
    assert sms[2]["to"] == "+85512345678" and sms[2]["from"] == TWILIO["twilio_from"]
    assert "Battambang Justice Service Centre will contact you about mediation" in sms[2]["body"]
    assert notice[0]["chat_id"] == "900001"
    assert f"New dispute {ref} in Sangkae District, Battambang Province." in notice[0]["text"]
    time.sleep(1.0)
    assert len(providers.twilio_messages) == 3 and len(notice) == 1
