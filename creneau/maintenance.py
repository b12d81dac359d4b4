"""Housekeeping that every web process (and `creneau worker`) runs in the background
(idempotent, cheap), once per deployment: each job is claimed through portal.periodic before it
runs, so N processes polling do it once per period between them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from portal import context, periodic
from portal.clock import utcnow
from portal.models import IdempotencyRecord
from portal.patients.retention import purge

log = logging.getLogger("creneau.maintenance")
IDEMPOTENCY_TTL = timedelta(hours=24)


async def purge_idempotency_records(now: datetime) -> int:
    """Replayable answers are kept a day: long enough for any client's retries."""
    return await IdempotencyRecord.filter(created_at__lt=now - IDEMPOTENCY_TTL).delete()


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


def jobs(settings) -> tuple[Job, ...]:
    async def retention(now: datetime) -> int:
        lines = await run_purge(settings, now)
        for line in lines:
            log.info("purge: %s", line)
        return 0  # the purge logs its own counts

    return (Job("purge_idempotency_records", timedelta(hours=1), purge_idempotency_records),
            Job("retention_purge", timedelta(days=1), retention))


JOBS = (Job("purge_idempotency_records", timedelta(hours=1), purge_idempotency_records),)


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
