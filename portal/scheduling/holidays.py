"""French public holidays (metropolitan France, excluding Alsace-Moselle)."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

from dateutil.easter import easter

# Fixed-date holidays as (month, day).
_FIXED = ((1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25))
# Movable holidays as offsets in days from Easter Sunday:
# Easter Monday, Ascension Thursday, Whit Monday.
_EASTER_OFFSETS = (1, 39, 50)


@lru_cache(maxsize=64)
def french_public_holidays(year: int) -> frozenset[date]:
    """The 11 public holidays of metropolitan France for ``year``."""
    fixed = {date(year, month, day) for month, day in _FIXED}
    sunday = easter(year)  # Gregorian (western) Easter, the dateutil default
    movable = {sunday + timedelta(days=offset) for offset in _EASTER_OFFSETS}
    return frozenset(fixed | movable)


def is_public_holiday(day: date) -> bool:
    return day in french_public_holidays(day.year)
