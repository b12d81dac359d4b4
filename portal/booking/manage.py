"""The patient's own booking, reached with the manage token: cancel, move, reminder choices.

Each use case takes the acting context first: the booking is found through portal.access, the
time is `ctx.now`, and the change, its messages and its audit event are one transaction."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from portal import access
from portal.audit.record import record as audit
from portal.booking.availability import BookingTarget, check_start, load_target
from portal.booking.book import is_slot_violation, parse_start, slot_taken
from portal.booking.managed import ManagedBooking
from portal.booking.rows import lock_agenda
from portal.context import ActorKind, Ctx
from portal.db import retry_locked
from portal.errors import CutoffPassed, NotAllowed
from portal.messaging import plan as message_plan
from portal.messaging.outbox import cancel_pending, message_context, write_planned
from portal.models import Appointment, AppointmentStatus
from portal.patients.consent import REMINDER_FLAGS, change_reminder_consent
from portal.patients.input import FieldErrors, clean_phone
from portal.scheduling import blocked_interval


def change_refusal(booking: ManagedBooking, now: datetime) -> NotAllowed | CutoffPassed | None:
    """Why the patient can no longer change (move, cancel) this booking online, or None: pages
    that refuse before any change is tried say the same as the change itself would."""
    if booking.cancelled:
        return NotAllowed("Ce rendez-vous est déjà annulé.")
    if booking.appointment.status == AppointmentStatus.HELD:  # nothing is sent before the code proves the contact
        return NotAllowed("Confirmez d'abord ce rendez-vous avec le code reçu.")
    if now >= booking.cutoff():
        return CutoffPassed(
            # Pages add the practice's phone when it has one (never "call" without a number).
            "Ce rendez-vous ne peut plus être modifié en ligne moins de %(hours)s heures avant.",
            hours=booking.practice.cancellation_cutoff_hours,
        )
    return None


def _ensure_changeable(booking: ManagedBooking, now: datetime) -> None:
    refusal = change_refusal(booking, now)
    if refusal is not None:
        raise refusal


async def save_new_version(appointment: Appointment, changes: dict, conn) -> None:
    """Optimistic update: a concurrent change of the same booking makes this one fail cleanly."""
    updated = await Appointment.filter(id=appointment.id, version=appointment.version).using_db(conn).update(
        version=appointment.version + 1, updated_at=changes["now"], **{k: v for k, v in changes.items() if k != "now"}
    )
    if updated != 1:
        raise NotAllowed("Ce rendez-vous vient d'être modifié : rechargez la page.")
    for name, value in changes.items():
        if name != "now":
            setattr(appointment, name, value)
    appointment.version += 1


def _by_patient(ctx: Ctx) -> bool:
    """Patients are held to the practice's cut-off; staff are not."""
    return ctx.actor.kind is not ActorKind.STAFF


async def cancel_appointment(ctx: Ctx, token: str) -> ManagedBooking:
    booking = await access.booking_by_token(ctx, token)
    by_patient = _by_patient(ctx)
    if by_patient:
        _ensure_changeable(booking, ctx.now)
    elif booking.cancelled:
        raise NotAllowed("Ce rendez-vous est déjà annulé.")
    status = AppointmentStatus.CANCELLED_BY_PATIENT if by_patient else AppointmentStatus.CANCELLED_BY_PRACTITIONER
    appointment, now = booking.appointment, ctx.now

    async def transaction() -> None:
        async with in_transaction() as conn:
            await save_new_version(appointment, {"status": status, "cancelled_at": now, "now": now}, conn)
            await cancel_pending(appointment.id, conn)
            plan = message_context(appointment, booking.practice, now, cancelled_by_patient=by_patient)
            await write_planned(appointment, message_plan.on_cancelled(plan), conn, now=now)
            await audit(conn, ctx, "appointment.cancel", "appointment", appointment.id,
                        practice_id=appointment.practice_id, patient_id=appointment.patient_id, status=status.value,
                        version=appointment.version)

    await retry_locked(transaction)
    return booking


