"""The practice's agenda: a day or a week of one or several practitioners, as staff see it.

Appointments (with patient and service), imported busy blocks, time off and other dated
exceptions, opening hours and the free slots patients would be offered (portal.booking.
availability and portal.scheduling: the same computation as the booking pages), plus the past
appointments whose attendance nobody recorded yet. Every read is bounded by its window on the
(practitioner_id, blocked_from) index, however long the practice's history.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from portal import access
from portal.audit.record import record_read, record_read_once
from portal.booking.availability import Calendar, load_calendar, load_staff_target
from portal.booking.book import plausible
from portal.context import Ctx
from portal.errors import FieldErrors, NotFound
from portal.models import AppointmentStatus, AvailabilityException, Service
from portal.practice.models import from_minutes
from portal.scheduling import MAX_BLOCKED, Interval, Slot, available_slots, opening_intervals
from portal.sql import as_datetime, fetch

MAX_DAYS = 7
MAX_PRACTITIONERS = 12
NOT_FILLED_LOOKBACK = timedelta(days=90)  # older forgotten visits are not the agenda's business
NOT_FILLED_LIMIT = 100


@dataclass(frozen=True)
class AgendaAppointment:
    id: int
    practitioner_id: int
    patient_id: int
    patient_first_name: str
    patient_last_name: str
    service: str
    status: AppointmentStatus
    source: str
    starts_at: datetime
    ends_at: datetime
    version: int
    # A child's appointment: the adult accompanying the child (None when the patient came alone).
    guardian_name: str | None = None


@dataclass(frozen=True)
class TimeOff:
    """A dated exception as the practice wrote it: a closure (holidays, training) or an extra
    opening, the whole day (times None) or some hours, with its label."""

    start_date: date
    end_date: date
    kind: str  # "closed" or "open"
    starts: time | None
    ends: time | None
    label: str


@dataclass(frozen=True)
class PractitionerDay:
    """One practitioner's window: what is booked, what is busy elsewhere, when they work."""

    practitioner_id: int
    name: str
    tz: ZoneInfo
    appointments: list[AgendaAppointment]
    busy: list[Interval]
    exceptions: list[TimeOff]
    opening_hours: list[Interval]
    free_slots: list[Slot]  # for the practitioner's first service (by position), as online


@dataclass(frozen=True)
class Agenda:
    first: date
    last: date
    practitioners: list[PractitionerDay]
    not_filled: list[AgendaAppointment]  # past, attendance not recorded, newest first


_COLUMNS = """a.id, a.practitioner_id, a.patient_id, pa.first_name, pa.last_name, s.name, a.status, a.source,
       a.starts_at, a.ends_at, a.version, a.guardian_first_name, a.guardian_last_name
FROM appointment a
JOIN patient pa ON pa.id = a.patient_id
JOIN service s ON s.id = a.service_id"""
# Parameters: practitioner, lowest blocked_from (window start less MAX_BLOCKED), window end,
# window end, window start.
WINDOW_SQL = f"""SELECT {_COLUMNS}
WHERE a.practitioner_id = ? AND a.blocked_from >= ? AND a.blocked_from < ? AND a.starts_at < ? AND a.ends_at > ?
ORDER BY a.starts_at"""
NOT_FILLED_SQL = f"""SELECT {_COLUMNS}
WHERE a.practitioner_id = ? AND a.blocked_from >= ? AND a.blocked_from < ? AND a.status = ? AND a.starts_at < ?
ORDER BY a.starts_at DESC LIMIT {NOT_FILLED_LIMIT}"""


def _appointment(row) -> AgendaAppointment:
    (id_, practitioner_id, patient_id, first, last, service, status, source, starts, ends, version,
     guardian_first, guardian_last) = row
    guardian = None if guardian_first is None else f"{guardian_first} {guardian_last or ''}".strip()
    return AgendaAppointment(id_, practitioner_id, patient_id, first, last, service, AppointmentStatus(status), source,
                             as_datetime(starts), as_datetime(ends), version, guardian)


def _check_window(first: object, days: object) -> None:
    if not isinstance(first, date) or isinstance(first, datetime) or not plausible(first):
        raise FieldErrors({"first": "Choisissez un jour."})
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_DAYS:
        raise FieldErrors({"days": f"Un agenda montre de 1 à {MAX_DAYS} jours."})


async def _practitioners_in_scope(ctx: Ctx, practitioner_ids: list[int]) -> list[tuple[int, str, str]]:
    """(id, display name, first service's slug); every id asked for must be in scope."""
    query = access.practitioners(ctx)
    if practitioner_ids:
        if len(set(practitioner_ids)) > MAX_PRACTITIONERS or not all(access.is_id(i) for i in practitioner_ids):
            raise NotFound("Praticien introuvable.")
        query = query.filter(id__in=sorted(set(practitioner_ids)))
    found = await query.order_by("last_name", "id").limit(MAX_PRACTITIONERS).values_list(
        "id", "title", "first_name", "last_name")
    if practitioner_ids and len(found) != len(set(practitioner_ids)):
        raise NotFound("Praticien introuvable.")
    services = dict(await Service.filter(practitioner_id__in=[row[0] for row in found]).order_by(
        "-position", "-id").values_list("practitioner_id", "slug"))  # the last written wins: position 0
    return [(id_, " ".join(p for p in (title, first, last) if p), services.get(id_, ""))
            for id_, title, first, last in found]


