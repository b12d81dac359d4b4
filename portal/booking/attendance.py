"""Attendance: the practice records what became of an appointment, in its own vocabulary
(AppointmentStatus), and counts each patient's absences.

A cancelled status goes through the cancellation (the patient is told, the slot freed); a
cancelled appointment keeps its status (bringing it back would be a new booking); whether the
patient came, came late or did not come is said once the appointment has started."""

from __future__ import annotations

from tortoise.functions import Count
from tortoise.transactions import in_transaction

from portal import access
from portal.audit.record import record as audit
from portal.booking.manage import save_new_version
from portal.booking.practice_side import cancel_as_practice
from portal.context import Ctx
from portal.db import retry_locked
from portal.errors import FieldErrors, NotAllowed, NotFound
from portal.models import CANCELLED_STATUSES, Appointment, AppointmentStatus

AFTER_START = frozenset({AppointmentStatus.CAME, AppointmentStatus.LATE, AppointmentStatus.ABSENT,
                         AppointmentStatus.EXCUSED})
ABSENCES = (AppointmentStatus.ABSENT, AppointmentStatus.EXCUSED)
MAX_PATIENTS = 200


def parse_status(raw: object) -> AppointmentStatus:
    try:
        return AppointmentStatus(raw)
    except ValueError:
        raise FieldErrors({"status": "Choisissez un statut de la liste."}) from None


async def set_attendance(ctx: Ctx, appointment_id: int, status: object) -> Appointment:
    access.require_staff(ctx)
    appointment = await access.appointment_by_id(ctx, appointment_id)
    wanted = parse_status(status)
    if wanted in CANCELLED_STATUSES:
        return await cancel_as_practice(ctx, appointment, wanted)
    if appointment.status in CANCELLED_STATUSES:
        raise NotAllowed("Ce rendez-vous est annulé.")
    if wanted in AFTER_START and ctx.now < appointment.starts_at:
        raise NotAllowed("Ce rendez-vous n'a pas encore commencé.")
    if wanted == appointment.status:
        return appointment

    async def transaction() -> None:
        async with in_transaction() as conn:
            await save_new_version(appointment, {"status": wanted, "now": ctx.now}, conn)
            await audit(conn, ctx, "appointment.attendance", "appointment", appointment.id,
                        practice_id=appointment.practice_id, patient_id=appointment.patient_id, status=wanted.value,
                        version=appointment.version)

    await retry_locked(transaction)
    return appointment


async def absence_counts(ctx: Ctx, patient_ids: list[int]) -> dict[int, dict[str, int]]:
    """{patient id: {"absent": n, "excused_absence": n}} over the appointments the context may
    see (its practice's; a practitioner's or assistant's own agendas): never another practice's."""
    access.require_staff(ctx)
    if len(patient_ids) > MAX_PATIENTS or not all(access.is_id(i) for i in patient_ids):
        raise NotFound("Patient introuvable.")
    counts = {patient_id: {status.value: 0 for status in ABSENCES} for patient_id in patient_ids}
    query = access.scoped(ctx, Appointment.filter(patient_id__in=patient_ids, status__in=list(ABSENCES)),
                          practitioner="practitioner_id")
    rows = await query.annotate(n=Count("id")).group_by("patient_id", "status").values_list("patient_id", "status", "n")
    for patient_id, status, n in rows:
        counts[patient_id][str(status)] = n
    return counts
