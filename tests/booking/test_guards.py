"""What the database itself refuses, even when the application's checks are bypassed."""

from datetime import timedelta

import pytest
from tortoise.exceptions import IntegrityError

from creneau import database as db
from portal.models import Appointment, AppointmentStatus, ConsentRecord
from tests.builders import book, load_demo, paris
from tests.conftest import _open, requires_postgres


async def _clone(appointment: Appointment, shift: timedelta, **changes) -> Appointment:
    fields = dict(
        practice_id=appointment.practice_id, practitioner_id=appointment.practitioner_id,
        service_id=appointment.service_id, patient_id=appointment.patient_id,
        starts_at=appointment.starts_at + shift, ends_at=appointment.ends_at + shift,
        blocked_from=appointment.blocked_from + shift, blocked_until=appointment.blocked_until + shift,
        manage_token_hash=f"other{shift.total_seconds()}{changes.get('status', '')}",
    )
    fields.update(changes)
    return await Appointment.create(**fields)


async def test_overlapping_insert_is_refused_by_the_database(any_database, now):
    await load_demo()
    first = await Appointment.get(id=(await book(paris(2026, 12, 1, 11), now)).appointment_id)
    with pytest.raises(IntegrityError, match="slot_taken"):
        await _clone(first, timedelta(minutes=30))
    # Touching spans are fine (half-open ranges), and so is an overlap with a cancelled one.
    await _clone(first, timedelta(hours=1))
    await _clone(first, timedelta(minutes=15), status=AppointmentStatus.CANCELLED_BY_PATIENT)
    assert await Appointment.all().count() == 3


async def test_moving_onto_another_booking_is_refused_by_the_database(any_database, now):
    await load_demo()
    first = await Appointment.get(id=(await book(paris(2026, 12, 1, 11), now)).appointment_id)
    second = await _clone(first, timedelta(hours=3))
    with pytest.raises(IntegrityError, match="slot_taken"):
        await Appointment.filter(id=second.id).update(blocked_from=first.blocked_from, blocked_until=first.blocked_until)


async def test_reopening_a_cancelled_booking_over_a_new_one_is_refused(any_database, now):
    await load_demo()
    first = await Appointment.get(id=(await book(paris(2026, 12, 1, 11), now)).appointment_id)
    cancelled = await _clone(first, timedelta(minutes=15), status=AppointmentStatus.CANCELLED_BY_PATIENT)
    with pytest.raises(IntegrityError, match="slot_taken"):
        await Appointment.filter(id=cancelled.id).update(status=AppointmentStatus.NOT_FILLED)


async def test_consent_ledger_is_append_only(any_database, now):
    await load_demo()
    await book(paris(2026, 12, 1, 11), now)
    # Tortoise passes asyncpg's RaiseError through untranslated: any error will do, with our text.
    with pytest.raises(Exception, match="append-only"):
        await ConsentRecord.all().update(granted=False)
    assert await ConsentRecord.filter(granted=False).count() == 0


async def test_replayable_answers_are_kept_one_day(database, now):
    from creneau.maintenance import purge_idempotency_records
    from portal.models import IdempotencyRecord

    await IdempotencyRecord.create(key="old", request_sha256="0" * 64, status_code=201, body="{}")
    await IdempotencyRecord.filter(key="old").update(created_at=now - timedelta(hours=25))
    await IdempotencyRecord.create(key="fresh", request_sha256="0" * 64, status_code=201, body="{}")
    await IdempotencyRecord.filter(key="fresh").update(created_at=now - timedelta(hours=23))
    assert await purge_idempotency_records(now) == 1
    assert await IdempotencyRecord.all().values_list("key", flat=True) == ["fresh"]


async def test_a_booking_that_slips_past_the_check_gets_slot_taken_from_the_database(any_database, now, monkeypatch):
    """Two requests that both passed the availability check: the database decides."""
    import portal.booking.book as booking
    from portal.errors import SlotTaken
    from tests.builders import patient

    async def always_free(*args, **kwargs):
        return "ok"

    await load_demo()
    monkeypatch.setattr(booking, "check_start", always_free)
    await book(paris(2026, 12, 1, 11), now)
    with pytest.raises(SlotTaken):
        await book(paris(2026, 12, 1, 11, 30), now, patient=patient(email="second@example.org"))
    assert await Appointment.all().count() == 1
    assert await ConsentRecord.all().count() == 3  # the refused booking left nothing behind


async def test_an_appointment_blocking_more_than_a_day_is_refused_by_the_database(any_database, now):
    await load_demo()
    first = await Appointment.get(id=(await book(paris(2026, 12, 1, 11), now)).appointment_id)
    with pytest.raises(IntegrityError):
        await _clone(first, timedelta(days=3), blocked_until=first.blocked_from + timedelta(days=4, minutes=1))
    # Exactly a day is the limit, and allowed.
    await _clone(first, timedelta(days=3), blocked_until=first.blocked_from + timedelta(days=4))
    assert await Appointment.all().count() == 2


async def test_an_overlap_with_a_long_appointment_that_began_hours_before_is_refused(any_database, now):
    """The overlap check reads a day back from the new span: a 23-hour block that began 22 hours
    before still collides with it, on both databases."""
    await load_demo()
    first = await Appointment.get(id=(await book(paris(2026, 12, 1, 11), now)).appointment_id)
    long = await _clone(first, timedelta(days=2), blocked_until=first.blocked_from + timedelta(days=2, hours=23))
    with pytest.raises(IntegrityError, match="slot_taken"):
        await _clone(first, timedelta(days=2, hours=22))
    await _clone(first, timedelta(days=2, hours=23))  # right after it ends: free
    assert await Appointment.filter(blocked_from__gte=long.blocked_from).count() == 2


async def test_a_service_longer_than_a_day_cannot_be_saved(database):
    from portal.models import Service

    await load_demo()
    service = await Service.first()
    service.buffer_after_minutes = 24 * 60
    with pytest.raises(ValueError, match="at most 1440 minutes"):
        await service.save()
    assert (await Service.get(id=service.id)).buffer_after_minutes != 24 * 60


@requires_postgres
async def test_on_postgres_a_booking_queues_behind_the_practitioners_agenda_lock(postgres_database, now):
    """Overlapping bookings at the same instant take turns on the practitioner's agenda lock
    instead of each waiting for the other's exclusion check (a deadlock PostgreSQL breaks only
    after a second, with an error)."""
    import asyncio

    import asyncpg

    from portal.booking.rows import AGENDA_LOCK
    from portal.models import Practitioner
    from tests.builders import OSTEO

    await _open(postgres_database)
    holder = await asyncpg.connect(postgres_database.replace("postgres://", "postgresql://", 1))
    try:
        await load_demo()
        camille = await Practitioner.get(slug=OSTEO)
        held = holder.transaction()
        await held.start()
        await holder.execute("SELECT pg_advisory_xact_lock($1, $2)", AGENDA_LOCK, camille.id)
        booking = asyncio.create_task(book(paris(2026, 12, 1, 11), now))
        for _ in range(500):  # until the booking's statement waits for the lock (at most 5 s)
            if await holder.fetchval("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"):
                break
            await asyncio.sleep(0.01)
        else:
            raise AssertionError("the booking did not wait for the agenda lock")
        assert not booking.done() and await Appointment.all().count() == 0
        await held.commit()
        result = await asyncio.wait_for(booking, timeout=10)
        assert (await Appointment.get(id=result.appointment_id)).practitioner_id == camille.id
    finally:
        await holder.close()
        await db.close()
