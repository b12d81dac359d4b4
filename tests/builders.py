"""Small builders over the real use cases and the demo data."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from portal import context
from portal.booking.book import BookingRequest, book_appointment
from portal.context import Ctx
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
        comment="",
    )
    fields.update(overrides)
    return BookingRequest(**fields)


def visitor(now: datetime, *, channel: str = "api", ip: str = "203.0.113.7", locale: str = "fr") -> Ctx:
    """Someone booking online, as the API or the pages would build them."""
    return context.visitor(channel, ip=ip, locale=locale, now=now)


def patient_ctx(now: datetime, *, channel: str = "web", ip: str = "", locale: str = "fr") -> Ctx:
    """Someone holding a manage link."""
    return context.patient(channel, ip=ip, locale=locale, now=now)


def system(now: datetime, name: str = "test") -> Ctx:
    """An operator or a background process."""
    return context.system(name, now=now)


def provider(now: datetime, name: str = "vonage") -> Ctx:
    """A provider's signed webhook."""
    return context.provider(name, now=now)


async def book(start: datetime, now: datetime, *, locale: str = "fr", **overrides):
    return await book_appointment(visitor(now, locale=locale), request(start, **overrides), secret_key=SECRET_KEY)


__all__ = ["load_demo", "patient", "consents", "paris", "request", "book", "visitor", "patient_ctx", "system", "provider", "PARIS", "SECRET_KEY", "OSTEO", "OSTEO_SERVICE"]
