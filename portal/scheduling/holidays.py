"""French public holidays, by region, from the `holidays` package (its subdivisions know
Alsace-Moselle's Good Friday and St Stephen's Day and each overseas department's abolition of
slavery day; a list of our own would not)."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import holidays

METROPOLITAN = ""
# The regions a practice may choose: "" = metropolitan France, else the package's subdivision.
REGIONS: dict[str, str] = {
    METROPOLITAN: "France métropolitaine",
    "57": "Moselle",
    "6AE": "Alsace (Bas-Rhin, Haut-Rhin)",
    "971": "Guadeloupe",
    "972": "Martinique",
    "973": "Guyane",
    "974": "La Réunion",
    "976": "Mayotte",
}


@lru_cache(maxsize=256)
def public_holidays(year: int, region: str = METROPOLITAN) -> dict[date, str]:
    """The public holidays of `region` in `year`, with their French names."""
    if region not in REGIONS:
        raise ValueError(f"unknown holiday region {region!r}")
    found = holidays.country_holidays("FR", subdiv=region or None, years=year, language="fr")
    return dict(sorted(found.items()))


def french_public_holidays(year: int, region: str = METROPOLITAN) -> frozenset[date]:
    return frozenset(public_holidays(year, region))


def is_public_holiday(day: date, region: str = METROPOLITAN) -> bool:
    return day in public_holidays(day.year, region)
