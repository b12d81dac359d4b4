"""Reading what slot computation needs, with narrow column reads (model instances are slow)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from portal.errors import NotFound
from portal.models import CANCELLED_STATUSES
from portal.practice.models import from_minutes
from portal.scheduling import (
    MAX_BLOCKED,
    DateException,
    Interval,
    ServiceRules,
    Slot,
    WeeklyBreak,
    WeeklyRule,
    available_slots,
    blocked_interval,
    is_bookable,
    opening_intervals,
)
from portal.sql import as_date, as_datetime, fetch

MAX_RANGE_DAYS = 62


@dataclass(frozen=True)
class BookingTarget:
    """A practitioner and one of their services, with what rules the booking needs."""

    practice_id: int
    practitioner_id: int
    service_id: int
    tz: ZoneInfo
    rules: ServiceRules
    duration: timedelta
    reminder_policy: dict
    notify_practitioner: bool
    # Online bookings the practitioner takes per hour and per day (0: no limit), and the
    # regions the practice sends SMS to (portal.limits).
    online_per_hour: int = 0
    online_per_day: int = 0
    sms_regions: str = ""
    confirm_online: bool = False  # the practice asks online bookings for a confirmation
    holiday_region: str = ""  # whose public holidays close the practice (portal.scheduling.holidays)
    audience: str = "adult"  # who the service is for: adult, child or all (portal.practice.models.AUDIENCES)


# The target's columns and joins; a booking adds the patient lookup to this same read
# (portal.booking.rows). Parameters: the service's slug, then the practitioner's.
TARGET_COLUMNS = """p.id, p.practice_id, p.slot_step_minutes, p.daily_limit,
       pr.timezone, pr.reminder_policy, pr.notify_practitioner,
       s.id, s.duration_minutes, s.buffer_before_minutes, s.buffer_after_minutes,
       s.min_notice_minutes, s.horizon_days,
       p.online_bookings_per_hour, p.online_bookings_per_day, pr.sms_regions, pr.confirm_online_bookings,
       pr.holiday_region, s.audience"""
TARGET_WIDTH = 19  # the number of TARGET_COLUMNS: a booking's patient columns follow them
TARGET_FROM = """practitioner p
JOIN practice pr ON pr.id = p.practice_id
LEFT JOIN service s ON s.practitioner_id = p.id AND s.slug = ? AND s.bookable_online"""
TARGET_WHERE = "p.slug = ? AND p.bookable"
_TARGET_SQL = f"SELECT {TARGET_COLUMNS} FROM {TARGET_FROM} WHERE {TARGET_WHERE}"


# The practice's own view of a practitioner and a service (a phone booking, the agenda): by id,
# whether or not either is offered online. Parameters: the service's slug, the practitioner's id.
STAFF_TARGET_SQL = f"""SELECT {TARGET_COLUMNS}
FROM practitioner p
JOIN practice pr ON pr.id = p.practice_id
LEFT JOIN service s ON s.practitioner_id = p.id AND s.slug = ?
WHERE p.id = ?"""


async def load_staff_target(practitioner_id: int, service_slug: str) -> BookingTarget:
    """The caller has checked `practitioner_id` against its context (portal.access)."""
    rows = await fetch(STAFF_TARGET_SQL, service_slug, practitioner_id)
    if not rows:
        raise NotFound("Praticien introuvable.")
    return target_from_row(rows[0])


async def load_target(practitioner_slug: str, service_slug: str) -> BookingTarget:
    rows = await fetch(_TARGET_SQL, service_slug, practitioner_slug)
    if not rows:
        raise NotFound("Praticien introuvable.")
    return target_from_row(rows[0])


def target_from_row(row) -> BookingTarget:
    """The target from the first TARGET_WIDTH columns of a row read with TARGET_COLUMNS."""
    (practitioner_id, practice_id, step, daily_limit, tz_name, policy, notify,
     service_id, duration, before, after, notice, horizon, per_hour, per_day, sms_regions,
     confirm_online, holiday_region, audience) = row[:TARGET_WIDTH]
    if service_id is None:
        raise NotFound("Prestation introuvable.")
    rules = ServiceRules(
        duration=timedelta(minutes=duration),
        buffer_before=timedelta(minutes=before),
        buffer_after=timedelta(minutes=after),
        min_notice=timedelta(minutes=notice),
        horizon=timedelta(days=horizon),
        step=timedelta(minutes=step),
        daily_limit=daily_limit,
    )
    return BookingTarget(
        practice_id, practitioner_id, service_id, ZoneInfo(tz_name), rules, rules.duration,
        _json(policy), bool(notify), per_hour, per_day, sms_regions, bool(confirm_online),
        holiday_region or "", audience or "adult",
    )


def _json(value) -> dict:
    # A JSON column read through a join comes back as text on some backends.
    return json.loads(value) if isinstance(value, str | bytes) else (value or {})


@dataclass(frozen=True)
class Calendar:
    """Everything slot computation needs for one practitioner over a span."""

    rules: list[WeeklyRule]
    breaks: list[WeeklyBreak]
    exceptions: list[DateException]
    appointments: list[Interval]
    busy: list[Interval]


def _t(minutes: int | None) -> time | None:
    return None if minutes is None else from_minutes(minutes)


def _utc_bounds(first: date, last: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    # A day of margin on each side covers buffers and any offset.
    start = datetime.combine(first - timedelta(days=1), time(), tz)
    end = datetime.combine(last + timedelta(days=2), time(), tz)
    return start, end


_CANCELLED = ", ".join(f"'{status.value}'" for status in sorted(CANCELLED_STATUSES))
# One read instead of four (each is a round trip to PostgreSQL, or a turn on SQLite's one
# connection): weekly hours, dated exceptions, appointments and busy blocks, as rows of
# (tag, weekday, first day, last day, kind, start minute, end minute, from, until), each tag
# filling its own columns. The first branch types its NULLs: PostgreSQL resolves the column
# types of a UNION pair by pair, and a column NULL in two branches would become text.
_CALENDAR_SQL = f"""
SELECT 'hours', weekday, CAST(NULL AS DATE), CAST(NULL AS DATE), kind, starts, ends,
       CAST(NULL AS TIMESTAMPTZ), CAST(NULL AS TIMESTAMPTZ)
