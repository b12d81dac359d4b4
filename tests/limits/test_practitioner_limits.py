"""Per-practitioner limits on online bookings (issue 10 item 4): a script with many addresses
and phone numbers booked every free slot of a practitioner for two weeks in 2 seconds."""

from __future__ import annotations

from datetime import timedelta
from email.header import decode_header, make_header

import pytest

from portal.booking.book import book_appointment
from portal.errors import SlotTaken
from portal.limits.practitioner import OnlineLimitReached
from portal.messaging.notices import NOTICE_KIND
from portal.models import Appointment, OutboxMessage, Practitioner
from portal.patients.input import FieldErrors
from tests.builders import OSTEO, SECRET_KEY, load_demo, paris, patient, request, visitor

SLOTS = [paris(2026, 12, day, hour) for day in (1, 3) for hour in (9, 10, 11, 14, 15, 16)]  # Tuesday, Thursday


async def _book(now, start, i: int):
    return await book_appointment(visitor(now), request(start, patient=patient(
        email=f"bot{i}@example.org", phone=f"06 12 34 56 {10 + i}")), secret_key=SECRET_KEY)


async def _limits(per_hour: int, per_day: int) -> None:
    await Practitioner.filter(slug=OSTEO).update(online_bookings_per_hour=per_hour, online_bookings_per_day=per_day)


async def test_the_hourly_limit_stops_online_bookings_and_tells_the_practice_once(any_database, now):
    await load_demo()
    await _limits(3, 100)
    for i in range(3):
        await _book(now, SLOTS[i], i)
    for i in range(3, 6):
        with pytest.raises(OnlineLimitReached) as refused:
            await _book(now, SLOTS[i], i)
    assert 0 < refused.value.wait <= 3600 and refused.value.status == 429
    assert await Appointment.all().count() == 3
    notices = await OutboxMessage.filter(kind=NOTICE_KIND).values("audience", "channel", "appointment_id")
    assert notices == [{"audience": "practice", "channel": "email", "appointment_id": None}]  # one per window
    later = now + timedelta(hours=1)
    await _book(later, SLOTS[6], 6)  # the next hour takes bookings again
    with pytest.raises(OnlineLimitReached):
        for i in range(7, 10):
            await _book(later, SLOTS[i], i)
    assert await OutboxMessage.filter(kind=NOTICE_KIND).count() == 2  # the new window's notice


async def test_the_daily_limit_holds_across_hours(any_database, now):
    await load_demo()
    await _limits(100, 4)
    for i in range(4):
        await _book(now + timedelta(hours=i), SLOTS[i], i)
    with pytest.raises(OnlineLimitReached):
        await _book(now + timedelta(hours=5), SLOTS[5], 5)
    await _book(now + timedelta(days=1), SLOTS[6], 6)


async def test_refused_requests_do_not_use_the_practitioner_limit(any_database, now):
    await load_demo()
    await _limits(2, 2)
    await _book(now, SLOTS[0], 0)
    for _ in range(3):
        with pytest.raises(SlotTaken):
            await _book(now, SLOTS[0], 1)
        with pytest.raises(FieldErrors):
            await book_appointment(visitor(now), request(SLOTS[1], patient=patient(email="nope")))
    await _book(now, SLOTS[1], 2)
    assert await Appointment.all().count() == 2


async def test_zero_turns_a_limit_off(any_database, now):
    await load_demo()
    await _limits(0, 0)
    for i in range(12):
        await _book(now, SLOTS[i], i)
    assert await Appointment.all().count() == 12


async def test_the_defaults_are_ten_an_hour_and_forty_a_day(any_database):
    await load_demo()
    practitioner = await Practitioner.get(slug=OSTEO)
    assert (practitioner.online_bookings_per_hour, practitioner.online_bookings_per_day) == (10, 40)


async def test_the_worker_mails_the_notice_to_the_practice(any_database, now, tmp_path):
    from notifier.channels.memory import MemoryChannel
    from notifier.worker import drain_once
    from portal.models import OutboxStatus, Practice
    from tests.notifier.conftest import make_settings

    await load_demo()
    await _limits(1, 100)
    await _book(now, SLOTS[0], 0)
    with pytest.raises(OnlineLimitReached):
        await _book(now, SLOTS[1], 1)
    channels = {"email": MemoryChannel(), "sms": MemoryChannel()}
    await drain_once(make_settings(any_database, tmp_path), channels, now=lambda: now)
    practice = await Practice.get(practitioners__slug=OSTEO)
    notices = [m for m in channels["email"].sent if m.recipients == (practice.email,)]
    assert len(notices) == 1
    body = notices[0].message.get_payload()[0].get_payload(decode=True).decode()
    assert "La limite de 1 réservations en ligne par heure pour" in body and "Martin" in body
    subject = str(make_header(decode_header(notices[0].message["Subject"])))
    assert subject == "Réservations en ligne suspendues pour l'heure : Camille Martin"
    row = await OutboxMessage.get(kind=NOTICE_KIND)
    assert row.status == OutboxStatus.SENT
