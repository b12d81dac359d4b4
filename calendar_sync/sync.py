"""Importing external calendars as busy blocks: one source at a time, each failure contained.

A source that cannot be fetched or parsed keeps its last good blocks, is marked stale with the
error and the time, and is retried with exponential backoff; other sources carry on. Functions
take a `clock` (or `now`) so that tests drive time; the real clock is only `run_loop`'s default.
A round can last minutes (30 s downloads, a few at a time): the clock is read when each source is
claimed and when its sync ends, never once for the whole round.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tortoise.expressions import Subquery
from tortoise.functions import Max
from tortoise.transactions import in_transaction

from calendar_sync.calendars import lock_calendar
from calendar_sync.fetch import FetchError, fetch_calendar, make_client, masked
from calendar_sync.importer import ImportLimits, MalformedCalendar, busy_intervals
from calendar_sync.models import ExternalCalendar
from calendar_sync.untrusted import printable
from portal.clock import utcnow
from portal.db import retry_locked
from portal.models import BusyBlock, Practitioner, Service

log = logging.getLogger("calendar_sync.sync")
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class SyncPolicy:
    interval: timedelta = timedelta(minutes=15)  # between two successful syncs of one source
    backoff_base: timedelta = timedelta(minutes=2)  # after the first failure; doubles
    backoff_max: timedelta = timedelta(hours=6)
    # Past this age a 304 is not trusted: the horizon has moved, recurrences must be re-expanded.
    full_import_every: timedelta = timedelta(hours=12)
    lease: timedelta = timedelta(minutes=5)  # a claimed source is not picked by another process
    concurrency: int = 4
    max_bytes: int = 10 * 1024 * 1024
    deadline_seconds: float = 30.0
    poll_seconds: float = 30.0  # how often the loop looks for due sources
    # The work of one round is bounded: at most this many sources (the others wait for the next
    # round, oldest due first), each within `limits` (expansion time, occurrences, blocks).
    max_per_round: int = 50
    limits: ImportLimits = ImportLimits()

    def backoff(self, failures: int) -> timedelta:
        return min(self.backoff_base * 2 ** max(failures - 1, 0), self.backoff_max)


@dataclass(frozen=True)
class SyncOutcome:
    calendar_id: int
    status: str  # "imported", "not_modified" or "failed"
    blocks: int = 0
    error: str = ""


async def horizon(practitioner_id: int, now: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """From the start of today to the end of the longest booking horizon (local days)."""
    longest = await Service.filter(practitioner_id=practitioner_id).annotate(days=Max("horizon_days")).values("days")
    days = max(longest[0]["days"] or 0, 60) if longest else 60
    today = now.astimezone(tz).date()
    start = datetime.combine(today, time(), tz).astimezone(UTC)
    end = datetime.combine(today + timedelta(days=days + 2), time(), tz).astimezone(UTC)
    return start, end


async def _claim(calendar: ExternalCalendar, now: datetime, policy: SyncPolicy) -> bool:
    """Optimistic claim: several `creneau sync` processes may share one PostgreSQL."""
    claimed = await ExternalCalendar.filter(id=calendar.id, next_attempt_at=calendar.next_attempt_at).update(
        next_attempt_at=now + policy.lease
    )
    return claimed == 1


async def sync_calendar(calendar: ExternalCalendar, client, clock: Clock, policy: SyncPolicy = SyncPolicy()) -> SyncOutcome:
    started = clock()
    practice_tz = await Practitioner.filter(id=calendar.practitioner_id).values_list("practice__timezone", flat=True)
    tz = ZoneInfo(practice_tz[0])
    fresh = calendar.last_import_at is not None and started - calendar.last_import_at < policy.full_import_every
    try:
        fetched = await fetch_calendar(
            client, calendar.url, etag=calendar.etag if fresh else "", last_modified=calendar.last_modified if fresh else "",
            max_bytes=policy.max_bytes, deadline=policy.deadline_seconds,
        )
        if fetched.not_modified:
            await _succeeded(calendar, clock(), policy, {})
            return SyncOutcome(calendar.id, "not_modified", calendar.blocks)
        start, end = await horizon(calendar.practitioner_id, started, tz)
        # Parsing a big calendar takes CPU seconds: off the event loop, so that the web process
        # that runs this loop on SQLite keeps answering.
        spans = await asyncio.to_thread(busy_intervals, fetched.body, tz, start, end, policy.limits)
    except (FetchError, MalformedCalendar) as exc:
        return await _failed(calendar, clock(), policy, str(exc))
    if not await retry_locked(lambda: _replace_blocks(calendar, spans)):
        log.info("calendar %s was removed during its sync: nothing written", calendar.id)
        return SyncOutcome(calendar.id, "removed")
    # last_import_at is when the horizon was computed (`started`): full_import_every measures
    # how far that horizon has drifted. The rest counts from now, when the work ended.
    await _succeeded(calendar, clock(), policy, dict(
        etag=fetched.etag[:255], last_modified=fetched.last_modified[:64], last_import_at=started, blocks=len(spans),
    ))
    log.info("calendar %s (%s) imported: %d busy blocks", calendar.id, masked(calendar.url), len(spans))
    return SyncOutcome(calendar.id, "imported", len(spans))


async def _replace_blocks(calendar: ExternalCalendar, spans: list[tuple[datetime, datetime]]) -> bool:
    """All of the source's blocks are swapped at once: slots never see a half-imported calendar.

    False, writing nothing, when the source was removed meanwhile (a download takes up to 30 s):
    BusyBlock.source_id has no foreign key, so blocks written now would outlive their source.
    """
    async with in_transaction() as conn:
        if not await lock_calendar(calendar.id, conn):
            return False
        await BusyBlock.filter(source_id=calendar.id).using_db(conn).delete()
        await BusyBlock.bulk_create(
            [BusyBlock(practitioner_id=calendar.practitioner_id, starts_at=a, ends_at=b, source_id=calendar.id)
             for a, b in spans],
            batch_size=500, using_db=conn,
        )
    return True


async def _succeeded(calendar: ExternalCalendar, now: datetime, policy: SyncPolicy, changes: dict) -> None:
    changes.update(last_success_at=now, stale=False, failures=0, last_error="", next_attempt_at=now + policy.interval)
    await retry_locked(lambda: ExternalCalendar.filter(id=calendar.id).update(**changes))


async def _failed(calendar: ExternalCalendar, now: datetime, policy: SyncPolicy, error: str) -> SyncOutcome:
    # The error may quote the remote calendar: stored, printed and logged without control characters.
    error = printable(error)
    failures = calendar.failures + 1
    retry_at = now + policy.backoff(failures)
    await retry_locked(lambda: ExternalCalendar.filter(id=calendar.id).update(
        stale=True, failures=failures, last_error=error[:1000], last_error_at=now, next_attempt_at=retry_at,
    ))
    log.warning("calendar %s (%s) failed (%d in a row, next try %s): %s",
                calendar.id, masked(calendar.url), failures, retry_at.isoformat(), error)
    return SyncOutcome(calendar.id, "failed", calendar.blocks, error)


async def sync_due(client, clock: Clock, policy: SyncPolicy = SyncPolicy(), *, only_ids: list[int] | None = None) -> list[SyncOutcome]:
    """Sync every source whose next attempt is due (or the given ones, due or not)."""
    query = ExternalCalendar.all().order_by("next_attempt_at")
    if only_ids is not None:
        query = query.filter(id__in=only_ids)
    else:
        query = query.filter(next_attempt_at__lte=clock()).limit(policy.max_per_round)
    semaphore = asyncio.Semaphore(policy.concurrency)

    async def one(calendar: ExternalCalendar) -> SyncOutcome | None:
        async with semaphore:
            # The lease starts when the work does: a source that waited for a slot behind slow
            # downloads must not be claimed with a lease already (nearly) expired.
            if not await _claim(calendar, clock(), policy):
                return None
            try:
                return await sync_calendar(calendar, client, clock, policy)
            except Exception as exc:  # a bug or a database hiccup on one source spares the others
                log.error("calendar %s: unexpected error\n%s", calendar.id,
                          printable("".join(traceback.format_exception(exc)), 20_000, keep_newlines=True))
                return await _failed(calendar, clock(), policy, f"internal error: {type(exc).__name__}")

    results = await asyncio.gather(*(one(calendar) for calendar in await query))
    return [result for result in results if result is not None]


async def sweep_orphan_blocks() -> int:
    """Delete imported blocks whose source is gone (left by versions before the removal lock).

    Read first: on SQLite a DELETE takes the write lock even when it matches nothing, and this
    runs every round inside the web process."""
    sources = Subquery(ExternalCalendar.all().values("id"))
    orphan = BusyBlock.filter(source_id__isnull=False).exclude(source_id__in=sources)
    if not await orphan.exists():
        return 0
    swept = await retry_locked(lambda: orphan.delete())
    log.warning("deleted %d busy blocks of removed calendars", swept)
    return swept


async def run_loop(settings, stop: asyncio.Event, policy: SyncPolicy = SyncPolicy(), clock: Clock = utcnow,
                   allow_internal: bool | None = None) -> None:
    """`creneau sync`, and inside `creneau serve` on SQLite: sync due sources until `stop`.
    Internal addresses only when the operator said so (`--allow-internal`, CALENDAR_ALLOW_INTERNAL)."""
    if allow_internal is None:
        allow_internal = bool(getattr(settings, "calendar_allow_internal", False))
    async with make_client(allow_internal=allow_internal) as client:
        while not stop.is_set():
            try:
                await sync_due(client, clock, policy)
                await sweep_orphan_blocks()
            except Exception:  # keep the loop alive (database restarting…): next round retries
                log.exception("calendar sync round failed")
            try:
                await asyncio.wait_for(stop.wait(), timeout=policy.poll_seconds)
            except TimeoutError:
                pass
