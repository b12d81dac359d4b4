"""The audit trail: every change of a booking or a consent writes an event in the same
transaction, naming the actor and the objects by id and never the patient's data; the database
refuses to change or erase it (and to erase the consent ledger)."""

import json
from datetime import timedelta

import pytest

from notifier.inbound import withdraw_sms_consent
from portal import context
from portal.booking.manage import cancel_appointment, reschedule_appointment, set_reminders
from portal.errors import CutoffPassed
from portal.models import Appointment, AuditEvent, ConsentRecord
from tests.builders import book, load_demo, paris, patient, patient_ctx

PATIENT_DATA = ("Élise", "Durand", "elise.durand", "+33612345678", "1987", "Douleur")


async def events() -> list[tuple]:
    rows = await AuditEvent.all().order_by("id").values_list("actor", "action", "object_type", "channel", "ip")
    return [tuple(row) for row in rows]


async def test_every_change_is_recorded_by_whom_and_from_where(any_database, now):
    await load_demo()
    booked = await book(paris(2026, 12, 3, 11), now, comment="Douleur lombaire")
    appointment = await Appointment.get(id=booked.appointment_id)
    later = now + timedelta(hours=1)
    await set_reminders(patient_ctx(later, ip="198.51.100.4"), booked.manage_token, email=True, sms=False)
    await reschedule_appointment(patient_ctx(later), booked.manage_token, paris(2026, 12, 4, 11))
    await withdraw_sms_consent(context.provider("vonage", now=later), key="mo-1", msisdn="33612345678")
    await cancel_appointment(patient_ctx(later), booked.manage_token)

    assert await events() == [
        ("visitor", "appointment.book", "appointment", "api", "203.0.113.7"),
        ("patient", "consent.withdraw", "patient", "web", "198.51.100.4"),
        ("patient", "appointment.move", "appointment", "web", ""),
        ("provider:vonage", "consent.withdraw", "patient", "sms", ""),
        ("patient", "appointment.cancel", "appointment", "web", ""),
    ]
    rows = await AuditEvent.all().order_by("id").values()
    assert {row["practice_id"] for row in rows} == {appointment.practice_id}
    assert {row["patient_id"] for row in rows} == {appointment.patient_id}
    assert rows[0]["object_id"] == appointment.id and rows[0]["at"] == now
    assert [row["detail"].get("purpose") for row in rows[1::2]] == ["sms_reminders"] * 2
    stored = json.dumps([{k: str(v) for k, v in row.items()} for row in rows], ensure_ascii=False)
    assert not [word for word in PATIENT_DATA if word in stored]  # ids only, never the data


async def test_a_refused_change_records_nothing(any_database, now):
    await load_demo()
    booked = await book(paris(2026, 12, 1, 9), now)
    with pytest.raises(CutoffPassed):
        await cancel_appointment(patient_ctx(paris(2026, 12, 1, 8)), booked.manage_token)
    assert [action for _, action, *_ in await events()] == ["appointment.book"]


async def test_the_trail_and_the_ledger_cannot_be_changed_or_erased(any_database, now):
    await load_demo()
    await book(paris(2026, 12, 1, 11), now, patient=patient())
    # Tortoise passes the trigger's error through untranslated: any error, with our text.
    with pytest.raises(Exception, match="append-only"):
        await AuditEvent.all().update(action="nothing")
    with pytest.raises(Exception, match="append-only"):
        await AuditEvent.all().delete()
    with pytest.raises(Exception, match="append-only"):
        await ConsentRecord.all().delete()
    assert await AuditEvent.all().count() == 1 and await ConsentRecord.all().count() == 3


async def test_events_older_than_the_retention_of_connection_data_may_be_purged(any_database, now):
    from tortoise import connections

    from portal.audit.record import record

    old = context.system("purge", now=now - timedelta(days=400))
    await record(connections.get("default"), old, "appointment.cancel", "appointment", 1)
    assert await AuditEvent.all().delete() == 1
