"""The patient's own booking, reached with the manage token: see, cancel, move, reminder choices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from portal.patients import consent_texts
from portal.messaging import plan as message_plan
from portal.db import retry_locked
from portal.models import CANCELLED_STATUSES, Appointment, AppointmentStatus, Practice
from portal.patients.input import FieldErrors
from portal.scheduling import blocked_interval
from portal.tokens import token_hash
from portal.booking.availability import BookingTarget, check_start, load_target, nearest_slots
from portal.booking.book import is_slot_violation, parse_start
from portal.booking.rows import lock_agenda
from portal.patients.consent import record_consent
from portal.errors import CutoffPassed, NotAllowed, NotFound, SlotTaken
from portal.messaging.outbox import cancel_pending, cancel_pending_reminders, message_context, write_planned


@dataclass(frozen=True)
class ManagedBooking:
    appointment: Appointment
    practice: Practice
    practitioner_slug: str
    service_slug: str

    @property
    def cancelled(self) -> bool:
        return self.appointment.status in CANCELLED_STATUSES

    def cutoff(self) -> datetime:
        return self.appointment.starts_at - timedelta(hours=self.practice.cancellation_cutoff_hours)

    def changeable(self, now: datetime) -> bool:
        return not self.cancelled and now < self.cutoff()


async def find_booking(token: str) -> ManagedBooking:
    """Look the booking up by the token's hash (the token itself is never stored)."""
    if not token or len(token) > 128:
        raise NotFound("Rendez-vous introuvable.")
    appointment = await Appointment.get_or_none(manage_token_hash=token_hash(token)).select_related(
        "practice", "practitioner", "service", "patient"
    )
    if appointment is None:
        raise NotFound("Rendez-vous introuvable.")
    return ManagedBooking(appointment, appointment.practice, appointment.practitioner.slug, appointment.service.slug)


def _ensure_changeable(booking: ManagedBooking, now: datetime) -> None:
    if booking.cancelled:
        raise NotAllowed("Ce rendez-vous est déjà annulé.")
    if now >= booking.cutoff():
        raise CutoffPassed(
            "Ce rendez-vous ne peut plus être modifié en ligne moins de %(hours)s heures avant : "
            "contactez le cabinet.",
            hours=booking.practice.cancellation_cutoff_hours,
        )


async def _save_new_version(appointment: Appointment, changes: dict, conn) -> None:
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


async def cancel_appointment(token: str, *, now: datetime, by_patient: bool = True) -> ManagedBooking:
    booking = await find_booking(token)
    if by_patient:
        _ensure_changeable(booking, now)
    elif booking.cancelled:
        raise NotAllowed("Ce rendez-vous est déjà annulé.")
    status = AppointmentStatus.CANCELLED_BY_PATIENT if by_patient else AppointmentStatus.CANCELLED_BY_PRACTITIONER
    appointment = booking.appointment

    async def transaction() -> None:
        async with in_transaction() as conn:
            await _save_new_version(appointment, {"status": status, "cancelled_at": now, "now": now}, conn)
            await cancel_pending(appointment.id, conn)
            ctx = message_context(appointment, booking.practice, now, cancelled_by_patient=by_patient)
            await write_planned(appointment, message_plan.on_cancelled(ctx), conn, now=now)

    await retry_locked(transaction)
    return booking


async def reschedule_appointment(token: str, new_start: object, *, now: datetime) -> ManagedBooking:
    start = parse_start(new_start)
    booking = await find_booking(token)
    _ensure_changeable(booking, now)
    appointment = booking.appointment
    target = await load_target(booking.practitioner_slug, booking.service_slug)
    verdict = await check_start(target, start, now, exclude_appointment=appointment.id)
    if verdict == "off_grid":
        raise FieldErrors({"start": "Ce créneau n'est pas proposé à la réservation."})
    if verdict == "taken":
        raise await _taken(target, start, now)
    blocked = blocked_interval(start, target.rules)
    changes = {
        "starts_at": start, "ends_at": start + target.duration,
        "blocked_from": blocked.start, "blocked_until": blocked.end, "now": now,
    }

    async def transaction() -> None:
        async with in_transaction() as conn:
            await lock_agenda(conn, appointment.practitioner_id)
            await _save_new_version(appointment, changes, conn)
            # Pending messages of the old time are replaced by the move notice and new reminders.
            await cancel_pending(appointment.id, conn)
            ctx = message_context(appointment, booking.practice, now)
            await write_planned(appointment, message_plan.on_moved(ctx), conn, now=now)

    try:
        await retry_locked(transaction)
    except IntegrityError as exc:
        if is_slot_violation(exc):
            raise await _taken(target, start, now) from None
        raise
    return booking


async def _taken(target: BookingTarget, start: datetime, now: datetime) -> SlotTaken:
    return SlotTaken(nearest=[slot.start.astimezone(target.tz) for slot in await nearest_slots(target, start, now)])


async def set_reminders(
    token: str, *, email: bool, sms: bool, now: datetime, ip: str = "", channel: str = "web",
    locale: str | None = None,
) -> ManagedBooking:
    """Change the reminder choices; each change is a consent-ledger row (a withdrawal too) with
    the text shown, in the `locale` it was shown in (default: the booking's)."""
    booking = await find_booking(token)
    if booking.cancelled:
        raise NotAllowed("Ce rendez-vous est annulé.")
    appointment = booking.appointment
    if sms and not appointment.sms_reminder:
        from portal.patients.input import clean_phone

        _, error = clean_phone(appointment.contact_phone or appointment.patient.phone, for_sms=True)
        if error:
            raise FieldErrors({"sms_reminders": error})
    changed = {
        purpose: wanted
        for purpose, wanted, current in (
            ("email_reminders", email, appointment.email_reminder),
            ("sms_reminders", sms, appointment.sms_reminder),
        )
        if wanted != current
    }
    if not changed:
        return booking

    async def transaction() -> None:
        async with in_transaction() as conn:
            await Appointment.filter(id=appointment.id).using_db(conn).update(
                email_reminder=email, sms_reminder=sms, updated_at=now
            )
            appointment.email_reminder, appointment.sms_reminder = email, sms
            for purpose, granted in changed.items():
                await record_consent(
                    practice_id=appointment.practice_id, patient_id=appointment.patient_id,
                    appointment_id=appointment.id, text=consent_texts.opt_in(purpose, locale or appointment.locale),
                    granted=granted, now=now, channel=channel, ip=ip, conn=conn,
                )
            withdrawn = [p.split("_")[0] for p, granted in changed.items() if not granted]
            if withdrawn:
                await cancel_pending_reminders(appointment.id, withdrawn, conn)
            ctx = message_context(appointment, booking.practice, now)
            granted_channels = {p.split("_")[0] for p, granted in changed.items() if granted}
            planned = [m for m in message_plan.on_reminders_changed(ctx) if m.channel in granted_channels]
            await write_planned(appointment, planned, conn, now=now)

    await retry_locked(transaction)
    return booking
