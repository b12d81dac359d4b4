"""Periodic work done once per deployment, however many processes run the loop.

A job is claimed by moving its due time forward in one conditional UPDATE: of N processes that
find it due at the same moment, exactly one changes the row; the others change nothing and skip
it. One statement works the same on SQLite, on PostgreSQL and through PgBouncer in transaction
mode (no session state, unlike a session advisory lock). A try-lock alone would only stop two
runs overlapping: N processes on hourly timers would still run the job N times an hour; the due
time makes it once per period. A process that dies mid-job leaves the job to the next period,
so jobs are idempotent housekeeping.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from portal.db import retry_locked
from portal.sql import execute

_CREATE = "INSERT INTO periodic_job (name, next_run_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING"
_CLAIM = "UPDATE periodic_job SET next_run_at = ?, last_run_at = ? WHERE name = ? AND next_run_at <= ?"


async def claim(name: str, now: datetime, every: timedelta) -> bool:
    """True for the one caller that may run `name` now; it is next due at `now + every`."""

    async def run() -> bool:
        await execute(_CREATE, name, now)
        return await execute(_CLAIM, now + every, now, name, now) == 1

    return await retry_locked(run)
