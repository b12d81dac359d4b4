"""The agenda page over HTTP: the week and the day, appointments with their patient, free slots,
busy blocks and time off, the visits still "non renseigné", and the scope of each role."""

from __future__ import annotations

from datetime import date, timedelta

from portal.formatting import time_of_day
from portal.models import AvailabilityException, BusyBlock, Practitioner
from tests.admin.conftest import signed_in_as
from tests.builders import PARIS, book, paris, patient
from tests.two_practices.conftest import LEA, load_second_practice


async def test_the_week_shows_this_weeks_appointments_and_free_slots(client, clock):
    await book(paris(2026, 12, 2, 10), clock.now, patient=patient(last_name="Lefebvre"))
    await signed_in_as(client, clock.now)
    page = await client.get("/admin/agenda")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert "<h1>Agenda</h1>" in page.text
    assert "Lefebvre" in page.text and "Non renseigné" in page.text and "En ligne" in page.text
    assert "Créneaux libres" in page.text and "/admin/book?practitioner=" in page.text
    assert 'src="/static/js/admin-agenda.js"' in page.text and "<script>" not in page.text


async def test_the_day_view_shows_one_day_and_links_each_appointment(client, clock):
    booked = await book(paris(2026, 12, 2, 10), clock.now, patient=patient(last_name="Lefebvre"))
    await signed_in_as(client, clock.now)
    day = await client.get("/admin/agenda?view=day&date=2026-12-02")
    assert day.status_code == 200 and f'href="/admin/appointments/{booked.appointment_id}"' in day.text
    other = await client.get("/admin/agenda?view=day&date=2026-12-03")
    assert "Lefebvre" not in other.text


async def test_past_visits_without_attendance_are_listed(client, clock):
    await book(paris(2026, 12, 1, 10), clock.now, patient=patient(last_name="Oubli"))
    clock.now += timedelta(days=3)
    await signed_in_as(client, clock.now)
    page = await client.get("/admin/agenda?date=2026-12-14")
    assert "Présence à renseigner" in page.text and "Oubli" in page.text


async def test_busy_time_off_is_shown(client, clock):
    practitioner = await Practitioner.get(slug="camille-martin")
    await AvailabilityException.create(practitioner=practitioner, start_date=date(2026, 12, 3),
                                       end_date=date(2026, 12, 3), kind="closed", label="Formation")
    await signed_in_as(client, clock.now)
    page = await client.get(f"/admin/agenda?view=day&date=2026-12-03&p={practitioner.id}")
    assert "Fermé" in page.text and "Formation" in page.text


async def test_busy_blocks_from_imported_calendars_are_shown_and_not_offered(client, clock):
    practitioner = await Practitioner.get(slug="camille-martin")
    await BusyBlock.create(practitioner=practitioner, starts_at=paris(2026, 12, 3, 10), ends_at=paris(2026, 12, 3, 11))
    await signed_in_as(client, clock.now)
    page = await client.get(f"/admin/agenda?view=day&date=2026-12-03&p={practitioner.id}")
    start, end = (time_of_day(paris(2026, 12, 3, hour), PARIS, "fr") for hour in (10, 11))
    assert f"Occupé {start}–{end}" in page.text
    assert "time=10:00" not in page.text and "time=10:30" not in page.text and "time=11:00" in page.text


async def test_bad_parameters_are_refused_with_a_message(client, clock):
    await signed_in_as(client, clock.now)
    for query in ("date=2026-13-01", "view=month", "date=x"):
        answer = await client.get(f"/admin/agenda?{query}")
        assert answer.status_code == 400 and "Choisissez un jour valide" in answer.text
    assert (await client.get("/admin/agenda?p=abc")).status_code == 404


async def test_a_practitioner_sees_only_their_agenda(client, clock):
    await book(paris(2026, 12, 1, 15), clock.now, practitioner="hugo-bernard", service="consultation",
               patient=patient(last_name="Collegue"))
    await signed_in_as(client, clock.now, "camille@cabinet-des-lilas.example", "practitioner",
                       practitioner="camille-martin")
    page = await client.get("/admin/agenda")
    assert page.status_code == 200 and "Collegue" not in page.text
    hugo = await Practitioner.get(slug="hugo-bernard")
    assert (await client.get(f"/admin/agenda?p={hugo.id}")).status_code == 404


async def test_another_practices_practitioner_is_not_found(client, clock):
    await load_second_practice()
    await signed_in_as(client, clock.now)
    lea = await Practitioner.get(slug=LEA)
    answer = await client.get(f"/admin/agenda?p={lea.id}")
    assert answer.status_code == 404 and lea.last_name not in answer.text
    page = await client.get("/admin/agenda")
    assert lea.last_name not in page.text
