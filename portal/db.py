"""What the core needs of the database connection: its dialect, and retrying a transaction that
lost a race for a lock. Configuration, connection and migrations live in `creneau.database`."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from asyncpg.exceptions import TransactionRollbackError
from tortoise import connections
from tortoise.exceptions import OperationalError, TransactionManagementError

T = TypeVar("T")


def dialect() -> str:
    return connections.get("default").capabilities.dialect


def is_locked_error(exc: BaseException) -> bool:
    """The transaction lost a race for a lock and can simply run again: SQLite's 'database is
    locked' / busy snapshot (another process held the write lock), or PostgreSQL's deadlock
    victim and serialization failure (SQLSTATE class 40; two bookings inserting overlapping
    spans at the same instant can deadlock on the exclusion constraint's checks)."""
    if isinstance(exc, TransactionRollbackError) or isinstance(exc.__cause__, TransactionRollbackError):
        return True
    text = str(exc).lower()
    return "database is locked" in text or "database is busy" in text


async def retry_locked(operation: Callable[[], Awaitable[T]], attempts: int = 8) -> T:
    """Run a transaction again when it lost a race for a lock (is_locked_error), after a short
    random pause: WAL snapshot upgrades fail at once, without waiting for busy_timeout."""
    for attempt in range(attempts):
        try:
            return await operation()
        except (OperationalError, TransactionManagementError, TransactionRollbackError) as exc:
            if not is_locked_error(exc) or attempt == attempts - 1:
                raise
            await asyncio.sleep(random.uniform(0, 0.01 * 2**attempt))
    raise AssertionError("unreachable")
