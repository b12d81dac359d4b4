"""Ids of another practice forged into the back-office's forms and queries (not only its paths,
which the authorization matrix covers): "not found" or a message on the field, never a 500, and
nothing written, whatever the page."""

from __future__ import annotations

import pytest

from calendar_sync.models import ExternalCalendar, FeedToken
from portal.models import (
    Appointment,
    AuditEvent,
    PatientNote,
    Practitioner,
    Service,
    StaffGrant,
    StaffInvitation,
    StaffUser,
)
from tests.access.helpers import add_staff
from tests.admin.conftest import csrf_of, signed_in_as
from tests.builders import book, paris, patient
from tests.two_practices.conftest import LEA, load_second_practice


@pytest.fixture
async def world(client, clock):
    await load_second_practice()
    ours = await book(paris(2026, 12, 2, 10), clock.now, patient=patient(email="ours@example.org"))
    theirs = await book(paris(2026, 12, 2, 10), clock.now, practitioner=LEA, service="consultation",
                        patient=patient(email="theirs@example.org"))
    lea = await Practitioner.get(slug=LEA)
    await signed_in_as(client, clock.now)
    return {"lea": lea, "lea_service": await Service.filter(practitioner=lea).first(),
            "our_patient": (await Appointment.get(id=ours.appointment_id)).patient_id,
            "their_patient": (await Appointment.get(id=theirs.appointment_id)).patient_id}


async def _counts() -> dict:
    return {model.__name__: await model.all().count() for model in (
        Appointment, PatientNote, FeedToken, ExternalCalendar, StaffInvitation, AuditEvent)}


def _refused(answer) -> None:
    assert answer.status_code in (404, 422), (answer.status_code, answer.text[:300])


async def test_another_practices_practitioner_in_a_query_is_not_found(client, world):
    assert (await client.get(f"/admin/agenda?p={world['lea'].id}")).status_code == 404
    assert (await client.get(f"/admin/settings/messages?service={world['lea_service'].id}")).status_code == 404
    picked = await client.get(f"/admin/book?patient={world['their_patient']}")
    assert picked.status_code == 404 and "Petit" not in picked.text


async def test_another_practices_ids_in_forms_write_nothing(client, world):
    lea, page = world["lea"], await client.get("/admin/settings/feeds")
    token = csrf_of(page.text)
    before = await _counts()
    posts = [
        ("/admin/settings/feeds", {"practitioner": LEA, "level": "busy"}),
        ("/admin/settings/feeds", {"practitioner": str(lea.id), "level": "busy"}),
        ("/admin/settings/calendars", {"practitioner": LEA, "url": "https://8.8.8.8/x.ics"}),
        ("/admin/book", {"offer": f"{lea.id}:consultation", "date": "2026-12-03", "time": "10:00",
                         "patient": str(world["our_patient"]), "privacy_notice": "yes"}),
        ("/admin/book", {"offer": f"{lea.id}:consultation", "date": "2026-12-03", "time": "10:00",
                         "patient": str(world["their_patient"]), "privacy_notice": "yes"}),
        (f"/admin/patients/{world['our_patient']}/notes", {"practitioner": str(lea.id), "text": "Note"}),
        ("/admin/settings/staff/invite", {"email": "new@cabinet-des-lilas.example", "role": "assistant",
                                          "grants": str(lea.id)}),
        ("/admin/settings/staff/invite", {"email": "new@cabinet-des-lilas.example", "role": "practitioner",
                                          "practitioner": str(lea.id)}),
    ]
    for path, fields in posts:
        answer = await client.post(path, data={"csrf_token": token, **fields})
        _refused(answer)
        assert "Petit" not in answer.text or path == "/admin/settings/feeds", path
    assert await _counts() == before


async def test_another_practices_practitioner_is_not_given_to_a_member(client, world, clock):
    member, _ = await add_staff(clock.now, "member@cabinet-des-lilas.example", "assistant")
    page = await client.get(f"/admin/settings/staff/{member.id}")
    for fields in ({"role": "assistant", "grants": str(world["lea"].id)},
                   {"role": "practitioner", "practitioner": str(world["lea"].id)}):
        answer = await client.post(f"/admin/settings/staff/{member.id}", data={"csrf_token": csrf_of(page.text),
                                                                               **fields})
        _refused(answer)
    member = await StaffUser.get(id=member.id)
    assert member.role == "assistant" and member.practitioner_id is None
    assert not await StaffGrant.filter(staff_id=member.id).exists()
