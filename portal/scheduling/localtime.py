"""Local wall time -> UTC instants, with explicit DST rules.

zoneinfo silently accepts wall times that never happen (spring-forward gap)
and picks one of two instants for those that happen twice (fall-back
overlap).  Slot computation must be exact, so the choices are made here,
once:

* a nonexistent wall time moves forward to the first instant that exists
  (the transition itself), whatever ``fold`` says;
* an ambiguous wall time uses the caller's ``fold``: 0 (first pass) for the
  start of an interval and 1 (second pass) for its end, so that an interval
  spanning the overlap covers both passes.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

DEFAULT_TZ = ZoneInfo("Europe/Paris")

Span = tuple[datetime, datetime]  # internal [start, end) in UTC, cheaper than Interval


def wall_to_utc(day: date, wall: time, tz: tzinfo, *, fold: int = 0) -> datetime:
    """The UTC instant of ``day`` at ``wall`` in ``tz`` (see module docstring)."""
    naive = datetime.combine(day, wall)
    instant = naive.replace(tzinfo=tz, fold=fold).astimezone(UTC)
    # Round trip: an existing wall time comes back unchanged (naive equality
    # ignores fold); a time inside a gap comes back shifted.
    if instant.astimezone(tz).replace(tzinfo=None) == naive:
        return instant
    return _gap_end(naive, tz)


def _gap_end(naive: datetime, tz: tzinfo) -> datetime:
    """The transition instant that ends the gap containing ``naive``.

    Per PEP 495, inside a gap fold=1 applies the offset after the transition
    and fold=0 the offset before, giving two instants that bracket the
    transition.  Transitions in tzdata fall on whole seconds, so a binary
    search over integer POSIX seconds finds it exactly (about 12 steps for a
    one-hour gap, and only ever for wall times inside a gap).
    """
    low = math.floor(naive.replace(tzinfo=tz, fold=1).timestamp())
    high = math.ceil(naive.replace(tzinfo=tz, fold=0).timestamp())
    before = _offset_at(low, tz)
    while high - low > 1:
        middle = (low + high) // 2
        if _offset_at(middle, tz) == before:
            low = middle
        else:
            high = middle
    return datetime.fromtimestamp(high, UTC)


def _offset_at(posix_seconds: int, tz: tzinfo) -> timedelta | None:
    return datetime.fromtimestamp(posix_seconds, tz).utcoffset()


def wall_span_to_utc(day: date, start: time, end: time, tz: tzinfo) -> Span | None:
    """A local ``[start, end)`` of ``day`` as UTC, or None if nothing is left.

    An interval lying entirely inside a gap collapses to nothing.
    """
    utc_start = wall_to_utc(day, start, tz, fold=0)
    utc_end = wall_to_utc(day, end, tz, fold=1)
    return (utc_start, utc_end) if utc_start < utc_end else None


def local_day_bounds(day: date, tz: tzinfo) -> Span:
    """UTC ``[first instant of day, first instant of the next day)``."""
    next_day = day + timedelta(days=1)
    return wall_to_utc(day, time(0), tz), wall_to_utc(next_day, time(0), tz)


def wall_time_repeats(instant: datetime, tz: tzinfo) -> bool:
    """True when ``instant``'s local wall time happens twice in ``tz`` (the repeated hour of the
    autumn change): written as a bare local time it would name two instants."""
    local = instant.astimezone(tz)
    return local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset()


def is_first_pass(instant: datetime, tz: tzinfo) -> bool:
    """For a repeated wall time: whether ``instant`` is its first pass (before the change, on the
    larger offset — summer time in Europe) rather than the second."""
    local = instant.astimezone(tz)
    other = local.replace(fold=1 - local.fold)
    return (local.utcoffset() or timedelta(0)) > (other.utcoffset() or timedelta(0))
