"""The practice's settings (issue 14 items 1 and 5): read and changed by its administrator only,
every change audited in its own transaction.

Reminders must leave the patient time to act: each one arrives before the cancellation cut-off
closes online changes (an SMS 24 h before a 24 h cut-off arrived exactly when it closed).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tortoise.transactions import in_transaction

from portal.access import administered_practice
from portal.audit.record import record
from portal.context import Ctx
from portal.db import retry_locked
from portal.errors import FieldErrors
from portal.models import Practice
from portal.patients import phone
from portal.patients.input import clean_email
from portal.scheduling.holidays import REGIONS

MAX_CUTOFF_HOURS = 7 * 24
MAX_REMINDER_HOURS = 14 * 24
MAX_REMINDERS = 3  # per channel
CHANNELS = ("email", "sms")
# Time zones a French practice may be in: metropolitan France and the overseas departments.
TIMEZONES = ("Europe/Paris", "America/Guadeloupe", "America/Martinique", "America/Cayenne", "Indian/Reunion",
             "Indian/Mayotte")
FIELDS = ("name", "address", "access_instructions", "phone", "email", "timezone", "holiday_region",
          "cancellation_cutoff_hours", "reminders_email", "reminders_sms", "notify_practitioner")


@dataclass(frozen=True)
class SettingsInput:
    name: str
    address: str
    access_instructions: str
    phone: str
    email: str
    timezone: str
    holiday_region: str
    cancellation_cutoff_hours: int
    reminder_policy: dict
    notify_practitioner: bool


def as_form(practice: Practice) -> dict[str, str]:
    """The practice's settings as the form shows them."""
    policy = practice.reminder_policy or {}
    return {
        "name": practice.name, "address": practice.address, "access_instructions": practice.access_instructions,
        "phone": phone.display(practice.phone) if practice.phone else "", "email": practice.email,
        "timezone": practice.timezone, "holiday_region": practice.holiday_region,
        "cancellation_cutoff_hours": str(practice.cancellation_cutoff_hours),
        "reminders_email": ", ".join(str(h) for h in sorted(policy.get("email", []), reverse=True)),
        "reminders_sms": ", ".join(str(h) for h in sorted(policy.get("sms", []), reverse=True)),
        "notify_practitioner": "on" if practice.notify_practitioner else "",
    }


def _text(raw: Mapping[str, str], name: str, limit: int, errors: dict[str, str], *, required: bool = False) -> str:
    value = " ".join(str(raw.get(name, "")).split())
    if required and not value:
        errors[name] = "Ce champ est obligatoire."
    elif len(value) > limit:
        errors[name] = f"{limit} caractères au plus."
    return value


def _hours(raw: str, cutoff: int | None, errors: dict[str, str], name: str) -> list[int]:
    parts = [part.strip() for part in raw.replace(";", ",").split(",") if part.strip()]
    if len(parts) > MAX_REMINDERS:
        errors[name] = f"{MAX_REMINDERS} rappels au plus par canal."
        return []
    if not all(part.isdecimal() and len(part) <= 4 for part in parts):
        errors[name] = "Indiquez des nombres d'heures séparés par des virgules, par exemple « 72, 48 »."
        return []
    hours = sorted({int(part) for part in parts}, reverse=True)
    if any(not 1 <= h <= MAX_REMINDER_HOURS for h in hours):
        errors[name] = f"Chaque rappel part entre 1 et {MAX_REMINDER_HOURS} heures avant le rendez-vous."
    elif cutoff is not None and any(h <= cutoff for h in hours):
        errors[name] = (f"Un rappel doit partir avant la limite d'annulation en ligne ({cutoff} h avant le "
                        "rendez-vous) : sinon le patient ne peut plus déplacer ni annuler en le lisant.")
    return hours


def contact_phone(typed: str, errors: dict[str, str], field: str = "phone") -> str:
    """The practice's phone as E.164 ('' when left empty), or an error under `field`. The same
    check for the settings page and `creneau practice set`: it is shown to patients and in SMS."""
    typed = typed.strip()
    number = phone.e164(typed[:40]) or "" if typed else ""
    if typed and not number:
        errors[field] = "Ce numéro de téléphone n'est pas valide (par exemple 01 42 00 00 00)."
    return number


def contact_email(typed: str, errors: dict[str, str], field: str = "email") -> str:
    """The practice's address, normalised ('' when left empty), or an error under `field` (it is
    the Reply-To of every message and the invitations' ORGANIZER)."""
    typed = typed.strip()
    email = clean_email(typed)[0] or "" if typed else ""
    if typed and not email:
        errors[field] = "Cette adresse e-mail n'est pas valide."
    return email


def validate(raw: Mapping[str, str]) -> SettingsInput:
    """The form's fields, checked, or FieldErrors with one message per field."""
    errors: dict[str, str] = {}
    name = _text(raw, "name", 200, errors, required=True)
    address = _text(raw, "address", 300, errors)
    access = _text(raw, "access_instructions", 500, errors)
    number = contact_phone(str(raw.get("phone", "")), errors)
    email = contact_email(str(raw.get("email", "")), errors)
    timezone = str(raw.get("timezone", ""))
    if timezone not in TIMEZONES:
        errors["timezone"] = "Choisissez un fuseau horaire de la liste."
    else:
        try:
            ZoneInfo(timezone)
        except ZoneInfoNotFoundError:
            errors["timezone"] = "Ce fuseau horaire est inconnu de ce serveur."
    region = str(raw.get("holiday_region", ""))
    if region not in REGIONS:
        errors["holiday_region"] = "Choisissez une région de la liste."
    typed_cutoff = str(raw.get("cancellation_cutoff_hours", "")).strip()
    cutoff: int | None = int(typed_cutoff) if typed_cutoff.isdecimal() and len(typed_cutoff) <= 4 else None
    if cutoff is None or cutoff > MAX_CUTOFF_HOURS:
        errors["cancellation_cutoff_hours"] = f"Indiquez un nombre d'heures entre 0 et {MAX_CUTOFF_HOURS}."
        cutoff = None
    policy = {channel: _hours(str(raw.get(f"reminders_{channel}", "")), cutoff, errors, f"reminders_{channel}")
              for channel in CHANNELS}
    if errors:
        raise FieldErrors(errors)
    return SettingsInput(name, address, access, number, email, timezone, region, cutoff or 0, policy,
                         bool(raw.get("notify_practitioner")))


async def update_settings(ctx: Ctx, raw: Mapping[str, str]) -> Practice:
    """Checks and saves the settings, with the audit event in the same transaction."""
    practice = await administered_practice(ctx)
    values = validate(raw)

    async def transaction() -> None:
        async with in_transaction() as conn:
            await Practice.filter(id=practice.id).using_db(conn).update(
                name=values.name, address=values.address, access_instructions=values.access_instructions,
                phone=values.phone, email=values.email, timezone=values.timezone,
                holiday_region=values.holiday_region, cancellation_cutoff_hours=values.cancellation_cutoff_hours,
                reminder_policy=values.reminder_policy, notify_practitioner=values.notify_practitioner)
            await record(conn, ctx, "practice.settings", "practice", practice.id, practice_id=practice.id)

    await retry_locked(transaction)
    return await Practice.get(id=practice.id)
