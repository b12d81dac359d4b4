"""Sync against what happens meanwhile: a removal during a download, long rounds, leftovers."""

import asyncio
from datetime import timedelta

import httpx2
from tortoise import connections

from calendar_sync import sync
from calendar_sync.calendars import add_calendar, remove_calendar
from calendar_sync.models import ExternalCalendar
from calendar_sync.sync import SyncPolicy, sweep_orphan_blocks, sync_due
from portal import db
from portal.models import BusyBlock
from tests.builders import OSTEO, load_demo, paris
from tests.calendar_sync.conftest import feed_bytes

POLICY = SyncPolicy(deadline_seconds=10)


def mock_client(handler) -> httpx2.AsyncClient:
    return httpx2.AsyncClient(transport=httpx2.MockTransport(handler))


async def test_a_calendar_removed_during_its_download_gets_no_blocks_back(any_database, now):
    await load_demo()
    calendar = await add_calendar(OSTEO, "https://calendar.example/secret.ics", now=now)

    async def handler(request):
        await remove_calendar(calendar.id)  # the practitioner removes it while it downloads
        return httpx2.Response(200, content=feed_bytes("google.ics"))

    async with mock_client(handler) as client:
        outcomes = await sync_due(client, lambda: now, POLICY)
    assert [(o.calendar_id, o.status, o.blocks) for o in outcomes] == [(calendar.id, "removed", 0)]
    assert await BusyBlock.filter(source_id=calendar.id).count() == 0


async def _until_blocked(task: asyncio.Task) -> None:
    """Until `task` waits for a lock: PostgreSQL shows it; SQLite's is this process's own lock."""
    if db.dialect() == "sqlite":
        for _ in range(20):
            await asyncio.sleep(0)
    else:
        query = ("SELECT count(*) AS n FROM pg_stat_activity "
                 "WHERE datname = current_database() AND wait_event_type = 'Lock'")
        for _ in range(500):  # a bounded poll of the server's state, not a timed wait
            if (await connections.get("default").execute_query_dict(query))[0]["n"]:
                break
            await asyncio.sleep(0.01)
        else:
            raise AssertionError("the removal never waited for the import's lock")
    assert not task.done()


async def test_a_removal_waits_for_an_import_writing_and_then_takes_its_blocks(any_database, now, monkeypatch):
    """The import locks the source first; a removal arriving then must see the blocks it writes.

    On PostgreSQL a removal that did not take the same lock would delete the blocks it could see
    (none yet), wait only at the row's DELETE, and leave the import's blocks behind.
    """
    await load_demo()
    calendar = await add_calendar(OSTEO, "https://calendar.example/a.ics", now=now)
    locked, release = asyncio.Event(), asyncio.Event()
    real_lock = sync.lock_calendar

    async def lock_then_pause(calendar_id, conn):
        found = await real_lock(calendar_id, conn)
        locked.set()
        await release.wait()
        return found

    monkeypatch.setattr(sync, "lock_calendar", lock_then_pause)
    spans = [(paris(2026, 12, 1, 9), paris(2026, 12, 1, 10)), (paris(2026, 12, 2, 9), paris(2026, 12, 2, 10))]
    importing = asyncio.create_task(sync._replace_blocks(calendar, spans))
    await asyncio.wait_for(locked.wait(), timeout=10)
    removal = asyncio.create_task(remove_calendar(calendar.id))
    await _until_blocked(removal)
    release.set()
    assert await importing is True
    assert await removal == 2
    assert await BusyBlock.filter(source_id=calendar.id).count() == 0


class SlowHosts:
    """The clock of a round whose every download takes `step`."""

    def __init__(self, start, step: timedelta) -> None:
        self.time, self.step = start, step

    def __call__(self):
        return self.time


async def test_each_source_is_timed_when_it_is_worked_on_not_when_the_round_began(any_database, now):
    await load_demo()
    clock = SlowHosts(now, timedelta(minutes=3))  # longer than a lease over the round
    good = await add_calendar(OSTEO, "https://calendar.example/good.ics", now=now)
    down = [await add_calendar(OSTEO, f"https://calendar.example/down-{i}.ics", now=now) for i in range(3)]
    claimed_at, due_meanwhile = {}, {}

    async def handler(request):
        row = await ExternalCalendar.get(url=str(request.url))
        claimed_at[row.id] = row.next_attempt_at - POLICY.lease  # the lease written at the claim
        clock.time += clock.step
        # What another `creneau sync` process would pick now: never a source being downloaded.
        due_meanwhile[row.id] = await ExternalCalendar.filter(next_attempt_at__lte=clock()).values_list("id", flat=True)
        if row.id == good.id:
            return httpx2.Response(200, content=feed_bytes("google.ics"))
        return httpx2.Response(500)

    async with mock_client(handler) as client:
        outcomes = await sync_due(client, clock, SyncPolicy(deadline_seconds=10, concurrency=1))
    assert sorted(o.status for o in outcomes) == ["failed", "failed", "failed", "imported"]
    step = clock.step
    assert sorted(claimed_at.values()) == [now, now + step, now + 2 * step, now + 3 * step]
    assert all(calendar_id not in due for calendar_id, due in due_meanwhile.items())

    for calendar in down:
        stored = await ExternalCalendar.get(id=calendar.id)
        failed_at = claimed_at[calendar.id] + step
        assert (stored.last_error_at, stored.next_attempt_at) == (failed_at, failed_at + POLICY.backoff_base)
    stored = await ExternalCalendar.get(id=good.id)
    done_at = claimed_at[good.id] + step
    assert (stored.last_success_at, stored.next_attempt_at) == (done_at, done_at + POLICY.interval)
    assert stored.last_import_at == claimed_at[good.id]  # the horizon was computed before the download
    # Counted from the round's start, every backoff would be over by its end (12 min > 2 min).
    assert await ExternalCalendar.filter(next_attempt_at__gt=clock()).exists()


async def test_sweep_deletes_blocks_of_removed_calendars_only(any_database, now):
    await load_demo()
    calendar = await add_calendar(OSTEO, "https://calendar.example/a.ics", now=now)
    practitioner_id = calendar.practitioner_id
    span = dict(starts_at=paris(2026, 12, 1, 9), ends_at=paris(2026, 12, 1, 10))
    kept = [await BusyBlock.create(practitioner_id=practitioner_id, source_id=calendar.id, **span),
            await BusyBlock.create(practitioner_id=practitioner_id, source_id=None, **span)]  # entered by hand
    await BusyBlock.create(practitioner_id=practitioner_id, source_id=calendar.id + 1000, **span)
    assert await sweep_orphan_blocks() == 1
    assert sorted(await BusyBlock.all().values_list("id", flat=True)) == sorted(b.id for b in kept)
    assert await sweep_orphan_blocks() == 0
