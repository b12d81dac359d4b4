"""The folded text a practice searches its patients by, and the terms a query becomes.

One column (patient.search_key) holds the names without accents or case, the e-mail, and the
phone number's digits in international and national form, so one bounded LIKE per term finds a
patient by any part of a name, an address, or any spelling of a number (portal.patients.phone).
Pure functions: the booking's hot path computes the key for each new patient.
"""

from __future__ import annotations

import re
import unicodedata

from portal.patients import phone as phones

MAX_KEY = 600
MAX_TERMS = 5
MAX_TERM = 60
_NOT_WORD = re.compile(r"[^0-9a-z@._+-]+")
_NUMBER_SPELLING = re.compile(r"[0-9 .()+/-]+")


def fold(text: str) -> str:
    """'Élise Durand-Lefèvre' → 'elise durand-lefevre': no accents, no case, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return " ".join(_NOT_WORD.sub(" ", plain).split())


def _phone_digits(number: str) -> list[str]:
    """'+33612345678' → ['33612345678', '0612345678'] (national form for French numbers)."""
    if not number:
        return []
    digits = number.lstrip("+")
    return [digits, "0" + digits[2:]] if digits.startswith("33") else [digits]


def search_key(first_name: str, last_name: str, email: str, phone: str) -> str:
    parts = [fold(last_name), fold(first_name), (email or "").lower(), *_phone_digits(phone or "")]
    return " ".join(part for part in parts if part)[:MAX_KEY]


def search_terms(query: str) -> list[str]:
    """What each matching key must contain. A whole phone number, in any spelling, becomes its
    international digits; a part of one (digits and separators) its digits; anything else its
    folded words."""
    query = (query or "")[:200].strip()
    if not query:
        return []
    number = phones.e164(query)
    if number is not None:
        return [number.lstrip("+")]
    if _NUMBER_SPELLING.fullmatch(query) and sum(ch.isdigit() for ch in query) >= 2:
        digits = "".join(ch for ch in query if ch.isdigit())
        return [(digits[2:] if query.startswith("00") else digits)[:MAX_TERM]]
    return [word[:MAX_TERM] for word in fold(query).split()][:MAX_TERMS]
