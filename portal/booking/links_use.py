"""The two links that open less than the manage link: the SMS's short link (resolves to the
manage token) and the e-mail's List-Unsubscribe link (stops one kind of reminder, RFC 8058)."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from portal import links
from portal.context import Ctx
from portal.db import retry_locked
from portal.errors import NotFound
from portal.models import Appointment
from portal.patients.consent import change_reminder_consent


async def manage_token_for_short_code(code: str, secret_key: str) -> str:
    """The manage token a short link stands for; NotFound for anything else (same answer for a
    wrong MAC as for an unknown id)."""
    appointment_id = links.short_code_appointment(code)
    sealed = await Appointment.filter(id=appointment_id).values_list("manage_token_sealed", flat=True) \
        if appointment_id is not None else []
    token = links.unseal_manage_token(sealed[0], secret_key) if sealed else None
    if token is None or not links.short_code_matches(code, token, secret_key):
        raise NotFound("Rendez-vous introuvable.")
    return token


async def unsubscribe(ctx: Ctx, code: str, secret_key: str) -> str:
    """One click: that kind of reminder stops for every booking of this patient (a ledger row
    through portal.patients.consent, pending reminders cancelled). Clicking twice changes
    nothing more. Returns the purpose."""
    opened = links.open_unsubscribe_code(code, secret_key)
    if opened is None:
        raise NotFound("Lien introuvable.")
    appointment_id, purpose = opened
    found = await Appointment.filter(id=appointment_id).values("practice_id", "patient_id", "locale")
    if not found:
        raise NotFound("Lien introuvable.")
    appointment = found[0]
    flag = {"email_reminders": "email_reminder", "sms_reminders": "sms_reminder"}[purpose]

    async def transaction() -> None:
        async with in_transaction() as conn:
            wanting = await Appointment.filter(patient_id=appointment["patient_id"], **{flag: True}).using_db(
                conn).values_list("id", flat=True)
            if not wanting:
                return  # already stopped: no second ledger row
            await change_reminder_consent(
                ctx, conn, practice_id=appointment["practice_id"], patient_id=appointment["patient_id"],
                purpose=purpose, granted=False, appointment_ids=wanting, locale=appointment["locale"],
                appointment_id=appointment_id)

    await retry_locked(transaction)
    return purpose
