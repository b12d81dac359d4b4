"""A child's booking (issue 14 item 4, "who a service is for"), through the use case, on SQLite
and PostgreSQL: the patient row is the child (the person seen), reached through the
accompanying adult's e-mail and mobile; the adult's name is on the appointment, the consents
say the adult gave them on the child's behalf; returning-patient matching never merges a child
with the parent or with a sibling."""

from datetime import date

import pytest

from portal.models import Appointment, AuditEvent, ConsentRecord, OutboxMessage, Patient, Service
from portal.patients.input import FieldErrors, age_on
from tests.builders import book, load_demo, paris, patient

CHILD_SERVICE = "consultation-enfant"  # the demo's: audience "child"
ADULT = patient(first_name="Marie", last_name="Durand", email="marie.durand@example.org", birth_date=None)
LEA = {"first_name": "Léa", "last_name": "Durand", "birth_date": "2018-05-03"}


def adult(**overrides) -> dict:
    data = {key: value for key, value in ADULT.items() if key != "birth_date"}
    data.update(overrides)
    return data


async def book_child(start, now, child=None, **overrides):
    fields = dict(service=CHILD_SERVICE, patient=adult(), child=LEA if child is None else child)
    fields.update(overrides)
    return await book(start, now, **fields)


async def counts() -> tuple[int, ...]:
    return (await Patient.all().count(), await Appointment.all().count(), await ConsentRecord.all().count(),
            await OutboxMessage.all().count(), await AuditEvent.all().count())


async def test_a_child_booking_writes_the_child_the_adult_and_consents_on_the_childs_behalf(any_database, now):
    await load_demo()
    result = await book_child(paris(2026, 12, 2, 11), now)

    appointment = await Appointment.get(id=result.appointment_id)
    assert (appointment.guardian_first_name, appointment.guardian_last_name) == ("Marie", "Durand")
    assert appointment.contact_phone == "+33612345678"
    child = await Patient.get(id=appointment.patient_id)
    # The person seen is the child; the contact is the adult's.
    assert (child.first_name, child.last_name, child.birth_date) == ("Léa", "Durand", date(2018, 5, 3))
    assert (child.email, child.phone, child.civility) == ("marie.durand@example.org", "+33612345678", "")
    consents = await ConsentRecord.filter(appointment_id=appointment.id).values_list("purpose", "given_by")
    assert sorted(consents) == [("email_reminders", "guardian"), ("privacy_notice", "guardian"),
                                ("sms_reminders", "guardian")]
    kinds = await OutboxMessage.filter(appointment_id=appointment.id).values_list("kind", "channel", "audience")
    assert ("confirmation", "email", "patient") in kinds and ("confirmation", "sms", "patient") in kinds


async def test_an_adult_booking_records_no_adult_and_consents_given_by_the_patient(any_database, now):
    await load_demo()
    result = await book(paris(2026, 12, 2, 11), now)
    appointment = await Appointment.get(id=result.appointment_id)
    assert appointment.guardian_first_name is None and appointment.guardian_last_name is None
    assert set(await ConsentRecord.filter(appointment_id=appointment.id).values_list("given_by", flat=True)) == {
        "patient"}


@pytest.mark.parametrize(("child", "field", "message"), [
    ({**LEA, "first_name": ""}, "child.first_name", "Indiquez le prénom de l'enfant"),
    ({**LEA, "last_name": "D4rand"}, "child.last_name", "Indiquez le nom de l'enfant"),
    ({**LEA, "birth_date": ""}, "child.birth_date", "Indiquez la date de naissance de l'enfant."),
    ({**LEA, "birth_date": "2027-01-01"}, "child.birth_date", "ne peut pas être dans le futur"),
    ({**LEA, "birth_date": "1987-04-12"}, "child.birth_date", "aura 18 ans ou plus"),
    # 18 on the day of the visit (2 December 2026): no longer a child.
    ({**LEA, "birth_date": "2008-12-02"}, "child.birth_date", "aura 18 ans ou plus"),
    ({**LEA, "birth_date": "12/04/2018"}, "child.birth_date", "AAAA-MM-JJ"),
    ("Léa", "child.first_name", "Indiquez le prénom de l'enfant"),
])
async def test_each_wrong_child_field_gets_its_message_and_nothing_is_written(database, now, child, field, message):
    await load_demo()
    before = await counts()
    with pytest.raises(FieldErrors) as refused:
        await book_child(paris(2026, 12, 2, 11), now, child=child)
    assert message in refused.value.fields[field]
    assert await counts() == before


async def test_the_day_before_their_eighteenth_birthday_is_still_a_child(database, now):
    await load_demo()
    result = await book_child(paris(2026, 12, 2, 11), now, child={**LEA, "birth_date": "2008-12-03"})
    assert (await Appointment.get(id=result.appointment_id)).guardian_first_name == "Marie"
    assert age_on(date(2008, 2, 29), date(2026, 2, 28)) == 17 and age_on(date(2008, 2, 29), date(2026, 3, 1)) == 18


