"""What the privacy centre shows and exports (rights of access and portability): the patient
records a context may touch (portal.access.own_patients), across the deployment's practices,
with their appointments, their consent history (with the exact text agreed to) and the messages
sent (kind, channel, dates, status: never a body, which is not stored).

The export is one JSON document, `creneau-patient-export` version 1, described in the README and
checked against schemas/patient-export.v1.json by the tests.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from portal import access
from portal.booking.calendar_event import PRODID, patient_summary, uid
from portal.context import Ctx
from portal.models import Appointment, ConsentRecord, OutboxMessage, Practice, Practitioner, Service
from portal.patients import consent_texts
from portal.practice.models import patient_service_label, postal_address

EXPORT_FORMAT, EXPORT_VERSION = "creneau-patient-export", 1
PATIENT_FIELDS = ("id", "practice_id", "civility", "first_name", "last_name", "email", "phone", "birth_date", "locale",
                  "created_at", "restricted_at", "restriction_reason")


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


async def overview(ctx: Ctx) -> dict:
    """Everything held about the context's patients, as plain values (the page and the export)."""
    patients = await access.own_patients(ctx).order_by("id").values(*PATIENT_FIELDS)
    ids = [row["id"] for row in patients]
    practices = {row["id"]: row for row in await Practice.filter(id__in={p["practice_id"] for p in patients}).values(
        "id", "slug", "name", "address", "postcode", "city", "email", "phone", "timezone")}
    appointments = await Appointment.filter(patient_id__in=ids).order_by("-starts_at").values(
        "id", "patient_id", "practice_id", "practitioner_id", "service_id", "starts_at", "ends_at", "status", "comment",
        "contact_phone", "sms_reminder", "email_reminder", "source", "created_at", "cancelled_at", "locale",
        "guardian_first_name", "guardian_last_name")
    practitioners = {row["id"]: row for row in await Practitioner.filter(
        id__in={a["practitioner_id"] for a in appointments}).values("id", "title", "first_name", "last_name",
                                                                    "profession")}
    services = {row["id"]: row for row in await Service.filter(id__in={a["service_id"] for a in appointments}).values(
        "id", "name", "name_en", "messages_name_service")}
    consents = await ConsentRecord.filter(patient_id__in=ids).order_by("-recorded_at", "-id").values(
        "id", "patient_id", "practice_id", "appointment_id", "purpose", "granted", "text_version", "text_sha256",
        "recorded_at", "channel", "ip", "given_by")
    messages = await OutboxMessage.filter(appointment_id__in=[a["id"] for a in appointments]).order_by(
        "-created_at", "-id").values("id", "appointment_id", "kind", "channel", "audience", "status", "created_at",
                                     "sent_at")
    return {
        "patients": [{**row, "practice": practices[row["practice_id"]]["name"]} for row in patients],
        "practices": list(practices.values()),
        "appointments": [{
            **row, "practice": practices[row["practice_id"]]["name"],
            "timezone": practices[row["practice_id"]]["timezone"],
            "practitioner": _name(practitioners[row["practitioner_id"]]),
            "profession": practitioners[row["practitioner_id"]]["profession"],
            "service": services[row["service_id"]]["name"],
            "service_en": services[row["service_id"]]["name_en"],  # the English page's
            # What the calendar export may say, as the invitations do (portal.booking.calendar_event).
            "service_named": services[row["service_id"]]["messages_name_service"],
            "practice_address": postal_address(*(practices[row["practice_id"]][key]
                                                 for key in ("address", "postcode", "city"))),
        } for row in appointments],
        "consents": [{**row, "text": consent_texts.agreed_text(row["purpose"], row["text_version"],
                                                                row["text_sha256"])} for row in consents],
        # Only messages to the patient: the practitioner's own notices are the practice's mail.
        "messages": [row for row in messages if row["audience"] == "patient"],
    }


def _name(practitioner: dict) -> str:
    return " ".join(part for part in (practitioner["title"], practitioner["first_name"], practitioner["last_name"]) if part)


def export_document(data: dict, now: datetime) -> dict:
    """The portable JSON document (see the README, "Your data, exported")."""
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": now.isoformat(),
        "patients": [{
            "id": p["id"], "practice": p["practice"], "civility": p["civility"], "first_name": p["first_name"],
            "last_name": p["last_name"], "email": p["email"], "phone": p["phone"],
            "birth_date": p["birth_date"].isoformat(), "locale": p["locale"], "created_at": _iso(p["created_at"]),
            "restricted_at": _iso(p["restricted_at"]), "restriction_reason": p["restriction_reason"],
        } for p in data["patients"]],
        "appointments": [{
            "id": a["id"], "patient_id": a["patient_id"], "practice": a["practice"], "practitioner": a["practitioner"],
            "service": a["service"], "start": _iso(a["starts_at"]), "end": _iso(a["ends_at"]), "status": a["status"],
            "comment": a["comment"], "contact_phone": a["contact_phone"], "sms_reminder": a["sms_reminder"],
            "email_reminder": a["email_reminder"], "source": a["source"], "booked_at": _iso(a["created_at"]),
            "cancelled_at": _iso(a["cancelled_at"]),
            "accompanied_by": {"first_name": a["guardian_first_name"], "last_name": a["guardian_last_name"] or ""}
            if a["guardian_first_name"] is not None else None,
        } for a in data["appointments"]],
        "consents": [{
            "patient_id": c["patient_id"], "appointment_id": c["appointment_id"], "purpose": c["purpose"],
            "granted": c["granted"], "text_version": c["text_version"], "text_sha256": c["text_sha256"],
            "text": c["text"], "recorded_at": _iso(c["recorded_at"]), "channel": c["channel"], "ip": c["ip"],
            "given_by": c["given_by"],
        } for c in data["consents"]],
        "messages": [{
            "appointment_id": m["appointment_id"], "kind": m["kind"], "channel": m["channel"], "status": m["status"],
            "created_at": _iso(m["created_at"]), "sent_at": _iso(m["sent_at"]),
        } for m in data["messages"]],
    }


def export_calendar(data: dict, host: str, now: datetime) -> bytes:
    """Every appointment as one calendar (cancelled ones with STATUS:CANCELLED), same UIDs as
    the invitations, so importing it updates the events a calendar already has: it says what
    they say (the practitioner, the service only where its messages may name it, the place), or
    it would rename them and show the service on a lock screen. The JSON export holds the rest."""
    calendar = Calendar.new(prodid=PRODID, uid=f"export-{host}")
    for a in data["appointments"]:
        tz = ZoneInfo(a["timezone"])
        calendar.add_component(Event.new(
            uid=uid(a["id"], host), start=a["starts_at"].astimezone(tz), end=a["ends_at"].astimezone(tz), stamp=now,
            summary=patient_summary(a["practitioner"], patient_service_label(
                a["service"], a["service_en"], a["service_named"], a["locale"]), a["locale"]),
            location=", ".join(part for part in (a["practice"], a["practice_address"]) if part),
            status="CANCELLED" if a["status"].startswith("cancelled") else "CONFIRMED"))
    if data["appointments"]:
        years = [a["starts_at"].year for a in data["appointments"]]
        calendar.add_missing_timezones(first_date=datetime(min(years), 1, 1).date(),
                                       last_date=datetime(max(years), 12, 31).date())
    return calendar.to_ical()
