"""A week of free slots for one service, and the jump to the first free one.

Slot computation is the booking core's (`list_days`); this only groups and pages it. On a phone
a week could be 150 slot links in one column: each day shows its first SHOWN_PER_DAY slots and
the rest behind a <details> (no JavaScript needed, and closed, its links take no Tab stop).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

from portal.booking.availability import BookingTarget, list_days, list_slots
from portal.scheduling import Slot

SEARCH_CHUNK_DAYS = 14
SHOWN_PER_DAY = 4


def slot_id(start: datetime) -> str:
    """The HTML id of a slot's link (UTC: the repeated autumn hour must not give two the same)."""
    return start.astimezone(UTC).strftime("slot-%Y%m%dT%H%MZ")


@dataclass(frozen=True)
class Day:
    date: date
    slots: list[Slot]
    open: bool = True  # False: the practitioner does not work that day (not merely full)
    over: bool = False  # True: open, but no slot can start any more (hours or notice passed), not full

    @property
    def first(self) -> list[Slot]:
        return self.slots[:SHOWN_PER_DAY]

    @property
    def more(self) -> list[Slot]:
        return self.slots[SHOWN_PER_DAY:]


@dataclass(frozen=True)
class Week:
    monday: date
    days: list[Day]
    previous: date | None  # None: this week holds today, nothing earlier to show
    next: date | None  # None: beyond the service's booking horizon
    # Slots starting before this can no longer be moved or cancelled online (the practice's cut-off).
    changes_close: datetime | None = None
    today: date | None = None  # in the practice's time zone: an open day with nothing left is "over" today

    @property
    def empty(self) -> bool:
        return not any(day.slots for day in self.days)

    def late(self, slot: Slot) -> bool:
        return self.changes_close is not None and slot.start < self.changes_close

    @property
    def any_late(self) -> bool:
        return any(self.late(slot) for day in self.days for slot in day.slots)


def slot_links(week: Week, slots: Iterable[Slot], tz: ZoneInfo, slot_url: str, late_text: str, *,
               full: Callable[[datetime, ZoneInfo], str], time_of_day: Callable[[datetime, ZoneInfo], str]) -> Markup:
    """The `<li>` links of some of a week's slots, built here rather than by a template macro per
    slot (a week page holds up to ~150 of them: Jinja's macro calls and filters were most of the
    page's cost). `slot_url` is the link prefix to which the ISO start, URL-encoded, is appended;
    `late_text` the (already translated) words added to a late slot's label; `full` and
    `time_of_day` the locale's formats. Every text is escaped here as the template would have."""
    return Markup("\n".join(  # the template's line break follows the last
        _slot_item(slot.start, tz, slot_url, late_text if week.late(slot) else None, full, time_of_day)
        for slot in slots))


# The same slots come back on every view of a week: their links are kept (bounded, a few MB).
@lru_cache(maxsize=16_384)
def _slot_item(start: datetime, tz: ZoneInfo, slot_url: str, late_text: str | None,
               full: Callable[[datetime, ZoneInfo], str], time_of_day: Callable[[datetime, ZoneInfo], str]) -> str:
    # An ISO start holds digits, '-', 'T', ':' and '+': only the last two need URL-encoding.
    href = escape(slot_url) + start.astimezone(tz).isoformat().replace(":", "%3A").replace("+", "%2B")
    label, time_text = escape(full(start, tz)), escape(time_of_day(start, tz))
    if late_text is None:
        return (f'<li><a class="slot" href="{href}" id="{slot_id(start)}"\n'
                f'  aria-label="{label}">{time_text}</a></li>')
    return (f'<li><a class="slot late" href="{href}" id="{slot_id(start)}"\n'
            f'  aria-label="{label}{escape(late_text)}">{time_text}<span aria-hidden="true"> *</span></a></li>')


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


async def load_week(target: BookingTarget, monday: date, now: datetime, exclude_appointment: int | None = None,
                    cutoff_hours: int = 0) -> Week:
    today = now.astimezone(target.tz).date()
    first = max(monday, today)  # past days of this week have nothing to offer
    last = monday + timedelta(days=6)
    slots, open_days, over_days = await list_days(target, first, last, now, exclude_appointment)
    by_day: dict[date, list[Slot]] = {}
    for slot in slots:
        by_day.setdefault(slot.start.astimezone(target.tz).date(), []).append(slot)
    dates = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    days = [Day(day, by_day.get(day, []), day in open_days, day in over_days) for day in dates]
    horizon = today + target.rules.horizon
    return Week(
        monday=monday, days=days,
        previous=monday - timedelta(days=7) if monday > monday_of(today) else None,
        next=monday + timedelta(days=7) if monday + timedelta(days=7) <= horizon else None,
        changes_close=now + timedelta(hours=cutoff_hours) if cutoff_hours else None,
        today=today,
    )


async def first_free_slot(target: BookingTarget, now: datetime) -> Slot | None:
    """The first free slot within the service's horizon, searched in chunks."""
    today = now.astimezone(target.tz).date()
    horizon = today + target.rules.horizon
    start = today
    while start <= horizon:
        end = min(start + timedelta(days=SEARCH_CHUNK_DAYS - 1), horizon)
        slots = await list_slots(target, start, end, now)
        if slots:
            return slots[0]
        start = end + timedelta(days=1)
    return None