FROM opening_hours WHERE practitioner_id = ?
UNION ALL
SELECT 'exception', NULL, start_date, end_date, kind, starts, ends, NULL, NULL
FROM availability_exception WHERE practitioner_id = ? AND start_date <= ? AND end_date >= ?
UNION ALL
SELECT 'appointment', NULL, NULL, NULL, NULL, NULL, NULL, blocked_from, blocked_until FROM appointment
WHERE practitioner_id = ? AND blocked_from >= ? AND blocked_from < ? AND blocked_until > ?
  AND id <> ? AND status NOT IN ({_CANCELLED})
UNION ALL
SELECT 'busy', NULL, NULL, NULL, NULL, NULL, NULL, starts_at, ends_at
FROM busy_block WHERE practitioner_id = ? AND starts_at < ? AND ends_at > ?
"""


async def load_calendar(
    practitioner_id: int, first: date, last: date, tz: ZoneInfo, exclude_appointment: int | None = None,
    window: tuple[datetime, datetime] | None = None,
) -> Calendar:
    """`window` narrows the appointments and busy blocks read to those overlapping it (checking
    one start needs only what could collide with it)."""
    lower, upper = window or _utc_bounds(first, last, tz)
    # An appointment blocks at most MAX_BLOCKED (the database refuses longer): one overlapping
    # the window starts after `lower - MAX_BLOCKED`, and the index range read stops there
    # instead of running back through the practitioner's whole history.
    rows = await fetch(_CALENDAR_SQL, practitioner_id, practitioner_id, last, first,
                       practitioner_id, lower - MAX_BLOCKED, upper, lower, exclude_appointment or 0,
                       practitioner_id, upper, lower)
    by_tag: dict[str, list[tuple]] = {"hours": [], "exception": [], "appointment": [], "busy": []}
    for row in rows:
        by_tag[row[0]].append(row[1:])
    return Calendar(
        rules=[WeeklyRule(w, _t(s), _t(e)) for w, _, _, kind, s, e, _, _ in by_tag["hours"] if kind == "open"],
        breaks=[WeeklyBreak(w, _t(s), _t(e)) for w, _, _, kind, s, e, _, _ in by_tag["hours"] if kind == "break"],
        exceptions=[DateException(as_date(a), as_date(b), kind, _t(s), _t(e))
                    for _, a, b, kind, s, e, _, _ in by_tag["exception"]],
        appointments=[Interval(as_datetime(a), as_datetime(b)) for *_, a, b in by_tag["appointment"]],
        busy=[Interval(as_datetime(a), as_datetime(b)) for *_, a, b in by_tag["busy"]],
    )


async def list_slots(
    target: BookingTarget, first: date, last: date, now: datetime, exclude_appointment: int | None = None
) -> list[Slot]:
    """Free slots; `exclude_appointment` is the booking being moved (it does not block itself)."""
    calendar = await load_calendar(target.practitioner_id, first, last, target.tz, exclude_appointment)
    return available_slots(
        rules=calendar.rules, breaks=calendar.breaks, exceptions=calendar.exceptions,
        appointments=calendar.appointments, busy=calendar.busy, service=target.rules,
        now=now, tz=target.tz, start_date=first, end_date=last, holiday_region=target.holiday_region,
    )


async def list_days(
    target: BookingTarget, first: date, last: date, now: datetime, exclude_appointment: int | None = None
) -> tuple[list[Slot], set[date], set[date]]:
    """Free slots as `list_slots`, the days the practitioner is open at all, and among the open
    days without a free slot those that are over: no slot could still start, bookings or not (the
    hours or the notice have passed). A day with no free slot is closed, over or full, and patients
    are told which. One calendar read."""
    calendar = await load_calendar(target.practitioner_id, first, last, target.tz, exclude_appointment)
    common = dict(
        rules=calendar.rules, breaks=calendar.breaks, exceptions=calendar.exceptions,
        service=target.rules, now=now, tz=target.tz, holiday_region=target.holiday_region,
    )
    slots = available_slots(appointments=calendar.appointments, busy=calendar.busy,
                            start_date=first, end_date=last, **common)
    days = (first + timedelta(days=offset) for offset in range((last - first).days + 1))
    open_days = {day for day in days if opening_intervals(
        day, rules=calendar.rules, breaks=calendar.breaks, exceptions=calendar.exceptions, tz=target.tz,
        holiday_region=target.holiday_region)}
    with_slots = {slot.start.astimezone(target.tz).date() for slot in slots}
    empty = sorted(open_days - with_slots)
    over: set[date] = set()
    if empty:  # usually none, or today in the evening: one more pure pass over those days
        possible = available_slots(start_date=empty[0], end_date=empty[-1], **common)
        over = set(empty) - {slot.start.astimezone(target.tz).date() for slot in possible}
    return slots, open_days, over


async def check_start(target: BookingTarget, start: datetime, now: datetime, exclude_appointment: int | None = None) -> str:
    """'ok', 'off_grid' (never a slot: wrong time, closed, too soon…) or 'taken' (a slot, but busy)."""
    day = start.astimezone(target.tz).date()
    blocked = blocked_interval(start, target.rules)
    # With a daily limit the whole day's appointments count; otherwise only possible collisions.
    window = None if target.rules.daily_limit is not None else (blocked.start, blocked.end)
    calendar = await load_calendar(target.practitioner_id, day, day, target.tz, exclude_appointment, window)
    common = dict(
        rules=calendar.rules, breaks=calendar.breaks, exceptions=calendar.exceptions,
        service=target.rules, now=now, tz=target.tz, holiday_region=target.holiday_region,
    )
    if is_bookable(start, appointments=calendar.appointments, busy=calendar.busy, **common):
        return "ok"
    if is_bookable(start, **common):
        return "taken"
    return "off_grid"


async def nearest_slots(target: BookingTarget, around: datetime, now: datetime, count: int = 3) -> list[Slot]:
    """Free slots closest to a wanted time (shown when that time was just taken)."""
    day = around.astimezone(target.tz).date()
    slots = await list_slots(target, day - timedelta(days=3), day + timedelta(days=7), now)
    return sorted(slots, key=lambda slot: abs(slot.start - around))[:count]
