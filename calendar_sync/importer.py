"""An external calendar's body → busy intervals: pure (no network, no ORM, no clock).

icalendar parses, recurring-ical-events expands RRULE/RDATE/EXDATE/RECURRENCE-ID (and knows
Microsoft's zone names such as "Romance Standard Time"); this module decides what counts as
busy and pins dates and floating times to the practice's zone.
"""

from __future__ import annotations

import time as monotonic_clock
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events

from calendar_sync.rule_cost import rule_steps

_SKIPPED_SERIES_ERRORS = tuple(recurring_ical_events.CalendarQuery.suppressed_errors)


class MalformedCalendar(Exception):
    """The body is not a complete iCalendar file (truncated, an HTML login page, garbage)."""


class CalendarTooLarge(MalformedCalendar):
    """The calendar asks for more work than a source may cost (a series repeating every second,
    millions of occurrences): the source fails with this reason and keeps its last good blocks."""


@dataclass(frozen=True)
class ImportLimits:
    """What one source may cost. A legitimate calendar is far below each of these: a weekly
    series over a year is 52 occurrences, a busy practitioner's whole horizon a few thousand."""

    # Steps the recurrence engine would take for one rule from its DTSTART to the horizon end
    # (it walks every step from DTSTART, even those before the window: ~10 µs each).
    rule_steps: int = 200_000
    calendar_steps: int = 1_000_000
    per_series: int = 20_000  # occurrences of one event within the horizon
    per_calendar: int = 100_000  # occurrences of all events within the horizon
    blocks: int = 10_000  # busy blocks stored after merging (slot listing reads them all: keep it small)
    seconds: float = 20.0  # CPU-bound expansion time, checked as it goes
    # Gaps between busy blocks shorter than this are filled: no visit (at least one minute
    # with its buffers) fits in them, so the slots are the same and far fewer rows are stored.
    min_gap: timedelta = timedelta(minutes=1)


def busy_intervals(body: bytes, tz: ZoneInfo, start: datetime, end: datetime,
                   limits: ImportLimits = ImportLimits()) -> list[tuple[datetime, datetime]]:
    """Merged, sorted UTC intervals during which the calendar's owner is busy, clipped to
    [start, end). Transparent ("free") and cancelled events do not count.

    Raises CalendarTooLarge, before or while expanding, when the calendar exceeds `limits`."""
    calendar = parse(body)
    check_rule_costs(calendar, tz, end, limits)
    deadline = monotonic_clock.monotonic() + limits.seconds
    spans: list[tuple[datetime, datetime]] = []
    total = 0
    try:
        query = recurring_ical_events.of(calendar, skip_bad_series=True)
        lower, upper = query.to_datetime(start), query.to_datetime(end)
        # Series by series (not `between`, which builds every occurrence first), counting as we go.
        for series in query.series:
            found: list[tuple[datetime, datetime]] = []
            try:
                for count, occurrence in enumerate(series.between(lower, upper), 1):
                    total += 1
                    _check_counts(count, total, limits, deadline)
                    span = _busy_span(occurrence.as_component(False), tz)
                    if span is not None and max(span[0], start) < min(span[1], end):
                        found.append((max(span[0], start), min(span[1], end)))
            except _SKIPPED_SERIES_ERRORS:  # as skip_bad_series does: one bad series is left out
                continue
            spans += found
    except CalendarTooLarge:
        raise
    except Exception as exc:  # the library raises many types on bad rules and zones
        raise MalformedCalendar(f"recurrences could not be expanded: {exc}") from exc
    merged = merge(spans, limits.min_gap)
    if len(merged) > limits.blocks:
        raise CalendarTooLarge(f"more than {limits.blocks:,} separate busy periods within the booking horizon")
    return merged


