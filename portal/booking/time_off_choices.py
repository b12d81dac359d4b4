"""The appointments inside new time off, and what the practice does with each (issue 14 item 3):
keep it, move it to one of the practitioner's free slots, or cancel it. A move and a cancellation
are the practice's own (portal.booking.manage.write_move_rows, portal.booking.practice_side.
cancel_rows): the patient is told through the outbox, the practitioner is not; a kept appointment
is only audited.

All or nothing. The choices of one page are one decision: every row is checked first (a choice,
a slot still free and on the grid, a reason not too long, the appointment unchanged since the
page was shown), then every row is written in ONE transaction. A row refused at either step
(including a slot the database finds taken at write time) rolls everything back and the page
comes back with every choice as typed, that row's message beside it. So no patient is told of a
change that did not happen, and the practice never faces a list half done; the price is that the
agenda lock is held for the whole batch (at most MAX_ROWS rows, milliseconds)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from portal import access
from portal.audit.record import record as audit, record_read
from portal.booking.availability import BookingTarget, check_start, list_slots, load_staff_target
from portal.booking.book import is_slot_violation
from portal.booking.manage import write_move_rows
from portal.booking.practice_side import MAX_REASON, cancel_rows, clean_reason
from portal.context import Ctx
from portal.db import retry_locked
from portal.errors import FieldErrors, NotAllowed, NotFound
from portal.models import (
    CANCELLED_STATUSES,
    Appointment,
    AppointmentStatus,
    AvailabilityException,
    Patient,
    Practice,
    Practitioner,
    Service,
)
from portal.scheduling import blocked_interval

ACTIONS = ("keep", "move", "cancel")
MAX_ROWS = 100  # more appointments inside one absence are handled from the agenda
# Offered for a move: the free slots of the week before the absence (the closest MAX_BEFORE) and
# of the three weeks after it (the first MAX_AFTER); anything else from the appointment's page.
SLOTS_BEFORE, SLOTS_AFTER, MAX_BEFORE, MAX_AFTER = timedelta(days=7), timedelta(days=21), 40, 120
TAKEN = "Ce créneau vient d'être pris : choisissez-en un autre."
CHANGED = "Ce rendez-vous vient d'être modifié ou annulé : vérifiez-le avant de choisir."
NOT_LISTED = "Ce rendez-vous ne tombe pas pendant cette absence."


@dataclass(frozen=True)
class Row:
    appointment: Appointment
    patient: str  # "Last First", for the practice's page
    service: str
    slots: list[datetime]  # free starts offered for a move (the online rules of its service)


@dataclass(frozen=True)
class Inside:
    practitioner: Practitioner
    exception: AvailabilityException
    tz: ZoneInfo
    rows: list[Row]
    more: bool = False  # more than MAX_ROWS: the rest from the agenda


@dataclass(frozen=True)
class Choice:
    action: str
    slot: str = ""  # an ISO instant from the slot list
    reason: str = ""
    version: str = ""  # the appointment's version when the page was shown


@dataclass(frozen=True)
class Decided:
    kept: int = 0
    moved: int = 0
    cancelled: int = 0


class ChoicesRefused(Exception):
    """Nothing was written: per-field messages (`choice_ID`, `slot_ID`, `reason_ID`, `row_ID`)."""

    def __init__(self, fields: dict[str, str], status: int = 422):
        super().__init__("choices refused")
        self.fields, self.status = fields, status


@dataclass
class _Planned:
    appointment_id: int
    action: str
    version: int
    start: datetime | None = None
    target: BookingTarget | None = None
    reason: str = ""


def _spans(exception: AvailabilityException, tz: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """The closed time: one span for whole days, one per day for hours on each day."""
    if exception.starts is None or exception.ends is None:
        return [(datetime.combine(exception.start_date, time(), tz),
                 datetime.combine(exception.end_date + timedelta(days=1), time(), tz))]
    days = (exception.start_date + timedelta(days=n) for n in range((exception.end_date - exception.start_date).days + 1))
    return [(datetime.combine(day, time(), tz) + timedelta(minutes=exception.starts),
             datetime.combine(day, time(), tz) + timedelta(minutes=exception.ends)) for day in days]


async def _exception(ctx: Ctx, practitioner_id: int, exception_id: int
                     ) -> tuple[Practitioner, AvailabilityException, ZoneInfo]:
    access.require_agenda_owner(ctx)
    practitioner = await access.practitioner_by_id(ctx, practitioner_id)
    exception = (await AvailabilityException.get_or_none(id=exception_id, practitioner_id=practitioner.id)
                 if access.is_id(exception_id) else None)
    if exception is None:
        raise NotFound("Exception introuvable.")
    tz = ZoneInfo((await Practice.get(id=practitioner.practice_id)).timezone)
    return practitioner, exception, tz


async def _inside_ids(ctx: Ctx, practitioner: Practitioner, exception: AvailabilityException, tz: ZoneInfo
                      ) -> list[Appointment]:
    if exception.kind != "closed":
        return []
    spans = _spans(exception, tz)
    # Upcoming only (what already started is history), not cancelled, not held for a code.
    candidates = await Appointment.filter(
        practitioner_id=practitioner.id, starts_at__lt=spans[-1][1], ends_at__gt=max(spans[0][0], ctx.now),
        status__not_in=[*CANCELLED_STATUSES, AppointmentStatus.HELD]).order_by("starts_at", "id").limit(MAX_ROWS + 1)
    return [a for a in candidates if a.starts_at > ctx.now and any(a.starts_at < b and a.ends_at > s for s, b in spans)]


async def appointments_inside(ctx: Ctx, practitioner_id: int, exception_id: int) -> Inside:
    """The page's rows: each appointment inside the time off with the free slots it may move to."""
    practitioner, exception, tz = await _exception(ctx, practitioner_id, exception_id)
    found = await _inside_ids(ctx, practitioner, exception, tz)
    appointments, more = found[:MAX_ROWS], len(found) > MAX_ROWS
    patients = {p["id"]: f'{p["last_name"]} {p["first_name"]}' for p in await Patient.filter(
        id__in={a.patient_id for a in appointments}).values("id", "last_name", "first_name")}
    services = {s["id"]: s for s in await Service.filter(id__in={a.service_id for a in appointments}
                                                         ).values("id", "slug", "name")}
    first = max(ctx.now.astimezone(tz).date(), exception.start_date - SLOTS_BEFORE)
    last = exception.end_date + SLOTS_AFTER
    slots: dict[int, list[datetime]] = {}
    for service_id in services:  # one slot list per service, shared by its rows
        target = await load_staff_target(practitioner.id, services[service_id]["slug"])
        starts = [slot.start for slot in await list_slots(target, first, last, ctx.now)]
        before = [start for start in starts if start.astimezone(tz).date() < exception.start_date][-MAX_BEFORE:]
        after = [start for start in starts if start.astimezone(tz).date() > exception.end_date][:MAX_AFTER]
        slots[service_id] = before + after  # none inside: the absence is saved already
    rows = [Row(a, patients.get(a.patient_id, ""), services[a.service_id]["name"], slots[a.service_id])
            for a in appointments]
    if rows:  # staff see these patients' names and services: recorded, without them
        await record_read(ctx, "practitioner.time_off.view", "availability_exception", exception.id,
                          practice_id=practitioner.practice_id, practitioner_id=practitioner.id, count=len(rows))
    return Inside(practitioner, exception, tz, rows, more)


