"""Administrators read and filter their practice's audit trail; nobody else reads it."""

from datetime import timedelta

import pytest

from portal.audit.trail import AuditFilters, list_audit
from portal.booking.details import appointment_details
from portal.errors import FieldErrors, NotFound
from tests.backoffice.conftest import staff
from tests.builders import patient_ctx, system, visitor


async def test_an_administrator_filters_and_pages_the_trail(world):
    later = world.now + timedelta(hours=2)
    await appointment_details(world.assistant(later), world.camille_appointment)
    await appointment_details(world.practitioner(later), world.camille_appointment)
    page = await list_audit(world.admin())
    assert [(e.action, e.actor) for e in page.events] == [
        ("appointment.view", "staff:2"), ("appointment.view", "staff:3"),
        ("appointment.book", "visitor"), ("appointment.book", "visitor")]  # Léa's booking is another practice's
    assert page.next_cursor is None
    elise = await world.patient_of(world.camille_appointment)
    assert len(_without_reads(await list_audit(world.admin(), AuditFilters(patient_id=elise)))) == 3
    assert [e.actor for e in (await list_audit(world.admin(), AuditFilters(actor="staff:3"))).events] == ["staff:3"]
    assert len((await list_audit(world.admin(), AuditFilters(action="appointment."))).events) == 4
    assert len((await list_audit(world.admin(), AuditFilters(action="appointment.view"))).events) == 2
    assert len(_without_reads(await list_audit(world.admin(), AuditFilters(since=later)))) == 2
    assert len(_without_reads(await list_audit(world.admin(), AuditFilters(until=later)))) == 2
    appointments = AuditFilters(action="appointment.")
    first = await list_audit(world.admin(), appointments, limit=3)
    rest = await list_audit(world.admin(), appointments, limit=3, cursor=first.next_cursor)
    assert len(first.events) == 3 and [e.action for e in rest.events] == ["appointment.book"]
    # Each read that showed events is itself in the trail (the patient filter says whose).
    reads = (await list_audit(world.admin(), AuditFilters(action="audit.view"), limit=200)).events
    assert len(reads) == 9 and sum(1 for e in reads if e.patient_id == elise) == 1
    assert rest.next_cursor is None


def _without_reads(page) -> list:
    return [event for event in page.events if event.action != "audit.view"]


async def test_filters_are_checked(world):
    with pytest.raises(FieldErrors) as refused:
        await list_audit(world.admin(), AuditFilters(since=world.now.replace(tzinfo=None), actor="x" * 255),
                         limit=0, cursor="3")
    assert set(refused.value.fields) == {"since", "actor", "limit", "cursor"}


async def test_only_administrators_read_the_trail_and_only_their_practices(world):
    # Other roles, other kinds of actor: not found, as any object outside a scope.
    for ctx in (world.practitioner(), world.assistant(), staff(world.now, "admin", world.lilas, {world.camille}),
                visitor(world.now), patient_ctx(world.now), system(world.now)):
        with pytest.raises(NotFound):
            await list_audit(ctx)
    belleville = await list_audit(staff(world.now, "admin", world.belleville))
    assert [(e.action, e.object_id) for e in belleville.events] == [("appointment.book", world.lea_appointment)]
