"""Slots read from the database: exceptions, busy blocks and appointments all count."""

from datetime import date, timedelta

from portal.booking.availability import check_start, list_slots, load_target
from portal.models import AvailabilityException, BusyBlock, OpeningHours, Practitioner
from tests.builders import OSTEO, OSTEO_SERVICE, book, load_demo, paris


def starts(slots) -> set:
    return {slot.start for slot in slots}


async def test_exceptions_busy_blocks_and_appointments_remove_slots(any_database, now):
    await load_demo()
    camille = await Practitioner.get(slug=OSTEO)
    day = date(2026, 12, 1)  # a Tuesday: 09:00-12:30 and 14:00-19:00
    target = await load_target(OSTEO, OSTEO_SERVICE)
    before = starts(await list_slots(target, day, day, now))
    assert paris(2026, 12, 1, 9) in before and paris(2026, 12, 1, 14) in before

    await AvailabilityException.create(practitioner=camille, start_date=day, end_date=day, kind="closed",
                                       starts=14 * 60, ends=16 * 60, label="Formation")
    await AvailabilityException.create(practitioner=camille, start_date=date(2026, 12, 3), end_date=date(2026, 12, 4),
                                       kind="closed", label="Congés")
    await AvailabilityException.create(practitioner=camille, start_date=date(2026, 12, 6), end_date=date(2026, 12, 6),
                                       kind="open", starts=10 * 60, ends=12 * 60, label="Dimanche exceptionnel")
    await BusyBlock.create(practitioner=camille, starts_at=paris(2026, 12, 1, 9), ends_at=paris(2026, 12, 1, 10))
    await book(paris(2026, 12, 1, 11), now)

    after = starts(await list_slots(target, day, date(2026, 12, 6), now))
    assert paris(2026, 12, 1, 9) not in after and paris(2026, 12, 1, 10) in after  # busy 9-10
    assert paris(2026, 12, 1, 11) not in after  # booked
    assert paris(2026, 12, 1, 14) not in after and paris(2026, 12, 1, 16) in after  # training 14-16
    assert not any(s.astimezone(paris(2026, 12, 3, 0).tzinfo).date() in (date(2026, 12, 3), date(2026, 12, 4))
                   for s in after)  # holidays
    assert paris(2026, 12, 6, 10) in after and paris(2026, 12, 6, 11) in after  # Sunday opening

    assert await check_start(target, paris(2026, 12, 1, 9), now) == "taken"
    assert await check_start(target, paris(2026, 12, 1, 14), now) == "off_grid"
    assert await check_start(target, paris(2026, 12, 1, 16), now) == "ok"


async def test_breaks_and_daily_limit(any_database, now):
    await load_demo()
    camille = await Practitioner.get(slug=OSTEO)
    await OpeningHours.create(practitioner=camille, weekday=1, starts=10 * 60, ends=11 * 60, kind="break")
    camille.daily_limit = 1
    await camille.save()
    target = await load_target(OSTEO, OSTEO_SERVICE)
    day = date(2026, 12, 1)
    found = starts(await list_slots(target, day, day, now))
    assert paris(2026, 12, 1, 10) not in found and paris(2026, 12, 1, 11) in found
    await book(paris(2026, 12, 1, 11), now)
    assert await list_slots(target, day, day, now) == []
    assert await list_slots(target, day + timedelta(days=1), day + timedelta(days=1), now)


async def test_an_appointment_that_began_the_evening_before_still_takes_the_morning(any_database, now):
    """The reads look a day back (an appointment blocks at most a day), not at the whole history."""
    from portal.models import Appointment

    await load_demo()
    target = await load_target(OSTEO, OSTEO_SERVICE)
    booked = await Appointment.get(id=(await book(paris(2026, 11, 30, 11), now)).appointment_id)
    # A night-long block from Monday 18:00 to Tuesday 10:00 (written directly: no service lasts that long).
    evening, morning = paris(2026, 11, 30, 18), paris(2026, 12, 1, 10)
    await Appointment.filter(id=booked.id).update(starts_at=evening, ends_at=morning, blocked_from=evening,
                                                  blocked_until=morning)
    assert await check_start(target, paris(2026, 12, 1, 9), now) == "taken"
    assert await check_start(target, paris(2026, 12, 1, 10), now) == "ok"
    day_slots = starts(await list_slots(target, date(2026, 12, 1), date(2026, 12, 1), now))
    assert paris(2026, 12, 1, 9) not in day_slots and paris(2026, 12, 1, 10) in day_slots
