"""The .ics that goes with an e-mail: to the patient (confirmation, move, cancellation) and to
the practitioner (their notice of a booking, move or cancellation), pure.

Replies: an invitation with METHOD REQUEST makes Gmail, Outlook and Apple Calendar offer
"Accept / Decline", and the answer goes to the ORGANIZER. So the organizer is the practice's own
address, which someone reads, and the description says that declining does not cancel. A
practice without an address gets METHOD PUBLISH with no organizer and no attendee: nothing
solicits a reply that nobody would read."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from notifier import mime
from portal.booking.calendar_event import CANCELLED, AppointmentEvent, build_calendar, patient_summary
from portal.patients.phone import display_for

PATIENT_METHODS = {"confirmation": "REQUEST", "moved": "REQUEST", "cancelled": "CANCEL"}
TEXT = {
    "fr": {"manage": "Pour déplacer ou annuler ce rendez-vous : {url}", "phone": "Tél. : {phone}",
           "decline": "Refuser cette invitation n'annule pas le rendez-vous : utilisez le lien ci-dessus ou "
                      "appelez le cabinet."},
    "en": {"manage": "To move or cancel this appointment: {url}", "phone": "Phone: {phone}",
           "decline": "Declining this invitation does not cancel the appointment: use the link above or call "
                      "the practice."},
}


def patient_description(context: dict, locale: str, solicits_reply: bool, cancelled: bool = False) -> str:
    """What calendar apps show (most ignore the URL property): how to manage, where, whom to call.
    A cancelled event says so instead, and neither offers to move or cancel it nor explains
    declining (a CANCEL asks for no answer)."""
    text = TEXT.get(locale, TEXT["fr"])
    practice = context["practice"]
    if cancelled:
        lines = [CANCELLED.get(locale, CANCELLED["fr"])]
        solicits_reply = False
    else:
        lines = [text["manage"].format(url=context["manage_url"])] if context["manage_url"] else []
    place = [part for part in (practice["name"], practice["address"]) if part]
    if practice["phone"]:
        place.append(text["phone"].format(phone=display_for(practice["phone"], locale)))
    lines += ["", *place] if place else []
    if solicits_reply:
        lines += ["", text["decline"]]
    return "\n".join(lines).strip()


def with_method(event: AppointmentEvent, method: str, practice_email: str) -> tuple[AppointmentEvent, str]:
    """REQUEST/CANCEL when the practice has an address to receive replies, else PUBLISH (a
    cancellation then travels as STATUS:CANCELLED)."""
    if practice_email:
        return event, method
    return replace(event, organizer=None, attendee=None, cancelled=event.cancelled or method == "CANCEL"), "PUBLISH"


def patient_invitation(row: dict, context: dict, practice: dict, host: str, to: tuple[str, str], locale: str,
                       now: datetime) -> tuple[bytes, str] | None:
    method = PATIENT_METHODS.get(row["kind"])
    if method is None:
        return None
    summary = patient_summary(context["practitioner"]["name"], context["service"], locale)
    organizer = practice["email"]
    event = AppointmentEvent(
        appointment_id=row["appointment_id"], host=host, version=row["appointment_version"],
        start=context["start"], end=context["end"], tz_name=practice["timezone"], summary=summary,
        location=", ".join(part for part in (practice["name"], practice["address"]) if part),
        organizer=(organizer, mime.clean_header_text(practice["name"])) if organizer else None,
        attendee=(to[0], mime.clean_header_text(to[1])), url=context["manage_url"],
        description=patient_description(context, locale, solicits_reply=bool(organizer), cancelled=method == "CANCEL"),
    )
    event, method = with_method(event, method, organizer)
    return build_calendar(event, now, method), method


PRACTITIONER_METHODS = {"practitioner_booked": "REQUEST", "practitioner_moved": "REQUEST",
                        "practitioner_cancelled": "CANCEL"}
BUSY_SUMMARY = "Rendez-vous"  # what a `busy` feed says (calendar_sync.feed)


def feed_summary(context: dict, level: str) -> str:
    """The feed's words for the event at its level (calendar_sync.feed.summary), so the
    invitation and the feed show the same event the same way."""
    patient, service = context["patient"], context["service"]
    if level == "initials":
        letters = "".join(f"{name.strip()[0].upper()}." for name in (patient["first_name"], patient["last_name"])
                          if name and name.strip())
        return " – ".join(part for part in (letters, service) if part) or BUSY_SUMMARY
    if level == "full":
        name = f"{patient['first_name']} {patient['last_name']}".strip()
        return " – ".join(part for part in (name, service) if part) or BUSY_SUMMARY
    return BUSY_SUMMARY


def practitioner_invitation(row: dict, context: dict, practice: dict, host: str, to: tuple[str, str], level: str,
                            now: datetime) -> tuple[bytes, str] | None:
    """The feed's own event (same UID and SEQUENCE), so it lands in the practitioner's calendar
    at once and the feed's next refresh updates the same event instead of adding another."""
    method = PRACTITIONER_METHODS.get(row["kind"])
    if method is None or not practice.get("practitioner_invitations", True):
        return None
    organizer = practice["email"]
    event = AppointmentEvent(
        appointment_id=row["appointment_id"], host=host, version=row["appointment_version"],
        start=context["start"], end=context["end"], tz_name=practice["timezone"],
        summary=feed_summary(context, level), location=practice["address"],
        organizer=(organizer, mime.clean_header_text(practice["name"])) if organizer else None,
        attendee=(to[0], mime.clean_header_text(to[1])),
        description=(f"Tél. : {context['patient']['phone']}" if level == "full" and context["patient"]["phone"]
                     else None),
    )
    event, method = with_method(event, method, organizer)
    return build_calendar(event, now, method), method
