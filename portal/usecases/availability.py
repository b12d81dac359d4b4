"""Reading what slot computation needs, with narrow column reads (model instances are slow)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from portal.models import (
    CANCELLED_STATUSES,
    Appointment,
    AvailabilityException,
    BusyBlock,
    OpeningHours,
    Practice,
    Practitioner,
    Service,
)
from portal.models.practice import from_minutes
from portal.scheduling import (
    DateException,
    Interval,
    ServiceRules,
    Slot,
    WeeklyBreak,
    WeeklyRule,
    available_slots,
    is_bookable,
)
from portal.usecases.errors import NotFound

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


async def load_target(practitioner_slug: str, service_slug: str) -> BookingTarget:
    row = await (
        Practitioner.filter(slug=practitioner_slug, bookable=True)
        .values("id", "practice_id", "slot_step_minutes", "daily_limit", "practice__timezone")
    )
    if not row:
        raise NotFound("Praticien introuvable.")
    practitioner = row[0]
    services = await Service.filter(
        practitioner_id=practitioner["id"], slug=service_slug, bookable_online=True
    ).values("id", "duration_minutes", "buffer_before_minutes", "buffer_after_minutes", "min_notice_minutes", "horizon_days")
    if not services:
        raise NotFound("Prestation introuvable.")
    service = services[0]
    duration = timedelta(minutes=service["duration_minutes"])
    rules = ServiceRules(
        duration=duration,
        buffer_before=timedelta(minutes=service["buffer_before_minutes"]),
        buffer_after=timedelta(minutes=service["buffer_after_minutes"]),
        min_notice=timedelta(minutes=service["min_notice_minutes"]),
        horizon=timedelta(days=service["horizon_days"]),
        step=timedelta(minutes=practitioner["slot_step_minutes"]),
        daily_limit=practitioner["daily_limit"],
    )
    return BookingTarget(
        practitioner["practice_id"], practitioner["id"], service["id"],
        ZoneInfo(practitioner["practice__timezone"]), rules, duration,
    )


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


async def load_calendar(
    practitioner_id: int, first: date, last: date, tz: ZoneInfo, exclude_appointment: int | None = None
) -> Calendar:
    lower, upper = _utc_bounds(first, last, tz)
    hours = await OpeningHours.filter(practitioner_id=practitioner_id).values_list("weekday", "starts", "ends", "kind")
    exceptions = await AvailabilityException.filter(
        practitioner_id=practitioner_id, start_date__lte=last, end_date__gte=first
    ).values_list("start_date", "end_date", "kind", "starts", "ends")
    appointments = Appointment.filter(
        practitioner_id=practitioner_id, blocked_from__lt=upper, blocked_until__gt=lower
    ).exclude(status__in=list(CANCELLED_STATUSES))
    if exclude_appointment is not None:
        appointments = appointments.exclude(id=exclude_appointment)
    taken = await appointments.values_list("blocked_from", "blocked_until")
    busy = await BusyBlock.filter(
        practitioner_id=practitioner_id, starts_at__lt=upper, ends_at__gt=lower
    ).values_list("starts_at", "ends_at")
    return Calendar(
        rules=[WeeklyRule(w, _t(s), _t(e)) for w, s, e, kind in hours if kind == "open"],
        breaks=[WeeklyBreak(w, _t(s), _t(e)) for w, s, e, kind in hours if kind == "break"],
        exceptions=[DateException(a, b, kind, _t(s), _t(e)) for a, b, kind, s, e in exceptions],
        appointments=[Interval(a, b) for a, b in taken],
        busy=[Interval(a, b) for a, b in busy],
    )


async def list_slots(target: BookingTarget, first: date, last: date, now: datetime) -> list[Slot]:
    calendar = await load_calendar(target.practitioner_id, first, last, target.tz)
    return available_slots(
        rules=calendar.rules, breaks=calendar.breaks, exceptions=calendar.exceptions,
        appointments=calendar.appointments, busy=calendar.busy, service=target.rules,
        now=now, tz=target.tz, start_date=first, end_date=last,
    )


async def check_start(target: BookingTarget, start: datetime, now: datetime, exclude_appointment: int | None = None) -> str:
    """'ok', 'off_grid' (never a slot: wrong time, closed, too soon…) or 'taken' (a slot, but busy)."""
    day = start.astimezone(target.tz).date()
    calendar = await load_calendar(target.practitioner_id, day, day, target.tz, exclude_appointment)
    common = dict(
        rules=calendar.rules, breaks=calendar.breaks, exceptions=calendar.exceptions,
        service=target.rules, now=now, tz=target.tz,
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


async def practice_of(practice_id: int) -> Practice:
    practice = await Practice.get_or_none(id=practice_id)
    if practice is None:
        raise NotFound("Cabinet introuvable.")
    return practice
