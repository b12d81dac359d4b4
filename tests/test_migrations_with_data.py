"""Every migration applies to a database that already holds rows, as a self-hosted practice's
does when it upgrades: the chain is walked one migration at a time, and before each step every
empty table gets a row (plain values in every NOT NULL column without a default, the parent
rows its foreign keys need). A column added NOT NULL without an SQL default is refused there by
SQLite and PostgreSQL alike, though a fresh database (the rest of the suite) never notices."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from creneau import database as db

# Columns whose name says they come later than their row's other times (ranges are checked).
_LATER = ("ends", "until", "end_date", "expires", "lease")


def _chain() -> list[str]:
    """Every migration of every app, in file order ("app.name"): `migrate` to one of them also
    applies what it depends on."""
    targets = []
    for label, (_, module) in db.APPS.items():
        folder = Path(__import__(module, fromlist=["_"]).__file__).parent
        targets += [f"{label}.{p.stem}" for p in sorted(folder.glob("[0-9]*.py"))]
    return targets


def _migrate(url: str, target: str | None) -> None:
    async def run() -> None:
        from tortoise.migrations.api.migrate import migrate

        try:
            await migrate(config=db.tortoise_config(url), target=target)
        finally:
            await db.close()

    asyncio.run(run())


def _plain(table: str, name: str, kind: str, n: int):
    kind = kind.upper()
    base = datetime(2026, 1, 5, 9, tzinfo=UTC) + timedelta(hours=1 if any(w in name for w in _LATER) else 0)
    if "BOOL" in kind:
        return 0
    if "INT" in kind or "REAL" in kind or "NUMERIC" in kind:
        return 1 if name.endswith(("minutes", "_hours", "_days", "months")) else 0
    if "JSON" in kind:
        return "{}"
    if "TIMESTAMP" in kind or "DATETIME" in kind:
        return base.isoformat(sep=" ")
    if "DATE" in kind:
        return base.date().isoformat()
    if "BLOB" in kind:
        return b"x"
    return f"{table[:4]}{n}-{name}"[:8] if "(8)" in kind else f"{table}-{name}-{n}"


def _fill_empty_tables(path: Path) -> set[str]:
    """One row in every empty table whose row can be made from plain values; the tables filled."""
    filled: set[str] = set()
    with sqlite3.connect(path) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                              "AND name NOT LIKE 'sqlite_%' AND name != 'tortoise_migrations'")]
        for _ in range(len(tables)):  # parents before children, whatever the order
            progress = False
            for table in tables:
                if conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone():
                    continue
                parents = {r[3]: r[2] for r in conn.execute(f"PRAGMA foreign_key_list({table})")}
                values: dict[str, object] = {}
                for n, (_, name, kind, notnull, default, pk) in enumerate(conn.execute(f"PRAGMA table_info({table})")):
                    if name in parents:
                        row = conn.execute(f"SELECT id FROM {parents[name]} LIMIT 1").fetchone()
                        if row is None:
                            break
                        values[name] = row[0]
                    elif notnull and default is None and not pk:
                        values[name] = _plain(table, name, kind, n)
                else:
                    try:
                        conn.execute(f"INSERT INTO {table} ({', '.join(values)}) VALUES "
                                     f"({', '.join('?' * len(values))})", tuple(values.values()))
                    except sqlite3.IntegrityError:  # a CHECK or trigger plain values cannot meet
                        continue
                    filled.add(table)
                    progress = True
            if not progress:
                break
    conn.close()
    return filled


def test_every_migration_applies_to_a_database_holding_rows(tmp_path):
    path = tmp_path / "upgraded.sqlite3"
    url = f"sqlite://{path}"
    filled: set[str] = set()
    for target in _chain():
        try:
            _migrate(url, target)
        except Exception as error:  # name the migration that a database with rows refuses
            raise AssertionError(f"{target} fails on a database holding rows: {error}") from error
        filled |= _fill_empty_tables(path)
    _migrate(url, None)
    # The tables a practice fills from its first day were there at every later step.
    assert {"practice", "practitioner", "service", "opening_hours", "patient", "appointment",
            "outbox_message", "staff_user"} <= filled, filled
