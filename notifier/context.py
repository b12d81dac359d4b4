"""Reading, at send time, what a batch of claimed messages needs: the appointment as it is now,
its people and place, and the latest consent of each patient. Narrow `.values()` reads, a few
queries per batch (model instances are slow), then plain dicts for the pure renderer."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from tortoise import connections

from portal import links
from portal.i18n import translations
from portal.messaging.plan import PRIVACY_KINDS, STAFF_INVITATION
from portal.models import (
    Appointment,
    ConsentRecord,
    Patient,
    Practice,
    Practitioner,
    PrivacyLink,
    Service,
    StaffInvitation,
)
from portal.practice.models import patient_service_label, postal_address

log = logging.getLogger("creneau.notifier")

APPOINTMENT_FIELDS = ("id", "practice_id", "practitioner_id", "service_id", "patient_id", "starts_at", "ends_at",
                      "status", "sms_reminder", "email_reminder", "version", "locale", "manage_token_sealed",
                      "contact_phone", "previous_starts_at", "confirm_code_sealed", "guardian_first_name",
                      "guardian_last_name")
PRACTICE_FIELDS = ("id", "slug", "name", "address", "postcode", "city", "phone", "email", "timezone", "locale",
                   "sms_detail", "notify_practitioner", "sms_sender_id", "practitioner_invitations", "sms_regions",
                   "sms_daily_budget")
PATIENT_FIELDS = ("id", "civility", "first_name", "last_name", "email", "phone", "locale", "restricted_at")
PRACTITIONER_FIELDS = ("id", "slug", "title", "first_name", "last_name", "profession", "email")
SERVICE_FIELDS = ("id", "name", "name_en", "messages_name_service")
CONSENT_PURPOSES = ("email_reminders", "sms_reminders")


@dataclass
class Batch:
    appointments: dict[int, dict] = field(default_factory=dict)
    patients: dict[int, dict] = field(default_factory=dict)
    practices: dict[int, dict] = field(default_factory=dict)
    practitioners: dict[int, dict] = field(default_factory=dict)
    services: dict[int, dict] = field(default_factory=dict)
    consents: dict[int, dict[str, bool]] = field(default_factory=dict)  # patient -> purpose -> granted
    privacy_links: dict[int, dict] = field(default_factory=dict)  # outbox message id -> its privacy link
    invitations: dict[int, dict] = field(default_factory=dict)  # outbox message id -> its staff invitation
    feed_levels: dict[int, str] = field(default_factory=dict)  # practitioner -> level of their feed


def _by_id(rows: list[dict]) -> dict[int, dict]:
    return {row["id"]: row for row in rows}


def as_sent(practice: dict) -> dict:
    """A practice's row as messages use it (also the previews, notifier.preview): messages and
    invitations show the address on one line."""
    practice["address"] = postal_address(practice["address"], practice["postcode"], practice["city"])
    return practice


async def load_batch(rows: list[dict]) -> Batch:
    batch = Batch()
    appointment_ids = {row["appointment_id"] for row in rows if row["appointment_id"]}
    if appointment_ids:
        batch.appointments = _by_id(await Appointment.filter(id__in=appointment_ids).values(*APPOINTMENT_FIELDS))
    found = batch.appointments.values()
    practice_ids = {row["practice_id"] for row in rows}
    batch.practices = _by_id([as_sent(practice) for practice in
                              await Practice.filter(id__in=practice_ids).values(*PRACTICE_FIELDS)])
    privacy_ids = [row["id"] for row in rows if row["kind"] in PRIVACY_KINDS]
    if privacy_ids:
        batch.privacy_links = {link["outbox_message_id"]: link for link in await PrivacyLink.filter(
            outbox_message_id__in=privacy_ids).values("outbox_message_id", "kind", "email", "new_value", "token_sealed",
                                                      "expires_at", "used_at")}
        # Written in the patient's language (the one they booked in, their latest record's),
        # like every other message to them; the practice's only for an address no record holds.
        emails = {link["email"] for link in batch.privacy_links.values()}
        locales = {row["email"]: row["locale"] for row in await Patient.filter(
            email__in=emails, erased_at=None).order_by("id").values("email", "locale")}
        for link in batch.privacy_links.values():
            link["locale"] = locales.get(link["email"])
    invitation_ids = [row["id"] for row in rows if row["kind"] == STAFF_INVITATION]
    if invitation_ids:
        batch.invitations = {row["outbox_message_id"]: row for row in await StaffInvitation.filter(
            outbox_message_id__in=invitation_ids).values("outbox_message_id", "email", "token_sealed", "used_at", "locale")}
    if not found:
        return batch
    patient_ids = {a["patient_id"] for a in found}
    batch.patients = _by_id(await Patient.filter(id__in=patient_ids).values(*PATIENT_FIELDS))
    batch.practitioners = _by_id(await Practitioner.filter(id__in={a["practitioner_id"] for a in found}).values(
        *PRACTITIONER_FIELDS))
    batch.services = _by_id(await Service.filter(id__in={a["service_id"] for a in found}).values(*SERVICE_FIELDS))
    if any(row["audience"] == "practitioner" for row in rows):
        batch.feed_levels = await feed_levels(set(batch.practitioners))
    # The ledger is append-only: the latest row per (patient, purpose) is the patient's choice now.
    ledger = await ConsentRecord.filter(patient_id__in=patient_ids, purpose__in=CONSENT_PURPOSES).order_by(
        "recorded_at", "id").values_list("patient_id", "purpose", "granted")
    for patient_id, purpose, granted in ledger:
        batch.consents.setdefault(patient_id, {})[purpose] = granted
    return batch


# Least detailed first: with several feeds, the invitation says no more than the most private one.
FEED_LEVELS = ("busy", "initials", "full")


async def feed_levels(practitioner_ids: set[int]) -> dict[int, str]:
    """The detail level of each practitioner's live feed (calendar_sync's feed_token table, read
    as a table: notifier and calendar_sync do not import each other); "busy" without a feed."""
    if not practitioner_ids:
        return {}
    marks = ", ".join(str(int(pid)) for pid in practitioner_ids)
    rows = await connections.get("default").execute_query_dict(
        f"SELECT practitioner_id, level FROM feed_token WHERE revoked_at IS NULL AND practitioner_id IN ({marks})")
    levels: dict[int, str] = {}
    for row in rows:
        current = levels.get(row["practitioner_id"], "full")
        level = row["level"] if row["level"] in FEED_LEVELS else "busy"
        levels[row["practitioner_id"]] = min(current, level, key=FEED_LEVELS.index)
    return levels


def display_name(practitioner: dict) -> str:
    return " ".join(part for part in (practitioner["title"], practitioner["first_name"], practitioner["last_name"]) if part)


def manage_link(base_url: str, sealed: str, secret_key: str) -> str | None:
    """The patient's manage page, when the sealed token can still be opened (a rotated
    SECRET_KEY makes it unreadable: the message then goes without the link)."""
    token = links.unseal_manage_token(sealed, secret_key) if sealed else None
    return links.manage_url(base_url, token) if token else None


def short_manage_link(base_url: str, appointment_id: int, sealed: str, secret_key: str) -> str | None:
    """The same page through /r/…, short enough for an SMS with a long BASE_URL."""
    token = links.unseal_manage_token(sealed, secret_key) if sealed else None
    return links.short_url(base_url, links.short_code(appointment_id, token, secret_key)) if token else None


def message_context(row: dict, batch: Batch, base_url: str, secret_key: str) -> dict:
    """The renderer's input. Patient messages carry no reason for the visit: they name the
    service only if the service allows it (its `messages_name_service`, off by default); the
    practitioner's own e-mails always name it. `sms_detail` is the practice's SMS level."""
    appointment = batch.appointments[row["appointment_id"]]
    practice = batch.practices[row["practice_id"]]
    practitioner = batch.practitioners[appointment["practitioner_id"]]
    patient = batch.patients[appointment["patient_id"]]
    service = batch.services[appointment["service_id"]]
    to_patient = row["audience"] == "patient"
    locale = appointment["locale"] if to_patient else practice["locale"]
    # The practitioner's own e-mails always name the service; a patient's, where it allows it.
    service_name = patient_service_label(service["name"], service["name_en"],
                                         service["messages_name_service"] or not to_patient, locale)
    return {
        "practice": {key: practice[key] for key in ("name", "address", "phone")},
        "practitioner": {"name": display_name(practitioner),
                         "profession": translations(locale).gettext(practitioner["profession"]) if practitioner["profession"] else ""},
        "patient": {**{key: patient[key] for key in ("civility", "first_name", "last_name", "email")},
                    # The number typed for this booking; rows from before it existed use the record's.
                    "phone": appointment["contact_phone"] or patient["phone"]},
        **_child_and_adult(appointment, patient, to_patient),
        "start": appointment["starts_at"],
        "previous_start": appointment["previous_starts_at"],
        "end": appointment["ends_at"],
        "service": service_name,
        "sms_detail": practice["sms_detail"],
        "manage_url": manage_link(base_url, appointment["manage_token_sealed"], secret_key) if to_patient else None,
        "manage_url_short": short_manage_link(base_url, appointment["id"], appointment["manage_token_sealed"],
                                              secret_key) if to_patient and row["channel"] == "sms" else None,
        "cancelled_by": "practitioner" if appointment["status"] == "cancelled_by_practitioner" else "patient",
        # The practitioner's booking page: after a cancellation, the way back to a new appointment.
        "book_again_url": f"{base_url.rstrip('/')}/p/{practitioner['slug']}" if to_patient else None,
        # The same way back without the practitioner's name in it (an SMS at the "minimal" level).
        "practice_page_url": f"{base_url.rstrip('/')}/c/{practice['slug']}" if to_patient else None,
        # Every e-mail to a patient shows the way to the privacy centre in its footer.
        "privacy_url": privacy_access_url(base_url) if to_patient else None,
    }


def _child_and_adult(appointment: dict, patient: dict, to_patient: bool) -> dict:
    """A child's appointment (the patient is the child): messages to the patient go to the
    child's record's e-mail and mobile (the booking's mobile first), with the child's first name
    only; the practitioner's notice names the child (the patient) and the adult. They greet no
    adult by name: the adult who brings the child this time (typed by the practice for a
    returning child) need not be the one whose contact the record holds, and naming them would
    tell one parent of the other's visit under the wrong name. Nothing for an adult's."""
    if appointment.get("guardian_first_name") is None:
        return {}
    if not to_patient:
        return {"accompanied_by": {"first_name": appointment["guardian_first_name"],
                                   "last_name": appointment["guardian_last_name"] or ""}}
    return {"patient": {"first_name": "", "last_name": "", "civility": "", "email": patient["email"],
                        "phone": appointment["contact_phone"] or patient["phone"]},
            "child": {"first_name": patient["first_name"]}}


def privacy_access_url(base_url: str) -> str:
    return f"{base_url.rstrip('/')}/privacy/access"


def privacy_context(row: dict, link: dict, practice: dict, base_url: str, secret_key: str) -> dict:
    """The renderer's input for a privacy-centre message: the link (as `manage_url`, the one
    link an SMS template may carry) and its expiry (as `start`), nothing about any appointment."""
    token = links.unseal_manage_token(link["token_sealed"], secret_key)
    path = "c" if link["kind"] == "centre" else "confirm"
    return {
        "practice": {key: practice[key] for key in ("name", "address", "phone")},
        "practitioner": None, "service": None, "patient": None,
        "start": link["expires_at"], "end": link["expires_at"],
        "manage_url": f"{base_url.rstrip('/')}/privacy/{path}/{token}" if token else None,
        "change": link["kind"], "privacy_url": privacy_access_url(base_url),
    }
