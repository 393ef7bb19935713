"""Personal data at rest: what a person wrote and their phone number, encrypted in the database.

Values are sealed with AES-256-GCM under the current key of a `Keyring` and stored as
`enc1:<key id>:<base64 nonce + ciphertext + tag>`; the key id lets older keys still open what they
sealed, so keys rotate without a flag day (`flask --app bot keys rotate` re-seals old rows). The
column's name is the associated data: a value copied into another column does not open there.
Phone numbers and chat ids are also kept as a keyed hash (HMAC-SHA256, a key of its own) in a
`<column>_hash` column, which is what lookups compare: `Identity.address == "+855..."` compares
hashes (`EncryptedAddress`'s comparator), so the domain's queries read as before.

The keyring travels with the engine (`attach`), not as a global: each engine seals with the keys
its configuration gave it. An engine without keys refuses to read or write these columns.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import re
from dataclasses import dataclass, field

from sqlalchemy import String, Text, bindparam
from sqlalchemy.sql import operators
from sqlalchemy.types import TypeDecorator

PREFIX = "enc1"
KEY_BYTES = 32
NONCE_BYTES = 12
KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,16}$")


class DataKeyError(Exception):
    """The data keys are missing, malformed or do not open a stored value. Never carries the
    value itself."""


def _b64(text: str, what: str) -> bytes:
    padded = text.strip() + "=" * (-len(text.strip()) % 4)
    try:
        return base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        raise DataKeyError(f"{what} is not base64") from None


def new_key() -> str:
    """A fresh random 32-byte key, base64 (for DATA_KEYS and PHONE_HASH_KEY)."""
    return base64.b64encode(os.urandom(KEY_BYTES)).decode()


@dataclass(frozen=True)
class Keyring:
    """The data keys (the first seals, every one opens) and the phone hash key."""

    keys: tuple[tuple[str, bytes], ...]
    hash_key: bytes
    _ciphers: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        if not self.keys:
            raise DataKeyError("DATA_KEYS holds no key")
        ids = [kid for kid, _ in self.keys]
        if len(set(ids)) != len(ids):
            raise DataKeyError("DATA_KEYS names a key id twice")
        for kid, key in self.keys:
            if not KEY_ID.match(kid):
                raise DataKeyError(f"DATA_KEYS: key id {kid!r} must be 1-16 letters, digits, '-' or '_'")
            if len(key) != KEY_BYTES:
                raise DataKeyError(f"DATA_KEYS: key {kid!r} must be {KEY_BYTES} bytes (base64), not {len(key)}")
        if len(self.hash_key) < KEY_BYTES:
            raise DataKeyError(f"PHONE_HASH_KEY must be at least {KEY_BYTES} bytes (base64)")

    @classmethod
    def parse(cls, data_keys: str, hash_key: str) -> Keyring:
        """From `DATA_KEYS` ("k2:<base64>,k1:<base64>", the first current) and `PHONE_HASH_KEY`."""
        keys = []
        for part in (p.strip() for p in data_keys.split(",")):
            if not part:
                continue
            kid, sep, material = part.partition(":")
            if not sep:
                raise DataKeyError("DATA_KEYS: each key is written id:base64 (e.g. k1:...)")
            keys.append((kid.strip(), _b64(material, f"DATA_KEYS key {kid.strip()!r}")))
        return cls(tuple(keys), _b64(hash_key, "PHONE_HASH_KEY"))

    @property
    def current_id(self) -> str:
        """The id of the key new values are sealed with."""
        return self.keys[0][0]

    def _cipher(self, kid: str):
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        cipher = self._ciphers.get(kid)
        if cipher is None:
            key = dict(self.keys).get(kid)
            if key is None:
                raise DataKeyError(f"a value is sealed with key {kid!r}, which DATA_KEYS does not hold")
            cipher = self._ciphers[kid] = AESGCM(key)
        return cipher

    def encrypt(self, plaintext: str, context: str) -> str:
        """Seal `plaintext` under the current key; `context` (the column) must match to open it."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._cipher(self.current_id).encrypt(nonce, plaintext.encode(), context.encode())
        return f"{PREFIX}:{self.current_id}:{base64.b64encode(nonce + sealed).decode()}"

    def decrypt(self, stored: str, context: str) -> str:
        """Open a value sealed by `encrypt` under any key of the ring."""
        from cryptography.exceptions import InvalidTag

        kid = key_id(stored)
        if kid is None:
            raise DataKeyError(f"{context}: a stored value is not encrypted (run `flask --app bot db upgrade`)")
        raw = _b64(stored.split(":", 2)[2], f"{context}: a stored value")
        try:
            return self._cipher(kid).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode()).decode()
        except InvalidTag:
            raise DataKeyError(
                f"{context}: a value sealed with key {kid!r} does not open: wrong key for that id, or altered"
            ) from None

    def phone_hash(self, value: str) -> str:
        """The keyed hash phone numbers and chat ids are looked up by (hex, 64 characters)."""
        return hmac.new(self.hash_key, value.encode(), hashlib.sha256).hexdigest()


