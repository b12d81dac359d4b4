"""A week of free slots for one service, and the jump to the first free one.

Slot computation is the booking core's (`list_slots`); this only groups and pages it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from portal.booking.availability import BookingTarget, list_slots
from portal.scheduling import Slot

SEARCH_CHUNK_DAYS = 14


@dataclass(frozen=True)
class Day:
    date: date
    slots: list[Slot]


@dataclass(frozen=True)
class Week:
    monday: date
    days: list[Day]
    previous: date | None  # None: this week holds today, nothing earlier to show
    next: date | None  # None: beyond the service's booking horizon

    @property
    def empty(self) -> bool:
        return not any(day.slots for day in self.days)


def monday_of(value: date) -> date:
    return value - timedelta(days=value.weekday())


def parse_week(raw: str | None, today: date, horizon: timedelta = timedelta(days=366)) -> date:
    """The Monday of the asked week, between this week and the horizon's (a bad value means
    this week)."""
    try:
        wanted = date.fromisoformat(raw) if raw else today
    except ValueError:
        wanted = today
    wanted = min(max(wanted, today), today + horizon)
    return monday_of(wanted)


async def load_week(target: BookingTarget, monday: date, now: datetime, exclude_appointment: int | None = None) -> Week:
    today = now.astimezone(target.tz).date()
    first = max(monday, today)  # past days of this week have nothing to offer
    last = monday + timedelta(days=6)
    slots = await list_slots(target, first, last, now, exclude_appointment)
    by_day: dict[date, list[Slot]] = {}
    for slot in slots:
        by_day.setdefault(slot.start.astimezone(target.tz).date(), []).append(slot)
    days = [Day(first + timedelta(days=i), by_day.get(first + timedelta(days=i), []))
            for i in range((last - first).days + 1)]
    horizon = today + target.rules.horizon
    return Week(
        monday=monday, days=days,
        previous=monday - timedelta(days=7) if monday > monday_of(today) else None,
        next=monday + timedelta(days=7) if monday + timedelta(days=7) <= horizon else None,
    )


async def first_free_day(target: BookingTarget, now: datetime) -> date | None:
    """The day of the first free slot within the service's horizon, searched in chunks."""
    today = now.astimezone(target.tz).date()
    horizon = today + target.rules.horizon
    start = today
    while start <= horizon:
        end = min(start + timedelta(days=SEARCH_CHUNK_DAYS - 1), horizon)
        slots = await list_slots(target, start, end, now)
        if slots:
            return slots[0].start.astimezone(target.tz).date()
        start = end + timedelta(days=1)
    return None
