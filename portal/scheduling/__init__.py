"""Slot computation for Créneau, as pure functions.

No ORM, clock, environment or I/O: rules, existing bookings, "now" and the
practice time zone are all arguments.  Instants are aware UTC datetimes;
wall-clock times only mean something together with a date and a zone.
"""

from .holidays import french_public_holidays, is_public_holiday
from .localtime import DEFAULT_TZ
from .rules import blocked_interval, opening_intervals
from .slots import available_slots, is_bookable
from .types import (
    CLOSED,
    MAX_BLOCKED,
    OPEN,
    DateException,
    Interval,
    ServiceRules,
    Slot,
    WeeklyBreak,
    WeeklyRule,
)

__all__ = [
    "CLOSED",
    "DEFAULT_TZ",
    "MAX_BLOCKED",
    "OPEN",
    "DateException",
    "Interval",
    "ServiceRules",
    "Slot",
    "WeeklyBreak",
    "WeeklyRule",
    "available_slots",
    "blocked_interval",
    "french_public_holidays",
    "is_bookable",
    "is_public_holiday",
    "opening_intervals",
]
