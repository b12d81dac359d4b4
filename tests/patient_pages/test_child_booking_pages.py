"""A child's booking on the pages (issue 14 item 4): a service for children asks for the child's
names and birth date and the accompanying adult's details (no adult birth date); errors per
field in French and English, nothing typed lost, nothing written; a service for adults does not
ask; the confirmation goes to the adult."""

from __future__ import annotations

from urllib.parse import quote

from portal.models import Appointment, ConsentRecord, OutboxMessage, Patient, Service
from tests.builders import OSTEO, OSTEO_SERVICE, paris
from tests.patient_pages.conftest import csrf_token, hidden

CHILD_SERVICE = "consultation-enfant"
WEDNESDAY_11 = paris(2026, 12, 2, 11)


def form_url(service: str, start=WEDNESDAY_11) -> str:
    return f"/p/{OSTEO}/book?service={service}&start={quote(start.isoformat())}"


def filled(html: str, service: str = CHILD_SERVICE, **overrides) -> dict:
    data = {
        "csrf_token": csrf_token(html), "service": service, "start": hidden(html, "start"),
        "form_key": hidden(html, "form_key"),
        "child_first_name": "Léa", "child_last_name": "Durand", "child_birth_date": "03/05/2018",
        "civility": "mme", "first_name": "Marie", "last_name": "Durand", "email": "marie@example.org",
        "phone": "06 12 34 56 78", "comment": "", "privacy_notice": "1", "email_reminders": "1",
        "privacy_version": hidden(html, "privacy_version"),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


async def test_the_practitioner_page_says_which_service_is_for_children(client):
    french = (await client.get(f"/p/{OSTEO}")).text
    english = (await client.get(f"/p/{OSTEO}", headers={"accept-language": "en"})).text
    assert "Pour les enfants" in french and "For children" in english


async def test_a_child_service_asks_for_the_child_and_the_adult_without_the_adults_birth_date(client):
    page = await client.get(form_url(CHILD_SERVICE))
    assert page.status_code == 200
    for name in ("child_first_name", "child_last_name", "child_birth_date", "first_name", "email", "phone"):
        assert f'name="{name}"' in page.text, name
    assert 'name="birth_date"' not in page.text
    assert "Vous, l’adulte qui accompagne l’enfant" in page.text


async def test_an_adult_service_does_not_ask_for_a_child(client):
    page = await client.get(form_url(OSTEO_SERVICE))
    assert 'name="child_first_name"' not in page.text and 'name="for_child"' not in page.text
    assert 'name="birth_date"' in page.text


async def test_a_child_booking_end_to_end(client):
    form = await client.get(form_url(CHILD_SERVICE))
    answer = await client.post(f"/p/{OSTEO}/book", data=filled(form.text))
    assert answer.status_code == 303, answer.text
    appointment = await Appointment.get()
    child = await Patient.get(id=appointment.patient_id)
    assert (child.first_name, child.birth_date.isoformat(), child.email) == ("Léa", "2018-05-03", "marie@example.org")
    assert (appointment.guardian_first_name, appointment.guardian_last_name) == ("Marie", "Durand")
    assert set(await ConsentRecord.filter(patient_id=child.id).values_list("given_by", flat=True)) == {"guardian"}
    assert await OutboxMessage.filter(appointment_id=appointment.id, kind="confirmation").count() == 1
    manage = await client.get(answer.headers["location"])  # the manage page names the child and the adult
    assert "Léa Durand" in manage.text and "Accompagné par" in manage.text and "Marie Durand" in manage.text


async def test_wrong_child_fields_come_back_with_messages_and_everything_typed(client):
    form = await client.get(form_url(CHILD_SERVICE))
    sent = filled(form.text, child_first_name="", child_birth_date="03/05/1990", email="marie@")
    answer = await client.post(f"/p/{OSTEO}/book", data=sent)
    assert answer.status_code == 422
    html = answer.text
    assert "Indiquez le prénom de l&#39;enfant" in html or "Indiquez le prénom de l'enfant" in html
    assert "aura 18 ans ou plus" in html
    assert 'id="child_first_name-error"' in html and 'aria-describedby="child_first_name-error"' in html
    assert 'id="child_birth_date-error"' in html
    assert 'value="03/05/1990"' in html and 'value="Durand"' in html and 'value="marie@"' in html
    assert await Appointment.all().count() == 0 and await Patient.all().count() == 0


async def test_child_field_messages_in_english(client):
    form = await client.get(form_url(CHILD_SERVICE), headers={"accept-language": "en"})
    sent = filled(form.text, child_last_name="", child_birth_date="31/02/2019")
    answer = await client.post(f"/p/{OSTEO}/book", data=sent, headers={"accept-language": "en"})
    assert answer.status_code == 422
    assert "Enter the child&#39;s last name" in answer.text or "Enter the child's last name" in answer.text
    assert "This date does not exist" in answer.text or "does not exist" in answer.text
    future = await client.post(f"/p/{OSTEO}/book", data=filled(form.text, child_birth_date="01/01/2027"),
                               headers={"accept-language": "en"})
    assert future.status_code == 422 and "future" in future.text
    adult = await client.post(f"/p/{OSTEO}/book", data=filled(form.text, child_birth_date="01/01/2000"),
                              headers={"accept-language": "en"})
    assert adult.status_code == 422 and "18 or older" in adult.text
    assert await Appointment.all().count() == 0


async def test_a_service_for_both_lets_the_patient_say_who_it_is_for(client):
    await Service.filter(slug=OSTEO_SERVICE).update(audience="all")
    form = await client.get(form_url(OSTEO_SERVICE))
    assert 'name="for_child"' in form.text and 'name="birth_date"' in form.text
    for_me = filled(form.text, OSTEO_SERVICE, for_child="", birth_date="12/04/1987", child_first_name="")
    answer = await client.post(f"/p/{OSTEO}/book", data=for_me)
    assert answer.status_code == 303, answer.text
    form = await client.get(form_url(OSTEO_SERVICE, paris(2026, 12, 2, 9)))
    answer = await client.post(f"/p/{OSTEO}/book", data=filled(form.text, OSTEO_SERVICE, for_child="1"))
    assert answer.status_code == 303, answer.text
    guardians = await Appointment.all().order_by("starts_at").values_list("guardian_first_name", flat=True)
    assert guardians == ["Marie", None]
