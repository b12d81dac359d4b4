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
from portal.patients.input import HIDDEN_CHARACTER, ascii_number, clean_email, hidden_character
from portal.practice.address import city_key, clean_postcode
from portal.scheduling.holidays import REGIONS

MAX_CUTOFF_HOURS = 7 * 24
MAX_REMINDER_HOURS = 14 * 24
MAX_REMINDERS = 3  # per channel
CHANNELS = ("email", "sms")
# Time zones a French practice may be in: metropolitan France and the overseas departments.
TIMEZONES = ("Europe/Paris", "America/Guadeloupe", "America/Martinique", "America/Cayenne", "Indian/Reunion",
             "Indian/Mayotte")
LOCALES = ("fr", "en")
FIELDS = ("name", "address", "postcode", "city", "access_instructions", "phone", "email", "locale", "timezone",
          "holiday_region", "cancellation_cutoff_hours", "reminders_email", "reminders_sms", "notify_practitioner",
          "practitioner_invitations", "controller_name", "controller_address", "dpo_name", "dpo_email")


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
    practitioner_invitations: bool
    postcode: str
    city: str
    locale: str
    controller_name: str
    controller_address: str
    dpo_name: str
    dpo_email: str

    def columns(self) -> dict:
        """The practice's columns this form writes."""
        return {"name": self.name, "address": self.address, "postcode": self.postcode, "city": self.city,
                "city_key": city_key(self.city), "access_instructions": self.access_instructions,
                "phone": self.phone, "email": self.email, "locale": self.locale, "timezone": self.timezone,
                "holiday_region": self.holiday_region, "cancellation_cutoff_hours": self.cancellation_cutoff_hours,
                "reminder_policy": self.reminder_policy, "notify_practitioner": self.notify_practitioner,
                "practitioner_invitations": self.practitioner_invitations, "controller_name": self.controller_name,
                "controller_address": self.controller_address, "dpo_name": self.dpo_name, "dpo_email": self.dpo_email}


def as_form(practice: Practice) -> dict[str, str]:
    """The practice's settings as the form shows them."""
    policy = practice.reminder_policy or {}
    return {
        "name": practice.name, "address": practice.address, "postcode": practice.postcode, "city": practice.city,
        "access_instructions": practice.access_instructions, "locale": practice.locale,
        "phone": phone.display(practice.phone) if practice.phone else "", "email": practice.email,
        "timezone": practice.timezone, "holiday_region": practice.holiday_region,
        "cancellation_cutoff_hours": str(practice.cancellation_cutoff_hours),
        "reminders_email": ", ".join(str(h) for h in sorted(policy.get("email", []), reverse=True)),
        "reminders_sms": ", ".join(str(h) for h in sorted(policy.get("sms", []), reverse=True)),
        "notify_practitioner": "on" if practice.notify_practitioner else "",
        "practitioner_invitations": "on" if practice.practitioner_invitations else "",
        "controller_name": practice.controller_name, "controller_address": practice.controller_address,
        "dpo_name": practice.dpo_name, "dpo_email": practice.dpo_email,
    }


def _text(raw: Mapping[str, str], name: str, limit: int, errors: dict[str, str], *, required: bool = False) -> str:
    value = " ".join(str(raw.get(name, "")).split())
    if required and not value:
        errors[name] = "Ce champ est obligatoire."
    elif len(value) > limit:
        errors[name] = f"{limit} caractères au plus."
    elif hidden_character(value):  # every one of these reaches patients' pages or messages
        errors[name] = HIDDEN_CHARACTER
    return value


def _hours(raw: str, cutoff: int | None, errors: dict[str, str], name: str) -> list[int]:
    parts = [part.strip() for part in raw.replace(";", ",").split(",") if part.strip()]
    if len(parts) > MAX_REMINDERS:
        errors[name] = f"{MAX_REMINDERS} rappels au plus par canal."
        return []
    numbers = [ascii_number(part, 4) for part in parts]
    if None in numbers:
        errors[name] = "Indiquez des nombres d'heures séparés par des virgules, par exemple « 72, 48 »."
        return []
    hours = sorted({number for number in numbers if number is not None}, reverse=True)
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
    postcode = clean_postcode(str(raw.get("postcode", ""))[:20])
    if postcode is None:
        errors["postcode"] = ("Indiquez un code postal français à 5 chiffres (en Corse, 20000 à 20620 : "
                              "2A et 2B sont des numéros de département).")
    city = _text(raw, "city", 100, errors)
    if (postcode or city) and not (postcode and city) and "postcode" not in errors and "city" not in errors:
        errors["city" if postcode else "postcode"] = "Indiquez le code postal et la ville, ou aucun des deux."
    locale = str(raw.get("locale", ""))
    if locale not in LOCALES:
        errors["locale"] = "Choisissez une langue de la liste."
    controller_name = _text(raw, "controller_name", 200, errors)
    controller_address = _text(raw, "controller_address", 300, errors)
    dpo_name = _text(raw, "dpo_name", 200, errors)
    dpo_email = contact_email(str(raw.get("dpo_email", "")), errors, "dpo_email")
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
    cutoff = ascii_number(raw.get("cancellation_cutoff_hours", ""), 4)
    if cutoff is None or cutoff > MAX_CUTOFF_HOURS:
        errors["cancellation_cutoff_hours"] = f"Indiquez un nombre d'heures entre 0 et {MAX_CUTOFF_HOURS}."
        cutoff = None
    policy = {channel: _hours(str(raw.get(f"reminders_{channel}", "")), cutoff, errors, f"reminders_{channel}")
              for channel in CHANNELS}
    if errors:
        raise FieldErrors(errors)
    return SettingsInput(name, address, access, number, email, timezone, region, cutoff or 0, policy,
                         bool(raw.get("notify_practitioner")), bool(raw.get("practitioner_invitations")),
                         postcode or "", city, locale, controller_name, controller_address, dpo_name, dpo_email)


async def update_settings(ctx: Ctx, raw: Mapping[str, str]) -> Practice:
    """Checks and saves the settings, with the audit event in the same transaction."""
    practice = await administered_practice(ctx)
    values = validate(raw)

    async def transaction() -> None:
        async with in_transaction() as conn:
            await Practice.filter(id=practice.id).using_db(conn).update(**values.columns())
            await record(conn, ctx, "practice.settings", "practice", practice.id, practice_id=practice.id)

    await retry_locked(transaction)
    return await Practice.get(id=practice.id)