async def reschedule_appointment(ctx: Ctx, token: str, new_start: object) -> ManagedBooking:
    start, now = parse_start(new_start), ctx.now
    booking = await access.booking_by_token(ctx, token)
    _ensure_changeable(booking, now)
    appointment = booking.appointment
    if start == appointment.starts_at:
        return booking  # already there (a retried request): nothing moves, no one is told again
    target = await load_target(booking.practitioner_slug, booking.service_slug)
    verdict = await check_start(target, start, now, exclude_appointment=appointment.id)
    if verdict == "off_grid":
        raise FieldErrors({"start": "Ce créneau n'est pas proposé à la réservation."})
    if verdict == "taken":
        raise await slot_taken(target, start, now)
    await write_move(ctx, appointment, start, target, booking.practice)
    return booking


async def write_move(ctx: Ctx, appointment: Appointment, start: datetime, target: BookingTarget, practice, *,
                     notify_practitioner: bool = True) -> None:
    """Move an appointment to `start`, already checked by the caller (the patient's reschedule,
    the practice's move): a new version keeping the old time for the notice, the practitioner's
    agenda locked, pending messages of the old time replaced by the move notice and new
    reminders, an audit event. `practice`: anything with `reminder_policy` and
    `notify_practitioner`. A slot taken meanwhile raises SlotTaken with the nearest free ones."""
    async def transaction() -> None:
        async with in_transaction() as conn:
            await write_move_rows(conn, ctx, appointment, start, target, practice,
                                  notify_practitioner=notify_practitioner)

    try:
        await retry_locked(transaction)
    except IntegrityError as exc:
        if is_slot_violation(exc):
            raise await slot_taken(target, start, ctx.now) from None
        raise


async def write_move_rows(conn, ctx: Ctx, appointment: Appointment, start: datetime, target: BookingTarget, practice,
                          *, notify_practitioner: bool = True) -> None:
    """The rows of a move inside the caller's transaction `conn` (write_move's, or a batch of the
    practice's choices): the overlap guard of the database raises IntegrityError here."""
    now, blocked = ctx.now, blocked_interval(start, target.rules)
    changes = {"starts_at": start, "ends_at": start + target.duration, "previous_starts_at": appointment.starts_at,
               "blocked_from": blocked.start, "blocked_until": blocked.end, "now": now}
    await lock_agenda(conn, appointment.practitioner_id)
    await save_new_version(appointment, changes, conn)
    await cancel_pending(appointment.id, conn)
    plan = message_context(appointment, practice, now)
    if not notify_practitioner:
        plan = replace(plan, notify_practitioner=False)
    await write_planned(appointment, message_plan.on_moved(plan), conn, now=now)
    await audit(conn, ctx, "appointment.move", "appointment", appointment.id,
                practice_id=appointment.practice_id, patient_id=appointment.patient_id,
                version=appointment.version)


async def set_reminders(ctx: Ctx, token: str, *, email: bool, sms: bool) -> ManagedBooking:
    """Change the reminder choices of one booking (portal.patients.consent); the ledger row
    carries the text shown, in the context's locale."""
    booking = await access.booking_by_token(ctx, token)
    if booking.cancelled:
        raise NotAllowed("Ce rendez-vous est annulé.")
    if booking.appointment.status == AppointmentStatus.HELD:
        raise NotAllowed("Confirmez d'abord ce rendez-vous avec le code reçu.")
    appointment = booking.appointment
    if sms and not appointment.sms_reminder:
        _, error = clean_phone(appointment.contact_phone or appointment.patient.phone, for_sms=True)
        if error:
            raise FieldErrors({"sms_reminders": error})
    wanted = {"email_reminders": email, "sms_reminders": sms}
    changed = {purpose: value for purpose, value in wanted.items()
               if value != getattr(appointment, REMINDER_FLAGS[purpose])}
    if not changed:
        return booking

    async def transaction() -> None:
        async with in_transaction() as conn:
            for purpose, granted in changed.items():
                await change_reminder_consent(
                    ctx, conn, practice_id=appointment.practice_id, patient_id=appointment.patient_id,
                    purpose=purpose, granted=granted, appointment_ids=[appointment.id], locale=ctx.locale,
                    appointment_id=appointment.id)
            appointment.email_reminder, appointment.sms_reminder = email, sms
            plan = message_context(appointment, booking.practice, ctx.now)
            granted_channels = {purpose.split("_")[0] for purpose, granted in changed.items() if granted}
            planned = [m for m in message_plan.on_reminders_changed(plan) if m.channel in granted_channels]
            await write_planned(appointment, planned, conn, now=ctx.now)

    await retry_locked(transaction)
    return booking
