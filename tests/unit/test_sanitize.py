"""Cleaning inbound fields before they are stored: every value becomes storable text that fits."""

from __future__ import annotations

from intake.sanitize import bounded, clean_text, payload_digest


def test_nul_and_lone_surrogates_become_the_replacement_character():
    assert clean_text("a\x00b\ud800c\udfff") == "a\ufffdb\ufffdc\ufffd"
    assert clean_text("ខ្ញុំ 😀") == "ខ្ញុំ 😀"  # real characters, astral ones included, are kept


def test_a_text_that_is_not_a_string_is_kept_as_its_json():
    assert clean_text({"b": 1, "a": ["x", None]}) == '{"a": ["x", null], "b": 1}'
    assert clean_text(12345) == "12345" and clean_text(None) == "" and clean_text(["\x00"]) == '["\\u0000"]'


def test_a_long_value_keeps_what_fits_and_stays_distinct_from_its_neighbours():
    one, two = "9" * 70 + "1", "9" * 70 + "2"
    assert len(bounded(one, 64)) == 64 and bounded(one, 64).startswith("9" * 47 + "~")
    assert bounded(one, 64) != bounded(two, 64)
    assert bounded("short", 64) == "short"


def test_a_payload_digest_is_stable_and_survives_lone_surrogates():
    assert payload_digest({"a": 1, "b": "\ud800"}) == payload_digest({"b": "\ud800", "a": 1})
    assert payload_digest({"a": 1}) != payload_digest({"a": 2})
