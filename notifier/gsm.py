"""GSM 03.38 (GSM-7): which characters fit an SMS without switching to UCS-2, and how many
septets a text costs. One segment is 160 septets; an extension character costs two."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
EXTENSION = set("^{}\\[~]|€")
SEGMENT = 160

# Typography that French texts carry and GSM-7 lacks.
_REPLACEMENTS = {
    "\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "«": '"', "»": '"',
    "\u2013": "-", "\u2014": "-", "\u2026": "...", "\u00a0": " ", "\u202f": " ", "\u2009": " ",
    "œ": "oe", "Œ": "OE",
}


def fold(text: str) -> str:
    """Keep GSM-7 characters; fold accents the alphabet lacks (ê→e, ç→c, É stays)."""
    out = []
    for char in text:
        if char in BASIC or char in EXTENSION:
            out.append(char)
            continue
        if char in _REPLACEMENTS:
            out.append(_REPLACEMENTS[char])
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        out.append("".join(c for c in base if c in BASIC or c in EXTENSION) or "?")
    return "".join(out)


def septets(text: str) -> int:
    return sum(2 if char in EXTENSION else 1 for char in text)


def is_gsm7(text: str) -> bool:
    return all(char in BASIC or char in EXTENSION for char in text)


def fits_one_segment(text: str) -> bool:
    return is_gsm7(text) and septets(text) <= SEGMENT


# A message longer than one segment is split with a 6-byte header in each part: 153 septets
# (GSM-7) or 67 UTF-16 units (UCS-2) a part instead of 160 or 70.
UCS2_SEGMENT = 70
GSM7_PART = 153
UCS2_PART = 67


@dataclass(frozen=True)
class Count:
    """What a text costs as an SMS: its characters, the encoding a phone network would use,
    the units that encoding counts (septets, or UTF-16 code units) and the segments billed."""

    characters: int
    encoding: str  # "GSM-7" or "UCS-2"
    units: int
    segments: int


def count(text: str) -> Count:
    if is_gsm7(text):
        units, single, part, encoding = septets(text), SEGMENT, GSM7_PART, "GSM-7"
    else:
        units, single, part, encoding = len(text.encode("utf-16-le")) // 2, UCS2_SEGMENT, UCS2_PART, "UCS-2"
    segments = 1 if units <= single else -(-units // part)
    return Count(len(text), encoding, units, segments)