def key_id(stored: str | None) -> str | None:
    """The key id a stored value was sealed with; None for a value that is not sealed."""
    if not stored or not stored.startswith(PREFIX + ":"):
        return None
    parts = stored.split(":", 2)
    return parts[1] if len(parts) == 3 and KEY_ID.match(parts[1]) else None


# --------------------------------------------------------------------------- engines and types

_ATTR = "jsc_keyring"


def attach(engine, keyring: Keyring | None):
    """Give an engine its keys: the encrypted columns seal and open with them. Returns the engine."""
    setattr(engine.dialect, _ATTR, keyring)
    return engine


def keyring_of(bind) -> Keyring:
    """The keys of an engine, connection or dialect; DataKeyError when it has none."""
    dialect = getattr(bind, "dialect", bind)
    keyring = getattr(dialect, _ATTR, None)
    if keyring is None:
        raise DataKeyError("this database engine has no data keys (DATA_KEYS): personal data cannot be read or written")
    return keyring


class EncryptedText(TypeDecorator):
    """Text sealed with the engine's keyring (see the module). None and "" (an erased text) are
    stored as they are: there is nothing in them to hide."""

    impl = Text
    cache_ok = True

    def __init__(self, context: str):
        super().__init__()
        self.context = context

    def process_bind_param(self, value, dialect):
        if value is None or value == "":
            return value
        return keyring_of(dialect).encrypt(str(value), self.context)

    def process_result_value(self, value, dialect):
        if value is None or value == "":
            return value
        return keyring_of(dialect).decrypt(value, self.context)


class EncryptedJSON(EncryptedText):
    """A JSON document sealed as a whole (the intake conversation's data)."""

    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return keyring_of(dialect).encrypt(json.dumps(value, ensure_ascii=False), self.context)

    def process_result_value(self, value, dialect):
        if value is None or value == "":
            return {} if value == "" else None
        return json.loads(keyring_of(dialect).decrypt(value, self.context))


class PhoneDigest(TypeDecorator):
    """A bound phone number or chat id, sent to the database as its keyed hash."""

    impl = String(64)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else keyring_of(dialect).phone_hash(str(value))


class EncryptedAddress(EncryptedText):
    """A phone number or chat id: sealed, with its keyed hash in the `<name>_hash` column beside
    it. `==`, `!=` and `in_` compare the hashes; other comparisons of sealed values mean nothing
    and are refused."""

    cache_ok = True

    class comparator_factory(TypeDecorator.Comparator):
        def _hashed(self):
            col = self.expr
            table = getattr(col, "table", None)
            if table is None or f"{col.name}_hash" not in table.c:
                raise TypeError("an encrypted address is compared through its table's hash column")
            return table.c[f"{col.name}_hash"]

        def operate(self, op, *other, **kwargs):
            if op in (operators.eq, operators.ne) and other[0] is not None:
                digest = bindparam(None, other[0], type_=PhoneDigest())
                return op(self._hashed(), digest)
            if op in (operators.in_op, operators.not_in_op):
                return op(self._hashed(), bindparam(None, list(other[0]), type_=PhoneDigest(), expanding=True))
            if op in (operators.eq, operators.ne, operators.is_, operators.is_not, operators.desc_op):
                return super().operate(op, *other, **kwargs)
            raise TypeError(f"{op.__name__} on an encrypted column: only equality is possible")


def phone_hash_default(column: str):
    """A column default computing the keyed hash of `column` in the same insert (ORM and Core)."""

    def default(context):
        value = context.get_current_parameters().get(column)
        return phone_hash_or_none(keyring_of(context.dialect), value)

    return default


def phone_hash_or_none(keyring: Keyring, value: str | None) -> str | None:
    """The keyed hash of a phone or chat id; None for none (or an erased one)."""
    return None if not value else keyring.phone_hash(str(value))
