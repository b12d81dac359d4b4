"""One appointment as the practice's staff open it: the patient, the service, the comment, the
source, the consents (with the version of each text agreed to) and the messages sent (kind,
channel, status, dates — never their bodies). Every opening is recorded in the audit trail:
staff reads of patient data are accountable (DOMAIN.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from tortoise.expressions import Q

from portal import access
from portal.audit.record import record_read
from portal.context import Ctx
from portal.models import AppointmentStatus, ConsentRecord, OutboxMessage, Patient, Service

MAX_LINES = 100


@dataclass(frozen=True)
class PatientSummary:
    id: int
    civility: str
    first_name: str
    last_name: str
    email: str
    phone: str
    birth_date: date


@dataclass(frozen=True)
class ConsentLine:
    purpose: str
    granted: bool
    text_version: str
    recorded_at: datetime
    channel: str


@dataclass(frozen=True)
class MessageLine:
    kind: str
    channel: str
    audience: str
    status: str
    due_at: datetime
    sent_at: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class AppointmentDetails:
    id: int
    practice_id: int
    practitioner_id: int
    patient: PatientSummary
    service: str
    starts_at: datetime
    ends_at: datetime
    status: AppointmentStatus
    source: str
    comment: str
    contact_phone: str
    email_reminder: bool
    sms_reminder: bool
    version: int
    cancelled_at: datetime | None
    cancel_reason: str
    consents: list[ConsentLine]
    messages: list[MessageLine]
    # A child's appointment: the accompanying adult (first, last name), whose e-mail and phone
    # are the patient's contact; None when the patient came for themselves.
    guardian: tuple[str, str] | None = None


async def appointment_details(ctx: Ctx, appointment_id: int) -> AppointmentDetails:
    access.require_staff(ctx)
    appointment = await access.appointment_by_id(ctx, appointment_id)
    patient = await Patient.get(id=appointment.patient_id)
    service = await Service.get(id=appointment.service_id).values_list("name", flat=True)
    # The appointment's own consents, and the patient's withdrawals made outside any booking (STOP).
    consents = await ConsentRecord.filter(
        Q(appointment_id=appointment.id) | Q(patient_id=patient.id, appointment_id=None)
    ).order_by("recorded_at", "id").limit(MAX_LINES).values_list(
        "purpose", "granted", "text_version", "recorded_at", "channel")
    messages = await OutboxMessage.filter(appointment_id=appointment.id).order_by("created_at", "id").limit(
        MAX_LINES).values_list("kind", "channel", "audience", "status", "due_at", "sent_at", "created_at")
    await record_read(ctx, "appointment.view", "appointment", appointment.id, practice_id=appointment.practice_id,
                      patient_id=patient.id)
    return AppointmentDetails(
        appointment.id, appointment.practice_id, appointment.practitioner_id,
        PatientSummary(patient.id, patient.civility, patient.first_name, patient.last_name, patient.email,
                       patient.phone, patient.birth_date),
        service, appointment.starts_at, appointment.ends_at, AppointmentStatus(appointment.status),
        appointment.source, appointment.comment, appointment.contact_phone, appointment.email_reminder,
        appointment.sms_reminder, appointment.version, appointment.cancelled_at, appointment.cancel_reason or "",
        [ConsentLine(*row) for row in consents], [MessageLine(*row) for row in messages],
        None if appointment.guardian_first_name is None else (appointment.guardian_first_name,
                                                              appointment.guardian_last_name or ""),
    )

