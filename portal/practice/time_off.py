"""Dated exceptions to a practitioner's week (issue 14 item 3): time off (holidays, a training
day, an afternoon off) and extra openings, added and removed with the audit event in the same
transaction. Adding time off does not touch existing appointments: it names those that fall
inside, and the practice then keeps, moves or cancels each one on the next page
(portal.booking.time_off_choices)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tortoise.transactions import in_transaction

from portal import access
from portal.audit.record import record
from portal.booking.models import AppointmentStatus
from portal.context import Ctx
from portal.db import retry_locked
from portal.errors import FieldErrors, NotFound
from portal.models import Appointment, AvailabilityException, Practice
from portal.practice.hours import parse_ranges

MAX_DAYS = 366
KINDS = ("closed", "open")
CANCELLED = (AppointmentStatus.CANCELLED_BY_PATIENT, AppointmentStatus.CANCELLED_BY_PRACTITIONER)


@dataclass(frozen=True)
class Added:
    exception: AvailabilityException
    inside: list[datetime]  # starts of the booked appointments inside new time off


def _date(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw.strip()[:10])
    except ValueError:
        return None


def validate(raw: Mapping[str, str]) -> tuple[date, date, str, int | None, int | None, str]:
    errors: dict[str, str] = {}
    start = _date(str(raw.get("start_date", "")))
    if start is None:
        errors["start_date"] = "Indiquez la date de début."
    typed_end = str(raw.get("end_date", "")).strip()
    end = _date(typed_end) if typed_end else start
    if typed_end and end is None:
        errors["end_date"] = "Cette date n'est pas valide."
    elif start and end and end < start:
        errors["end_date"] = "La date de fin vient avant la date de début."
    elif start and end and (end - start).days >= MAX_DAYS:
        errors["end_date"] = f"{MAX_DAYS} jours au plus."
    kind = str(raw.get("kind", ""))
    if kind not in KINDS:
        errors["kind"] = "Choisissez absence ou ouverture exceptionnelle."
    starts = ends = None
    typed_hours = str(raw.get("hours", "")).strip()
    if typed_hours:
        ranges, error = parse_ranges(typed_hours)
        if error or len(ranges) != 1:
            errors["hours"] = error or "Une seule plage horaire, par exemple 14:00-18:00."
        else:
            starts, ends = ranges[0]
    elif kind == "open":
        errors["hours"] = "Indiquez les heures de l'ouverture exceptionnelle, par exemple 14:00-18:00."
    label = " ".join(str(raw.get("label", "")).split())
    if len(label) > 120:
        errors["label"] = "120 caractères au plus."
    if errors:
        raise FieldErrors(errors)
    assert start is not None and end is not None
    return start, end, kind, starts, ends, label


async def upcoming(ctx: Ctx, practitioner_id: int) -> list[AvailabilityException]:
    access.require_agenda_owner(ctx)
    practitioner = await access.practitioner_by_id(ctx, practitioner_id)
    return await AvailabilityException.filter(practitioner_id=practitioner.id, end_date__gte=ctx.now.date()
                                              ).order_by("start_date", "id")


async def add_time_off(ctx: Ctx, practitioner_id: int, raw: Mapping[str, str]) -> Added:
    access.require_agenda_owner(ctx)
    practitioner = await access.practitioner_by_id(ctx, practitioner_id)
    start, end, kind, starts, ends, label = validate(raw)

    async def transaction() -> AvailabilityException:
        async with in_transaction() as conn:
            row = await AvailabilityException.create(practitioner_id=practitioner.id, start_date=start, end_date=end,
                                                     kind=kind, starts=starts, ends=ends, label=label, using_db=conn)
            await record(conn, ctx, "practitioner.time_off.add", "availability_exception", row.id,
                         practice_id=practitioner.practice_id, practitioner_id=practitioner.id, status=kind)
            return row

    row = await retry_locked(transaction)
    inside: list[datetime] = []
    if kind == "closed":
        tz = ZoneInfo((await Practice.get(id=practitioner.practice_id)).timezone)
        lower = datetime.combine(start, time(), tz) + timedelta(minutes=starts or 0)
        upper = datetime.combine(end, time(), tz) + (timedelta(minutes=ends) if ends is not None else timedelta(days=1))
        inside = list(await Appointment.filter(practitioner_id=practitioner.id, starts_at__lt=upper,
                                               ends_at__gt=lower, status__not_in=list(CANCELLED))
                      .order_by("starts_at").limit(50).values_list("starts_at", flat=True))
    return Added(row, inside)


async def remove_time_off(ctx: Ctx, practitioner_id: int, exception_id: int) -> None:
    access.require_agenda_owner(ctx)
    practitioner = await access.practitioner_by_id(ctx, practitioner_id)
    if not access.is_id(exception_id):
        raise NotFound("Exception introuvable.")

    async def transaction() -> None:
        async with in_transaction() as conn:
            removed = await AvailabilityException.filter(id=exception_id, practitioner_id=practitioner.id
                                                         ).using_db(conn).delete()
            if not removed:
                raise NotFound("Exception introuvable.")
            await record(conn, ctx, "practitioner.time_off.remove", "availability_exception", exception_id,
                         practice_id=practitioner.practice_id, practitioner_id=practitioner.id)

    await retry_locked(transaction)
