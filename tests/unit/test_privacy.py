"""No message text or phone number in the errors a database failure produces."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from intake.unit_of_work import make_engine


def test_database_errors_do_not_carry_the_statement_parameters(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'p.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE m (id INTEGER PRIMARY KEY, body TEXT UNIQUE)"))
        conn.execute(text("INSERT INTO m (body) VALUES (:b)"), {"b": "my husband beats me +85512345678"})
    with pytest.raises(IntegrityError) as err, engine.begin() as conn:
        conn.execute(text("INSERT INTO m (body) VALUES (:b)"), {"b": "my husband beats me +85512345678"})
    assert "husband" not in str(err.value) and "+855" not in str(err.value)
    assert "hidden due to hide_parameters" in str(err.value)


def test_an_unexpected_sender_failure_logs_no_number_text_or_token(caplog, tmp_path):
    from intake.delivery import _attempt

    class Exploding:
        def send(self, address, body, buttons=None):
            raise RuntimeError(f"POST https://api.telegram.org/bot123:SECRET/sendMessage to {address}: {body}")

    claim = {"id": 7, "channel": "sms", "address": "+85512345678", "body": "my husband beats me", "buttons": None}
    with caplog.at_level("DEBUG"):
        result = _attempt({"sms": Exploding()}, claim)
    assert type(result).__name__ == "_Unknown"
    logged = caplog.text + "".join(str(r.exc_info) for r in caplog.records)
    assert "message 7: the sender failed unexpectedly (RuntimeError)" in caplog.text
    assert "+855" not in logged and "husband" not in logged and "SECRET" not in logged


def leaky_job(services=None):
    """A job failing with a library error that quotes what it was given."""
    raise ValueError("could not send 'my husband beats me' to +85512345678")


def test_a_failed_in_process_job_logs_its_type_not_its_message_or_traceback(caplog):
    from bot.jobqueue import InProcessJobQueue

    queue = InProcessJobQueue(lambda: None, max_workers=1)
    with caplog.at_level("DEBUG"):
        queue.enqueue("tests.unit.test_privacy.leaky_job")
        queue._pool.shutdown(wait=True)
    logged = caplog.text + "".join(str(r.exc_info) for r in caplog.records)
    assert "job tests.unit.test_privacy.leaky_job failed (ValueError)" in caplog.text
    assert "husband" not in logged and "+855" not in logged


def test_a_failing_place_resolver_logs_its_type_not_the_message(caplog):
    from nlu.places import PlaceResolver

    class Broken(PlaceResolver):
        def __init__(self):  # no gazetteer needed: resolution fails at once
            pass

        def _resolve(self, text):
            raise KeyError(text)

    with caplog.at_level("DEBUG"):
        location = Broken().resolve("my husband beats me, I live in Sangkae")
    logged = caplog.text + "".join(str(r.exc_info) for r in caplog.records)
    assert location.province_code is None and "place resolution failed (KeyError)" in caplog.text
    assert "husband" not in logged and "Sangkae" not in logged
