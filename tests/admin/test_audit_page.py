"""The audit trail page: administrators read and filter it, page by page; other roles get 404;
bad filters get a message each."""

from __future__ import annotations

from portal.models import Appointment
from tests.admin.conftest import signed_in_as
from tests.builders import book, paris, patient


async def test_the_administrator_reads_and_filters_the_trail(client, clock):
    booked = await book(paris(2026, 12, 2, 10), clock.now, patient=patient(last_name="Lefebvre"))
    patient_id = (await Appointment.get(id=booked.appointment_id)).patient_id
    await signed_in_as(client, clock.now)
    await client.get(f"/admin/appointments/{booked.appointment_id}")
    page = await client.get("/admin/audit")
    assert page.status_code == 200 and "appointment.view" in page.text and "appointment.book" in page.text
    assert "Lefebvre" not in page.text  # no patient data in the trail
    views = await client.get("/admin/audit?action=appointment.view")
    assert "appointment.view" in views.text and "appointment.book" not in views.text
    mine = await client.get(f"/admin/audit?patient={patient_id}&since=2026-11-30&until=2026-11-30")
    assert "appointment.view" in mine.text and "staff.sign_in" not in mine.text
    later = await client.get("/admin/audit?since=2026-12-01")
    assert "Aucun événement ne correspond." in later.text


async def test_the_trail_pages_with_the_cursor(client, clock):
    booked = await book(paris(2026, 12, 2, 10), clock.now)
    await signed_in_as(client, clock.now)
    for _ in range(55):
        await client.get(f"/admin/appointments/{booked.appointment_id}")
    first = await client.get("/admin/audit?action=appointment.view")
    assert first.text.count(">appointment.view</td>") == 50 and "Plus anciens" in first.text
    after = first.text.split("after=")[1].split('"')[0]
    second = await client.get(f"/admin/audit?action=appointment.view&after={after}")
    assert second.text.count(">appointment.view</td>") == 5 and "Plus anciens" not in second.text


async def test_bad_filters_get_a_message_each(client, clock):
    await signed_in_as(client, clock.now)
    answer = await client.get("/admin/audit?patient=abc&since=2026-13-01&until=x&after=y")
    assert answer.status_code == 400
    for message in ("Indiquez le numéro du patient", "Indiquez une date au format AAAA-MM-JJ.",
                    "Cette page du journal n&#39;existe pas."):
        assert message in answer.text, message
    assert answer.text.count('aria-invalid="true"') == 3


async def test_other_roles_find_no_trail(client, clock):
    await signed_in_as(client, clock.now, "camille@cabinet-des-lilas.example", "practitioner",
                       practitioner="camille-martin")
    assert (await client.get("/admin/audit")).status_code == 404
    assert (await client.get("/admin/audit?patient=abc")).status_code == 404
    assert "/admin/audit" not in (await client.get("/admin/")).text


async def test_staff_actors_show_their_name_and_email_and_the_filter_takes_an_email(client, clock):
    """`staff:7 (admin)` said nothing to the administrator reading the trail: a staff member's
    name and e-mail (staff data, not a patient's) now follow their id, and the actor filter
    takes that e-mail as well as the id."""
    from portal.access.models import StaffUser
    from tests.access.helpers import add_staff

    booked = await book(paris(2026, 12, 2, 10), clock.now)
    admin = await signed_in_as(client, clock.now)
    await StaffUser.filter(id=admin.id).update(name="Claire Dubois")
    await add_staff(clock.now, "accueil@cabinet-des-lilas.example", "assistant", grants=("camille-martin",))
    await client.get(f"/admin/appointments/{booked.appointment_id}")
    page = await client.get("/admin/audit?action=appointment.view")
    assert "Claire Dubois" in page.text and "admin@cabinet-des-lilas.example" in page.text
    assert f"staff:{admin.id}" in page.text
    by_email = await client.get("/admin/audit?actor=ADMIN@cabinet-des-lilas.example")
    assert by_email.status_code == 200 and "appointment.view" in by_email.text
    assert "accueil@cabinet-des-lilas.example" not in by_email.text.split("</form>", 1)[1]  # not the assistant's
    assert "appointment.view" in (await client.get(f"/admin/audit?actor=staff:{admin.id}")).text  # as before
    other = await client.get("/admin/audit?actor=accueil@cabinet-des-lilas.example")
    assert other.status_code == 200 and "Aucun événement ne correspond." in other.text
    unknown = await client.get("/admin/audit?actor=personne@example.fr")
    assert unknown.status_code == 400 and "Aucun compte de l’équipe n’a cette adresse." in unknown.text
