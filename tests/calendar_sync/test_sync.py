"""Importing external calendars over real HTTP (a local server) into busy blocks."""

from datetime import date, datetime, timedelta

import pytest

from calendar_sync.calendars import add_calendar, list_calendars, remove_calendar
from calendar_sync.fetch import FetchError, fetch_calendar, make_client, normalise_url
from calendar_sync.models import ExternalCalendar
from calendar_sync.sync import SyncPolicy, sync_due
from portal.booking.availability import list_slots, load_target
from portal.models import BusyBlock
from tests.builders import OSTEO, OSTEO_SERVICE, load_demo, paris
from tests.calendar_sync.conftest import feed_bytes

POLICY = SyncPolicy(deadline_seconds=10)


async def sync(now, **kwargs):
    async with make_client(timeout=5, allow_internal=True) as client:
        return await sync_due(client, lambda: now, POLICY, **kwargs)


async def blocks(calendar_id: int) -> list[tuple[datetime, datetime]]:
    return await BusyBlock.filter(source_id=calendar_id).order_by("starts_at").values_list("starts_at", "ends_at")


async def test_each_export_is_imported_as_busy_blocks(any_database, now, calendar_server):
    await load_demo()
    ids = {}
    for name in ("google", "outlook", "apple"):
        url = calendar_server.serve(f"/{name}.ics", feed_bytes(f"{name}.ics"))
        ids[name] = (await add_calendar(OSTEO, url, now=now, label=name, allow_internal=True)).id
    outcomes = await sync(now)
    assert sorted((o.calendar_id, o.status) for o in outcomes) == sorted((i, "imported") for i in ids.values())
    google = await blocks(ids["google"])
    assert google[0] == (paris(2026, 12, 1, 14), paris(2026, 12, 1, 15, 30))
    assert (paris(2026, 12, 4, 0), paris(2026, 12, 5, 0)) in google  # all-day
    assert (paris(2026, 12, 9, 10), paris(2026, 12, 9, 11, 30)) in google  # moved occurrence
    assert all(a.date() != date(2026, 12, 22) for a, _ in google)  # EXDATE
    outlook = await blocks(ids["outlook"])
    assert (paris(2026, 12, 10, 16), paris(2026, 12, 10, 17)) in outlook
    apple = await blocks(ids["apple"])
    assert (paris(2026, 12, 28, 0), paris(2027, 1, 2, 0)) in apple
    # The horizon: today in Paris until the longest booking horizon (60 days) and a margin.
    assert max(b for _, b in google) <= paris(2027, 2, 1, 0)
    calendar = await ExternalCalendar.get(id=ids["google"])
    assert (calendar.stale, calendar.failures, calendar.last_success_at, calendar.blocks) == (False, 0, now, len(google))
    assert calendar.next_attempt_at == now + POLICY.interval


