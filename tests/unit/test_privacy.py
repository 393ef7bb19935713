"""No message text or phone number in what a failure logs (the database's errors: in
tests/integration/test_database_privacy.py)."""

from __future__ import annotations


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
    try:
        with caplog.at_level("DEBUG"):
            queue.enqueue("tests.unit.test_privacy.leaky_job")
            queue._pool.shutdown(wait=True)
    finally:
        queue.close()  # its schedule thread would otherwise tick on with no services until exit
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
