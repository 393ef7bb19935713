"""Cleaning what providers deliver before it is stored: every inbound field becomes text that
PostgreSQL and SQLite accept and that fits its column, whatever bytes arrived.

PostgreSQL refuses NUL characters in text and a lone UTF-16 surrogate cannot be encoded at all;
either would fail the insert and lose the message (and Telegram would retry it forever). Fields
are cleaned, not rejected: a NUL or a lone surrogate becomes U+FFFD, a text that is not a string
is kept as its JSON, and a value longer than its column keeps as much as fits followed by a short
digest of the whole, so that two long values that differ only at the end stay distinct.
"""

from __future__ import annotations

import hashlib
import json
import re

REPLACEMENT = "\ufffd"
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
DIGEST_CHARS = 16


def clean_text(value: object) -> str:
    """`value` as storable text: None is empty, a non-string is its JSON, NUL characters and lone
    surrogates become U+FFFD."""
    if value is None:
        return ""
    if not isinstance(value, str):
        value = _as_json(value)
    return _UNSTORABLE.sub(REPLACEMENT, value)


def bounded(value: object, limit: int) -> str:
    """`clean_text(value)` in at most `limit` characters. A longer value keeps its first
    characters and ends with `~` and a digest of the whole."""
    text = clean_text(value)
    if len(text) <= limit:
        return text
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:DIGEST_CHARS]
    return f"{text[: limit - DIGEST_CHARS - 1]}~{digest}"


def payload_digest(payload: object) -> str:
    """A stable digest of a whole payload: the provider id of a delivery that carried none, so
    that a redelivery of it is still stored once."""
    return hashlib.sha256(_as_json(payload).encode("utf-8", "surrogatepass")).hexdigest()[:40]


def _as_json(value: object) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    except (ValueError, TypeError, RecursionError):
        return str(value)
