"""The optional confirmation step (issue 10 item 4): with it on, an online booking holds its slot
for a few minutes and sends nothing but a code until the patient confirms; a hold not confirmed
is released. The proof that the phone or address is theirs comes before anything else is sent."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from tortoise.exceptions import IntegrityError

from notifier.channels.memory import MemoryChannel
from notifier.worker import drain_once
from portal.booking import confirm
from portal.booking.confirm import confirm_booking, release_expired
from portal.errors import NotAllowed, SlotTaken
from portal.models import Appointment, AppointmentStatus, OutboxMessage, OutboxStatus, Practice
from portal.patients.input import FieldErrors
from tests.builders import SECRET_KEY, book, load_demo, paris, patient, patient_ctx, request, system
from tests.notifier.conftest import make_settings

TUESDAY_9 = paris(2026, 12, 1, 9)


async def _held(now, **overrides):
    await Practice.all().update(confirm_online_bookings=True)
    return await book(TUESDAY_9, now, **overrides)


async def _drain(url, tmp_path, now) -> dict[str, MemoryChannel]:
    channels = {"email": MemoryChannel(), "sms": MemoryChannel()}
    await drain_once(make_settings(url, tmp_path), channels, now=lambda: now)
    return channels


def _code(channels) -> str:
    return re.search(r"\b(\d{6})\b", channels["sms"].sent[0].text).group(1)


async def test_a_held_booking_sends_only_its_code(any_database, now, tmp_path):
    await load_demo()
    result = await _held(now)
    assert result.status == "held"
    rows = await OutboxMessage.all().values_list("kind", "channel")
    assert sorted(rows) == [("verify", "email"), ("verify", "sms")]
    channels = await _drain(any_database, tmp_path, now)
    sms, email = channels["sms"].sent, channels["email"].sent
    assert len(sms) == 1 and len(email) == 1
    code = _code(channels)
    assert "votre code de confirmation de rendez-vous est " + code in sms[0].text
    body = email[0].message.get_payload()[0].get_payload(decode=True).decode()
    assert f"/b/{result.manage_token}/confirm?code={code}" in body and "ignorez ce message" in body


async def test_the_code_confirms_and_only_then_the_confirmation_goes(any_database, now, tmp_path):
    await load_demo()
    result = await _held(now)
    code = _code(await _drain(any_database, tmp_path, now))
    later = now + timedelta(minutes=3)
    await confirm_booking(patient_ctx(later), result.manage_token, f" {code[:3]} {code[3:]} ", secret_key=SECRET_KEY)
    appointment = await Appointment.get(id=result.appointment_id)
    assert appointment.status == AppointmentStatus.NOT_FILLED and appointment.confirm_code_sealed == ""
    channels = await _drain(any_database, tmp_path, later)
    kinds = {(m.kind, m.channel) for m in await OutboxMessage.filter(status=OutboxStatus.SENT, appointment_version=2)}
    assert ("confirmation", "email") in kinds and ("confirmation", "sms") in kinds
    assert len(channels["sms"].sent) == 1
    # Twice is harmless.
    await confirm_booking(patient_ctx(later), result.manage_token, code, secret_key=SECRET_KEY)


async def test_wrong_codes_are_refused_and_five_release_the_slot(any_database, now):
    await load_demo()
    result = await _held(now)
    for _ in range(confirm.MAX_ATTEMPTS - 1):
        with pytest.raises(FieldErrors) as wrong:
            await confirm_booking(patient_ctx(now), result.manage_token, "000000x", secret_key=SECRET_KEY)
        assert wrong.value.fields == {"code": confirm.WRONG}
    with pytest.raises(NotAllowed):
        await confirm_booking(patient_ctx(now), result.manage_token, "000000", secret_key=SECRET_KEY)
    assert (await Appointment.get(id=result.appointment_id)).status == AppointmentStatus.CANCELLED_BY_PATIENT
    await book(TUESDAY_9, now, patient=patient(email="next@example.org"))  # the slot is free again


async def test_a_held_slot_is_taken_for_others_and_the_database_refuses_an_overlap(any_database, now):
    await load_demo()
    result = await _held(now)
    with pytest.raises(SlotTaken):
        await book(TUESDAY_9, now, patient=patient(email="other@example.org"))
    held = await Appointment.get(id=result.appointment_id)
    with pytest.raises(IntegrityError, match="slot_taken"):
        await Appointment.create(
            practice_id=held.practice_id, practitioner_id=held.practitioner_id, service_id=held.service_id,
            patient_id=held.patient_id, starts_at=held.starts_at, ends_at=held.ends_at,
            blocked_from=held.blocked_from, blocked_until=held.blocked_until, manage_token_hash="x" * 64)


async def test_a_hold_not_confirmed_in_time_is_released_and_its_code_not_sent(any_database, now, tmp_path):
    await load_demo()
    result = await _held(now)
    expired = now + confirm.HOLD
    with pytest.raises(NotAllowed):
        await confirm_booking(patient_ctx(expired), result.manage_token, "123456", secret_key=SECRET_KEY)
    assert (await Appointment.get(id=result.appointment_id)).status == AppointmentStatus.CANCELLED_BY_PATIENT
    channels = await _drain(any_database, tmp_path, expired)
    assert channels["sms"].sent == [] and channels["email"].sent == []


async def test_expired_holds_are_released_by_the_next_booking_and_by_the_sweeper(any_database, now):
    await load_demo()
    await _held(now)
    later = now + confirm.HOLD + timedelta(seconds=1)
    await book(TUESDAY_9, later, patient=patient(email="next@example.org"))  # released first, then booked
    second = await book(paris(2026, 12, 1, 14), later, patient=patient(email="third@example.org"))
    assert await release_expired(system(later + confirm.HOLD)) == 2  # the two new holds, once their time is up
    assert (await Appointment.get(id=second.appointment_id)).status == AppointmentStatus.CANCELLED_BY_PATIENT


async def test_a_held_booking_cannot_be_moved_nor_its_reminders_changed(any_database, now):
    from portal.booking.manage import reschedule_appointment, set_reminders

    await load_demo()
    result = await _held(now)
    with pytest.raises(NotAllowed):
        await reschedule_appointment(patient_ctx(now), result.manage_token, paris(2026, 12, 1, 14).isoformat())
    with pytest.raises(NotAllowed):
        await set_reminders(patient_ctx(now), result.manage_token, email=True, sms=False)


async def test_without_the_setting_bookings_are_confirmed_at_once(any_database, now):
    await load_demo()
    result = await book(TUESDAY_9, now, **{"consents": request(TUESDAY_9).consents})
    assert result.status == "not_filled"
    assert not await OutboxMessage.filter(kind="verify").exists()
