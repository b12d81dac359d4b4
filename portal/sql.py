"""Plain SQL for the hot path: the slot and booking reads, and the booking's writes.

Tortoise spends more time compiling a query and building its result than SQLite spends running
it; these statements run on every slot page and every booking. Same SQL on both databases: `?`
placeholders are numbered for PostgreSQL, and values are converted the way tortoise stores them
on SQLite (UTC datetimes as `str()`, dates as ISO text).

On SQLite, tortoise queues every statement of the process behind one connection and one lock,
so a read waits for whoever is inside a write transaction. WAL lets readers run beside the
writer: these reads use a second, query-only connection of their own.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache

import aiosqlite
import asyncpg
from tortoise import connections
from tortoise.exceptions import IntegrityError

_PLACEHOLDER = re.compile(r"\?")


@lru_cache(maxsize=256)  # the booking statement has a few shapes (patient new or known, rows)
def _numbered(sql: str) -> str:
    counter = iter(range(1, 1000))
    return _PLACEHOLDER.sub(lambda _: f"${next(counter)}", sql)


def _sqlite_value(value):
    if isinstance(value, datetime):
        return str(value.astimezone(UTC))
    if isinstance(value, date):
        return value.isoformat()
    return value


class _Reader:
    """The query-only SQLite connection of the running event loop (tests run many loops)."""

    def __init__(self) -> None:
        self.connection: aiosqlite.Connection | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.lock: asyncio.Lock | None = None

    async def get(self, filename: str) -> aiosqlite.Connection:
        loop = asyncio.get_running_loop()
        if self.loop is not loop:
            self.connection, self.loop, self.lock = None, loop, asyncio.Lock()
        async with self.lock:
            if self.connection is None:
                connection = await aiosqlite.connect(filename, isolation_level=None)
                for pragma in ("busy_timeout = 5000", "query_only = ON"):
                    await connection.execute(f"PRAGMA {pragma}")
                self.connection = connection
        return self.connection

    async def close(self) -> None:
        connection, self.connection = self.connection, None
        if connection is not None and self.loop is asyncio.get_running_loop():
            await connection.close()


_reader = _Reader()


async def close() -> None:
    await _reader.close()


async def _postgres(conn, sql: str, values: list) -> list:
    """Rows of one statement, run with asyncpg on `conn`'s connection: one path for SELECTs and
    for INSERT … RETURNING (tortoise's execute_query drops the rows of an INSERT on asyncpg).
    Constraint violations become tortoise's IntegrityError, as the callers expect; a deadlock
    victim stays asyncpg's error, which portal.db.retry_locked runs again."""
    async with conn.acquire_connection() as connection:
        try:
            return await connection.fetch(_numbered(sql), *values)
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise IntegrityError(exc) from exc


async def fetch(sql: str, *params) -> list:
    """Rows (indexable by position) of one SELECT."""
    conn = connections.get("default")
    if conn.capabilities.dialect == "postgres":
        return await _postgres(conn, sql, list(params))
    values = [_sqlite_value(p) for p in params]
    if conn.filename == ":memory:":  # a second connection would open another, empty database
        _, rows = await conn.execute_query(sql, values)
        return rows
    reader = await _reader.get(conn.filename)
    return list(await reader.execute_fetchall(sql, values))


async def fetch_on(conn, sql: str, *params) -> list[tuple]:
    """Rows of one statement run on `conn` (a transaction's client), e.g. INSERT … RETURNING."""
    if conn.capabilities.dialect == "postgres":
        return [tuple(row) for row in await _postgres(conn, sql, list(params))]
    rows = await conn.execute_query_dict(sql, [_sqlite_value(p) for p in params])
    return [tuple(row.values()) for row in rows]


async def execute(sql: str, *params) -> int:
    """The number of rows one UPDATE or DELETE changed (on the default connection)."""
    conn = connections.get("default")
    if conn.capabilities.dialect == "postgres":
        count, _ = await conn.execute_query(_numbered(sql), list(params))
    else:
        count, _ = await conn.execute_query(sql, [_sqlite_value(p) for p in params])
    return count


async def insert_many(conn, table: str, columns: tuple[str, ...], rows: list[dict]) -> None:
    """One multi-row INSERT on `conn` (a transaction's client): the booking writes its consent
    and message rows this way, without a model instance per row."""
    if not rows:
        return
    params: list = []
    sql = insert_sql(table, columns, rows, params)
    if conn.capabilities.dialect == "postgres":
        await _postgres(conn, sql, params)
    else:
        await conn.execute_query(sql, [_sqlite_value(value) for value in params])


@dataclass(frozen=True)
class Expression:
    """A piece of SQL written into a statement where a value would be a parameter (the id an
    earlier CTE of the same statement returns), with the parameters it holds itself."""

    sql: str
    params: tuple = ()


def insert_sql(table: str, columns: tuple[str, ...], rows: list[dict], params: list) -> str:
    """`INSERT INTO table (columns) VALUES (…), (…)` for rows given as dicts by column,
    appending their values to `params`; Expressions are written as they are."""
    values = ", ".join(_values_row(columns, row, params) for row in rows)
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES {values}"


def _values_row(columns: tuple[str, ...], row: dict, params: list) -> str:
    items = []
    for column in columns:
        value = row[column]
        if isinstance(value, Expression):
            items.append(value.sql)
            params.extend(value.params)
        else:
            items.append("?")
            params.append(value)
    return f"({', '.join(items)})"


def as_datetime(value) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def as_date(value) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value
