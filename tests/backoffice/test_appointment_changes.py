"""Staff open an appointment, record attendance, cancel or move it as the practice."""

import json
from datetime import timedelta

import pytest

from portal.booking.attendance import absence_counts, set_attendance
from portal.booking.details import appointment_details
from portal.booking.practice_side import cancel_by_practice, move_by_practice
from portal.errors import FieldErrors, NotAllowed, SlotTaken
from portal.models import Appointment, AuditEvent, OutboxMessage
from portal.patients.consent_texts import PRIVACY_NOTICE_VERSION
from tests.backoffice.conftest import STAFF_IP
from tests.builders import book, paris, patient


async def audit_rows(action: str) -> list[dict]:
    return await AuditEvent.filter(action=action).order_by("id").values()


async def test_details_show_patient_service_consents_and_messages_and_are_audited(world):
    details = await appointment_details(world.assistant(), world.camille_appointment)
    assert (details.patient.first_name, details.patient.email) == ("Élise", "elise.durand@example.org")
    assert (details.service, details.comment, details.source) == ("Consultation adulte", "Douleur lombaire", "online")
    assert {(c.purpose, c.text_version, c.channel) for c in details.consents} >= {
        ("privacy_notice", PRIVACY_NOTICE_VERSION, "api")}
    assert {(m.kind, m.channel, m.status) for m in details.messages} >= {("confirmation", "email", "pending")}
    [event] = await audit_rows("appointment.view")
    assert (event["actor"], event["role"], event["ip"], event["channel"]) == ("staff:3", "assistant", STAFF_IP, "admin")
    assert (event["object_id"], event["patient_id"]) == (world.camille_appointment, details.patient.id)
    assert "Élise" not in json.dumps(event["detail"]) and "lombaire" not in str(event)


async def test_attendance_is_recorded_once_the_visit_started(world):
    with pytest.raises(NotAllowed):
        await set_attendance(world.practitioner(), world.camille_appointment, "came")
    with pytest.raises(FieldErrors):
        await set_attendance(world.practitioner(), world.camille_appointment, "arrived")
    after = paris(2026, 12, 1, 12)
    updated = await set_attendance(world.practitioner(after), world.camille_appointment, "absent")
    assert (updated.status, updated.version) == ("absent", 2)
    stored = await Appointment.get(id=world.camille_appointment)
    assert (stored.status, stored.version) == ("absent", 2)
    [event] = await audit_rows("appointment.attendance")
    assert event["detail"] == {"status": "absent", "version": 2} and event["actor"] == "staff:2"
    await set_attendance(world.practitioner(after), world.camille_appointment, "to_confirm")
    assert (await Appointment.get(id=world.camille_appointment)).version == 3


async def test_absences_are_counted_per_patient_within_the_practice(world):
    after = paris(2026, 12, 20, 12)
    second = await book(paris(2026, 12, 8, 11), world.now)
    await set_attendance(world.admin(after), world.camille_appointment, "absent")
    await set_attendance(world.admin(after), second.appointment_id, "excused_absence")
    await set_attendance(world.admin(after), world.hugo_appointment, "came")
    elise, marc = await world.patient_of(world.camille_appointment), await world.patient_of(world.hugo_appointment)
    assert await absence_counts(world.admin(), [elise, marc]) == {
        elise: {"absent": 1, "excused_absence": 1}, marc: {"absent": 0, "excused_absence": 0}}
    lea_patient = await world.patient_of(world.lea_appointment)
    assert await absence_counts(world.admin(), [lea_patient]) == {lea_patient: {"absent": 0, "excused_absence": 0}}


async def test_a_cancelled_status_cancels_and_tells_the_patient(world):
    await set_attendance(world.assistant(), world.camille_appointment, "cancelled_by_patient")
    stored = await Appointment.get(id=world.camille_appointment)
    assert (stored.status, stored.version) == ("cancelled_by_patient", 2)
    kinds = await OutboxMessage.filter(appointment_id=stored.id, status="pending").values_list("kind", "audience")
    assert set(kinds) == {("cancelled", "patient")}
    with pytest.raises(NotAllowed):
        await set_attendance(world.assistant(paris(2026, 12, 1, 12)), world.camille_appointment, "came")


