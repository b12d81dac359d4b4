"""A child's booking through the JSON API (issue 14 item 4), on SQLite and PostgreSQL: the
optional `child` object, `patient` then being the accompanying adult; a message per field in
the caller's language; nothing written on error; services say who they are for."""

from datetime import datetime

import pytest

from portal.models import Appointment, ConsentRecord, OutboxMessage, Patient
from tests.builders import consents

START = "2026-12-02T11:00:00+01:00"
ADULT = {"civility": "mme", "first_name": "Marie", "last_name": "Durand", "email": "marie@example.org",
         "phone": "06 12 34 56 78"}
CHILD = {"first_name": "Léa", "last_name": "Durand", "birth_date": "2018-05-03"}


def body(**overrides):
    data = {"practitioner": "camille-martin", "service": "consultation-enfant", "start": START,
            "patient": ADULT, "child": CHILD, "consents": consents()}
    data.update(overrides)
    return data


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    import portal.clock

    monkeypatch.setattr(portal.clock, "utcnow", lambda: datetime.fromisoformat("2026-11-30T08:00:00+00:00"))


async def test_a_child_booking_is_201_and_writes_the_child_and_the_adult(client):
    answer = await client.post("/api/v1/bookings", json=body())
    assert answer.status_code == 201, answer.text
    appointment = await Appointment.get(id=answer.json()["id"])
    child = await Patient.get(id=appointment.patient_id)
    assert (child.first_name, child.birth_date.isoformat(), child.email, child.phone) == (
        "Léa", "2018-05-03", "marie@example.org", "+33612345678")
    assert (appointment.guardian_first_name, appointment.guardian_last_name) == ("Marie", "Durand")
    given = await ConsentRecord.filter(appointment_id=appointment.id).values_list("channel", "given_by")
    assert set(given) == {("api", "guardian")}
    assert await OutboxMessage.filter(appointment_id=appointment.id, audience="patient").count() >= 2


async def test_each_child_field_gets_a_message_in_french_and_english(client):
    wrong = body(child={"first_name": "", "last_name": "L3a", "birth_date": "1990-01-01"},
                 patient={**ADULT, "email": "marie@"})
    french = await client.post("/api/v1/bookings", json=wrong)
    assert french.status_code == 422
    fields = french.json()["error"]["fields"]
    assert set(fields) == {"child.first_name", "child.last_name", "child.birth_date", "patient.email"}
    assert "aura 18 ans ou plus" in fields["child.birth_date"]
    english = await client.post("/api/v1/bookings", json=wrong, headers={"Accept-Language": "en"})
    assert english.json()["error"]["fields"]["child.first_name"].startswith("Enter the child's first name")
    assert "18 or older" in english.json()["error"]["fields"]["child.birth_date"]
    future = await client.post("/api/v1/bookings", json=body(child={**CHILD, "birth_date": "2027-03-01"}))
    assert future.status_code == 422 and "futur" in future.json()["error"]["fields"]["child.birth_date"]
    assert await Appointment.all().count() == 0 and await Patient.all().count() == 0


async def test_a_service_for_children_needs_a_child_and_one_for_adults_refuses_one(client):
    missing = await client.post("/api/v1/bookings", json=body(child=None, patient={**ADULT, "birth_date": "2018-05-03"}))
    assert missing.status_code == 422 and "child" in missing.json()["error"]["fields"]
    adult_only = await client.post("/api/v1/bookings", json=body(service="consultation-adulte",
                                                                  start="2026-12-01T11:00:00+01:00"))
    assert adult_only.status_code == 422
    assert adult_only.json()["error"]["fields"]["child"].startswith("Cette prestation est réservée aux adultes")
    assert await Appointment.all().count() == 0


async def test_services_say_who_they_are_for_and_openapi_documents_child(client):
    listing = (await client.get("/api/v1/practitioners?practice=cabinet-des-lilas")).json()["items"]
    audiences = {s["slug"]: s["audience"] for p in listing for s in p["services"]}
    assert audiences["consultation-enfant"] == "child" and audiences["consultation-adulte"] == "adult"
    spec = (await client.get("/api/v1/openapi.json")).json()
    booking = spec["paths"]["/api/v1/bookings"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert set(booking["properties"]["child"]["required"]) == {"first_name", "last_name", "birth_date"}
    assert "birth_date" not in booking["properties"]["patient"]["required"]
