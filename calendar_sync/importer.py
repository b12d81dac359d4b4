"""An external calendar's body → busy intervals: pure (no network, no ORM, no clock).

icalendar parses, recurring-ical-events expands RRULE/RDATE/EXDATE/RECURRENCE-ID (and knows
Microsoft's zone names such as "Romance Standard Time"); this module decides what counts as
busy and pins dates and floating times to the practice's zone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events


class MalformedCalendar(Exception):
    """The body is not a complete iCalendar file (truncated, an HTML login page, garbage)."""


def busy_intervals(body: bytes, tz: ZoneInfo, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """Merged, sorted UTC intervals during which the calendar's owner is busy, clipped to
    [start, end). Transparent ("free") and cancelled events do not count."""
    calendar = parse(body)
    try:
        occurrences = recurring_ical_events.of(calendar, skip_bad_series=True).between(start, end)
    except Exception as exc:  # the library raises many types on bad rules and zones
        raise MalformedCalendar(f"recurrences could not be expanded: {exc}") from exc
    spans = []
    for event in occurrences:
        span = _busy_span(event, tz)
        if span is not None:
            lower, upper = max(span[0], start), min(span[1], end)
            if lower < upper:
                spans.append((lower, upper))
    return merge(spans)


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


def merge(spans: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for lower, upper in sorted(spans):
        if merged and lower <= merged[-1][1]:
            if upper > merged[-1][1]:
                merged[-1] = (merged[-1][0], upper)
        else:
            merged.append((lower, upper))
    return merged
