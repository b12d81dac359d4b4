"""JSON shapes of the API (kept in one place so OpenAPI and routes agree)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from portal.booking.book import BookingResult
from portal.booking.manage import ManagedBooking
from portal.links import manage_url


def rfc3339(value: datetime, tz: ZoneInfo) -> str:
    return value.astimezone(tz).isoformat()


def booking_created(result: BookingResult, base_url: str) -> dict:
    tz = ZoneInfo(result.tz_name)
    return {
        "id": result.appointment_id,
        "status": result.status,
        "start": rfc3339(result.start, tz),
        "end": rfc3339(result.end, tz),
        "manage_url": manage_url(base_url, result.manage_token),
    }


def managed_booking(booking: ManagedBooking, now: datetime) -> dict:
    appointment = booking.appointment
    tz = ZoneInfo(booking.practice.timezone)
    return {
        "id": appointment.id,
        "status": str(appointment.status),
        "start": rfc3339(appointment.starts_at, tz),
        "end": rfc3339(appointment.ends_at, tz),
        "practitioner": booking.practitioner_slug,
        "service": booking.service_slug,
        "version": appointment.version,
        "reminders": {"email": appointment.email_reminder, "sms": appointment.sms_reminder},
        "changeable": booking.changeable(now),
        "change_deadline": rfc3339(booking.cutoff(), tz),
    }
