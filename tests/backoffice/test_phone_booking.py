"""Booking on a patient's behalf: a returning patient or a new one, the online rules unless the
practice says otherwise, the consents said on the phone, the staff member as the actor."""

import pytest

from portal.booking.phone_booking import PhoneBooking, book_by_phone, book_phone_request
from portal.errors import FieldErrors, NotFound, SlotTaken
from portal.models import Appointment, AuditEvent, ConsentRecord, OutboxMessage, Patient
from tests.builders import SECRET_KEY, book, consents, paris, patient


def phone_request(world, start, **overrides) -> PhoneBooking:
    fields = dict(practitioner_id=world.camille, service="consultation-adulte", start=start,
                  patient=patient(first_name="Paul", last_name="Girard", email="paul.girard@example.org"),
                  consents=consents(email_reminders=True, sms_reminders=False))
    fields.update(overrides)
    return PhoneBooking(**fields)


async def test_a_new_patient_booked_by_phone(world):
    result = await book_phone_request(world.assistant(), phone_request(world, paris(2026, 12, 2, 9)), secret_key=SECRET_KEY)
    appointment = await Appointment.get(id=result.appointment_id)
    assert (appointment.source, appointment.starts_at, appointment.practitioner_id) == (
        "phone", paris(2026, 12, 2, 9), world.camille)
    person = await Patient.get(id=appointment.patient_id)
    assert (person.first_name, person.practice_id) == ("Paul", world.lilas)
    ledger = await ConsentRecord.filter(appointment_id=appointment.id).values_list("purpose", "channel", "ip")
    assert set(ledger) == {("privacy_notice", "phone", ""), ("email_reminders", "phone", "")}
    messages = await OutboxMessage.filter(appointment_id=appointment.id).values_list("kind", "channel", "audience")
    assert ("confirmation", "email", "patient") in messages
    assert not [m for m in messages if m[2] == "practitioner"] and not [m for m in messages if m[1] == "sms"]
    [event] = await AuditEvent.filter(action="appointment.book", object_id=appointment.id).values()
    assert (event["actor"], event["role"], event["channel"], event["detail"]) == (
        "staff:3", "assistant", "admin", {"source": "phone"})


async def test_a_returning_patient_keeps_one_record(world):
    elise = await world.patient_of(world.camille_appointment)
    result = await book_phone_request(world.practitioner(), phone_request(
        world, paris(2026, 12, 3, 9), patient=elise, consents=consents()))
    appointment = await Appointment.get(id=result.appointment_id)
    assert appointment.patient_id == elise and appointment.contact_phone == "+33612345678"
    assert appointment.sms_reminder and await Patient.filter(practice_id=world.lilas).count() == 2
    # The same person given again as new data is the same record, as online.
    again = await book_phone_request(world.admin(), phone_request(world, paris(2026, 12, 3, 11), patient=patient()))
    assert (await Appointment.get(id=again.appointment_id)).patient_id == elise


async def test_the_online_rules_apply_unless_the_practice_says_otherwise(world):
    evening = paris(2026, 12, 2, 18)  # Wednesday: Camille closes at 13:00
    with pytest.raises(FieldErrors) as refused:
        await book_phone_request(world.admin(), phone_request(world, evening))
    assert set(refused.value.fields) == {"start"}
    urgent = await book_phone_request(world.admin(), phone_request(world, evening, outside_rules=True))
    assert (await Appointment.get(id=urgent.appointment_id)).starts_at == evening


async def test_the_slot_of_another_booking_is_refused_even_outside_the_rules(world):
    for outside_rules in (False, True):
        with pytest.raises(SlotTaken):
            await book_phone_request(world.admin(), phone_request(world, paris(2026, 12, 1, 11), outside_rules=outside_rules))
        with pytest.raises(SlotTaken):  # overlapping, off the grid: the database refuses it
            await book_phone_request(world.admin(), phone_request(world, paris(2026, 12, 1, 11, 20), outside_rules=True))
    assert await Appointment.filter(source="phone").count() == 0
    assert await AuditEvent.filter(action="appointment.book").count() == 3


async def test_every_field_problem_at_once(world):
    with pytest.raises(FieldErrors) as refused:
        await book_phone_request(world.admin(), phone_request(
            world, "demain", patient=patient(email="nope"), consents={"privacy_notice": "v0"}, comment="x" * 1001))
    assert set(refused.value.fields) == {"start", "patient.email", "consents.privacy_notice", "comment"}
    with pytest.raises(FieldErrors):
        await book_phone_request(world.admin(), phone_request(world, paris(2026, 12, 2, 9), patient="12"))


