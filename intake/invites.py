"""Invite codes that link an official's Telegram: long enough not to be guessed, stored as a
keyed hash, and guessed at most a few times.

- A code is 16 characters of the unambiguous reference alphabet (23 letters and digits: about
  72 bits), printed in groups of four; dashes and spaces are ignored when it is typed.
- It is stored as HMAC-SHA256 keyed with the deployment's SECRET_KEY: a leaked database (or
  backup) alone does not let anyone try codes offline.
- Wrong codes are limited per Telegram chat (5 an hour) and for the whole service (100 an hour);
  past either limit every code is refused until the hour has passed, right ones too, and the
  person is told to try later.
- Invites issued before this change (8 characters, unsalted SHA-256) keep working until they
  expire, at most seven days after they were issued.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from intake.model import REF_ALPHABET, Official

CODE_LENGTH = 16
LEGACY_CODE_LENGTH = 8
KEYED_PREFIX = "k1:"

WINDOW = timedelta(hours=1)
WRONG_PER_CHAT = 5
WRONG_OVERALL = 100


def new_code() -> str:
    """A new one-time code, e.g. `K7MX-4TXP-9ADE-WRNC`."""
    raw = "".join(secrets.choice(REF_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def normalize(code: str) -> str:
    """The code as stored: upper case, without the dashes and spaces people type."""
    return "".join(code.split()).replace("-", "").upper()


def keyed_hash(code: str, key: str) -> str:
    """What is stored for a code: HMAC-SHA256 under the deployment's secret key (46 characters)."""
    digest = hmac.new(key.encode(), normalize(code).encode(), hashlib.sha256).digest()
    return KEYED_PREFIX + base64.urlsafe_b64encode(digest).decode().rstrip("=")


def legacy_hash(code: str) -> str:
    """How codes were stored before keyed hashes (unsalted SHA-256 of the 8-character code)."""
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


def official_for_code(uow, code: str, key: str) -> Official | None:
    """The official a code was issued to (expiry is the caller's to check), or None."""
    official = uow.repo.official_by_invite(keyed_hash(code, key))
    if official is None and len(normalize(code)) == LEGACY_CODE_LENGTH:
        official = uow.repo.official_by_invite(legacy_hash(code))
    return official


def locked_out(uow, chat_id: str, now: datetime) -> bool:
    """True when this chat, or the whole service, had too many wrong codes in the last hour."""
    since = now - WINDOW
    if uow.repo.wrong_invite_attempts(since) >= WRONG_OVERALL:
        return True
    return uow.repo.wrong_invite_attempts(since, chat_id) >= WRONG_PER_CHAT


def record_attempt(uow, chat_id: str, ok: bool, now: datetime) -> None:
    """Note a code tried from a chat, and forget attempts older than a day."""
    uow.repo.record_invite_attempt(chat_id[:64], ok, now)
    uow.repo.forget_invite_attempts(now - timedelta(days=1))
