"""The optional confirmation step (Practice.confirm_online_bookings), against bookings made with
somebody else's phone number or address: an online booking is written HELD for a few minutes;
only its code goes out (by e-mail, and by SMS if the patient asked for SMS), and nothing else is
sent until the patient confirms with it. A hold not confirmed in time is released (cancelled).

A held appointment blocks its slot like any other: the overlap guards of the database (the
SQLite trigger and the PostgreSQL exclusion constraint) exclude only cancelled statuses.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from portal import access
from portal.audit.record import record as audit
from portal.booking.managed import ManagedBooking
from portal.context import Ctx
from portal.db import retry_locked
from portal.errors import NotAllowed
from portal.links import seal_manage_token, unseal_manage_token
from portal.messaging import plan as message_plan
from portal.messaging.outbox import cancel_pending, message_context, write_planned
from portal.models import Appointment, AppointmentStatus
from portal.patients.input import FieldErrors

HOLD = timedelta(minutes=10)
CODE_DIGITS = 6
MAX_ATTEMPTS = 5  # wrong codes before the hold is released: 5 guesses in a million


@dataclass(frozen=True)
class Hold:
    until: datetime
    code: str
    code_sealed: str


def new_hold(now: datetime, secret_key: str) -> Hold:
    code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
    return Hold(now + HOLD, code, seal_manage_token(code, secret_key) if secret_key else "")


def code_of(sealed: str, secret_key: str) -> str | None:
    """The code, for the message that carries it (the notifier)."""
    return unseal_manage_token(sealed, secret_key)


EXPIRED = "Ce créneau n'était réservé que quelques minutes et a été libéré : choisissez à nouveau un créneau."
WRONG = "Ce code ne correspond pas. Vérifiez le message reçu."


async def confirm_booking(ctx: Ctx, token: str, code: object, *, secret_key: str) -> ManagedBooking:
    """Confirm a held booking with its code: it becomes an ordinary booking, and its confirmation
    and reminders are planned now. Confirming twice is harmless."""
    booking = await access.booking_by_token(ctx, token)
    appointment, now = booking.appointment, ctx.now
    if appointment.status != AppointmentStatus.HELD:
        if booking.cancelled:
            raise NotAllowed(EXPIRED)
        return booking
    if appointment.hold_until is None or now >= appointment.hold_until:
        await release(ctx, appointment)
        raise NotAllowed(EXPIRED)
    expected = code_of(appointment.confirm_code_sealed, secret_key)
    typed = "".join(ch for ch in code if ch.isdigit()) if isinstance(code, str) else ""
    if expected is None or not hmac.compare_digest(typed.encode(), expected.encode()):
        await _wrong_code(ctx, appointment)
    await retry_locked(lambda: _confirm(ctx, booking))
    return booking


async def _wrong_code(ctx: Ctx, appointment: Appointment) -> None:
    # Counted in the database (guesses sent in parallel each count), then read back.
    await Appointment.filter(id=appointment.id, status=AppointmentStatus.HELD).update(
        confirm_attempts=F("confirm_attempts") + 1)
    attempts = await Appointment.filter(id=appointment.id).values_list("confirm_attempts", flat=True)
    if attempts[0] >= MAX_ATTEMPTS:
        await release(ctx, appointment)
        raise NotAllowed(EXPIRED)
    raise FieldErrors({"code": WRONG})


async def _confirm(ctx: Ctx, booking: ManagedBooking) -> None:
    appointment, now = booking.appointment, ctx.now
    async with in_transaction() as conn:
        updated = await Appointment.filter(id=appointment.id, version=appointment.version,
                                           status=AppointmentStatus.HELD).using_db(conn).update(
            status=AppointmentStatus.NOT_FILLED, hold_until=None, confirm_code_sealed="",
            version=appointment.version + 1, updated_at=now)
        if updated != 1:
            raise NotAllowed("Ce rendez-vous vient d'être modifié : rechargez la page.")
        appointment.status, appointment.hold_until, appointment.confirm_code_sealed = (
            AppointmentStatus.NOT_FILLED, None, "")
        appointment.version += 1
        await cancel_pending(appointment.id, conn)  # the code's messages, if still waiting
        plan = message_context(appointment, booking.practice, now)
        await write_planned(appointment, message_plan.on_booked(plan), conn, now=now)
        await audit(conn, ctx, "appointment.confirm", "appointment", appointment.id,
                    practice_id=appointment.practice_id, patient_id=appointment.patient_id,
                    version=appointment.version)


async def release(ctx: Ctx, appointment: Appointment) -> bool:
    """Release one hold (cancelled, its code's messages too); False if it was no longer held."""
    now = ctx.now
    async with in_transaction() as conn:
        updated = await Appointment.filter(id=appointment.id, status=AppointmentStatus.HELD).using_db(conn).update(
            status=AppointmentStatus.CANCELLED_BY_PATIENT, cancelled_at=now, hold_until=None,
            confirm_code_sealed="", version=appointment.version + 1, updated_at=now)
        if updated != 1:
            return False
        appointment.status = AppointmentStatus.CANCELLED_BY_PATIENT
        await cancel_pending(appointment.id, conn)
        await audit(conn, ctx, "appointment.release", "appointment", appointment.id,
                    practice_id=appointment.practice_id, patient_id=appointment.patient_id)
    return True


async def release_expired(ctx: Ctx, practitioner_id: int | None = None, limit: int = 500) -> int:
    """Release the holds whose time is up (a booking releases its practitioner's before it checks
    the slot; the maintenance loop releases the rest)."""
    query = Appointment.filter(status=AppointmentStatus.HELD, hold_until__lte=ctx.now)
    if practitioner_id is not None:
        query = query.filter(practitioner_id=practitioner_id)
    released = 0
    for appointment in await query.limit(limit):
        released += await release(ctx, appointment)
    return released
