"""The phone booking page over HTTP: a new patient, a returning one found by the search, the
"hors règles" choice, field errors that book nothing, CSRF, and the scope of each role."""

from __future__ import annotations

from portal.models import Appointment, AuditEvent, ConsentRecord, OutboxMessage, Patient, Practitioner
from tests.admin.conftest import csrf_of, signed_in_as
from tests.builders import book, paris, patient

NEW_PATIENT = {"patient": "new", "civility": "mme", "first_name": "Nadia", "last_name": "Garnier",
               "email": "nadia@example.org", "phone": "06 12 34 56 78", "birth_date": "1980-05-04"}


async def _offer(slug: str = "camille-martin", service: str = "consultation-adulte") -> str:
    return f"{(await Practitioner.get(slug=slug)).id}:{service}"


async def _post(client, **fields):
    page = await client.get("/admin/book")
    return await client.post("/admin/book", data={"csrf_token": csrf_of(page.text), **fields})


async def test_a_new_patient_booked_by_phone(client, clock):
    await signed_in_as(client, clock.now)
    page = await client.get("/admin/book")
    assert page.status_code == 200 and "Rendez-vous pris par téléphone" in page.text
    answer = await _post(client, offer=await _offer(), date="2026-12-02", time="10:00", privacy_notice="yes",
                         email_reminders="yes", sms_reminders="yes", **NEW_PATIENT)
    assert answer.status_code == 303, answer.text
    appointment = await Appointment.get(source="phone")
    assert answer.headers["location"].startswith(f"/admin/appointments/{appointment.id}?done=booked")
    assert appointment.starts_at == paris(2026, 12, 2, 10)
    assert (await Patient.get(id=appointment.patient_id)).last_name == "Garnier"
    assert {c.channel for c in await ConsentRecord.filter(appointment_id=appointment.id)} == {"phone"}
    assert await OutboxMessage.filter(appointment_id=appointment.id, kind="confirmation", audience="patient").exists()
    event = await AuditEvent.get(action="appointment.book", object_id=appointment.id)
    assert event.actor.startswith("staff:")
    shown = await client.get(answer.headers["location"])
    assert "le patient reçoit sa confirmation" in shown.text and "Par téléphone" in shown.text


async def test_a_returning_patient_found_by_the_search(client, clock):
    booked = await book(paris(2026, 12, 2, 10), clock.now, patient=patient(last_name="Lefebvre"))
    patient_id = (await Appointment.get(id=booked.appointment_id)).patient_id
    await signed_in_as(client, clock.now)
    found = await client.get("/admin/book?q=lefeb")
    assert f'name="patient" value="{patient_id}"' in found.text
    answer = await client.post("/admin/book", data={
        "csrf_token": csrf_of(found.text), "offer": await _offer(), "date": "2026-12-03", "time": "10:00",
        "patient": str(patient_id), "privacy_notice": "yes"})
    assert answer.status_code == 303
    assert await Appointment.filter(patient_id=patient_id).count() == 2
    assert await Patient.all().count() == 1


async def test_outside_the_rules_only_when_said(client, clock):
    await signed_in_as(client, clock.now)
    fields = dict(offer=await _offer(), date="2026-12-02", time="10:07", privacy_notice="yes", **NEW_PATIENT)
    refused = await _post(client, **fields)
    assert refused.status_code == 422 and "pas proposé à la réservation" in refused.text
    assert not await Appointment.exists()
    accepted = await _post(client, outside_rules="yes", **fields)
    assert accepted.status_code == 303
    assert (await Appointment.get()).starts_at == paris(2026, 12, 2, 10, 7)


