"""The patients' pages over HTTP: search with pages, a patient's page (audited), private notes,
the correction of contact details, field errors that write nothing, CSRF and scope."""

from __future__ import annotations

from datetime import date

from portal.models import Appointment, AuditEvent, Patient, PatientNote, Practice, Practitioner
from portal.patients.search_key import search_key
from portal.practice.demo import DEMO_PRACTICE
from tests.admin.conftest import csrf_of, signed_in_as
from tests.builders import book, paris, patient


async def _patient(clock, **fields) -> int:
    booked = await book(paris(2026, 12, 2, 10), clock.now, patient=patient(**fields))
    return (await Appointment.get(id=booked.appointment_id)).patient_id


async def _post(client, patient_id: int, action: str, **fields):
    page = await client.get(f"/admin/patients/{patient_id}")
    return await client.post(f"/admin/patients/{patient_id}/{action}", data={"csrf_token": csrf_of(page.text), **fields})


async def test_search_finds_by_name_and_pages_through(client, clock):
    for n, hour in enumerate((9, 10, 11)):
        await book(paris(2026, 12, 2, hour), clock.now, patient=patient(last_name=f"Martin{'abc'[n]}",
                                                                         email=f"p{n}@example.org"))
    await signed_in_as(client, clock.now)
    page = await client.get("/admin/patients?q=martin")
    assert page.status_code == 200 and page.text.count('href="/admin/patients/') == 3
    assert "Patients suivants" not in page.text
    nobody = await client.get("/admin/patients?q=zzz")
    assert "Aucun patient ne correspond" in nobody.text
    assert (await client.get("/admin/patients?after=abc")).status_code == 400


async def test_search_pages_with_the_cursor(client, clock):
    practice = await Practice.get(slug=DEMO_PRACTICE)
    for n in range(27):
        name = "Patient" + "abcdefghijklmnopqrstuvwxyz"[n // 26] + "abcdefghijklmnopqrstuvwxyz"[n % 26]
        await Patient.create(practice=practice, first_name="Anne", last_name=name, email=f"p{n}@example.org",
                             phone="+33612345678", birth_date=date(1980, 1, 1),
                             search_key=search_key("Anne", name, f"p{n}@example.org", "+33612345678"))
    await signed_in_as(client, clock.now)
    first = await client.get("/admin/patients")
    assert first.text.count('href="/admin/patients/') == 25 and "Patients suivants" in first.text
    following = first.text.split('href="/admin/patients?after=')[1].split('"')[0]
    second = await client.get(f"/admin/patients?after={following}")
    assert second.text.count('href="/admin/patients/') == 2 and "Patientba" in second.text


async def test_a_patients_page_shows_visits_absences_and_is_audited(client, clock):
    patient_id = await _patient(clock, last_name="Lefebvre")
    await signed_in_as(client, clock.now)
    page = await client.get(f"/admin/patients/{patient_id}")
    assert page.status_code == 200 and "Lefebvre" in page.text and "Non renseigné" in page.text
    assert "0 absence(s), 0 excusée(s)" in page.text
    assert await AuditEvent.filter(action="patient.view", object_id=patient_id).count() == 1


async def test_a_private_note_is_added_and_shown(client, clock):
    patient_id = await _patient(clock)
    camille = await Practitioner.get(slug="camille-martin")
    await signed_in_as(client, clock.now)
    answer = await _post(client, patient_id, "notes", practitioner=str(camille.id), text="Suivi lombalgie")
    assert answer.status_code == 303
    page = await client.get(answer.headers["location"])
    assert "Note ajoutée." in page.text and "Suivi lombalgie" in page.text
    event = await AuditEvent.get(action="patient_note.add")
    assert "Suivi lombalgie" not in str(event.detail)


async def test_an_empty_note_is_refused(client, clock):
    patient_id = await _patient(clock)
    camille = await Practitioner.get(slug="camille-martin")
    await signed_in_as(client, clock.now)
    answer = await _post(client, patient_id, "notes", practitioner=str(camille.id), text="  ")
    assert answer.status_code == 422 and "Écrivez une note de 1 à 5000 caractères." in answer.text
    assert (await _post(client, patient_id, "notes", text="x")).status_code == 422
    assert not await PatientNote.exists()


async def test_a_refused_note_keeps_the_practitioner_chosen_and_ties_errors_to_their_field(client, clock):
    """Typed again after an empty note, it must go to the practitioner picked, not to the first of
    the list; a missing practitioner is said on the select itself."""
    patient_id = await _patient(clock)
    hugo = await Practitioner.get(slug="hugo-bernard")
    await signed_in_as(client, clock.now)
    empty = await _post(client, patient_id, "notes", practitioner=str(hugo.id), text="")
    assert empty.status_code == 422 and f'<option value="{hugo.id}" selected>' in empty.text
    nobody = await _post(client, patient_id, "notes", text="Suivi")
    assert nobody.status_code == 422
    assert '<select id="note-practitioner" name="practitioner" aria-invalid="true" aria-describedby="practitioner-error">' \
        in nobody.text


async def test_contact_details_are_corrected_or_refused(client, clock):
    patient_id = await _patient(clock)
    await signed_in_as(client, clock.now)
    wrong = await _post(client, patient_id, "contact", email="pas-une-adresse", phone="06 11 22 33 44")
    assert wrong.status_code == 422 and "Indiquez une adresse e-mail valide" in wrong.text
    assert 'value="pas-une-adresse"' in wrong.text
    assert (await Patient.get(id=patient_id)).email != "pas-une-adresse"
    fixed = await _post(client, patient_id, "contact", email="nouvelle@example.org", phone="06 11 22 33 44")
    assert fixed.status_code == 303
    corrected = await Patient.get(id=patient_id)
    assert corrected.email == "nouvelle@example.org" and corrected.phone == "+33611223344"
    assert await AuditEvent.filter(action="patient.correct", object_id=patient_id).exists()


async def test_csrf_and_scope(client, clock):
    theirs = (await Appointment.get(id=(await book(paris(2026, 12, 1, 15), clock.now, practitioner="hugo-bernard",
                                                   service="consultation", patient=patient(last_name="Collegue"))
                                        ).appointment_id)).patient_id
    mine = await _patient(clock)
    await signed_in_as(client, clock.now, "camille@cabinet-des-lilas.example", "practitioner",
                       practitioner="camille-martin")
    forged = await client.post(f"/admin/patients/{mine}/contact", data={"csrf_token": "x", "email": "a@example.org"})
    assert forged.status_code == 403
    assert "Collegue" not in (await client.get("/admin/patients?q=collegue")).text
    for path in (f"/admin/patients/{theirs}", "/admin/patients/x", "/admin/patients/0"):
        assert (await client.get(path)).status_code == 404, path
    page = await client.get(f"/admin/patients/{mine}")
    hugo = await Practitioner.get(slug="hugo-bernard")
    refused = await client.post(f"/admin/patients/{mine}/notes", data={
        "csrf_token": csrf_of(page.text), "practitioner": str(hugo.id), "text": "x"})
    assert refused.status_code == 404 and not await PatientNote.exists()
