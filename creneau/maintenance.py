"""Housekeeping that every web process (and `creneau worker`) runs in the background
(idempotent, cheap). Periodic jobs run once per deployment: each is claimed through
portal.periodic before it runs, so N processes polling do it once per period between them.
Releasing expired holds runs in every web process: it is cheap, idempotent, and must be prompt."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from portal import context, periodic
from portal.booking import confirm
from portal.clock import utcnow
from portal.limits import counter
from portal.models import IdempotencyRecord
from portal.patients.retention import purge

log = logging.getLogger("creneau.maintenance")
IDEMPOTENCY_TTL = timedelta(hours=24)


async def purge_idempotency_records(now: datetime) -> int:
    """Replayable answers are kept a day: long enough for any client's retries."""
    return await IdempotencyRecord.filter(created_at__lt=now - IDEMPOTENCY_TTL).delete()


async def purge_throttle_counters(now: datetime) -> int:
    """Past windows of the shared throttles (portal.limits.counter)."""
    return await counter.purge(now) or 0


async def run_purge(settings, now: datetime, *, dry_run: bool = False) -> list[str]:
    """Retention (`creneau purge`): what it did, as lines of counts (never names)."""
    report = await purge(context.system("purge", now=now), outbox_dir=settings.outbox_dir,
                         outbox_file_days=settings.outbox_file_days, dry_run=dry_run)
    return report.lines()


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    run: Callable[[datetime], Awaitable[int]]  # returns how many rows it handled, for the log


JOBS = (Job("purge_idempotency_records", timedelta(hours=1), purge_idempotency_records),
        Job("purge_throttle_counters", timedelta(hours=1), purge_throttle_counters))


def jobs(settings) -> tuple[Job, ...]:
    async def retention(now: datetime) -> int:
        for line in await run_purge(settings, now):
            log.info("purge: %s", line)
        return 0  # the purge logs its own counts

    return (*JOBS, Job("retention_purge", timedelta(days=1), retention))


async def run_due(now: datetime, jobs: tuple[Job, ...] = JOBS) -> list[str]:
    """Run the jobs that are due and that this process claimed; returns their names."""
    ran = []
    for job in jobs:
        if not await periodic.claim(job.name, now, job.every):
            continue
        count = await job.run(now)
        if count:
            log.info("%s: %d rows", job.name, count)
        ran.append(job.name)
    return ran


async def run_loop(settings, stop: asyncio.Event, clock: Callable[[], datetime] = utcnow,
                   poll: float = 60) -> None:
    # Polling more often than the shortest period only costs one cheap UPDATE per minute.
    every_job = jobs(settings)
    while not stop.is_set():
        try:
            await run_due(clock(), every_job)
        except Exception:  # noqa: BLE001 - housekeeping must never take the web process down
            log.exception("maintenance failed; will retry")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=poll)


async def release_holds_loop(settings, stop: asyncio.Event, clock: Callable[[], datetime] = utcnow,
                             interval: float = 30) -> None:
    """Held bookings not confirmed in time give their slots back (portal.booking.confirm)."""
    while not stop.is_set():
        try:
            released = await confirm.release_expired(context.system("holds", now=clock()))
            if released:
                log.info("released %d held bookings not confirmed in time", released)
        except Exception:  # noqa: BLE001 - housekeeping must never take the web process down
            log.exception("releasing holds failed; will retry")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
