"""Cancelling, moving and changing reminders: what happens to the booking, its messages and the ledger."""

from datetime import timedelta

import pytest

from portal import access
from portal.booking.manage import cancel_appointment, reschedule_appointment, set_reminders
from portal.errors import CutoffPassed, NotAllowed, NotFound, SlotTaken
from portal.models import Appointment, ConsentRecord, OutboxMessage
from portal.patients.input import FieldErrors
from tests.builders import book, load_demo, paris, patient, patient_ctx


async def pending(appointment_id: int) -> set[tuple]:
    rows = await OutboxMessage.filter(appointment_id=appointment_id, status="pending").values_list(
        "kind", "channel", "appointment_version")
    return set(rows)


async def test_reschedule_raises_version_and_replaces_pending_reminders(any_database, now):
    await load_demo()
    booked = await book(paris(2026, 12, 3, 11), now)
    assert ("reminder", "email", 1) in await pending(booked.appointment_id)

    result = await reschedule_appointment(patient_ctx(now), booked.manage_token, paris(2026, 12, 4, 9).isoformat())
    appointment = await Appointment.get(id=booked.appointment_id)
    assert appointment.starts_at == paris(2026, 12, 4, 9) and appointment.version == 2
    assert result.appointment.version == 2
    assert await pending(booked.appointment_id) == {
        ("moved", "email", 2), ("moved", "sms", 2), ("practitioner_moved", "email", 2),
        ("reminder", "email", 2), ("reminder", "sms", 2),
    }
    cancelled = await OutboxMessage.filter(appointment_id=booked.appointment_id, status="cancelled").count()
    assert cancelled >= 3  # the first version's confirmation and reminders
    assert all(m.expires_at == appointment.starts_at for m in await OutboxMessage.filter(
        appointment_id=booked.appointment_id, appointment_version=2))


async def test_reschedule_onto_a_taken_slot_is_refused_and_changes_nothing(any_database, now):
    await load_demo()
    booked = await book(paris(2026, 12, 3, 11), now)
    await book(paris(2026, 12, 4, 9), now, patient=patient(email="other@example.org"))
    with pytest.raises(SlotTaken):
        await reschedule_appointment(patient_ctx(now), booked.manage_token, paris(2026, 12, 4, 9))
    with pytest.raises(FieldErrors):
        await reschedule_appointment(patient_ctx(now), booked.manage_token, paris(2026, 12, 4, 9, 5))
    appointment = await Appointment.get(id=booked.appointment_id)
    assert appointment.starts_at == paris(2026, 12, 3, 11) and appointment.version == 1


async def test_moving_within_its_own_span_is_allowed(any_database, now):
    await load_demo()
    booked = await book(paris(2026, 12, 3, 11), now)
    await reschedule_appointment(patient_ctx(now), booked.manage_token, paris(2026, 12, 3, 11, 15))
    assert (await Appointment.get(id=booked.appointment_id)).starts_at == paris(2026, 12, 3, 11, 15)


async def test_cancel_cancels_pending_messages_and_sends_notices(any_database, now):
    await load_demo()
    booked = await book(paris(2026, 12, 3, 11), now)
    await cancel_appointment(patient_ctx(now), booked.manage_token)
    appointment = await Appointment.get(id=booked.appointment_id)
    assert appointment.status == "cancelled_by_patient" and appointment.cancelled_at == now
    assert await pending(booked.appointment_id) == {
        ("cancelled", "email", 2), ("cancelled", "sms", 2), ("practitioner_cancelled", "email", 2)}
    with pytest.raises(NotAllowed):
        await cancel_appointment(patient_ctx(now), booked.manage_token)
    # The slot is free again.
    await book(paris(2026, 12, 3, 11), now, patient=patient(email="next@example.org"))


async def test_cut_off_blocks_online_changes(any_database, now):
    await load_demo()
    booked = await book(paris(2026, 12, 1, 11), now)
    late = paris(2026, 11, 30, 11, 1)  # 23h59 before, the practice's cut-off is 24 h
    with pytest.raises(CutoffPassed):
        await cancel_appointment(patient_ctx(late), booked.manage_token)
    with pytest.raises(CutoffPassed):
        await reschedule_appointment(patient_ctx(late), booked.manage_token, paris(2026, 12, 2, 9))
    booking = await access.booking_by_token(patient_ctx(now), booked.manage_token)
    assert booking.changeable(now) and not booking.changeable(late)


async def test_withdrawing_sms_reminders_is_a_ledger_row_and_stops_them(any_database, now):
    await load_demo()
    booked = await book(paris(2026, 12, 3, 11), now)
    await set_reminders(patient_ctx(now, ip="198.51.100.4"), booked.manage_token, email=True, sms=False)
    rows = await ConsentRecord.filter(appointment_id=booked.appointment_id, purpose="sms_reminders").order_by("id")
    assert [(r.granted, r.ip, r.channel) for r in rows] == [(True, "203.0.113.7", "api"), (False, "198.51.100.4", "web")]
    assert ("reminder", "sms", 1) not in await pending(booked.appointment_id)
    assert ("reminder", "email", 1) in await pending(booked.appointment_id)

    await set_reminders(patient_ctx(now + timedelta(minutes=5)), booked.manage_token, email=True, sms=True)
    assert ("reminder", "sms", 1) in await pending(booked.appointment_id)
    assert await ConsentRecord.filter(appointment_id=booked.appointment_id, purpose="sms_reminders").count() == 3


async def test_unknown_token_is_not_found(database, now):
    with pytest.raises(NotFound):
        await access.booking_by_token(patient_ctx(now), "x" * 43)
    with pytest.raises(NotFound):
        await access.booking_by_token(patient_ctx(now), "")