async def test_a_busy_event_added_elsewhere_removes_the_slots_after_the_next_sync(any_database, now, calendar_server):
    """Done means: a busy event in an imported calendar removes the matching slots."""
    await load_demo()
    url = calendar_server.serve("/agenda.ics", feed_bytes("apple.ics"))
    await add_calendar(OSTEO, url, now=now, allow_internal=True)
    await sync(now)
    target = await load_target(OSTEO, OSTEO_SERVICE)
    day = date(2026, 12, 14)
    before = [slot.start for slot in await list_slots(target, day, day, now)]
    assert paris(2026, 12, 14, 10) in before

    meeting = (b"BEGIN:VEVENT\r\nUID:new-meeting\r\nDTSTAMP:20261130T090000Z\r\n"
               b"DTSTART;TZID=Europe/Paris:20261214T093000\r\nDTEND;TZID=Europe/Paris:20261214T111500\r\n"
               b"SUMMARY:R\xc3\xa9union\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    calendar_server.serve("/agenda.ics", feed_bytes("apple.ics").replace(b"END:VCALENDAR\r\n", meeting))
    later = now + POLICY.interval
    assert [o.status for o in await sync(later)] == ["imported"]
    after = [slot.start for slot in await list_slots(target, day, day, later)]
    # A 45-min visit + 15-min buffer cannot start from 8:45 to 11:00 any more.
    assert [s for s in before if s not in after] == [s for s in before if paris(2026, 12, 14, 8, 45) <= s < paris(2026, 12, 14, 11, 15)]
    assert after and paris(2026, 12, 14, 10) not in after


async def test_unchanged_calendar_costs_a_304_and_keeps_its_blocks(database, now, calendar_server):
    await load_demo()
    url = calendar_server.serve("/google.ics", feed_bytes("google.ics"))
    calendar = await add_calendar(OSTEO, url, now=now, allow_internal=True)
    await sync(now)
    first = await blocks(calendar.id)
    outcomes = await sync(now + POLICY.interval)
    assert [o.status for o in outcomes] == ["not_modified"]
    assert calendar_server.requests[-1][1].get("If-None-Match")
    assert await blocks(calendar.id) == first
    # Past full_import_every the validators are not sent: the moving horizon needs a re-expansion.
    await sync(now + POLICY.full_import_every + POLICY.interval)
    assert "If-None-Match" not in calendar_server.requests[-1][1]


@pytest.mark.parametrize("case", ["unreachable", "http_500", "truncated", "huge", "html"])
async def test_a_failing_source_keeps_its_last_blocks_and_is_retried_with_backoff(
    database, now, calendar_server, closed_port_url, case
):
    await load_demo()
    good = await add_calendar(OSTEO, calendar_server.serve("/good.ics", feed_bytes("outlook.ics")), now=now, allow_internal=True)
    flaky = await add_calendar(OSTEO, calendar_server.serve("/flaky.ics", feed_bytes("google.ics")), now=now, allow_internal=True)
    await sync(now)
    kept = await blocks(flaky.id)
    assert kept

    broken_url = {
        "unreachable": closed_port_url, "huge": calendar_server.url("/huge.ics"),
        "http_500": calendar_server.serve("/flaky.ics", b"oops", status=500),
        "truncated": calendar_server.serve("/flaky.ics", feed_bytes("google.ics")[:1800]),
        "html": calendar_server.serve("/flaky.ics", b"<!doctype html><title>Connexion</title>"),
    }[case]
    await ExternalCalendar.filter(id=flaky.id).update(url=broken_url)
    later = now + POLICY.interval
    outcomes = {o.calendar_id: o for o in await sync(later)}
    assert outcomes[flaky.id].status == "failed" and outcomes[good.id].status in ("imported", "not_modified")
    assert await blocks(flaky.id) == kept  # the last good import still protects the agenda
    stored = await ExternalCalendar.get(id=flaky.id)
    assert (stored.stale, stored.failures, stored.last_error_at) == (True, 1, later)
    assert stored.last_error == outcomes[flaky.id].error and stored.last_error
    assert "127.0.0.1:" not in stored.last_error or case == "unreachable"  # no secret path in errors
    assert stored.next_attempt_at == later + POLICY.backoff_base

    # Not due yet: nothing happens. When due, it fails again and waits twice as long.
    assert [o.calendar_id for o in await sync(later + timedelta(minutes=1))] == []
    again = later + POLICY.backoff_base
    await sync(again)
    stored = await ExternalCalendar.get(id=flaky.id)
    assert (stored.failures, stored.next_attempt_at) == (2, again + 2 * POLICY.backoff_base)
    if case == "huge":
        assert calendar_server.huge_sent and calendar_server.huge_sent[0] < 50 * 1024 * 1024

    # Repaired: fresh blocks, not stale any more.
    await ExternalCalendar.filter(id=flaky.id).update(url=calendar_server.serve("/fixed.ics", feed_bytes("apple.ics")))
    repaired = again + 2 * POLICY.backoff_base
    await sync(repaired)
    stored = await ExternalCalendar.get(id=flaky.id)
    assert (stored.stale, stored.failures, stored.last_error, stored.last_success_at) == (False, 0, "", repaired)
    assert await blocks(flaky.id) != kept


async def test_size_limit_without_content_length(calendar_server):
    async with make_client(timeout=5, allow_internal=True) as client:
        with pytest.raises(FetchError, match="larger than 1 MB"):
            await fetch_calendar(client, calendar_server.url("/huge.ics"), max_bytes=1024 * 1024)


def test_backoff_doubles_up_to_a_ceiling():
    policy = SyncPolicy()
    assert [policy.backoff(n) for n in (1, 2, 3)] == [timedelta(minutes=2), timedelta(minutes=4), timedelta(minutes=8)]
    assert policy.backoff(30) == timedelta(hours=6)


@pytest.mark.parametrize("raw, url", [
    ("webcal://p42-caldav.icloud.com/published/2/MTIz", "https://p42-caldav.icloud.com/published/2/MTIz"),
    ("WEBCAL://outlook.office365.com/owa/calendar/x/calendar.ics", "https://outlook.office365.com/owa/calendar/x/calendar.ics"),
    (" https://calendar.google.com/calendar/ical/a%40gmail.com/private-abc/basic.ics ",
     "https://calendar.google.com/calendar/ical/a%40gmail.com/private-abc/basic.ics"),
])
def test_webcal_and_https_addresses_are_accepted(raw, url):
    assert normalise_url(raw) == url


@pytest.mark.parametrize("raw", ["ftp://example.org/a.ics", "file:///etc/passwd", "calendar.ics", "https://"])
def test_other_addresses_are_refused(raw):
    with pytest.raises(ValueError):
        normalise_url(raw)


async def test_removing_a_calendar_removes_its_blocks_only(database, now, calendar_server):
    await load_demo()
    first = await add_calendar(OSTEO, calendar_server.serve("/a.ics", feed_bytes("google.ics")), now=now, allow_internal=True)
    second = await add_calendar(OSTEO, calendar_server.serve("/b.ics", feed_bytes("apple.ics")), now=now, allow_internal=True)
    await sync(now)
    removed = len(await blocks(first.id))
    assert await remove_calendar(first.id) == removed
    assert await blocks(first.id) == [] and await blocks(second.id)
    assert [c.id for c in await list_calendars(OSTEO)] == [second.id]


async def test_run_loop_syncs_due_sources_until_stopped(database, now, calendar_server):
    import asyncio

    from calendar_sync.sync import run_loop

    await load_demo()
    calendar = await add_calendar(OSTEO, calendar_server.serve("/g.ics", feed_bytes("google.ics")), now=now, allow_internal=True)
    stop = asyncio.Event()
    task = asyncio.create_task(run_loop(None, stop, SyncPolicy(poll_seconds=0.05), clock=lambda: now, allow_internal=True))
    for _ in range(200):  # bounded: at most ~10 s
        if (await ExternalCalendar.get(id=calendar.id)).last_success_at:
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(task, timeout=5)
    assert (await ExternalCalendar.get(id=calendar.id)).last_success_at == now
    assert len(calendar_server.requests) == 1  # not due again within the interval
