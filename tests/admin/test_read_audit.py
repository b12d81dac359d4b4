"""Every back-office page that shows patient data to staff records the read in the audit trail,
with the member who read it, and the event holds ids and counts only: never a name, a search
typed, a phone number or an e-mail address (the trail must not become a copy of the data)."""

from __future__ import annotations

import json
from datetime import timedelta

from portal.models import Appointment, AuditEvent, AvailabilityException, Practitioner
from tests.admin.conftest import csrf_of, signed_in_as
from tests.builders import book, paris, patient

NAME, EMAIL, PHONE = "Lefebvre", "lefebvre@example.org", "0612345678"


async def _booked(clock, hour: int = 10, day: int = 2) -> tuple[int, int]:
    booked = await book(paris(2026, 12, day, hour), clock.now, practitioner="camille-martin",
                        service="consultation-adulte", patient=patient(last_name=NAME, email=EMAIL))
    appointment = await Appointment.get(id=booked.appointment_id)
    return appointment.id, appointment.patient_id


async def _events(action: str) -> list[dict]:
    return await AuditEvent.filter(action=action).order_by("id").values()


def _holds_no_patient_data(event: dict) -> None:
    text = json.dumps(event, default=str).lower()
    for value in (NAME.lower(), "lefeb", EMAIL, PHONE, "612345678", "élise"):
        assert value not in text, (value, event)


async def test_the_agenda_records_who_read_it(client, clock):
    await _booked(clock)
    user = await signed_in_as(client, clock.now)
    page = await client.get("/admin/agenda?view=week&date=2026-12-02")
    assert page.status_code == 200 and NAME in page.text
    [event] = await _events("agenda.view")
    assert event["actor"] == f"staff:{user.id}" and event["role"] == "admin" and event["practice_id"] == user.practice_id
    assert event["detail"]["count"] == 1 and event["detail"]["date"] == "2026-11-30" and event["detail"]["days"] == 7
    camille = await Practitioner.get(slug="camille-martin")
    assert camille.id in event["detail"]["practitioner_ids"]
    _holds_no_patient_data(event)


async def test_the_patient_search_records_each_patient_shown_not_what_was_typed(client, clock):
    _, patient_id = await _booked(clock)
    user = await signed_in_as(client, clock.now)
    page = await client.get("/admin/patients?q=lefeb")
    assert page.status_code == 200 and NAME in page.text
    [event] = await _events("patient.search")
    assert event["actor"] == f"staff:{user.id}" and event["patient_id"] == patient_id
    assert event["object_type"] == "patient" and event["object_id"] == patient_id
    _holds_no_patient_data(event)
    # A search that shows nobody shows no patient data.
    await client.get("/admin/patients?q=zzz")
    assert len(await _events("patient.search")) == 1


async def test_the_phone_booking_search_and_the_patient_picked_are_recorded(client, clock):
    _, patient_id = await _booked(clock)
    user = await signed_in_as(client, clock.now)
    found = await client.get("/admin/book?q=lefeb")
    assert NAME in found.text
    [event] = await _events("patient.search")
    assert event["actor"] == f"staff:{user.id}" and event["patient_id"] == patient_id
    # The form given back with a patient picked (here by a forged-free id in the URL) shows them too.
    picked = await client.get(f"/admin/book?patient={patient_id}")
    assert NAME in picked.text
    assert [e["patient_id"] for e in await _events("patient.search")] == [patient_id, patient_id]
    _holds_no_patient_data((await _events("patient.search"))[-1])
    assert csrf_of(picked.text)


async def test_the_appointments_inside_time_off_record_who_read_them(client, clock):
    await _booked(clock, day=8)
    camille = await Practitioner.get(slug="camille-martin")
    user = await signed_in_as(client, clock.now)
    exception = await AvailabilityException.create(practitioner=camille, start_date=paris(2026, 12, 7, 0).date(),
                                                   end_date=paris(2026, 12, 13, 0).date(), kind="closed")
    page = await client.get(f"/admin/settings/practitioners/{camille.id}/time-off/{exception.id}")
    assert page.status_code == 200 and NAME in page.text
    [event] = await _events("practitioner.time_off.view")
    assert event["actor"] == f"staff:{user.id}" and event["object_id"] == exception.id
    assert event["detail"] == {"count": 1, "practitioner_id": camille.id}
    _holds_no_patient_data(event)


async def test_reading_the_audit_trail_is_recorded(client, clock):
    """The trail shows patients' ids and the IP addresses bookings came from: who read it is kept too."""
    await _booked(clock)
    user = await signed_in_as(client, clock.now)
    page = await client.get("/admin/audit?action=appointment.")
    assert page.status_code == 200 and "appointment.book" in page.text
    [event] = await _events("audit.view")
    assert event["actor"] == f"staff:{user.id}" and event["practice_id"] == user.practice_id
    assert event["detail"] == {"count": 1} and event["patient_id"] is None


async def test_the_agenda_refreshing_itself_records_only_what_changes(client, clock):
    """The open agenda fetches itself every minute: the same appointments seen again by the same
    member within a quarter of an hour are one read, not 480 events a day per tab; a new
    appointment on the page, another member, or a later quarter of an hour is a new read."""
    await _booked(clock)
    await signed_in_as(client, clock.now)
    week = "/admin/agenda?view=week&date=2026-12-02"
    for _ in range(3):
        await client.get(week)
        clock.now += timedelta(minutes=1)
    assert len(await _events("agenda.view")) == 1
    await _booked(clock, hour=11)  # an online booking arrives: the page shows someone new
    await client.get(week)
    assert [e["detail"]["count"] for e in await _events("agenda.view")] == [1, 2]
    clock.now += timedelta(minutes=16)
    await client.get(week)
    assert len(await _events("agenda.view")) == 3
    await client.get("/admin/agenda?view=day&date=2026-12-02")  # another view of it
    assert len(await _events("agenda.view")) == 4
