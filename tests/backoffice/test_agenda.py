"""The agenda: a day or a week of the practitioners in scope, bounded by its window."""

from datetime import date, timedelta

import pytest

from portal.booking.agenda import agenda, not_filled
from portal.errors import FieldErrors, NotFound
from portal.models import AvailabilityException, BusyBlock
from tests.backoffice.conftest import ROLES
from tests.builders import book, paris, patient


async def test_the_week_shows_appointments_busy_blocks_time_off_hours_and_free_slots(world):
    await BusyBlock.create(practitioner_id=world.camille, starts_at=paris(2026, 12, 2, 9), ends_at=paris(2026, 12, 2, 10))
    await AvailabilityException.create(practitioner_id=world.camille, start_date=date(2026, 12, 4),
                                       end_date=date(2026, 12, 4), kind="closed", label="Formation")
    view = await agenda(world.admin(), [world.camille], date(2026, 11, 30), 7)
    [camille] = view.practitioners
    assert camille.name == "Camille Martin"
    [appointment] = camille.appointments
    assert (appointment.patient_first_name, appointment.patient_last_name, appointment.service) == (
        "Élise", "Durand-Lefèvre", "Consultation adulte")
    assert (appointment.status, appointment.source) == ("not_filled", "online")
    assert appointment.starts_at == paris(2026, 12, 1, 11)
    assert [(b.start, b.end) for b in camille.busy] == [(paris(2026, 12, 2, 9), paris(2026, 12, 2, 10))]
    assert [(e.start_date, e.kind, e.starts, e.label) for e in camille.exceptions] == [
        (date(2026, 12, 4), "closed", None, "Formation")]
    opening_days = {interval.start.astimezone(paris(2026, 12, 1, 0).tzinfo).date() for interval in camille.opening_hours}
    assert date(2026, 12, 4) not in opening_days and date(2026, 12, 3) in opening_days
    starts = {slot.start for slot in camille.free_slots}
    assert paris(2026, 12, 1, 10) in starts  # free (45 min + 15 min buffer before 11:00)
    assert paris(2026, 12, 1, 11) not in starts and paris(2026, 12, 2, 9) not in starts
    assert not [s for s in starts if s.date() == date(2026, 12, 4)]
    assert view.not_filled == []


async def test_a_day_view_holds_only_that_day(world):
    view = await agenda(world.admin(), [], date(2026, 12, 2), 1)
    assert {p.name for p in view.practitioners} == {"Camille Martin", "Hugo Bernard"}
    assert all(p.appointments == [] for p in view.practitioners)
    assert all(slot.start.date() == date(2026, 12, 2) for p in view.practitioners for slot in p.free_slots)


@pytest.mark.parametrize("role", ROLES)
async def test_each_role_sees_its_practitioners_only(world, role):
    view = await agenda(world.role(role), [], date(2026, 11, 30), 7)
    expected = {world.camille, world.hugo} if role == "admin" else {world.camille}
    assert {p.practitioner_id for p in view.practitioners} == expected
    for practitioner_id in ({world.hugo} - expected) | {world.lea}:
        with pytest.raises(NotFound):
            await agenda(world.role(role), [practitioner_id], date(2026, 11, 30), 7)
        with pytest.raises(NotFound):
            await agenda(world.role(role), [world.camille, practitioner_id], date(2026, 11, 30), 7)


async def test_nobody_but_staff_reads_an_agenda(world):
    from tests.builders import patient_ctx, system, visitor

    for ctx in (visitor(world.now), patient_ctx(world.now), system(world.now)):
        with pytest.raises(NotFound):
            await agenda(ctx, [], date(2026, 11, 30), 7)


async def test_a_window_is_one_to_seven_days(world):
    for days in (0, 8, "7"):
        with pytest.raises(FieldErrors):
            await agenda(world.admin(), [], date(2026, 11, 30), days)
    for first in (date.min, date.max, "2026-11-30"):
        with pytest.raises(FieldErrors):
            await agenda(world.admin(), [], first, 1)


async def test_past_appointments_not_filled_are_listed_until_recorded(world, now):
    later = now + timedelta(days=3)
    await book(paris(2026, 12, 2, 9), now, patient=patient(email="autre@example.org"))
    missing = await not_filled(world.admin(later))
    assert [a.id for a in missing][-1] == world.hugo_appointment
    assert {a.practitioner_id for a in missing} == {world.camille, world.hugo}
    assert [a.starts_at for a in missing] == sorted((a.starts_at for a in missing), reverse=True)
    assert {a.practitioner_id for a in await not_filled(world.assistant(later))} == {world.camille}
    with pytest.raises(NotFound):
        await not_filled(world.assistant(later), [world.hugo])


async def test_the_agenda_closes_on_the_practice_regions_own_holidays(world):
    from portal.models import Practice
    tz = paris(2026, 12, 1, 0).tzinfo

    async def open_days() -> set[date]:
        [camille] = (await agenda(world.admin(), [world.camille], date(2026, 12, 21), 7)).practitioners
        return {interval.start.astimezone(tz).date() for interval in camille.opening_hours}

    assert date(2026, 12, 26) in await open_days()  # a Saturday she works, in metropolitan France
    await Practice.filter(id__gt=0).update(holiday_region="57")
    assert date(2026, 12, 26) not in await open_days()  # St Stephen's Day in Moselle
