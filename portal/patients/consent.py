"""The one consent module: granting and withdrawing, for every way a patient says it (the
booking form and API, the manage page, an SMS STOP, later the privacy centre).

The ledger (consent_record) is append-only: every grant and every withdrawal is a new row with
the exact text shown (version and SHA-256), the time, the channel and the IP. A withdrawal
takes effect at once: the appointments' choice is turned off and every pending message that
needed the consent is cancelled; what was sent before stays as it was.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient

from portal.audit.record import record as audit
from portal.context import Ctx
from portal.messaging.outbox import cancel_needing
from portal.models import Appointment
from portal.patients.consent_texts import ConsentText, opt_in
from portal.sql import insert_many

CONSENT_COLUMNS = ("practice_id", "patient_id", "appointment_id", "purpose", "granted", "text_version",
                   "text_sha256", "recorded_at", "channel", "ip", "given_by")
# Who gives a consent: the patient for themselves, or the adult accompanying a child on the
# child's behalf (a child's appointment: the patient row is the child's).
GIVEN_BY = ("patient", "guardian")
# The appointment's own choice for each reminder purpose.
REMINDER_FLAGS = {"email_reminders": "email_reminder", "sms_reminders": "sms_reminder"}


def consent_row(practice_id, patient_id, appointment_id, text: ConsentText, now: datetime, channel: str,
                ip: str, granted: bool = True, given_by: str = "patient") -> dict:
    """A ledger row, as its columns (the ids may be SQL of a single-statement booking)."""
    assert given_by in GIVEN_BY
    return dict(practice_id=practice_id, patient_id=patient_id, appointment_id=appointment_id,
                purpose=text.purpose, granted=granted, text_version=text.version, text_sha256=text.sha256,
                recorded_at=now, channel=channel[:16], ip=ip[:45], given_by=given_by)


async def record_consents(
    *, practice_id: int, patient_id: int, appointment_id: int | None, texts: list[ConsentText],
    now: datetime, channel: str, ip: str, conn: BaseDBAsyncClient, granted: bool = True, given_by: str = "patient",
) -> None:
    """Ledger rows only, in one insert: the consents a booking gives at once (and a test's way
    to write the ledger behind the worker's back). Changes go through change_reminder_consent."""
    rows = [consent_row(practice_id, patient_id, appointment_id, text, now, channel, ip, granted, given_by)
            for text in texts]
    await insert_many(conn, "consent_record", CONSENT_COLUMNS, rows)


async def change_reminder_consent(
    ctx: Ctx, conn: BaseDBAsyncClient, *, practice_id: int, patient_id: int, purpose: str, granted: bool,
    appointment_ids: Iterable[int], locale: str, appointment_id: int | None = None,
) -> None:
    """Grant or withdraw a reminder purpose (`email_reminders`, `sms_reminders`) for the given
    appointments of one patient, inside the caller's transaction: a ledger row with the text in
    `locale` (the one shown), the appointments' choice, an audit event, and on withdrawal the
    cancellation of every pending message that needed it. `appointment_id`: the booking the
    patient acted from, recorded on the ledger row (None for a patient-wide STOP). For a child's
    record it is the accompanying adult who says it, on the child's behalf."""
    ids = sorted(set(appointment_ids))
    text = opt_in(purpose, locale)
    # A child's record (an adult brought them at least once), whichever appointments are passed:
    # the privacy centre passes only upcoming ones, and a child's past visits still make it one.
    children = await Appointment.filter(patient_id=patient_id, guardian_first_name__isnull=False).using_db(
        conn).exists()
    await insert_many(conn, "consent_record", CONSENT_COLUMNS, [
        consent_row(practice_id, patient_id, appointment_id, text, ctx.now, ctx.channel, ctx.ip, granted,
                    "guardian" if children else "patient")])
    if ids:
        await Appointment.filter(id__in=ids).using_db(conn).update(**{REMINDER_FLAGS[purpose]: granted},
                                                                 updated_at=ctx.now)
        if not granted:
            await cancel_needing(ids, purpose, conn)
    await audit(conn, ctx, "consent.grant" if granted else "consent.withdraw", "patient", patient_id,
                practice_id=practice_id, patient_id=patient_id, purpose=purpose, appointment_id=appointment_id,
                count=len(ids))
