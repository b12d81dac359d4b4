"""Migration 0015 (issue 14 items 4 and 5) on a database that has data: a practice that had
opted in to naming services (practice.messages_show_service) keeps naming every one of its
services, the others name none; the practice's column is gone, and every practice starts at
the "minimal" SMS level."""

from __future__ import annotations

import asyncio
import sqlite3

from creneau import database as db


def _migrate(url: str, target: str | None = None) -> None:
    async def run() -> None:
        try:
            if target:
                from tortoise.migrations.api.migrate import migrate

                await migrate(config=db.tortoise_config(url), target=target)
            else:
                await db.migrate(url)
        finally:
            await db.close()

    asyncio.run(run())


def _insert(conn: sqlite3.Connection, table: str, **values) -> int:
    """A row with the given values and a plain value in every other NOT NULL column."""
    plain = {"INT": 0, "BOOL": 0, "JSON": "{}", "TIMESTAMP": "2026-01-01 00:00:00+00:00", "DATE": "2026-01-01"}
    for _, name, kind, notnull, default, pk in conn.execute(f"PRAGMA table_info({table})"):
        if notnull and default is None and not pk and name not in values:
            values[name] = next((v for k, v in plain.items() if k in kind.upper()), f"{table}-{name}")
    columns = ", ".join(values)
    return conn.execute(f"INSERT INTO {table} ({columns}) VALUES ({', '.join('?' * len(values))})",
                        tuple(values.values())).lastrowid


def test_a_practice_that_named_its_services_keeps_naming_them(tmp_path):
    path = tmp_path / "old.sqlite3"
    _migrate(f"sqlite://{path}", target="portal.0014_profiles")
    with sqlite3.connect(path) as conn:
        services = {}
        for slug, opted_in in (("opted-in", 1), ("private", 0)):
            practice = _insert(conn, "practice", slug=slug, messages_show_service=opted_in)
            practitioner = _insert(conn, "practitioner", slug=f"{slug}-p", practice_id=practice)
            services[slug] = [_insert(conn, "service", slug=f"s{n}", practitioner_id=practitioner,
                                      duration_minutes=30) for n in range(2)]
    conn.close()
    _migrate(f"sqlite://{path}")
    with sqlite3.connect(path) as conn:
        named = dict(conn.execute("SELECT id, messages_name_service FROM service"))
        columns = {row[1] for row in conn.execute("PRAGMA table_info(practice)")}
        levels = {row[0] for row in conn.execute("SELECT sms_detail FROM practice")}
    conn.close()
    assert [named[i] for i in services["opted-in"]] == [1, 1] and [named[i] for i in services["private"]] == [0, 0]
    assert "messages_show_service" not in columns and levels == {"minimal"}
