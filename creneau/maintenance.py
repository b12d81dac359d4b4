"""Housekeeping that every web process runs in the background (idempotent, cheap)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from portal import context
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


async def run_purge(settings, now: datetime, *, dry_run: bool = False) -> list[str]:
    """Retention (`creneau purge`): what it did, as lines of counts (never names)."""
    report = await purge(context.system("purge", now=now), outbox_dir=settings.outbox_dir,
                         outbox_file_days=settings.outbox_file_days, dry_run=dry_run)
    return report.lines()


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


async def run_loop(settings, stop: asyncio.Event, clock: Callable[[], datetime] = utcnow,
                   interval: float = 3600) -> None:
    purged_on = None
    while not stop.is_set():
        try:
            purged = await purge_idempotency_records(clock())
            if purged:
                log.info("purged %d idempotency records older than a day", purged)
            await counter.purge(clock())
            # Retention, once a day (and at start): the purge is idempotent.
            if purged_on != clock().date():
                purged_on = clock().date()
                for line in await run_purge(settings, clock()):
                    log.info("purge: %s", line)
        except Exception:  # noqa: BLE001 - housekeeping must never take the web process down
            log.exception("maintenance failed; will retry")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
