"""SMS segment arithmetic: what a text costs the person who receives or sends it.

GSM-7 carries 160 characters in one segment and 153 in each part of a longer message (characters
from the extension table count twice); anything outside GSM-7, Khmer included, goes as UCS-2:
70 characters, or 67 a part. UCS-2 counts UTF-16 code units, so an emoji counts twice.
"""

from __future__ import annotations

from dataclasses import dataclass

_GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENDED = set("^{}\\[~]|€\f")


@dataclass(frozen=True)
class SegmentCount:
    """How a text travels: its encoding, its length in that encoding's units and its segments."""

    encoding: str  # "GSM-7" | "UCS-2"
    units: int
    segments: int


def count_segments(text: str) -> SegmentCount:
    """Segments an SMS of `text` takes (0 for the empty text)."""
    if all(c in _GSM7_BASIC or c in _GSM7_EXTENDED for c in text):
        units = sum(2 if c in _GSM7_EXTENDED else 1 for c in text)
        single, part, encoding = 160, 153, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, part, encoding = 70, 67, "UCS-2"
    if units == 0:
        return SegmentCount(encoding, 0, 0)
    segments = 1 if units <= single else -(-units // part)
    return SegmentCount(encoding, units, segments)
