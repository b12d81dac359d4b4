"""The patient's rights from the privacy centre, each a use case on a privacy-centre Ctx (the
records its link opens): rectification, restriction or objection, withdrawal of reminder
consents. Erasure is portal.patients.erasure; access and portability portal.patients.centre.

A new e-mail address or phone number is not used until it is confirmed by a link sent to it
(so nobody can redirect another patient's messages): the change waits in a privacy_link row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from portal import access
from portal.audit.record import record as audit
from portal.context import Ctx
from portal.errors import NotFound
from portal.messaging import plan as message_plan
from portal.messaging.outbox import message_context, write_planned
from portal.messaging.plan import CONTACT_CONFIRM, EMAIL, PATIENT, SMS
from portal.models import (
    CANCELLED_STATUSES,
    Appointment,
    AppointmentStatus,
    ConsentRecord,
    OutboxMessage,
    OutboxStatus,
    Patient,
    PrivacyLink,
)
from portal.patients import input as patient_input
from portal.patients.consent import REMINDER_FLAGS, change_reminder_consent
from portal.patients.input import FieldErrors
from portal.patients.privacy_links import EMAIL_CHANGE, PHONE_CHANGE, write_link
from portal.patients.search_upkeep import refresh_search_keys
from portal.tokens import token_hash

REASONS = {"restriction": "restriction", "objection": "objection"}
MAX_REASON = 300


async def _patients(ctx: Ctx) -> list[Patient]:
    patients = await access.own_patients(ctx).order_by("id")
    if not patients:
        raise NotFound("Patient introuvable.")
    return patients


async def rectify_names(ctx: Ctx, first_name: object, last_name: object) -> None:
    """Names are corrected at once on every record the centre opens."""
    errors = {}
    first = patient_input.clean_name(first_name)
    last = patient_input.clean_name(last_name)
    if first is None:
        errors["first_name"] = "Indiquez votre prénom (lettres, espaces, tirets, apostrophes)."
    if last is None:
        errors["last_name"] = "Indiquez votre nom (lettres, espaces, tirets, apostrophes)."
    if errors:
        raise FieldErrors(errors)
    async with in_transaction() as conn:
        corrected = await _patients(ctx)
        for patient in corrected:
            await Patient.filter(id=patient.id).using_db(conn).update(first_name=first, last_name=last,
                                                                       updated_at=ctx.now)
            await audit(conn, ctx, "patient.rectify", "patient", patient.id, practice_id=patient.practice_id,
                        patient_id=patient.id)
        await refresh_search_keys(conn, [patient.id for patient in corrected])


async def request_contact_change(ctx: Ctx, link_email: str, field: str, raw: object, *, secret_key: str,
                                 minutes: int, utf8_mailboxes: bool = True) -> None:
    """Send a confirmation link to the new address (by e-mail) or number (by SMS).
    `utf8_mailboxes`: whether the deployment can send to an accented mailbox name (SMTPUTF8)."""
    if field == "email":
        email, error = patient_input.clean_email(raw, utf8_mailboxes=utf8_mailboxes)
        if email is None:
            raise FieldErrors({"email": error or patient_input.EMAIL_INVALID})
        value = email
        kind, channel = EMAIL_CHANGE, EMAIL
    else:
        number, error = patient_input.clean_phone(raw, for_sms=True)
        if number is None:
            raise FieldErrors({"phone": error or "Ce numéro de téléphone n'est pas valide."})
        value = number
        kind, channel = PHONE_CHANGE, SMS
    patients = await _patients(ctx)
    async with in_transaction() as conn:
        await write_link(conn, ctx, kind, link_email, value, patients[0].practice_id, CONTACT_CONFIRM, channel,
                         secret_key=secret_key, expires_at=ctx.now + timedelta(minutes=minutes))
        await audit(conn, ctx, f"patient.{field}_change_requested", "patient", patients[0].id,
                    practice_id=patients[0].practice_id, patient_id=patients[0].id)


async def confirm_contact_change(ctx: Ctx, token: str) -> str:
    """Apply the change the link confirms, to the records of the address it was asked from;
    returns which field changed. The new number also serves the patient's upcoming bookings."""
    link = await PrivacyLink.filter(token_hash=token_hash(token), kind__in=(EMAIL_CHANGE, PHONE_CHANGE),
                                    used_at=None, expires_at__gt=ctx.now).first() if token else None
    if link is None:
        raise NotFound("Ce lien n'est pas valable ou a expiré. Demandez-en un nouveau.")
    async with in_transaction() as conn:
        patients = await Patient.filter(email=link.email, erased_at=None).using_db(conn).values("id", "practice_id")
        ids = [row["id"] for row in patients]
        if link.kind == EMAIL_CHANGE:
            await Patient.filter(id__in=ids).using_db(conn).update(email=link.new_value, updated_at=ctx.now)
            # The open centre follows the address (its session stays valid).
            await PrivacyLink.filter(email=link.email, kind="centre").using_db(conn).update(email=link.new_value)
        else:
            await Patient.filter(id__in=ids).using_db(conn).update(phone=link.new_value, updated_at=ctx.now)
            await Appointment.filter(patient_id__in=ids, starts_at__gt=ctx.now).using_db(conn).update(
                contact_phone=link.new_value, updated_at=ctx.now)
        await refresh_search_keys(conn, ids)
        await PrivacyLink.filter(id=link.id).using_db(conn).update(used_at=ctx.now)
        field = "email" if link.kind == EMAIL_CHANGE else "phone"
        for row in patients:
            await audit(conn, ctx, f"patient.{field}_change", "patient", row["id"], practice_id=row["practice_id"],
                        patient_id=row["id"])
    return field


