"""The data keys: sealing and opening, key ids for rotation, clear errors for wrong or missing
keys, and where the keys come from (bot.keys)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from bot.config import Config
from bot.keys import load_keyring
from intake.crypto import DataKeyError, Keyring, key_id, new_key

WORDS = "ប្តីខ្ញុំវាយខ្ញុំ my husband beats me"


def ring(spec: str, hash_key: str | None = None) -> Keyring:
    return Keyring.parse(spec, hash_key or HASH)


K1, K2, HASH = new_key(), new_key(), new_key()


def test_a_sealed_text_opens_to_the_same_words_and_shows_none_of_them():
    keys = ring(f"k1:{K1}")
    sealed = keys.encrypt(WORDS, "messages.body")
    assert sealed.startswith("enc1:k1:") and "husband" not in sealed and "ខ្ញុំ" not in sealed
    assert keys.decrypt(sealed, "messages.body") == WORDS
    assert keys.encrypt(WORDS, "messages.body") != sealed  # a fresh nonce every time


def test_a_value_does_not_open_in_another_column():
    keys = ring(f"k1:{K1}")
    with pytest.raises(DataKeyError, match="cases.summary: a value sealed with key 'k1' does not open"):
        keys.decrypt(keys.encrypt(WORDS, "messages.body"), "cases.summary")


def test_after_rotation_new_values_use_the_new_key_and_old_ones_still_open():
    old = ring(f"k1:{K1}")
    sealed_before = old.encrypt(WORDS, "messages.body")
    rotated = ring(f"k2:{K2},k1:{K1}")
    sealed_after = rotated.encrypt(WORDS, "messages.body")
    assert key_id(sealed_before) == "k1" and key_id(sealed_after) == "k2"
    assert rotated.decrypt(sealed_before, "messages.body") == WORDS
    with pytest.raises(DataKeyError, match="key 'k2', which DATA_KEYS does not hold"):
        old.decrypt(sealed_after, "messages.body")


def test_a_wrong_key_under_the_right_id_is_a_clear_error_without_the_words():
    sealed = ring(f"k1:{K1}").encrypt(WORDS, "messages.body")
    with pytest.raises(DataKeyError) as err:
        ring(f"k1:{K2}").decrypt(sealed, "messages.body")
    assert "wrong key for that id" in str(err.value) and "husband" not in str(err.value)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "holds no key"),
        (f"{K1}", "written id:base64"),
        ("k1:c2hvcnQ=", "must be 32 bytes"),
        ("k1:not base64!", "is not base64"),
        (f"k1:{K1},k1:{K2}", "names a key id twice"),
        (f"bad id:{K1}", "key id 'bad id'"),
    ],
)
def test_malformed_keys_are_refused_with_what_is_wrong(spec, message):
    with pytest.raises(DataKeyError, match=message):
        ring(spec)


def test_the_phone_hash_is_keyed():
    assert ring(f"k1:{K1}").phone_hash("+85512345678") == ring(f"k2:{K2}").phone_hash("+85512345678")
    assert ring(f"k1:{K1}").phone_hash("+85512345678") != ring(f"k1:{K1}", new_key()).phone_hash("+85512345678")


def test_a_deployment_without_keys_refuses_to_start(tmp_path):
    config = replace(Config(), require_data_keys=True, data_key_file=tmp_path / "keys.json")
    with pytest.raises(DataKeyError, match="REQUIRE_DATA_KEYS is set but DATA_KEYS and PHONE_HASH_KEY are not"):
        load_keyring(config)
    assert not (tmp_path / "keys.json").exists()
    with pytest.raises(DataKeyError, match="set both DATA_KEYS and PHONE_HASH_KEY"):
        load_keyring(replace(config, data_keys=f"k1:{K1}"))
    keys = load_keyring(replace(config, data_keys=f"k2:{K2},k1:{K1}", phone_hash_key=HASH))
    assert keys.current_id == "k2"


def test_development_keys_are_made_once_readable_by_this_user_only(tmp_path, caplog):
    config = replace(Config(), data_key_file=tmp_path / "var" / "keys.json")
    with caplog.at_level("WARNING"):
        first = load_keyring(config)
    assert "generated development data keys" in caplog.text
    assert (tmp_path / "var" / "keys.json").stat().st_mode & 0o777 == 0o600
    assert json.loads((tmp_path / "var" / "keys.json").read_text())["data_keys"].startswith("dev1:")
    again = load_keyring(config)
    assert again.decrypt(first.encrypt(WORDS, "messages.body"), "messages.body") == WORDS


def test_the_environment_names_the_keys_and_the_retention():
    env = {
        "DATA_KEYS": f"k2:{K2},k1:{K1}",
        "PHONE_HASH_KEY": HASH,
        "REQUIRE_DATA_KEYS": "1",
        "RETENTION_DISPUTE_DAYS": "90",
        "RETENTION_PROTECTION_DAYS": "730",
    }
    config = Config.from_env(env)
    assert config.require_data_keys and config.retention_dispute_days == 90 and config.retention_protection_days == 730
    assert load_keyring(config).current_id == "k2"


def test_key_rotation_reseals_every_column_the_schema_seals():
    """`keys rotate` lists its columns by hand: a sealed column it missed would stay under the old
    key, and be lost with it once that key is dropped."""
    from intake import orm
    from intake.crypto import EncryptedAddress, EncryptedText
    from intake.rekey import SEALED

    sealed = {
        (table.name, column.name)
        for table in orm.metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, EncryptedText)
    }
    assert {(t, c) for t, (columns, _) in SEALED.items() for c in columns} == sealed
    addresses = {
        (table.name, column.name)
        for table in orm.metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, EncryptedAddress)
    }
    assert {(t, c) for t, (_, hashes) in SEALED.items() for c in hashes} == addresses