async def test_the_adult_and_the_child_are_checked_together(database, now):
    await load_demo()
    with pytest.raises(FieldErrors) as refused:
        await book_child(paris(2026, 12, 2, 11), now, patient=adult(email="nope", first_name=""),
                         child={**LEA, "last_name": ""})
    assert set(refused.value.fields) == {"patient.email", "patient.first_name", "child.last_name"}
    assert "patient.birth_date" not in refused.value.fields  # the adult's own birth date is not asked


async def test_a_service_for_children_needs_the_child_and_one_for_adults_takes_none(database, now):
    await load_demo()
    with pytest.raises(FieldErrors) as missing:
        await book(paris(2026, 12, 2, 11), now, service=CHILD_SERVICE)
    assert "réservée aux enfants" in missing.value.fields["child"]
    with pytest.raises(FieldErrors) as refused:
        await book(paris(2026, 12, 2, 11), now, patient=adult(), child=LEA)
    assert "réservée aux adultes" in refused.value.fields["child"]
    assert await Appointment.all().count() == 0


async def test_a_service_for_both_takes_an_adult_or_a_child(database, now):
    await load_demo()
    await Service.filter(slug="consultation-adulte").update(audience="all")
    grown_up = await book(paris(2026, 12, 2, 9), now)
    child = await book(paris(2026, 12, 2, 11), now, patient=adult(), child=LEA)
    assert (await Appointment.get(id=grown_up.appointment_id)).guardian_first_name is None
    assert (await Appointment.get(id=child.appointment_id)).guardian_first_name == "Marie"


async def test_returning_patients_never_merge_a_child_with_the_parent_or_a_sibling(any_database, now):
    """The match key is the e-mail and the birth date (then the names): the e-mail is the
    parent's for every child, the birth date the child's. The parent, each child and each twin
    keep their own record; the same child booked again keeps theirs."""
    await load_demo()
    email = ADULT["email"]
    parent = await book(paris(2026, 12, 2, 9), now, patient=adult(first_name="Marie", birth_date="1985-06-01"))
    lea = await book_child(paris(2026, 12, 2, 11), now)
    tom = await book_child(paris(2026, 12, 1, 14), now, child={"first_name": "Tom", "last_name": "Durand",
                                                                "birth_date": "2020-09-14"})
    # Twins: the same birth date, other names.
    zoe = await book_child(paris(2026, 12, 3, 11), now, child={**LEA, "first_name": "Zoé"})
    lea_again = await book_child(paris(2026, 12, 3, 14), now, patient=adult(first_name="Paul"))

    ids = [(await Appointment.get(id=r.appointment_id)).patient_id for r in (parent, lea, tom, zoe, lea_again)]
    assert len(set(ids[:4])) == 4 and ids[4] == ids[1]
    assert await Patient.filter(email=email).count() == 4
    stored = await Patient.get(id=ids[0])
    assert (stored.first_name, stored.birth_date) == ("Marie", date(1985, 6, 1))  # the parent's own record
    # The adult who brought Léa the second time is named on that appointment only.
    names = await Appointment.filter(patient_id=ids[1]).order_by("starts_at").values_list(
        "guardian_first_name", flat=True)
    assert names == ["Marie", "Paul"]


async def test_the_same_adult_booking_again_keeps_one_record(database, now):
    await load_demo()
    first = await book(paris(2026, 12, 2, 9), now)
    again = await book(paris(2026, 12, 3, 9), now)
    assert (await Appointment.get(id=first.appointment_id)).patient_id == (
        await Appointment.get(id=again.appointment_id)).patient_id


async def test_the_adult_changing_a_childs_reminders_is_recorded_as_the_guardian(any_database, now):
    from portal.booking.manage import set_reminders
    from tests.builders import patient_ctx

    await load_demo()
    child = await book_child(paris(2026, 12, 3, 11), now)
    grown_up = await book(paris(2026, 12, 3, 9), now)
    for booked in (child, grown_up):
        await set_reminders(patient_ctx(now), booked.manage_token, email=True, sms=False)
    withdrawn = await ConsentRecord.filter(purpose="sms_reminders", granted=False).values_list(
        "appointment_id", "given_by")
    assert sorted(withdrawn) == sorted([(child.appointment_id, "guardian"), (grown_up.appointment_id, "patient")])


async def test_a_childs_record_with_no_upcoming_visit_is_still_spoken_for_by_the_guardian(any_database, now):
    """The privacy centre withdraws reminders over the upcoming appointments only: a child's
    record whose visits are all past was recorded as the patient's own word."""
    from tortoise.transactions import in_transaction

    from portal.patients.consent import change_reminder_consent
    from tests.builders import patient_ctx

    await load_demo()
    child = await book_child(paris(2026, 12, 3, 11), now)
    record = (await Appointment.get(id=child.appointment_id)).patient_id
    practice = (await Patient.get(id=record)).practice_id
    async with in_transaction() as conn:
        await change_reminder_consent(patient_ctx(now), conn, practice_id=practice, patient_id=record,
                                      purpose="email_reminders", granted=False, appointment_ids=[], locale="fr")
    assert await ConsentRecord.filter(patient_id=record, appointment_id=None).values_list("given_by", flat=True) == [
        "guardian"]
