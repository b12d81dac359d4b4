"""Use cases behind the provider webhooks: a delivery receipt updates its message; a STOP reply
withdraws SMS consent (a ledger row) and cancels pending SMS. Each runs in one transaction, and
a callback delivered twice is handled once (WebhookEvent.key is unique)."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from notifier.models import WebhookEvent
from portal.context import Ctx
from portal.db import retry_locked
from portal.models import Appointment, OutboxMessage, OutboxStatus, Patient
from portal.patients import phone
from portal.patients.consent import change_reminder_consent

STOP_WORDS = {"STOP", "ARRET", "STOPSMS", "DESABONNER", "UNSUBSCRIBE"}
DELIVERED = {"delivered"}
FAILED = {"failed", "rejected", "expired"}


class Duplicate(Exception):
    """This callback was handled already."""


async def _remember(kind: str, key: str, now: datetime, conn) -> None:
    try:
        await WebhookEvent.create(source="vonage", kind=kind, key=key[:128], received_at=now, using_db=conn)
    except IntegrityError:
        raise Duplicate(key) from None


def _outbox_id(client_ref: str) -> int | None:
    match = re.fullmatch(r"outbox-(\d+)", client_ref or "")
    return int(match.group(1)) if match else None


async def record_receipt(ctx: Ctx, *, key: str, message_id: str, client_ref: str, status: str,
                         error_code: str) -> str:
    """'delivered', 'failed', 'ignored' (interim status or unknown message) or 'duplicate'."""
    now = ctx.now
    status = status.lower()
    outcome = "delivered" if status in DELIVERED else "failed" if status in FAILED else "ignored"

    async def transaction() -> str:
        async with in_transaction() as conn:
            await _remember("delivery", key, now, conn)
            if outcome == "ignored":
                return outcome
            row_id = _outbox_id(client_ref)
            query = OutboxMessage.filter(id=row_id) if row_id else OutboxMessage.filter(provider_id=message_id)
            # A receipt may beat the worker's own bookkeeping: 'sending' counts as sent.
            query = query.filter(channel="sms", status__in=[OutboxStatus.SENDING, OutboxStatus.SENT])
            if outcome == "delivered":
                updated = await query.using_db(conn).update(status=OutboxStatus.DELIVERED, lease_until=None)
            else:
                updated = await query.using_db(conn).update(
                    status=OutboxStatus.FAILED, lease_until=None, last_error=f"delivery receipt: {status} (err-code {error_code})")
            return outcome if updated else "ignored"

    try:
        return await retry_locked(transaction)
    except Duplicate:
        return "duplicate"


def is_stop(text: str) -> bool:
    folded = "".join(c for c in unicodedata.normalize("NFKD", text or "") if not unicodedata.combining(c))
    return re.sub(r"[^A-Z]", "", folded.upper()) in STOP_WORDS


async def withdraw_sms_consent(ctx: Ctx, *, key: str, msisdn: str) -> int:
    """Nothing more is sent by SMS to this number: every patient whose record or whose booking
    has it withdraws SMS consent (portal.patients.consent: a ledger row, their appointments'
    SMS choice off, their pending SMS cancelled). One Vonage number serves every practice, so
    a STOP cannot be told apart by practice: it counts in all of them (tests/two_practices). Returns how
    many patients."""
    number = phone.from_msisdn(msisdn)
    if number is None:
        return 0

    async def transaction() -> int:
        async with in_transaction() as conn:
            await _remember("inbound", key, ctx.now, conn)
            by_booking = Appointment.filter(contact_phone=number).using_db(conn).values_list("patient_id", flat=True)
            patients = await Patient.filter(Q(phone=number) | Q(id__in=set(await by_booking))).using_db(conn).values(
                "id", "practice_id", "locale")
            for patient in patients:
                appointment_ids = await Appointment.filter(patient_id=patient["id"]).using_db(conn).values_list(
                    "id", flat=True)
                await change_reminder_consent(
                    ctx, conn, practice_id=patient["practice_id"], patient_id=patient["id"], purpose="sms_reminders",
                    granted=False, appointment_ids=appointment_ids, locale=patient["locale"])
            return len(patients)

    try:
        return await retry_locked(transaction)
    except Duplicate:
        return 0