async def test_the_practice_cancels_tells_the_patient_and_frees_the_slot(world):
    reason = "Praticienne malade, douleur au dos"
    cancelled = await cancel_by_practice(world.practitioner(), world.camille_appointment, reason)
    assert (cancelled.status, cancelled.version) == ("cancelled_by_practitioner", 2)
    stored = await Appointment.get(id=world.camille_appointment)
    assert (stored.cancelled_at, stored.cancel_reason) == (world.now, reason)
    messages = await OutboxMessage.filter(appointment_id=stored.id).values_list("kind", "channel", "status")
    assert {(k, c) for k, c, s in messages if s == "pending"} == {("cancelled", "email"), ("cancelled", "sms")}
    assert {s for k, _, s in messages if k in ("confirmation", "reminder")} == {"cancelled"}
    [event] = await audit_rows("appointment.cancel")
    assert event["detail"] == {"status": "cancelled_by_practitioner", "version": 2}
    assert "malade" not in str(event)
    again = await book(paris(2026, 12, 1, 11), world.now, patient=patient(email="autre@example.org"))
    assert again.appointment_id != world.camille_appointment
    with pytest.raises(NotAllowed):
        await cancel_by_practice(world.practitioner(), world.camille_appointment)
    with pytest.raises(FieldErrors):
        await cancel_by_practice(world.practitioner(), again.appointment_id, "x" * 501)


async def test_the_practice_moves_within_the_rules_or_explicitly_outside_them(world):
    late_evening = paris(2026, 12, 1, 20, 30)  # after Camille's hours
    with pytest.raises(FieldErrors):
        await move_by_practice(world.assistant(), world.camille_appointment, late_evening)
    moved = await move_by_practice(world.assistant(), world.camille_appointment, paris(2026, 12, 2, 9))
    assert (moved.starts_at, moved.ends_at, moved.version) == (paris(2026, 12, 2, 9), paris(2026, 12, 2, 9, 45), 2)
    pending = await OutboxMessage.filter(appointment_id=moved.id, status="pending").values_list(
        "kind", "audience", "appointment_version")
    assert {("moved", "patient", 2)} <= set(pending) and all(v == 2 for *_, v in pending)
    assert not [k for k, audience, _ in pending if audience == "practitioner"]
    urgent = await move_by_practice(world.assistant(), world.camille_appointment, late_evening, outside_rules=True)
    assert (urgent.starts_at, urgent.version) == (late_evening, 3)
    assert [e["detail"]["version"] for e in await audit_rows("appointment.move")] == [2, 3]


async def test_a_move_to_the_time_it_already_has_changes_nothing_and_tells_no_one(world):
    """A second submit of the move form (a double click, a resend) must not send the patient a
    second notice of the same move."""
    moved = await move_by_practice(world.assistant(), world.camille_appointment, paris(2026, 12, 2, 9))
    again = await move_by_practice(world.assistant(), world.camille_appointment, paris(2026, 12, 2, 9))
    assert (again.starts_at, again.version) == (moved.starts_at, 2)
    assert await OutboxMessage.filter(kind="moved", audience="patient", channel="email").count() == 1
    assert [e["detail"]["version"] for e in await audit_rows("appointment.move")] == [2]


async def test_the_database_refuses_an_overlap_even_outside_the_rules(world):
    other = await book(paris(2026, 12, 1, 14), world.now, patient=patient(email="autre@example.org"))
    with pytest.raises(SlotTaken):
        await move_by_practice(world.admin(), world.camille_appointment, paris(2026, 12, 1, 14, 10),
                               outside_rules=True)
    with pytest.raises(SlotTaken):
        await move_by_practice(world.admin(), world.camille_appointment, paris(2026, 12, 1, 14))
    with pytest.raises(FieldErrors):
        await move_by_practice(world.admin(), world.camille_appointment, world.now - timedelta(hours=1),
                               outside_rules=True)
    assert (await Appointment.get(id=world.camille_appointment)).version == 1
    assert (await Appointment.get(id=other.appointment_id)).starts_at == paris(2026, 12, 1, 14)
    assert await audit_rows("appointment.move") == []