async def check_in_scope(ctx: Ctx, practitioner_id: int, exception_id: int) -> None:
    """The practitioner and absence exist in the context's scope (else NotFound), nothing shown."""
    await _exception(ctx, practitioner_id, exception_id)


def _parse_slot(raw: str) -> datetime | None:
    try:
        start = datetime.fromisoformat(raw) if 0 < len(raw) <= 40 else None
    except ValueError:
        return None
    return start if start is not None and start.tzinfo is not None else None


async def _check(ctx: Ctx, practitioner: Practitioner, listed: set[int], posted: Mapping[int, Choice]
                 ) -> tuple[list[_Planned], dict[str, str], int]:
    """Every row checked, nothing written: the plan, or the messages and the status to answer."""
    errors: dict[str, str] = {}
    status = 422
    planned: list[_Planned] = []
    targets: dict[int, BookingTarget] = {}
    chosen: list[tuple[int, datetime, datetime]] = []  # moves already planned: no two on one slot
    for appointment_id, choice in posted.items():
        appointment = await access.appointment_by_id(ctx, appointment_id)  # outside the scope: 404
        if appointment.practitioner_id != practitioner.id:
            raise NotFound("Rendez-vous introuvable.")
        if choice.action not in ACTIONS:
            errors[f"choice_{appointment_id}"] = "Choisissez : garder, déplacer ou annuler ce rendez-vous."
            continue
        if appointment.status in CANCELLED_STATUSES or str(appointment.version) != choice.version:
            errors[f"row_{appointment_id}"], status = CHANGED, 409
            continue
        if appointment_id not in listed:  # moved out meanwhile, or never inside this absence
            errors[f"row_{appointment_id}"], status = NOT_LISTED, 409
            continue
        row = _Planned(appointment_id, choice.action, appointment.version)
        if choice.action == "cancel":
            try:
                row.reason = clean_reason(choice.reason)
            except FieldErrors:
                errors[f"reason_{appointment_id}"] = f"Le motif est limité à {MAX_REASON} caractères."
                continue
        elif choice.action == "move":
            start = _parse_slot(choice.slot)
            if start is None:
                errors[f"slot_{appointment_id}"] = "Choisissez le nouveau créneau dans la liste."
                continue
            if appointment.service_id not in targets:
                slug = await Service.filter(id=appointment.service_id).first().values_list("slug", flat=True)
                targets[appointment.service_id] = await load_staff_target(practitioner.id, slug)
            target = targets[appointment.service_id]
            blocked = blocked_interval(start, target.rules)
            verdict = "off_grid" if start <= ctx.now else await check_start(
                target, start, ctx.now, exclude_appointment=appointment_id)
            if verdict == "ok" and any(b0 < blocked.end and b1 > blocked.start for _, b0, b1 in chosen):
                verdict = "taken"  # another row of this page already goes there
            if verdict != "ok":
                errors[f"slot_{appointment_id}"] = TAKEN if verdict == "taken" else \
                    "Ce créneau n'est pas proposé à la réservation."
                status = 409 if verdict == "taken" else status
                continue
            chosen.append((appointment_id, blocked.start, blocked.end))
            row.start, row.target = start, target
        planned.append(row)
    return planned, errors, status