async def test_bad_input_gets_a_message_per_field_and_books_nothing(client, clock):
    await signed_in_as(client, clock.now)
    empty = await _post(client, patient="")
    assert empty.status_code == 422
    for message in ("Choisissez un praticien et une prestation.", "Indiquez la date et l&#39;heure du rendez-vous.",
                    "Choisissez un patient ou saisissez ses coordonnées."):
        assert message in empty.text, message
    every = await _post(client, date="", **{**NEW_PATIENT, "email": "pas-une-adresse"})
    assert every.status_code == 422  # the missing start and the patient's fields, together
    assert "Indiquez la date et l&#39;heure" in every.text and "Indiquez une adresse e-mail valide" in every.text
    assert "Prenez connaissance de la politique de confidentialité" in every.text
    wrong = await _post(client, offer=await _offer(), date="2026-12-02", time="10:00",
                        **{**NEW_PATIENT, "email": "pas-une-adresse", "first_name": ""})
    assert wrong.status_code == 422
    assert "Indiquez une adresse e-mail valide" in wrong.text and "Indiquez votre prénom" in wrong.text
    assert "Prenez connaissance de la politique de confidentialité" in wrong.text and 'aria-invalid="true"' in wrong.text
    assert 'value="Garnier"' in wrong.text  # what was typed stays
    assert not await Appointment.exists() and not await Patient.exists()


async def test_a_taken_slot_offers_the_nearest(client, clock):
    await book(paris(2026, 12, 2, 10), clock.now)
    await signed_in_as(client, clock.now)
    answer = await _post(client, offer=await _offer(), date="2026-12-02", time="10:00", privacy_notice="yes",
                         **NEW_PATIENT)
    assert answer.status_code == 409 and "Créneaux libres les plus proches" in answer.text
    assert await Appointment.all().count() == 1


async def test_csrf_and_scope(client, clock):
    hugo_patient = (await Appointment.get(id=(await book(
        paris(2026, 12, 1, 15), clock.now, practitioner="hugo-bernard", service="consultation",
        patient=patient(last_name="Collegue"))).appointment_id)).patient_id
    await signed_in_as(client, clock.now, "camille@cabinet-des-lilas.example", "practitioner",
                       practitioner="camille-martin")
    forged = await client.post("/admin/book", data={"csrf_token": "x", "offer": await _offer(), "date": "2026-12-02",
                                                    "time": "10:00", "privacy_notice": "yes", **NEW_PATIENT})
    assert forged.status_code == 403
    page = await client.get("/admin/book?q=collegue")
    assert "Collegue" not in page.text and "hugo" not in page.text.lower()
    other = await _post(client, offer=await _offer("hugo-bernard", "consultation"), date="2026-12-01", time="16:00",
                        privacy_notice="yes", **NEW_PATIENT)
    assert other.status_code == 404
    theirs = await _post(client, offer=await _offer(), date="2026-12-02", time="10:00", privacy_notice="yes",
                         patient=str(hugo_patient))
    assert theirs.status_code == 404
    assert (await client.get(f"/admin/book?patient={hugo_patient}")).status_code == 404
    assert await Appointment.all().count() == 1


async def test_reminder_choices_are_never_pre_ticked(client, clock):
    await signed_in_as(client, clock.now)
    page = await client.get("/admin/book")
    for box in ("privacy_notice", "email_reminders", "sms_reminders", "outside_rules"):
        tag = page.text.split(f'id="{box}"')[1].split(">")[0]
        assert "checked" not in tag, box


async def test_a_child_booked_by_phone_from_the_page_and_shown_with_the_adult(client, clock):
    await signed_in_as(client, clock.now)
    adult = {**NEW_PATIENT, "birth_date": ""}
    refused = await _post(client, offer=await _offer(service="consultation-enfant"), date="2026-12-02",
                          time="11:00", privacy_notice="yes", child_first_name="Inès", child_last_name="Garnier",
                          child_birth_date="1990-01-01", **adult)
    assert refused.status_code == 422 and "aura 18 ans ou plus" in refused.text
    assert 'value="Inès"' in refused.text and await Appointment.all().count() == 0
    answer = await _post(client, offer=await _offer(service="consultation-enfant"), date="2026-12-02",
                         time="11:00", privacy_notice="yes", child_first_name="Inès", child_last_name="Garnier",
                         child_birth_date="2017-03-09", **adult)
    assert answer.status_code == 303, answer.text
    appointment = await Appointment.get(source="phone")
    assert (appointment.guardian_first_name, (await Patient.get(id=appointment.patient_id)).first_name) == (
        "Nadia", "Inès")
    shown = await client.get(answer.headers["location"])
    assert "Adulte qui accompagne l’enfant" in shown.text and "Nadia Garnier" in shown.text
    agenda = await client.get("/admin/agenda?date=2026-12-02")
    assert "enfant, avec Nadia Garnier" in agenda.text
