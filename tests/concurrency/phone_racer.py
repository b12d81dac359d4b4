"""A process that books through the core use cases directly (no web layer): by phone, as the
practice's staff, or online, as a visitor, racing other processes for the same slots."""

from __future__ import annotations

import asyncio
from datetime import datetime

from creneau import database as db
from portal import context
from portal.booking.book import BookingRequest, book_appointment
from portal.booking.phone_booking import PhoneBooking, book_phone_request
from portal.context import Actor, ActorKind, Ctx, Scope
from portal.errors import SlotTaken


def race(url: str, kind: str, index: int, starts: list[datetime], now: datetime, practice_id: int,
         practitioner_id: int, barrier, results) -> None:
    asyncio.run(_race(url, kind, index, starts, now, practice_id, practitioner_id, barrier, results))


def _patient(kind: str, index: int, round_: int) -> dict:
    return {"civility": "", "first_name": "Course", "last_name": f"{kind.title()} {chr(65 + index)}",
            "email": f"{kind}{index}.{round_}@example.org", "phone": "06 12 34 56 78", "birth_date": "1980-01-01"}


async def _book(url_kind: str, index: int, round_: int, start: datetime, now: datetime, practice_id: int,
                practitioner_id: int) -> None:
    from portal.patients.consent_texts import PRIVACY_NOTICE_VERSION

    consents = {"privacy_notice": PRIVACY_NOTICE_VERSION, "email_reminders": True, "sms_reminders": False}
    if url_kind == "phone":
        staff = Ctx(Actor(ActorKind.STAFF, str(index), "assistant"), now,
                    scope=Scope(frozenset({practice_id}), frozenset({practitioner_id})), channel="admin")
        await book_phone_request(staff, PhoneBooking(practitioner_id, "consultation-adulte", start,
                                                _patient(url_kind, index, round_), consents))
    else:
        await book_appointment(context.visitor("api", now=now), BookingRequest(
            "camille-martin", "consultation-adulte", start, _patient(url_kind, index, round_), consents))


async def _race(url: str, kind: str, index: int, starts: list[datetime], now: datetime, practice_id: int,
                practitioner_id: int, barrier, results) -> None:
    await db.init(url)
    try:
        for round_, start in enumerate(starts):
            await asyncio.to_thread(barrier.wait, 60)  # everyone fires at once
            try:
                await _book(kind, index, round_, start, now, practice_id, practitioner_id)
                results.put((round_, kind, "booked"))
            except SlotTaken:
                results.put((round_, kind, "taken"))
            except Exception as error:  # noqa: BLE001 - reported to the test as a failure
                results.put((round_, kind, repr(error)))
    finally:
        await db.close()
