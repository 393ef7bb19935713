"""The webhook's fast form reader gives what werkzeug's form parser gives."""

from __future__ import annotations

import io
from urllib.parse import urlencode

from hypothesis import given
from hypothesis import strategies as st
from werkzeug.formparser import parse_form_data

from bot import urlencoded

TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)


def werkzeug_form(body: bytes):
    environ = {
        "REQUEST_METHOD": "POST",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    return parse_form_data(environ)[1]


def test_a_khmer_sms_as_twilio_posts_it():
    form = {"Body": "ខ្ញុំមានជម្លោះដីធ្លី a+b=c&d 100% ok", "From": "+85512345678", "MessageSid": "SM1"}
    assert urlencoded.parse(urlencode(form).encode()).to_dict() == form


@given(st.lists(st.tuples(TEXT, TEXT), max_size=8))
def test_any_encoded_form_reads_as_werkzeug_reads_it(pairs):
    body = urlencode(pairs).encode()
    assert list(urlencoded.parse(body).items(multi=True)) == list(werkzeug_form(body).items(multi=True))


@given(st.text("%&=+aZ09fF\u00e9\u1781", max_size=40).map(lambda s: s.encode()))
def test_any_body_of_escapes_separators_and_stray_percents_reads_as_werkzeug_reads_it(body):
    # Escapes of bytes that are not UTF-8 stay escaped; a '%' that starts no escape stays.
    assert list(urlencoded.parse(body).items(multi=True)) == list(werkzeug_form(body).items(multi=True))


@given(st.lists(st.tuples(TEXT, TEXT), max_size=8), TEXT)
def test_the_fast_paths_signature_is_the_twilio_librarys(pairs, path):
    import hashlib
    import hmac

    from twilio.request_validator import RequestValidator

    from bot.webhooks import twilio_signature

    url = "https://example.org/webhooks/twilio/sms" + path
    form = urlencoded.parse(urlencode(pairs).encode())
    keyed = hmac.new(b"an auth token", digestmod=hashlib.sha1)
    assert twilio_signature(keyed, url, form) == RequestValidator("an auth token").compute_signature(url, form)
