"""A French postal address in three parts (street line, postcode, city): checked for the
settings page, split from the old one-line addresses (migration 0014), folded for the API's
city filter. Pure functions."""

from __future__ import annotations

import re
import unicodedata

# Five digits; Corsica's departments 2A and 2B are written 20xxx in postcodes, overseas 97xxx/98xxx.
_POSTCODE = re.compile(r"(?:0[1-9]|[1-8]\d|9[0-8])\d{3}", re.ASCII)
# "…, 75019 Paris" or "… 75019 PARIS CEDEX 19" at the end of a one-line address.
_TRAILING = re.compile(r"^(?P<street>.*?)[,\s]*\b(?P<postcode>\d{5})\s+(?P<city>[^\d,][^,]*?)\s*$", re.ASCII)


def is_postcode(value: str) -> bool:
    return _POSTCODE.fullmatch(value) is not None


def clean_postcode(typed: str) -> str | None:
    """The postcode as stored ('' when left empty), or None when it is not a French one.
    "2A004"/"2B033" are department codes, not postcodes: Ajaccio is 20000, Bastia 20200."""
    value = "".join(typed.split())
    if not value:
        return ""
    return value if value.isascii() and is_postcode(value) else None


def city_key(city: str) -> str:
    """Lowercase, no accents, hyphens and apostrophes as spaces, single spaces: what the API's
    city filter compares, so "saint etienne" finds "Saint-Étienne"."""
    folded = unicodedata.normalize("NFKD", city.casefold())
    letters = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[-'’]", " ", letters).split())[:100]


CITY_MAX_LENGTH = 100  # practice.city


def split_address(line: str) -> tuple[str, str, str]:
    """(street, postcode, city) from a one-line address ending with "75011 Paris"; a line without
    such an ending, or whose ending is too long for a city (directions typed after the town:
    "75002 Paris 2e étage porte gauche digicode…"), is all street: migration 0014 must fit every
    old address into the new columns, on PostgreSQL too."""
    found = _TRAILING.match(line.strip())
    if (found is None or not is_postcode(found["postcode"]) or not found["street"].strip()
            or len(" ".join(found["city"].split())) > CITY_MAX_LENGTH):
        return line.strip(), "", ""
    return found["street"].strip().rstrip(","), found["postcode"], " ".join(found["city"].split())