class _RowRefused(Exception):
    def __init__(self, name: str, message: str):
        super().__init__(message)
        self.name, self.message = name, message


async def decide(ctx: Ctx, practitioner_id: int, exception_id: int, posted: Mapping[int, Choice]) -> Decided:
    """Apply the practice's choices, all or nothing (see the module's docstring)."""
    practitioner, exception, tz = await _exception(ctx, practitioner_id, exception_id)
    if not posted:
        raise ChoicesRefused({"rows": "Aucun rendez-vous à traiter."})
    if len(posted) > MAX_ROWS:
        raise ChoicesRefused({"rows": f"{MAX_ROWS} rendez-vous au plus à la fois."})
    listed = {a.id for a in await _inside_ids(ctx, practitioner, exception, tz)}
    planned, errors, status = await _check(ctx, practitioner, listed, posted)
    if errors:
        raise ChoicesRefused(errors, status)
    practice = await Practice.get(id=practitioner.practice_id)

    async def transaction() -> None:
        async with in_transaction() as conn:
            # Read again inside the transaction: a retry after "database is locked" starts clean.
            fresh = {a.id: a for a in await Appointment.filter(id__in=[p.appointment_id for p in planned]
                                                               ).using_db(conn)}
            for row in sorted(planned, key=lambda p: ACTIONS.index(p.action), reverse=True):  # cancels free first
                appointment = fresh[row.appointment_id]
                if appointment.version != row.version or appointment.status in CANCELLED_STATUSES:
                    raise _RowRefused(f"row_{row.appointment_id}", CHANGED)
                try:
                    if row.action == "keep":
                        await audit(conn, ctx, "appointment.time_off.keep", "appointment", appointment.id,
                                    practice_id=appointment.practice_id, patient_id=appointment.patient_id,
                                    version=appointment.version)
                    elif row.action == "cancel":
                        await cancel_rows(conn, ctx, appointment, practice, AppointmentStatus.CANCELLED_BY_PRACTITIONER,
                                          row.reason)
                    else:
                        assert row.start is not None and row.target is not None
                        await write_move_rows(conn, ctx, appointment, row.start, row.target, row.target,
                                              notify_practitioner=False)
                except NotAllowed:
                    raise _RowRefused(f"row_{row.appointment_id}", CHANGED) from None
                except IntegrityError as exc:
                    if is_slot_violation(exc):
                        raise _RowRefused(f"slot_{row.appointment_id}", TAKEN) from None
                    raise

    try:
        await retry_locked(transaction)
    except _RowRefused as refused:
        raise ChoicesRefused({refused.name: refused.message}, 409) from None
    counts = {action: sum(1 for p in planned if p.action == action) for action in ACTIONS}
    return Decided(kept=counts["keep"], moved=counts["move"], cancelled=counts["cancel"])

