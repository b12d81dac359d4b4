"""Value types of the scheduling package.

Every type validates itself on construction so that the pure functions
working on them never have to guess what an inconsistent input means.
Datetimes are aware and normalised to UTC; wall-clock times (``time``) are
naive and only gain a meaning together with a date and a zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

OPEN = "open"
CLOSED = "closed"
_KINDS = (OPEN, CLOSED)


def require_aware(value: datetime, name: str) -> None:
    """Refuse naive datetimes: a naive value would silently mean server time."""
    if not isinstance(value, datetime):
        raise ValueError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value.isoformat()}")


def _require_wall_span(owner: str, start: time, end: time) -> None:
    for name, value in (("start", start), ("end", end)):
        if not isinstance(value, time):
            raise ValueError(f"{owner}.{name} must be a datetime.time, got {value!r}")
        # An aware time has no meaning without a date (DST), so we forbid it.
        if value.tzinfo is not None:
            raise ValueError(f"{owner}.{name} must be a naive local wall time, got {value!r}")
    if start >= end:
        raise ValueError(f"{owner}: start {start} must be before end {end}")


def _require_weekday(owner: str, weekday: int) -> None:
    # bool is an int subclass; True as a weekday is certainly a bug.
    if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
        raise ValueError(f"{owner}.weekday must be an int 0 (Monday)..6 (Sunday), got {weekday!r}")


def _set_utc(obj: object, name: str, value: datetime) -> None:
    # Frozen dataclass: normalising in __post_init__ needs object.__setattr__.
    object.__setattr__(obj, name, value.astimezone(UTC))


@dataclass(frozen=True, slots=True)
class WeeklyRule:
    """Opening hours on a weekday (0=Monday..6=Sunday), local wall times."""

    weekday: int
    start: time
    end: time

    def __post_init__(self) -> None:
        _require_weekday("WeeklyRule", self.weekday)
        _require_wall_span("WeeklyRule", self.start, self.end)


@dataclass(frozen=True, slots=True)
class WeeklyBreak:
    """A break subtracted from that weekday's weekly opening hours."""

    weekday: int
    start: time
    end: time

    def __post_init__(self) -> None:
        _require_weekday("WeeklyBreak", self.weekday)
        _require_wall_span("WeeklyBreak", self.start, self.end)


@dataclass(frozen=True, slots=True)
class DateException:
    """A dated exception over local dates ``start_date..end_date`` inclusive.

    ``kind="closed"``: whole day when start/end are None, else that part of
    each covered day.  ``kind="open"``: with times, extra opening hours added
    to the day; whole-day (None/None) means "open normally", which only
    matters on a public holiday (it restores the weekly hours).
    """

    start_date: date
    end_date: date
    kind: str
    start: time | None = None
    end: time | None = None

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ValueError(f"DateException.kind must be one of {_KINDS}, got {self.kind!r}")
        for name in ("start_date", "end_date"):
            value = getattr(self, name)
            # datetime is a date subclass; accepting it would hide a time part.
            if not isinstance(value, date) or isinstance(value, datetime):
                raise ValueError(f"DateException.{name} must be a date, got {value!r}")
        if self.end_date < self.start_date:
            raise ValueError(
                f"DateException: end_date {self.end_date} is before start_date {self.start_date}"
            )
        if (self.start is None) != (self.end is None):
            raise ValueError("DateException: give both start and end, or neither (whole day)")
        if self.start is not None and self.end is not None:
            _require_wall_span("DateException", self.start, self.end)

    @property
    def whole_day(self) -> bool:
        return self.start is None

    def covers(self, day: date) -> bool:
        return self.start_date <= day <= self.end_date


@dataclass(frozen=True, slots=True)
class Interval:
    """Half-open ``[start, end)`` between aware instants, stored in UTC."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        require_aware(self.start, "Interval.start")
        require_aware(self.end, "Interval.end")
        if self.start >= self.end:
            raise ValueError(f"Interval: start {self.start} must be before end {self.end}")
        _set_utc(self, "start", self.start)
        _set_utc(self, "end", self.end)


# The longest span one booking may block, buffers included. The database refuses longer spans,
# which bounds every overlap search to an index range of one day before the instant checked
# instead of the practitioner's whole history.
MAX_BLOCKED = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class ServiceRules:
    """How a service is booked: length, buffers and booking window."""

    duration: timedelta
    buffer_before: timedelta = timedelta(0)
    buffer_after: timedelta = timedelta(0)
    min_notice: timedelta = timedelta(0)
    horizon: timedelta = timedelta(days=60)
    step: timedelta = timedelta(minutes=15)
    daily_limit: int | None = None

    def __post_init__(self) -> None:
        for name in ("duration", "step"):
            if getattr(self, name) <= timedelta(0):
                raise ValueError(f"ServiceRules.{name} must be positive, got {getattr(self, name)}")
        for name in ("buffer_before", "buffer_after", "min_notice", "horizon"):
            if getattr(self, name) < timedelta(0):
                raise ValueError(f"ServiceRules.{name} must not be negative, got {getattr(self, name)}")
        if self.buffer_before + self.duration + self.buffer_after > MAX_BLOCKED:
            raise ValueError(f"ServiceRules: duration and buffers must fit in {MAX_BLOCKED}")
        limit = self.daily_limit
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
            raise ValueError(f"ServiceRules.daily_limit must be None or an int >= 0, got {limit!r}")


@dataclass(frozen=True, slots=True)
class Slot:
    """A bookable slot; ``end - start`` is the service duration, in UTC."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        require_aware(self.start, "Slot.start")
        require_aware(self.end, "Slot.end")
        if self.start >= self.end:
            raise ValueError(f"Slot: start {self.start} must be before end {self.end}")
        _set_utc(self, "start", self.start)
        _set_utc(self, "end", self.end)
