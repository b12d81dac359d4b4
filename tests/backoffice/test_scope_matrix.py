"""Every back-office use case × every role × an object of another practitioner and of another
practice: not found, nothing written, nothing audited. (An administrator's scope is the whole
practice: another practitioner's objects are theirs, tested with each use case.)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from portal.booking.agenda import agenda, not_filled
from portal.booking.attendance import absence_counts, set_attendance
from portal.booking.details import appointment_details
from portal.booking.phone_booking import PhoneBooking, book_phone_request
from portal.booking.practice_side import cancel_by_practice, move_by_practice
from portal.context import Actor, ActorKind, Ctx, Scope
from portal.errors import NotFound
from portal.models import Appointment, AuditEvent, ConsentRecord, OutboxMessage, Patient, PatientNote
from portal.patients.directory import correct_contact, patient_page, search
from portal.patients.notes import add_note, list_notes
from tests.backoffice.conftest import World
from tests.builders import consents, paris, patient, patient_ctx, system, visitor


@dataclass(frozen=True)
class Target:
    practitioner: int
    service: str
    appointment: int
    patient: int


async def target_of(world: World, which: str) -> Target:
    if which == "another practitioner":
        return Target(world.hugo, "consultation", world.hugo_appointment, await world.patient_of(world.hugo_appointment))
    return Target(world.lea, "consultation", world.lea_appointment, await world.patient_of(world.lea_appointment))


def phone(target: Target, **overrides) -> PhoneBooking:
    fields = dict(practitioner_id=target.practitioner, service=target.service, start=paris(2026, 12, 3, 10),
                  patient=patient(email="nouveau@example.org"), consents=consents(), outside_rules=True)
    fields.update(overrides)
    return PhoneBooking(**fields)


AFTER = paris(2026, 12, 1, 12)  # after every appointment of the world has started

USE_CASES = {
    "agenda": lambda ctx, t, w: agenda(ctx, [t.practitioner], date(2026, 11, 30), 7),
    "not filled": lambda ctx, t, w: not_filled(ctx, [t.practitioner]),
    "appointment details": lambda ctx, t, w: appointment_details(ctx, t.appointment),
    "attendance": lambda ctx, t, w: set_attendance(ctx, t.appointment, "came"),
    "attendance cancelled": lambda ctx, t, w: set_attendance(ctx, t.appointment, "cancelled_by_patient"),
    "cancel": lambda ctx, t, w: cancel_by_practice(ctx, t.appointment, "raison"),
    "move": lambda ctx, t, w: move_by_practice(ctx, t.appointment, paris(2026, 12, 3, 10), outside_rules=True),
    "phone booking, practitioner": lambda ctx, t, w: book_phone_request(ctx, phone(t)),
    "phone booking, patient": lambda ctx, t, w: book_phone_request(ctx, phone(
        t, practitioner_id=w.camille, service="consultation-adulte", patient=t.patient)),
    "patient page": lambda ctx, t, w: patient_page(ctx, t.patient),
    "correct contact": lambda ctx, t, w: correct_contact(ctx, t.patient, phone="07 81 00 00 00"),
    "add note, patient": lambda ctx, t, w: add_note(ctx, t.patient, w.camille, "Note"),
    "add note, practitioner": lambda ctx, t, w: add_note(ctx, t.patient, t.practitioner, "Note"),
    "list notes": lambda ctx, t, w: list_notes(ctx, t.patient),
}
OUT_OF_SCOPE = [("admin", "another practice"), ("practitioner", "another practitioner"),
                ("practitioner", "another practice"), ("assistant", "another practitioner"),
                ("assistant", "another practice")]


async def snapshot() -> tuple:
    versions = tuple(await Appointment.all().order_by("id").values_list("id", "version", "status", "starts_at"))
    counts = [await model.all().count() for model in (AuditEvent, ConsentRecord, OutboxMessage, Patient, PatientNote)]
    contacts = tuple(await Patient.all().order_by("id").values_list("email", "phone"))
    return versions, tuple(counts), contacts


@pytest.mark.parametrize("use_case", USE_CASES)
async def test_out_of_scope_is_not_found_and_leaves_no_trace(world, use_case):
    # One world per use case, every role and object in it: the matrix stays cheap to run.
    before = await snapshot()
    for role, which in OUT_OF_SCOPE:
        with pytest.raises(NotFound):
            await USE_CASES[use_case](world.role(role, AFTER), await target_of(world, which), world)
        assert await snapshot() == before, (role, which)


@pytest.mark.parametrize("use_case", USE_CASES)
async def test_an_administrator_reaches_every_practitioner_of_the_practice(world, use_case):
    target = await target_of(world, "another practitioner")
    await USE_CASES[use_case](world.admin(AFTER if "attendance" in use_case else None), target, world)


@pytest.mark.parametrize("use_case", USE_CASES)
async def test_nobody_but_a_practices_staff_uses_the_back_office(world, use_case):
    own = Target(world.camille, "consultation-adulte", world.camille_appointment,
                 await world.patient_of(world.camille_appointment))
    contexts = {"visitor": visitor(AFTER), "patient": patient_ctx(AFTER), "system": system(AFTER),
                "staff without a practice": Ctx(Actor(ActorKind.STAFF, "9", "admin"), AFTER,
                                                scope=Scope(frozenset()), channel="admin")}
    before = await snapshot()
    for kind, ctx in contexts.items():
        with pytest.raises(NotFound):
            await USE_CASES[use_case](ctx, own, world)
        assert await snapshot() == before, kind


async def test_lists_hold_nothing_out_of_scope(world):
    await set_attendance(world.admin(AFTER), world.hugo_appointment, "absent")
    for role, which in OUT_OF_SCOPE:
        target = await target_of(world, which)
        name = (await Patient.get(id=target.patient)).last_name
        assert (await search(world.role(role), name)).patients == [], (role, which)
        assert await absence_counts(world.role(role), [target.patient]) == {
            target.patient: {"absent": 0, "excused_absence": 0}}, (role, which)


@pytest.mark.parametrize("use_case", USE_CASES)
async def test_ids_that_name_nothing_are_not_found(world, use_case):
    before = await snapshot()
    for number in (0, -1, 10_000, 2**40):
        with pytest.raises(NotFound):
            await USE_CASES[use_case](world.admin(AFTER), Target(number, "consultation", number, number), world)
    assert await snapshot() == before
