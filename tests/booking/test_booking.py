"""Booking an appointment through the use case, on SQLite and PostgreSQL."""

from datetime import timedelta

import pytest

from portal.booking.book import book_appointment
from portal.errors import NotFound, SlotTaken
from portal.models import Appointment, ConsentRecord, OutboxMessage, Patient
from portal.patients.input import FieldErrors
from portal.tokens import token_hash
from tests.builders import book, load_demo, paris, patient, request, visitor


async def test_booking_writes_appointment_consents_and_messages(any_database, now):
    await load_demo()
    result = await book(paris(2026, 12, 2, 11), now)

    appointment = await Appointment.get(id=result.appointment_id)
    assert appointment.starts_at == paris(2026, 12, 2, 11)
    assert appointment.ends_at - appointment.starts_at == timedelta(minutes=45)
    assert appointment.blocked_until == paris(2026, 12, 2, 12)  # 15 min buffer after
    assert appointment.status == "not_filled" and appointment.version == 1
    assert appointment.manage_token_hash == token_hash(result.manage_token)
    assert len(result.manage_token) >= 43  # 256 bits, url-safe

    stored = await Patient.get(id=appointment.patient_id)
    assert stored.phone == "+33612345678"

    consents = await ConsentRecord.filter(appointment_id=appointment.id).order_by("purpose")
    assert [(c.purpose, c.granted, c.channel, c.ip) for c in consents] == [
        ("email_reminders", True, "api", "203.0.113.7"),
        ("privacy_notice", True, "api", "203.0.113.7"),
        ("sms_reminders", True, "api", "203.0.113.7"),
    ]
    assert all(len(c.text_sha256) == 64 for c in consents)

    messages = await OutboxMessage.filter(appointment_id=appointment.id).order_by("due_at", "channel")
    summary = [(m.kind, m.channel, m.audience, m.due_at) for m in messages]
    assert summary == [
        ("confirmation", "email", "patient", now),
        ("practitioner_booked", "email", "practitioner", now),
        ("confirmation", "sms", "patient", now),
        ("reminder", "sms", "patient", paris(2026, 11, 30, 11)),  # 48 h before; the e-mail's 72 h is already past
    ]
    assert all(m.expires_at == appointment.starts_at for m in messages)
    assert all(m.created_at == now and m.status == "pending" and m.attempts == 0 for m in messages)
    assert {m.dedupe_key.removeprefix(f"{appointment.id}:") for m in messages} == {
        "confirmation:email:patient:v1:0", "practitioner_booked:email:practitioner:v1:0",
        "confirmation:sms:patient:v1:0", "reminder:sms:patient:v1:48",
    }
    assert {(m.practice_id, m.appointment_version) for m in messages} == {(appointment.practice_id, 1)}
    assert {(c.patient_id, c.practice_id) for c in consents} == {(appointment.patient_id, appointment.practice_id)}


async def test_same_slot_twice_is_refused_with_nearest_free_slots(any_database, now):
    await load_demo()
    await book(paris(2026, 12, 1, 9), now)
    with pytest.raises(SlotTaken) as taken:
        await book(paris(2026, 12, 1, 9), now, patient=patient(email="autre@example.org"))
    assert paris(2026, 12, 1, 10) in taken.value.nearest
    assert await Appointment.all().count() == 1


async def test_bad_fields_are_all_reported_and_nothing_is_written(any_database, now):
    await load_demo()
    bad = patient(email="nope", phone="0899123456", birth_date="2090-01-01", first_name="R2D2")
    with pytest.raises(FieldErrors) as errors:
        await book_appointment(visitor(now), request(paris(2026, 12, 1, 9), patient=bad, consents={}))
    assert set(errors.value.fields) == {
        "patient.email", "patient.phone", "patient.birth_date", "patient.first_name", "consents.privacy_notice",
    }
    assert await Appointment.all().count() == 0 and await Patient.all().count() == 0


async def test_unknown_practitioner_or_off_grid_time(database, now):
    await load_demo()
    with pytest.raises(NotFound):
        await book(paris(2026, 12, 1, 9), now, practitioner="nobody")
    with pytest.raises(NotFound):
        await book(paris(2026, 12, 1, 9), now, service="nothing")
    with pytest.raises(FieldErrors) as errors:
        await book(paris(2026, 12, 1, 9, 7), now)  # not on the 15-minute grid
    assert set(errors.value.fields) == {"start"}
    with pytest.raises(FieldErrors):
        await book(paris(2026, 12, 25, 9), now)  # Christmas: closed


async def test_sms_reminders_need_a_mobile_number(database, now):
    await load_demo()
    with pytest.raises(FieldErrors) as errors:
        await book(paris(2026, 12, 1, 9), now, patient=patient(phone="01 42 00 00 00"))
    assert "mobile" in errors.value.fields["patient.phone"]


async def test_returning_patient_is_one_record(any_database, now):
    await load_demo()
    first = await book(paris(2026, 12, 1, 9), now)
    returning = patient(email="ELISE.durand@example.org", last_name="durand-lefèvre", phone="0698765432")
    again = await book(paris(2026, 12, 2, 9), now, patient=returning)
    assert await Patient.all().count() == 1
    appointments = await Appointment.filter(id__in=[first.appointment_id, again.appointment_id])
    assert len({a.patient_id for a in appointments}) == 1
    # An unauthenticated booking never changes the record: its number serves that booking only.
    assert (await Patient.first()).phone == "+33612345678"
    assert {a.id: a.contact_phone for a in appointments} == {
        first.appointment_id: "+33612345678", again.appointment_id: "+33698765432"}
    patient_id = appointments[0].patient_id
    assert await ConsentRecord.filter(appointment_id=again.appointment_id, patient_id=patient_id).count() == 3


async def test_a_twin_booked_with_the_same_email_is_another_patient(any_database, now):
    await load_demo()
    await book(paris(2026, 12, 1, 9), now)
    twin = await book(paris(2026, 12, 1, 10), now, patient=patient(first_name="Léa"))
    assert await Patient.all().count() == 2
    twin_appointment = await Appointment.get(id=twin.appointment_id)
    assert (await Patient.get(id=twin_appointment.patient_id)).first_name == "Léa"
