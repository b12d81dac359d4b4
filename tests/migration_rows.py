"""What the migration tests share: a database stopped at an old migration, and rows put in it
as a deployment's would be, on SQLite and on PostgreSQL alike.

`Rows` fills every column the caller does not name with a plain value of its type (every
required column without a default), and points foreign keys at their parent's first row, so a
test names only what it checks."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from creneau import database as db
from tests.conftest import POSTGRES_URL

# Columns whose name says they come later than their row's other times (ranges are checked).
_LATER = ("ends", "until", "end_date", "expires", "lease")


def migrate(url: str, target: str | None = None, *, after_each: Callable[[str], None] | None = None) -> None:
    """Migrate to `target` ("portal.0013_settings", with what it depends on), or to the last one;
    `after_each("app.name")` runs once each migration is committed, before the next (blocking it,
    in a thread of its own: it may open its own event loop). The migration itself runs in a thread
    too: tortoise opens and closes its own connections and loop state."""
    def progress(event: str, app: str, name: str) -> None:
        if event == "apply_done" and after_each is not None:
            with ThreadPoolExecutor(1) as side:
                side.submit(after_each, f"{app}.{name}").result()

    async def run() -> None:
        from tortoise.migrations.api.migrate import migrate as tortoise_migrate

        try:
            await tortoise_migrate(config=db.tortoise_config(url), target=target, progress=progress)
        finally:
            await db.close()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, run()).result()


def _admin(sql: str) -> None:
    import asyncpg

    async def run() -> None:
        conn = await asyncpg.connect(POSTGRES_URL.replace("postgres://", "postgresql://", 1))
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())


@contextmanager
def empty_database(kind: str, tmp_path) -> Iterator[str]:
    """The URL of a database with no table yet: a SQLite file, or a PostgreSQL database of its
    own, dropped after."""
    if kind == "sqlite":
        yield f"sqlite://{tmp_path / 'upgraded.sqlite3'}"
        return
    name = f"creneau_upgrade_{uuid.uuid4().hex[:10]}"
    _admin(f'CREATE DATABASE "{name}"')
    try:
        yield f"{POSTGRES_URL.rpartition('/')[0]}/{name}"
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # upper-case type: SQLite's declared type, or PostgreSQL's data_type
    required: bool  # NOT NULL without a default
    length: int | None  # a varchar's limit


class Rows:
    """One connection to the database at `url`, used synchronously (sqlite3, or asyncpg on a
    loop of its own)."""

    def __init__(self, url: str) -> None:
        self.postgres = url.startswith("postgres")
        if self.postgres:
            import asyncpg

            self._loop = asyncio.new_event_loop()
            self._conn = self._loop.run_until_complete(
                asyncpg.connect(url.replace("postgres://", "postgresql://", 1)))
        else:
            self._sqlite = sqlite3.connect(url.removeprefix("sqlite://"), isolation_level=None)

    def __enter__(self) -> Rows:
        return self

    def __exit__(self, *_) -> None:
        if self.postgres:
            self._loop.run_until_complete(self._conn.close())
            self._loop.close()
        else:
            self._sqlite.close()

    def query(self, sql: str, *params) -> list[tuple]:
        if self.postgres:
            numbers = iter(range(1, 1000))
            sql = "".join(f"${next(numbers)}" if c == "?" else c for c in sql)
            return [tuple(r) for r in self._loop.run_until_complete(self._conn.fetch(sql, *params))]
        return self._sqlite.execute(sql, params).fetchall()

    def tables(self) -> list[str]:
        if self.postgres:
            sql = ("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
                   "AND table_type = 'BASE TABLE' ORDER BY table_name")
        else:
            sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        return [t for t, in self.query(sql) if t != "tortoise_migrations"]

    def columns(self, table: str) -> list[Column]:
        if self.postgres:
            return [Column(name, kind.upper(), nullable == "NO" and default is None, length)
                    for name, kind, nullable, default, length in self.query(
                        "SELECT column_name, data_type, is_nullable, column_default, character_maximum_length "
                        "FROM information_schema.columns WHERE table_schema = 'public' AND table_name = ? "
                        "ORDER BY ordinal_position", table)]
        columns = []
        for _, name, kind, notnull, default, pk in self.query(f'PRAGMA table_info("{table}")'):
            length = int(kind.split("(")[1].rstrip(")")) if "CHAR(" in kind.upper() else None
            columns.append(Column(name, kind.upper(), bool(notnull) and default is None and not pk, length))
        return columns

    def parents(self, table: str) -> dict[str, str]:
        """Foreign-key column → the table it points at."""
        if self.postgres:
            return dict(self.query(
                "SELECT kcu.column_name, ccu.table_name FROM information_schema.table_constraints tc "
                "JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name "
                "JOIN information_schema.constraint_column_usage ccu ON ccu.constraint_name = tc.constraint_name "
                "WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_name = ?", table))
        return {row[3]: row[2] for row in self.query(f'PRAGMA foreign_key_list("{table}")')}

    def plain(self, table: str, column: Column, n: int):
        """A value of the column's type that no CHECK of ours refuses."""
        name, kind = column.name, column.kind
        moment = datetime(2026, 1, 5, 9, tzinfo=UTC) + timedelta(hours=1 if any(w in name for w in _LATER) else 0)
        if "BOOL" in kind:
            return False if self.postgres else 0
        if any(k in kind for k in ("INT", "REAL", "NUMERIC", "DOUBLE")):
            return 1 if name.endswith(("minutes", "_hours", "_days", "months")) else 0
        if "JSON" in kind:
            return "{}"
        if "TIMESTAMP" in kind or "DATETIME" in kind:
            return moment if self.postgres else moment.isoformat(sep=" ")
        if "DATE" in kind:
            return moment.date() if self.postgres else moment.date().isoformat()
        if "BLOB" in kind or "BYTEA" in kind:
            return b"x"
        text = f"{table}-{name}-{n}"
        return text if column.length is None else f"{table[:4]}{n}-{name}"[:column.length]

    def insert(self, table: str, **values) -> int | None:
        """A row with `values`, a plain value in every other required column and foreign keys at
        their parent's first row; its id (None for a table without one)."""
        parents = self.parents(table)
        columns = self.columns(table)
        for n, column in enumerate(columns):
            if column.name in values or column.name == "id":
                continue
            if column.name in parents:
                parent = self.query(f'SELECT id FROM "{parents[column.name]}" ORDER BY id LIMIT 1')
                if parent:
                    values[column.name] = parent[0][0]
            elif column.required:
                values[column.name] = self.plain(table, column, n)
        names = ", ".join(f'"{name}"' for name in values)
        marks = ", ".join("?" for _ in values)
        returning = " RETURNING id" if any(c.name == "id" for c in columns) else ""
        rows = self.query(f'INSERT INTO "{table}" ({names}) VALUES ({marks}){returning}', *values.values())
        return rows[0][0] if rows else None

    def fill_empty_tables(self) -> set[str]:
        """One row in every empty table whose row can be made from plain values (parents before
        children, whatever the order); the tables filled."""
        refused = self._refusals()
        filled: set[str] = set()
        tables = self.tables()
        for _ in range(len(tables)):
            progress = False
            for table in tables:
                if table in filled or self.query(f'SELECT 1 FROM "{table}" LIMIT 1'):
                    continue
                parents = self.parents(table)
                if any(not self.query(f'SELECT 1 FROM "{parent}" LIMIT 1') for parent in parents.values()):
                    continue
                try:
                    self.insert(table)
                except refused:  # a CHECK, trigger or exclusion plain values cannot meet
                    continue
                filled.add(table)
                progress = True
            if not progress:
                break
        return filled

    def _refusals(self) -> tuple[type[Exception], ...]:
        if self.postgres:
            import asyncpg

            return (asyncpg.IntegrityConstraintViolationError, asyncpg.DataError, asyncpg.RaiseError)
        return (sqlite3.IntegrityError,)
