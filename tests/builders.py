"""Small builders over the real use cases and the demo data."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from portal.booking.book import BookingRequest, book_appointment
from portal.patients.consent_texts import PRIVACY_NOTICE_VERSION
from portal.practice.demo import load_demo

PARIS = ZoneInfo("Europe/Paris")
SECRET_KEY = "test-secret-key-that-is-long-enough-0123456789"
OSTEO, OSTEO_SERVICE = "camille-martin", "consultation-adulte"


def patient(**overrides) -> dict:
    data = {
        "civility": "mme", "first_name": "Élise", "last_name": "Durand-Lefèvre",
        "email": "elise.durand@example.org", "phone": "06 12 34 56 78", "birth_date": "1987-04-12",
    }
    data.update(overrides)
    return data


def consents(**overrides) -> dict:
    data = {"privacy_notice": PRIVACY_NOTICE_VERSION, "email_reminders": True, "sms_reminders": True}
    data.update(overrides)
    return data


def paris(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


def request(start: datetime | str, **overrides) -> BookingRequest:
    fields = dict(
        practitioner=OSTEO, service=OSTEO_SERVICE, start=start, patient=patient(), consents=consents(),
        comment="", ip="203.0.113.7",
    )
    fields.update(overrides)
    return BookingRequest(**fields)


async def book(start: datetime, now: datetime, **overrides):
    return await book_appointment(request(start, **overrides), now=now, secret_key=SECRET_KEY)


__all__ = ["load_demo", "patient", "consents", "paris", "request", "book", "PARIS", "SECRET_KEY", "OSTEO", "OSTEO_SERVICE"]