def check_rule_costs(calendar: icalendar.Calendar, tz: ZoneInfo, end: datetime, limits: ImportLimits) -> None:
    """Refuse, before expanding anything, rules whose expansion alone would take minutes: the
    engine cannot be interrupted once it walks a rule (it runs in a thread)."""
    total = 0
    for event in calendar.walk("VEVENT"):
        try:
            first = _instant(event.decoded("DTSTART"), tz)
            rules = event.get("RRULE")
            costs = [(rule, rule_steps(rule, first, end, tz))
                     for rule in (rules if isinstance(rules, list) else [rules] if rules is not None else [])]
        except Exception:  # noqa: BLE001 — a broken DTSTART or RRULE: expansion reports or skips it
            continue
        for rule, steps in costs:
            if steps > limits.rule_steps:
                raise CalendarTooLarge(
                    f"an event repeats too often (FREQ={_freq(rule)}: about {steps:,} repetitions up to the "
                    f"booking horizon, at most {limits.rule_steps:,})")
            total += steps
    if total > limits.calendar_steps:
        raise CalendarTooLarge(f"too many repetitions in the calendar (about {total:,}, at most {limits.calendar_steps:,})")


def _freq(rule) -> str:
    value = str((rule.get("FREQ") or ["?"])[0]).upper()
    return value if value.isalpha() and len(value) <= 8 else "?"


def _check_counts(count: int, total: int, limits: ImportLimits, deadline: float) -> None:
    if count > limits.per_series:
        raise CalendarTooLarge(f"an event has more than {limits.per_series:,} occurrences within the booking horizon")
    if total > limits.per_calendar:
        raise CalendarTooLarge(f"more than {limits.per_calendar:,} events within the booking horizon")
    if total % 1024 == 1 and monotonic_clock.monotonic() > deadline:  # the clock costs too
        raise CalendarTooLarge(f"expanding the calendar took more than {limits.seconds:g} s")


def parse(body: bytes) -> icalendar.Calendar:
    # A cut connection often still parses as a shorter calendar: check that the end arrived.
    stripped = body.strip()
    if not stripped.startswith(b"BEGIN:VCALENDAR"):
        raise MalformedCalendar("not an iCalendar file (no BEGIN:VCALENDAR)")
    if not stripped.endswith(b"END:VCALENDAR"):
        raise MalformedCalendar("truncated iCalendar file (no END:VCALENDAR)")
    try:
        return icalendar.Calendar.from_ical(stripped)
    except Exception as exc:  # icalendar raises ValueError, KeyError… on malformed content
        raise MalformedCalendar(f"unreadable iCalendar file: {exc}") from exc


def _busy_span(event: icalendar.Event, tz: ZoneInfo) -> tuple[datetime, datetime] | None:
    if str(event.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
        return None
    if str(event.get("STATUS", "")).upper() == "CANCELLED":
        return None
    if "DTSTART" not in event:
        return None
    first = event.decoded("DTSTART")
    if "DTEND" in event:
        last = event.decoded("DTEND")
    elif "DURATION" in event:
        last = first + event.decoded("DURATION")
    else:  # RFC 5545 §3.6.1: a date lasts one day, a date-time has no duration
        last = first + timedelta(days=1) if not isinstance(first, datetime) else first
    lower, upper = _instant(first, tz), _instant(last, tz)
    return (lower, upper) if lower < upper else None


def _instant(value: date | datetime, tz: ZoneInfo) -> datetime:
    """All-day dates are the whole local day of the practice; floating times are local too."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time())
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(UTC)


def merge(spans: list[tuple[datetime, datetime]], min_gap: timedelta = timedelta(0)) -> list[tuple[datetime, datetime]]:
    """Sorted disjoint spans; two spans closer than `min_gap` become one."""
    merged: list[tuple[datetime, datetime]] = []
    for lower, upper in sorted(spans):
        if merged and lower - merged[-1][1] < min_gap or merged and lower <= merged[-1][1]:
            if upper > merged[-1][1]:
                merged[-1] = (merged[-1][0], upper)
        else:
            merged.append((lower, upper))
    return merged