async def restrict(ctx: Ctx, reason: str, note: object = "") -> None:
    """Restriction or objection: no message goes to the patient (the worker checks at send time;
    pending ones are cancelled now) and no online booking is taken, until lifted. The practice
    sees the flag and why (Patient.restricted_at, restriction_reason)."""
    if reason not in REASONS:
        raise FieldErrors({"reason": "Choisissez une limitation ou une opposition."})
    text = " ".join(note.split())[:MAX_REASON - 20] if isinstance(note, str) else ""
    why = f"{reason}: {text}" if text else reason
    async with in_transaction() as conn:
        for patient in await _patients(ctx):
            await Patient.filter(id=patient.id).using_db(conn).update(restricted_at=ctx.now, restriction_reason=why)
            ids = await Appointment.filter(patient_id=patient.id).using_db(conn).values_list("id", flat=True)
            await OutboxMessage.filter(appointment_id__in=list(ids), status=OutboxStatus.PENDING,
                                       audience=PATIENT).using_db(conn).update(
                status=OutboxStatus.CANCELLED, last_error="patient restricted processing")
            await audit(conn, ctx, "patient.restrict", "patient", patient.id, practice_id=patient.practice_id,
                        patient_id=patient.id, purpose=reason)


@dataclass(frozen=True)
class Restriction:
    since: datetime
    reason: str  # "restriction" or "objection", then the patient's own words if any


async def restriction_of(ctx: Ctx, patient_id: int) -> Restriction | None:
    """What the practice's back-office shows on a patient: whether processing is restricted,
    since when and why (None when it is not). Scoped like every read (portal.access)."""
    patient = await access.patient_by_id(ctx, patient_id)
    if patient.restricted_at is None:
        return None
    return Restriction(patient.restricted_at, patient.restriction_reason or "")


async def lift_restriction(ctx: Ctx) -> None:
    """Lifting brings back the reminders still ahead for the channels the patient chose (the
    restriction cancelled them; the consents themselves never changed). Other messages cancelled
    meanwhile stay cancelled: a confirmation or a notice of a change is news only when it is sent."""
    async with in_transaction() as conn:
        for patient in await _patients(ctx):
            await Patient.filter(id=patient.id).using_db(conn).update(restricted_at=None, restriction_reason=None)
            upcoming = await Appointment.filter(patient_id=patient.id, starts_at__gt=ctx.now).exclude(
                status__in=[*CANCELLED_STATUSES, AppointmentStatus.HELD]).using_db(conn).prefetch_related("practice")
            for appointment in upcoming:
                plan = message_context(appointment, appointment.practice, ctx.now)
                await write_planned(appointment, message_plan.reminders(plan), conn, now=ctx.now)
            await audit(conn, ctx, "patient.lift_restriction", "patient", patient.id, practice_id=patient.practice_id,
                        patient_id=patient.id)


async def withdraw_reminders(ctx: Ctx, purpose: str) -> int:
    """Withdraw e-mail or SMS reminders for every upcoming booking, through the one consent module.
    Returns how many records had something to withdraw (an upcoming booking with those reminders,
    or a consent whose last word is "granted"); a record with nothing gets no ledger row: a
    "withdrawn" line for what was never given would tell the patient something untrue."""
    if purpose not in ("email_reminders", "sms_reminders"):
        raise FieldErrors({"purpose": "Choisissez un type de rappel."})
    changed = 0
    async with in_transaction() as conn:
        for patient in await _patients(ctx):
            upcoming = Appointment.filter(patient_id=patient.id, starts_at__gt=ctx.now).using_db(conn)
            ids = await upcoming.values_list("id", flat=True)
            chosen = await upcoming.filter(**{REMINDER_FLAGS[purpose]: True}).exists()
            last = await ConsentRecord.filter(patient_id=patient.id, purpose=purpose).using_db(conn).order_by(
                "-recorded_at", "-id").first()
            if not chosen and not (last is not None and last.granted):
                continue
            changed += 1
            await change_reminder_consent(ctx, conn, practice_id=patient.practice_id, patient_id=patient.id,
                                          purpose=purpose, granted=False, appointment_ids=list(ids),
                                          locale=ctx.locale)
    return changed
