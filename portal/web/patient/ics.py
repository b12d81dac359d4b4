"""The patient's own "add to my calendar" file: the appointment through the shared builder
(portal.booking.calendar_event), so it and the e-mail invitation are one event in the patient's calendar.
It says what the invitation says: the practitioner, and the service only when its messages may
name it (a calendar is often shared, synced or read on a lock screen); the manage link is in the
description, where the manage page says the rest.
"""

from __future__ import annotations

from datetime import datetime

from portal.booking.calendar_event import CANCELLED, AppointmentEvent, build_calendar, patient_summary, uid_host
from portal.booking.manage import ManagedBooking
from portal.links import manage_url
from portal.practice.models import patient_service_label


def appointment_calendar(booking: ManagedBooking, base_url: str, now: datetime, token: str | None = None) -> bytes:
    appointment, practice = booking.appointment, booking.practice
    english = appointment.locale == "en"
    service = appointment.service
    description = None
    if booking.cancelled:  # the event is cancelled: nothing to manage or cancel any more
        description = CANCELLED.get(appointment.locale, CANCELLED["fr"])
    elif token:
        description = ("Manage or cancel: " if english else "Gérer ou annuler : ") + manage_url(base_url, token)
    return build_calendar(AppointmentEvent(
        appointment_id=appointment.id, host=uid_host(base_url), version=appointment.version,
        start=appointment.starts_at, end=appointment.ends_at, tz_name=practice.timezone,
        summary=patient_summary(appointment.practitioner.display_name, patient_service_label(
            service.name, service.name_en, service.messages_name_service, appointment.locale), appointment.locale),
        location=", ".join(part for part in (practice.name, practice.full_address) if part),
        cancelled=booking.cancelled, description=description,
    ), now)
