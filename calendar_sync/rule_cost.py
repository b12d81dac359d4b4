"""How much work one RRULE asks of the recurrence engine, estimated before running it.

dateutil walks a rule step by step from its DTSTART, through every step before the window
too, and cannot be interrupted: `FREQ=SECONDLY` from a year ago is 31 million steps (minutes of
CPU) before the first occurrence comes out. The estimate is an upper bound of those steps:
the span from DTSTART to the horizon end (or UNTIL) divided by the rule's period, times what
the BYxxx parts that expand a period can multiply it by.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo

_PERIOD = {
    "SECONDLY": timedelta(seconds=1), "MINUTELY": timedelta(minutes=1), "HOURLY": timedelta(hours=1),
    "DAILY": timedelta(days=1), "WEEKLY": timedelta(weeks=1), "MONTHLY": timedelta(days=28),
    "YEARLY": timedelta(days=365),
}
# A BYxxx part multiplies the steps when its unit is finer than the frequency.
_FINER = {
    "BYSECOND": ("MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"),
    "BYMINUTE": ("HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"),
    "BYHOUR": ("DAILY", "WEEKLY", "MONTHLY", "YEARLY"),
    "BYDAY": ("WEEKLY", "MONTHLY", "YEARLY"),
    "BYMONTHDAY": ("MONTHLY", "YEARLY"),
    "BYYEARDAY": ("YEARLY",),
    "BYWEEKNO": ("YEARLY",),
    "BYMONTH": ("YEARLY",),
}
UNBOUNDED = 10**12


def rule_steps(rule, first: datetime, horizon_end: datetime, tz: tzinfo) -> int:
    """Upper bound of the steps `rule` (an icalendar vRecur) takes from `first` to `horizon_end`."""
    freq = str(_one(rule, "FREQ", "")).upper()
    if freq not in _PERIOD:
        return 0  # the engine refuses the rule itself; nothing to walk
    try:
        interval = max(int(_one(rule, "INTERVAL", 1)), 1)
    except (TypeError, ValueError):
        interval = 1
    last = horizon_end
    until = _one(rule, "UNTIL", None)
    if isinstance(until, date):
        last = min(last, _as_utc(until, tz))
    if last <= first:
        return 1
    steps = (last - first) // (_PERIOD[freq] * interval) + 1
    factor = 1
    for part, frequencies in _FINER.items():
        if freq in frequencies and rule.get(part):
            factor *= len(rule.get(part))
    return min(steps * factor, UNBOUNDED)


def _one(rule, key: str, default):
    values = rule.get(key)
    if not values:
        return default
    return values[0] if isinstance(values, list) else values


def _as_utc(value: date | datetime, tz: tzinfo) -> datetime:
    if not isinstance(value, datetime):
        value = datetime.combine(value, time())
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(UTC)
