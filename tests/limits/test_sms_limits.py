"""SMS only to the regions a practice allows and within its daily budget (issue 10 item 4:
a script sent 76 confirmation SMS to strangers; SMS pumping makes someone earn on them)."""

from __future__ import annotations

import pytest

from notifier.channels.memory import MemoryChannel
from notifier.worker import drain_once
from portal.booking.book import book_appointment
from portal.models import OutboxMessage, OutboxStatus, Practice, Practitioner
from portal.patients.input import FieldErrors
from tests.builders import OSTEO, SECRET_KEY, consents, load_demo, paris, patient, request, visitor
from tests.notifier.conftest import make_settings

SLOTS = [paris(2026, 12, day, hour) for day in (1, 3) for hour in (9, 10, 11, 14, 15, 16)]


async def _book(now, start, phone: str, i: int, sms: bool = True):
    return await book_appointment(visitor(now), request(start, patient=patient(
        email=f"p{i}@example.org", phone=phone), consents=consents(sms_reminders=sms)), secret_key=SECRET_KEY)


@pytest.mark.parametrize("phone", ["+44 7400 123456", "+1 202 555 0143", "+228 90 12 34 56"])
async def test_an_sms_booking_to_a_number_outside_the_practice_regions_is_refused(any_database, now, phone):
    await load_demo()
    with pytest.raises(FieldErrors) as refused:
        await _book(now, SLOTS[0], phone, 0)
    assert refused.value.fields == {
        "patient.phone": "Les SMS de ce cabinet ne sont envoyés qu'à des numéros de France et d'outre-mer."}
    await _book(now, SLOTS[0], phone, 0, sms=False)  # without SMS, the number is only a contact
    assert not await OutboxMessage.filter(channel="sms").exists()


@pytest.mark.parametrize("phone", ["06 12 34 56 78", "+262 692 12 34 56", "+590 690 12 34 56", "+596 696 12 34 56",
                                   "+594 694 12 34 56", "+508 55 12 34"])
async def test_france_and_overseas_departments_are_allowed_by_default(any_database, now, phone):
    await load_demo()
    await _book(now, SLOTS[0], phone, 0)
    assert await OutboxMessage.filter(channel="sms").exists()


async def _drain(url, tmp_path, now) -> dict[str, MemoryChannel]:
    channels = {"email": MemoryChannel(), "sms": MemoryChannel()}
    await drain_once(make_settings(url, tmp_path), channels, now=lambda: now)
    return channels


async def test_the_worker_sends_no_sms_outside_the_regions_allowed_now(any_database, now, tmp_path):
    await load_demo()
    await _book(now, SLOTS[0], "06 12 34 56 78", 0)
    await Practice.all().update(sms_regions="GP,MQ")  # changed after the booking
    channels = await _drain(any_database, tmp_path, now)
    assert channels["sms"].sent == [] and channels["email"].sent
    row = await OutboxMessage.get(channel="sms", kind="confirmation")
    assert (row.status, row.last_error) == (
        OutboxStatus.CANCELLED, "not sent: number of region FR, outside the practice's SMS regions (GP,MQ)")


async def test_the_daily_sms_budget_stops_sending_and_tells_the_practice_once(any_database, now, tmp_path):
    await load_demo()
    await Practitioner.all().update(online_bookings_per_hour=0, online_bookings_per_day=0)
    await Practice.all().update(sms_daily_budget=2)
    for i in range(3):
        await _book(now, SLOTS[i], f"06 12 34 56 {10 + i}", i)
    first = await _drain(any_database, tmp_path, now)
    assert len(first["sms"].sent) == 2
    refused = await OutboxMessage.filter(channel="sms", status=OutboxStatus.CANCELLED).values_list("last_error", flat=True)
    assert refused == ["not sent: the practice's daily SMS budget is spent"]
    for i in range(3, 5):
        await _book(now, SLOTS[i], f"06 12 34 56 {10 + i}", i)
    second = await _drain(any_database, tmp_path, now)
    assert second["sms"].sent == []  # the next batch reads what was sent today: nothing left
    assert await OutboxMessage.filter(channel="sms", status=OutboxStatus.CANCELLED).count() == 3
    practice = await Practice.get(practitioners__slug=OSTEO)
    told = [m for m in first["email"].sent + second["email"].sent if m.recipients == (practice.email,)]
    assert len(told) == 1  # the practice is told once, whatever the number of refusals
    body = told[0].message.get_payload()[0].get_payload(decode=True).decode()
    assert "Le cabinet a envoyé ses 2 SMS autorisés pour aujourd'hui." in body
