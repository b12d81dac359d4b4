"""Opening hours of one local day, and the blocked range of a booking."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, tzinfo

from .holidays import is_public_holiday
from .intervals import merge, subtract
from .localtime import DEFAULT_TZ, Span, wall_span_to_utc
from .types import OPEN, DateException, Interval, ServiceRules, WeeklyBreak, WeeklyRule, require_aware


def blocked_interval(start: datetime, service: ServiceRules) -> Interval:
    """The range a booking starting at ``start`` occupies, buffers included.

    This is the range stored for the database exclusion constraint, so slot
    listing checks exactly this range against existing blocked ranges.
    """
    require_aware(start, "start")
    return Interval(start - service.buffer_before, start + service.duration + service.buffer_after)


def opening_intervals(
    day: date,
    *,
    rules: Sequence[WeeklyRule],
    breaks: Sequence[WeeklyBreak] = (),
    exceptions: Sequence[DateException] = (),
    tz: tzinfo = DEFAULT_TZ,
    holidays_closed: bool = True,
    holiday_region: str = "",
) -> list[Interval]:
    """Opening hours of local ``day`` as merged, sorted UTC intervals."""
    spans = opening_spans(
        day, rules=rules, breaks=breaks, exceptions=exceptions, tz=tz, holidays_closed=holidays_closed,
        holiday_region=holiday_region,
    )
    return [Interval(start, end) for start, end in spans]


def opening_spans(
    day: date,
    *,
    rules: Sequence[WeeklyRule],
    breaks: Sequence[WeeklyBreak],
    exceptions: Sequence[DateException],
    tz: tzinfo,
    holidays_closed: bool,
    holiday_region: str = "",
) -> list[Span]:
    """Same as :func:`opening_intervals` as plain tuples (hot path).

    Order of operations, which defines the semantics:
    1. a whole-day closure empties the day (closed always wins);
    2. weekly hours minus weekly breaks, unless the day is a public holiday
       that no whole-day "open" exception re-opens;
    3. plus the timed "open" exceptions (breaks do not apply to them);
    4. minus the timed "closed" exceptions.
    All arithmetic happens on UTC instants, after each wall-time interval
    went through the DST rules of :mod:`.localtime`.
    """
    todays = [exception for exception in exceptions if exception.covers(day)]
    if any(e.kind != OPEN and e.whole_day for e in todays):
        return []

    weekday = day.weekday()
    open_spans: list[Span] = []
    if _weekly_hours_apply(day, todays, holidays_closed, holiday_region):
        weekly = _to_utc(day, ((r.start, r.end) for r in rules if r.weekday == weekday), tz)
        pauses = _to_utc(day, ((b.start, b.end) for b in breaks if b.weekday == weekday), tz)
        open_spans = subtract(weekly, pauses)

    extra = ((e.start, e.end) for e in todays if e.kind == OPEN and not e.whole_day)
    open_spans = merge([*open_spans, *_to_utc(day, extra, tz)])

    closed = ((e.start, e.end) for e in todays if e.kind != OPEN and not e.whole_day)
    return subtract(open_spans, _to_utc(day, closed, tz))


def _weekly_hours_apply(day: date, todays: list[DateException], holidays_closed: bool, region: str) -> bool:
    if not holidays_closed or not is_public_holiday(day, region):
        return True
    # A timed "open" on a holiday opens only its own hours; restoring the
    # usual weekly hours takes an explicit whole-day "open".
    return any(e.kind == OPEN and e.whole_day for e in todays)


def _to_utc(day: date, wall_spans: Iterable[tuple], tz: tzinfo) -> list[Span]:
    converted = (wall_span_to_utc(day, start, end, tz) for start, end in wall_spans)
    return merge(span for span in converted if span is not None)
