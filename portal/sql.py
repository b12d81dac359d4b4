"""Plain SQL for the few hot reads (slots, booking checks).

Tortoise spends more time compiling a query and building its result than SQLite spends running
it; these reads run on every slot page and every booking. Same SQL on both databases: `?`
placeholders are numbered for PostgreSQL, and values are converted the way tortoise stores them
on SQLite (UTC datetimes as `str()`, dates as ISO text).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from functools import lru_cache

from tortoise import connections

_PLACEHOLDER = re.compile(r"\?")


@lru_cache(maxsize=64)
def _numbered(sql: str) -> str:
    counter = iter(range(1, 1000))
    return _PLACEHOLDER.sub(lambda _: f"${next(counter)}", sql)


def _sqlite_value(value):
    if isinstance(value, datetime):
        return str(value.astimezone(UTC))
    if isinstance(value, date):
        return value.isoformat()
    return value


async def fetch(sql: str, *params) -> list:
    """Rows (indexable by position) of one SELECT."""
    conn = connections.get("default")
    if conn.capabilities.dialect == "postgres":
        _, rows = await conn.execute_query(_numbered(sql), list(params))
    else:
        _, rows = await conn.execute_query(sql, [_sqlite_value(p) for p in params])
    return rows


def as_datetime(value) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def as_date(value) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value
