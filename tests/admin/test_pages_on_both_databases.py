"""The back-office's pages over the hand-written SQL of the core (agenda window, patient search)
on SQLite and, when CRENEAU_TEST_POSTGRES_URL is set, on PostgreSQL: the whole day's round."""

from __future__ import annotations

import pytest

from creneau.app import create_app
from portal.models import Appointment, OutboxMessage, Practitioner
from tests.admin.conftest import csrf_of, http_client, signed_in_as
from tests.builders import book, load_demo, paris, patient
from tests.patient_pages.conftest import make_settings


@pytest.fixture
async def both_client(any_database, tmp_path, clock):
    await load_demo()
    app = create_app(make_settings(any_database, tmp_path), manage_db=False, run_background=False)
    async with http_client(app) as http:
        yield http


async def test_the_round_of_pages(both_client, clock):
    client = both_client
    await book(paris(2026, 12, 2, 10), clock.now, patient=patient(last_name="Lefebvre"))
    await signed_in_as(client, clock.now)
    week = await client.get("/admin/agenda")
    assert week.status_code == 200 and "Lefebvre" in week.text and "Créneaux libres" in week.text
    form = await client.get("/admin/book")
    camille = await Practitioner.get(slug="camille-martin")
    booked = await client.post("/admin/book", data={
        "csrf_token": csrf_of(form.text), "offer": f"{camille.id}:consultation-adulte", "date": "2026-12-03",
        "time": "10:00", "patient": "new", "civility": "m", "first_name": "Paul", "last_name": "Garnier",
        "email": "paul@example.org", "phone": "06 11 22 33 44", "birth_date": "1975-02-01", "privacy_notice": "yes"})
    assert booked.status_code == 303, booked.text[:500]
    appointment = await Appointment.get(source="phone")
    page = await client.get(booked.headers["location"])
    cancelled = await client.post(f"/admin/appointments/{appointment.id}/cancel",
                                  data={"csrf_token": csrf_of(page.text), "by": "practice",
                                        "confirmed": "yes"})
    assert cancelled.status_code == 303
    assert await OutboxMessage.filter(appointment_id=appointment.id, kind="cancelled", audience="patient").exists()
    found = await client.get("/admin/patients?q=garn")
    assert f'href="/admin/patients/{appointment.patient_id}"' in found.text and "Lefebvre" not in found.text
    assert "Annulé par le praticien" in (await client.get(f"/admin/patients/{appointment.patient_id}")).text
    assert "appointment.cancel" in (await client.get("/admin/audit")).text
