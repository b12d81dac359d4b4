"""The practice's patients: search, a patient's page, corrections, private notes."""

from datetime import date

import pytest

from portal.booking.attendance import set_attendance
from portal.errors import FieldErrors, NotFound
from portal.models import Appointment, AuditEvent, Patient
from portal.patients.directory import correct_contact, patient_page, search
from portal.patients.notes import add_note, list_notes
from portal.patients.search_key import search_terms
from tests.builders import book, paris, patient


def names(page) -> list[str]:
    return [p.last_name for p in page.patients]


@pytest.mark.parametrize("query", ["durand", "DURAND-lefevre", "Lefèvre élise", "élise", "0612345678",
                                   "06 12 34 56 78", "+33 (0)6 12 34 56 78", "0033612345678", "06 12 34",
                                   "elise.durand@example.org", "ELISE.DURAND@"])
async def test_a_patient_is_found_by_any_part_of_name_phone_or_email(world, query):
    assert names(await search(world.admin(), query)) == ["Durand-Lefèvre"]


async def test_search_is_scoped_to_the_practice_and_the_agendas(world):
    assert names(await search(world.admin(), "")) == ["Durand-Lefèvre", "Roux"]
    assert names(await search(world.practitioner(), "")) == ["Durand-Lefèvre"]
    assert names(await search(world.assistant(), "roux")) == []
    assert names(await search(world.admin(), "moreau")) == []  # Léa's patient, another practice
    assert names(await search(world.admin(), "e_i")) == []  # LIKE's wildcards are matched as typed


async def test_search_pages_through_the_results_by_name(world):
    for i in range(5):
        await book(paris(2026, 12, 7 + i, 11), world.now,
                   patient=patient(last_name=f"Zola{chr(97 + i)}", email=f"z{i}@example.org"))
    first = await search(world.admin(), "", limit=3)
    assert names(first) == ["Durand-Lefèvre", "Roux", "Zolaa"] and first.next_cursor is not None
    second = await search(world.admin(), "", limit=3, cursor=first.next_cursor)
    assert names(second) == ["Zolab", "Zolac", "Zolad"]
    third = await search(world.admin(), "", limit=3, cursor=second.next_cursor)
    assert names(third) == ["Zolae"] and third.next_cursor is None
    with pytest.raises(FieldErrors):
        await search(world.admin(), "", limit=101)
    lea_patient = await world.patient_of(world.lea_appointment)
    assert names(await search(world.admin(), "", cursor=lea_patient)) == []


def test_a_query_becomes_folded_terms_or_a_number():
    assert search_terms("  Élise   DURAND ") == ["elise", "durand"]
    assert search_terms("06.12.34.56.78") == ["33612345678"]
    assert search_terms("12 34") == ["1234"]
    assert search_terms("e_i%") == ["e_i"]
    assert search_terms("") == [] and len(search_terms("a b c d e f g")) == 5


async def test_a_patients_page_shows_visits_absences_notes_and_is_audited(world):
    elise = await world.patient_of(world.camille_appointment)
    await set_attendance(world.admin(paris(2026, 12, 1, 12)), world.camille_appointment, "absent")
    await add_note(world.practitioner(), elise, world.camille, "Lombalgie chronique, suivi")
    page = await patient_page(world.assistant(), elise)
    assert (page.patient.first_name, page.patient.birth_date) == ("Élise", date(1987, 4, 12))
    assert [(v.appointment_id, v.status, v.service) for v in page.visits] == [
        (world.camille_appointment, "absent", "Consultation adulte")]
    assert page.absences == {"absent": 1, "excused_absence": 0}
    assert [n.text for n in page.notes] == ["Lombalgie chronique, suivi"]
    [event] = await AuditEvent.filter(action="patient.view").values()
    assert (event["actor"], event["object_id"], event["patient_id"]) == ("staff:3", elise, elise)
    assert "Lombalgie" not in str(await AuditEvent.all().values())


async def test_notes_stay_with_the_agendas_they_were_written_for(world):
    elise = await world.patient_of(world.camille_appointment)
    await book(paris(2026, 12, 3, 10), world.now, practitioner="hugo-bernard", service="consultation")
    await add_note(world.admin(), elise, world.hugo, "Appareillage à prévoir")
    await add_note(world.practitioner(), elise, world.camille, "Suivi")
    assert [n.text for n in await list_notes(world.admin(), elise)] == ["Suivi", "Appareillage à prévoir"]
    assert [n.text for n in await list_notes(world.practitioner(), elise)] == ["Suivi"]
    with pytest.raises(NotFound):
        await add_note(world.practitioner(), elise, world.hugo, "Pas mon agenda")
    with pytest.raises(FieldErrors):
        await add_note(world.practitioner(), elise, world.camille, "x" * 5001)
    with pytest.raises(FieldErrors):
        await add_note(world.practitioner(), elise, world.camille, "   ")
    [event, _] = await AuditEvent.filter(action="patient_note.add").order_by("id").values()
    assert event["detail"] == {"practitioner_id": world.hugo} and "Appareillage" not in str(event)
    reads = await AuditEvent.filter(action="patient_note.list").values_list("actor", "object_id")
    assert sorted(reads) == [("staff:1", elise), ("staff:2", elise)]


async def test_contact_details_are_corrected_audited_and_serve_upcoming_bookings(world):
    elise = await world.patient_of(world.camille_appointment)
    corrected = await correct_contact(world.assistant(), elise, email="Elise.D@Example.org", phone="07 98 76 54 32")
    assert (corrected.email, corrected.phone) == ("elise.d@example.org", "+33798765432")
    stored = await Patient.get(id=elise)
    assert (stored.email, stored.phone, stored.updated_at) == ("elise.d@example.org", "+33798765432", world.now)
    assert (await Appointment.get(id=world.camille_appointment)).contact_phone == "+33798765432"
    assert names(await search(world.admin(), "07 98 76")) == ["Durand-Lefèvre"]
    assert names(await search(world.admin(), "elise.durand")) == []
    [event] = await AuditEvent.filter(action="patient.correct").values()
    assert event["actor"] == "staff:3" and "798" not in str(event) and "elise.d" not in str(event)
    with pytest.raises(FieldErrors) as refused:
        await correct_contact(world.assistant(), elise, email="nope", phone="12")
    assert set(refused.value.fields) == {"email", "phone"}
    with pytest.raises(FieldErrors):
        await correct_contact(world.assistant(), elise)