async def agenda(ctx: Ctx, practitioner_ids: list[int], first: date, days: int = 7) -> Agenda:
    """`practitioner_ids` empty: every practitioner in the context's scope."""
    access.require_staff(ctx)
    _check_window(first, days)
    last = first + timedelta(days=days - 1)
    chosen = await _practitioners_in_scope(ctx, practitioner_ids)
    views = [await _practitioner_window(ctx, id_, name, slug, first, last) for id_, name, slug in chosen]
    found = Agenda(first, last, views, await _not_filled_of(ctx, [id_ for id_, _, _ in chosen]))
    await _record_read(ctx, found, days)
    return found


async def _record_read(ctx: Ctx, found: Agenda, days: int) -> None:
    """Staff saw these patients' names and services: one event says who, which agendas, which
    days and how many appointments (the appointments themselves say whose), never a name. The
    page refreshes itself every minute: the same appointments seen again soon are the same read
    (`shown`, a digest of their ids, tells a changed page from the same one)."""
    shown = {a.id for view in found.practitioners for a in view.appointments} | {a.id for a in found.not_filled}
    if not shown:
        return
    detail = dict(count=len(shown), date=found.first.isoformat(), days=days,
                  practitioner_ids=[view.practitioner_id for view in found.practitioners],
                  shown=hashlib.sha256(",".join(map(str, sorted(shown))).encode()).hexdigest()[:16])
    if ctx.scope.practice_ids and len(ctx.scope.practice_ids) == 1:
        await record_read_once(ctx, "agenda.view", "agenda", practice_id=next(iter(ctx.scope.practice_ids)),
                               **detail)
    else:
        await record_read(ctx, "agenda.view", "agenda", None, **detail)


async def _practitioner_window(ctx: Ctx, practitioner_id: int, name: str, service_slug: str, first: date,
                               last: date) -> PractitionerDay:
    target = await load_staff_target(practitioner_id, service_slug) if service_slug else None
    tz, region = (target.tz, target.holiday_region) if target else await _practice_tz(practitioner_id)
    lower = datetime.combine(first, time(), tz)
    upper = datetime.combine(last + timedelta(days=1), time(), tz)
    calendar = await load_calendar(practitioner_id, first, last, tz)
    rows = await fetch(WINDOW_SQL, practitioner_id, lower - MAX_BLOCKED, upper, upper, lower)
    slots = [] if target is None else available_slots(
        rules=calendar.rules, breaks=calendar.breaks, exceptions=calendar.exceptions,
        appointments=calendar.appointments, busy=calendar.busy, service=target.rules, now=ctx.now, tz=tz,
        start_date=first, end_date=last, holiday_region=target.holiday_region)
    return PractitionerDay(
        practitioner_id, name, tz, [_appointment(row) for row in rows],
        busy=[b for b in calendar.busy if b.start < upper and b.end > lower],
        exceptions=await _time_off(practitioner_id, first, last),
        opening_hours=_opening_hours(calendar, first, last, tz, region), free_slots=slots)


async def _time_off(practitioner_id: int, first: date, last: date) -> list[TimeOff]:
    rows = await AvailabilityException.filter(practitioner_id=practitioner_id, start_date__lte=last,
                                              end_date__gte=first).order_by("start_date", "id").values_list(
        "start_date", "end_date", "kind", "starts", "ends", "label")
    return [TimeOff(start, end, kind, _time(starts), _time(ends), label)
            for start, end, kind, starts, ends, label in rows]


def _time(minutes: int | None) -> time | None:
    return None if minutes is None else from_minutes(minutes)


async def _practice_tz(practitioner_id: int) -> tuple[ZoneInfo, str]:
    """The practice's time zone and holiday region (portal.scheduling.holidays)."""
    rows = await fetch("SELECT pr.timezone, pr.holiday_region FROM practitioner p JOIN practice pr "
                       "ON pr.id = p.practice_id WHERE p.id = ?", practitioner_id)
    return ZoneInfo(rows[0][0]), rows[0][1] or ""


def _opening_hours(calendar: Calendar, first: date, last: date, tz: ZoneInfo, region: str = "") -> list[Interval]:
    spans: list[Interval] = []
    day = first
    while day <= last:
        spans += opening_intervals(day, rules=calendar.rules, breaks=calendar.breaks,
                                   exceptions=calendar.exceptions, tz=tz, holiday_region=region)
        day += timedelta(days=1)
    return spans


async def not_filled(ctx: Ctx, practitioner_ids: list[int] | None = None) -> list[AgendaAppointment]:
    """Past appointments of the last NOT_FILLED_LOOKBACK whose attendance is still "non
    renseigné", newest first, at most NOT_FILLED_LIMIT (the agenda shows them so that nothing is
    forgotten). `practitioner_ids` empty or None: every practitioner in scope."""
    access.require_staff(ctx)
    chosen = await _practitioners_in_scope(ctx, practitioner_ids or [])
    return await _not_filled_of(ctx, [id_ for id_, *_ in chosen])


async def _not_filled_of(ctx: Ctx, practitioner_ids: list[int]) -> list[AgendaAppointment]:
    """For practitioners already checked against the context."""
    found: list[AgendaAppointment] = []
    for practitioner_id in practitioner_ids:
        rows = await fetch(NOT_FILLED_SQL, practitioner_id, ctx.now - NOT_FILLED_LOOKBACK - MAX_BLOCKED, ctx.now,
                           AppointmentStatus.NOT_FILLED.value, ctx.now)
        found += [_appointment(row) for row in rows]
    return sorted(found, key=lambda a: a.starts_at, reverse=True)[:NOT_FILLED_LIMIT]