@pytest.mark.parametrize("role", ["admin", "practitioner", "assistant"])
async def test_out_of_scope_practitioners_and_patients_are_not_found(world, role):
    targets = [dict(practitioner_id=world.lea, service="consultation"),
               dict(patient=await world.patient_of(world.lea_appointment))]
    if role != "admin":
        targets += [dict(practitioner_id=world.hugo, service="consultation"),
                    dict(patient=await world.patient_of(world.hugo_appointment))]
    for overrides in targets:
        with pytest.raises(NotFound):
            await book_phone_request(world.role(role), phone_request(world, paris(2026, 12, 2, 9), **overrides))
    assert await Appointment.all().count() == 3 and await AuditEvent.all().count() == 3


async def test_an_online_booking_then_finds_the_phone_bookings_slot_taken(world):
    await book_phone_request(world.admin(), phone_request(world, paris(2026, 12, 2, 9)))
    with pytest.raises(SlotTaken):
        await book(paris(2026, 12, 2, 9), world.now)


async def test_the_keyword_form_books_the_same(world):
    result = await book_by_phone(world.admin(), world.camille, "consultation-adulte", paris(2026, 12, 2, 9),
                                 patient=await world.patient_of(world.hugo_appointment), consents=consents(),
                                 comment="Rappel au 06", secret_key=SECRET_KEY)
    appointment = await Appointment.get(id=result.appointment_id)
    assert (appointment.source, appointment.comment, appointment.patient_id) == (
        "phone", "Rappel au 06", await world.patient_of(world.hugo_appointment))


ADULT = {"civility": "m", "first_name": "Paul", "last_name": "Girard", "email": "paul.girard@example.org",
         "phone": "06 11 22 33 44"}
CHILD = {"first_name": "Jules", "last_name": "Girard", "birth_date": "2019-02-10"}


async def test_a_new_child_booked_by_phone_names_the_child_and_the_adult(world):
    result = await book_phone_request(world.assistant(), phone_request(
        world, paris(2026, 12, 2, 11), service="consultation-enfant", patient=ADULT, child=CHILD))
    appointment = await Appointment.get(id=result.appointment_id)
    child = await Patient.get(id=appointment.patient_id)
    assert (child.first_name, child.birth_date.isoformat(), child.email) == ("Jules", "2019-02-10", ADULT["email"])
    assert (appointment.guardian_first_name, appointment.guardian_last_name) == ("Paul", "Girard")
    assert set(await ConsentRecord.filter(appointment_id=appointment.id).values_list("channel", "given_by")) == {
        ("phone", "guardian")}
    # The child again, now a returning patient: only the adult who brings them is asked.
    again = await book_phone_request(world.assistant(), phone_request(
        world, paris(2026, 12, 3, 11), service="consultation-enfant", patient=child.id,
        guardian={"first_name": "Anne", "last_name": "Girard"}))
    second = await Appointment.get(id=again.appointment_id)
    assert second.patient_id == child.id and second.guardian_first_name == "Anne"


async def test_a_child_service_by_phone_asks_the_same_as_online(world):
    before = await Appointment.all().count()
    with pytest.raises(FieldErrors) as missing:
        await book_phone_request(world.assistant(), phone_request(world, paris(2026, 12, 2, 11),
                                                                  service="consultation-enfant"))
    assert "réservée aux enfants" in missing.value.fields["child"]
    with pytest.raises(FieldErrors) as wrong:
        await book_phone_request(world.assistant(), phone_request(
            world, paris(2026, 12, 2, 11), service="consultation-enfant", patient=ADULT,
            child={**CHILD, "birth_date": "2001-01-01", "first_name": ""}))
    assert set(wrong.value.fields) == {"child.birth_date", "child.first_name"}
    elise = await world.patient_of(world.camille_appointment)  # an adult patient of the practice
    with pytest.raises(FieldErrors) as grown_up:
        await book_phone_request(world.assistant(), phone_request(
            world, paris(2026, 12, 2, 11), service="consultation-enfant", patient=elise,
            guardian={"first_name": "", "last_name": "Girard"}))
    assert set(grown_up.value.fields) == {"guardian.first_name", "patient"}
    with pytest.raises(FieldErrors) as adult_service:
        await book_phone_request(world.assistant(), phone_request(world, paris(2026, 12, 2, 11), patient=ADULT,
                                                                  child=CHILD))
    assert "réservée aux adultes" in adult_service.value.fields["child"]
    assert await Appointment.all().count() == before
