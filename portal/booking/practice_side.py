"""Changes the practice makes to an appointment: cancel it, move it (with or without the online
rules). The patient is told through the outbox as for their own changes (portal.messaging.plan);
the practitioner is not notified of their own practice's change.

Staff are not held to the patients' cut-off. A reason given for a cancellation is kept with the
appointment for the practice (it may hold health data): never in the audit trail."""

from __future__ import annotations

from datetime import datetime

from tortoise.transactions import in_transaction

from portal import access
from portal.audit.record import record as audit
from portal.booking.availability import BookingTarget, check_start, load_staff_target
from portal.booking.book import parse_start, slot_taken
from portal.booking.manage import save_new_version, write_move
from portal.context import Ctx
from portal.db import retry_locked
from portal.errors import FieldErrors, NotAllowed
from portal.messaging import plan as message_plan
from portal.messaging.outbox import cancel_pending, message_context, write_planned
from portal.models import CANCELLED_STATUSES, Appointment, AppointmentStatus, Practice, Service

MAX_REASON = 500


def clean_reason(raw: object) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str) or len(raw) > MAX_REASON:
        raise FieldErrors({"reason": f"Le motif est limité à {MAX_REASON} caractères."})
    return "".join(ch for ch in raw.replace("\r\n", "\n").strip() if ch in "\n\t" or ch.isprintable())


async def cancel_by_practice(ctx: Ctx, appointment_id: int, reason: object = "") -> Appointment:
    access.require_staff(ctx)
    appointment = await access.appointment_by_id(ctx, appointment_id)
    return await cancel_as_practice(ctx, appointment, AppointmentStatus.CANCELLED_BY_PRACTITIONER,
                                    clean_reason(reason))


async def cancel_as_practice(ctx: Ctx, appointment: Appointment, status: AppointmentStatus,
                             reason: str = "") -> Appointment:
    """Cancel an appointment already checked against `ctx`, with `status` (by the practitioner,
    or by the patient who called the practice): slot freed, pending messages cancelled, the
    patient told, an audit event without the reason."""
    if appointment.status in CANCELLED_STATUSES:
        raise NotAllowed("Ce rendez-vous est déjà annulé.")
    practice = await Practice.get(id=appointment.practice_id)

    async def transaction() -> None:
        async with in_transaction() as conn:
            await cancel_rows(conn, ctx, appointment, practice, status, reason)

    await retry_locked(transaction)
    return appointment


async def cancel_rows(conn, ctx: Ctx, appointment: Appointment, practice: Practice, status: AppointmentStatus,
                      reason: str = "") -> None:
    """The rows of a practice's cancellation inside the caller's transaction `conn`."""
    now = ctx.now
    changes = {"status": status, "cancelled_at": now, "cancel_reason": reason or None, "now": now}
    await save_new_version(appointment, changes, conn)
    await cancel_pending(appointment.id, conn)
    plan = message_context(appointment, practice, now, cancelled_by_patient=False)
    await write_planned(appointment, message_plan.on_cancelled(plan), conn, now=now)
    await audit(conn, ctx, "appointment.cancel", "appointment", appointment.id,
                practice_id=appointment.practice_id, patient_id=appointment.patient_id, status=status.value,
                version=appointment.version)


async def move_by_practice(ctx: Ctx, appointment_id: int, start: object, *, outside_rules: bool = False
                           ) -> Appointment:
    """Move to `start`: within the online rules, or anywhere the agenda is free when the practice
    says so explicitly (`outside_rules`, an urgent slot). The database refuses overlaps either way."""
    access.require_staff(ctx)
    appointment = await access.appointment_by_id(ctx, appointment_id)
    new_start = parse_start(start)
    if appointment.status in CANCELLED_STATUSES:
        raise NotAllowed("Ce rendez-vous est annulé.")
    if new_start == appointment.starts_at:
        return appointment  # already there (the form sent twice): nothing moves, no one is told again
    slug = await Service.filter(id=appointment.service_id).first().values_list("slug", flat=True)
    target = await load_staff_target(appointment.practitioner_id, slug)
    await check_staff_start(target, new_start, ctx.now, outside_rules, exclude_appointment=appointment.id)
    # The practitioner is not told of their own practice's change.
    await write_move(ctx, appointment, new_start, target, target, notify_practitioner=False)
    return appointment


async def check_staff_start(target: BookingTarget, start: datetime, now: datetime, outside_rules: bool,
                            exclude_appointment: int | None = None) -> None:
    """The online rules, unless the practice places the appointment outside them; never in the
    past; a slot already taken is refused with the nearest free ones."""
    if start <= now:
        raise FieldErrors({"start": "Ce créneau est déjà passé."})
    verdict = await check_start(target, start, now, exclude_appointment=exclude_appointment)
    if verdict == "off_grid" and not outside_rules:
        raise FieldErrors({"start": "Ce créneau n'est pas proposé à la réservation."})
    if verdict == "taken":
        raise await slot_taken(target, start, now)


