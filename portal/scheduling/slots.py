"""Listing bookable slots, and checking one requested start."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta, tzinfo

from .intervals import OverlapIndex
from .localtime import DEFAULT_TZ, local_day_bounds
from .rules import opening_spans
from .types import DateException, Interval, ServiceRules, Slot, WeeklyBreak, WeeklyRule, require_aware


def available_slots(
    *,
    rules: Sequence[WeeklyRule],
    breaks: Sequence[WeeklyBreak] = (),
    exceptions: Sequence[DateException] = (),
    appointments: Sequence[Interval] = (),
    busy: Sequence[Interval] = (),
    service: ServiceRules,
    now: datetime,
    tz: tzinfo = DEFAULT_TZ,
    start_date: date,
    end_date: date,
    holidays_closed: bool = True,
    holiday_region: str = "",
) -> list[Slot]:
    """Bookable slots whose local date is in ``start_date..end_date``, by start.

    ``appointments`` are the blocked ranges (buffers included) of the
    practitioner's active appointments, ``busy`` external busy blocks; both
    aware, in any order.
    """
    require_aware(now, "now")
    if not isinstance(tz, tzinfo):
        raise ValueError(f"tz must be a tzinfo such as ZoneInfo('Europe/Paris'), got {tz!r}")
    if end_date < start_date:
        raise ValueError(f"end_date {end_date} is before start_date {start_date}")

    earliest = now + service.min_notice  # min_notice >= 0, so never in the past
    latest = now + service.horizon
    # Days entirely outside the booking window cannot hold a slot: skip them,
    # which also keeps a careless huge date range cheap.
    first_day = max(start_date, earliest.astimezone(tz).date())
    last_day = min(end_date, latest.astimezone(tz).date())

    blocked = OverlapIndex((i.start, i.end) for i in (*appointments, *busy))
    daily_limit = service.daily_limit
    day_count = _DailyCounter(appointments, tz) if daily_limit is not None else None

    slots: list[Slot] = []
    for day in _days(first_day, last_day):
        if day_count is not None and daily_limit is not None and day_count(day) >= daily_limit:
            continue
        spans = opening_spans(
            day, rules=rules, breaks=breaks, exceptions=exceptions, tz=tz, holidays_closed=holidays_closed,
            holiday_region=holiday_region,
        )
        for open_start, open_end in spans:
            slots.extend(_grid(open_start, open_end, service, earliest, latest, blocked))
    # Days map to increasing, disjoint UTC ranges, so the list is already sorted.
    return slots


def is_bookable(
    start: datetime,
    *,
    rules: Sequence[WeeklyRule],
    breaks: Sequence[WeeklyBreak] = (),
    exceptions: Sequence[DateException] = (),
    appointments: Sequence[Interval] = (),
    busy: Sequence[Interval] = (),
    service: ServiceRules,
    now: datetime,
    tz: tzinfo = DEFAULT_TZ,
    holidays_closed: bool = True,
    holiday_region: str = "",
) -> bool:
    """True iff ``start`` is exactly one of the available slots of its local day.

    When moving an existing appointment, leave its own blocked range out of
    ``appointments``, or it would block itself.
    """
    require_aware(start, "start")
    require_aware(now, "now")
    # The same rules as available_slots(), checked for one instant instead of listing the day
    # (this runs on every booking).
    if not now + service.min_notice <= start <= now + service.horizon:
        return False
    day = start.astimezone(tz).date()
    if service.daily_limit is not None and _DailyCounter(appointments, tz)(day) >= service.daily_limit:
        return False
    end = start + service.duration
    spans = opening_spans(day, rules=rules, breaks=breaks, exceptions=exceptions, tz=tz, holidays_closed=holidays_closed,
                          holiday_region=holiday_region)
    on_grid = any(
        open_start <= start and end <= open_end and (start - open_start) % service.step == timedelta(0)
        for open_start, open_end in spans
    )
    if not on_grid:
        return False
    blocked = OverlapIndex((i.start, i.end) for i in (*appointments, *busy))
    return not blocked.overlaps(start - service.buffer_before, end + service.buffer_after)


def _grid(
    open_start: datetime,
    open_end: datetime,
    service: ServiceRules,
    earliest: datetime,
    latest: datetime,
    blocked: OverlapIndex,
) -> Iterator[Slot]:
    """Candidates every ``step`` of absolute time from ``open_start``.

    Stepping in UTC (not wall time) is what keeps DST days exact: no instant
    listed twice in the fall-back overlap, none invented in the spring gap.
    """
    step, duration = service.step, service.duration
    before, after = service.buffer_before, service.buffer_after
    start = open_start
    if start < earliest:
        # Jump straight to the first grid point at or after `earliest`
        # (ceiling division on timedeltas) instead of walking past slots.
        start += -(-(earliest - start) // step) * step
    while start + duration <= open_end and start <= latest:
        end = start + duration
        if not blocked.overlaps(start - before, end + after):
            yield Slot(start, end)
        start += step


class _DailyCounter:
    """Counts appointments starting within a local day, by bisection."""

    __slots__ = ("_starts", "_tz")

    def __init__(self, appointments: Sequence[Interval], tz: tzinfo) -> None:
        self._starts = sorted(appointment.start for appointment in appointments)
        self._tz = tz

    def __call__(self, day: date) -> int:
        day_start, day_end = local_day_bounds(day, self._tz)
        return bisect_left(self._starts, day_end) - bisect_left(self._starts, day_start)


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)
