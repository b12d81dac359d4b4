"""Migration 0016 (who a service is for) on a database that already holds services and consent
records, as every deployment does: the new required columns need a database default, or SQLite
refuses "Cannot add a NOT NULL column with default value NULL" (PostgreSQL likewise). Existing
services become for adults, existing consents given by the patient; raw inserts that do not name
the new columns (bulk seeding, benchmarks) keep working."""

from __future__ import annotations

import asyncio
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime

import pytest
from tortoise import connections
from tortoise.migrations.api.migrate import migrate as tortoise_migrate

from creneau import database as db
from tests.conftest import POSTGRES_URL

BEFORE = "portal.0013_settings"
# Parents first: every row has id 1, every foreign key points at 1.
TABLES = ("practice", "practitioner", "service", "patient", "consent_record")
FILLER = {"INT": 1, "SMALLINT": 1, "BIGINT": 1, "BOOL": 0, "DATE": "2000-01-01", "TIMESTAMP": "2026-01-01 00:00:00+00:00",
          "JSON": "{}", "TEXT": "x"}


PG_FILLER = {"integer": 1, "smallint": 1, "bigint": 1, "boolean": False, "date": date(2000, 1, 1),
             "timestamp with time zone": datetime(2026, 1, 1, tzinfo=UTC), "jsonb": "{}", "json": "{}"}


async def _insert_minimal_rows() -> None:
    conn = connections.get("default")
    if conn.capabilities.dialect == "postgres":
        for table in TABLES:
            columns = await conn.execute_query_dict(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = $1 "
                "AND is_nullable = 'NO' AND column_default IS NULL", [table])
            names = ["id"] + [c["column_name"] for c in columns if c["column_name"] != "id"]
            values = [1] + [PG_FILLER.get(c["data_type"], "x") for c in columns if c["column_name"] != "id"]
            marks = ", ".join(f"${i + 1}" for i in range(len(names)))
            await conn.execute_query(f'INSERT INTO "{table}" ({", ".join(names)}) VALUES ({marks})', values)
        return
    for table in TABLES:
        columns = await conn.execute_query_dict(f'PRAGMA table_info("{table}")')
        names, values = [], []
        for column in columns:
            if column["name"] == "id":
                names.append("id")
                values.append(1)
            elif column["notnull"] and column["dflt_value"] is None:
                kind = column["type"].split("(")[0].upper()
                names.append(column["name"])
                values.append(FILLER.get(kind, "x"))
        marks = ", ".join("?" for _ in names)
        await conn.execute_query(f'INSERT INTO "{table}" ({", ".join(names)}) VALUES ({marks})', values)


async def _scenario(url: str) -> tuple:
    await tortoise_migrate(config=db.tortoise_config(url), target=BEFORE)
    await db.init(url)
    try:
        await _insert_minimal_rows()
    finally:
        await db.close()
    await db.migrate(url)
    await db.init(url)
    try:
        conn = connections.get("default")
        service = await conn.execute_query_dict("SELECT audience FROM service")
        consent = await conn.execute_query_dict("SELECT given_by FROM consent_record")
        # A raw insert naming only the old columns still works (tests/bulk.py, benchmarks).
        online = "true" if conn.capabilities.dialect == "postgres" else "1"
        await conn.execute_query("INSERT INTO service (id, slug, name, name_en, duration_minutes, buffer_before_minutes, "
                                 "buffer_after_minutes, min_notice_minutes, horizon_days, bookable_online, position, "
                                 f"practitioner_id) VALUES (2, 'b', 'B', '', 30, 0, 0, 0, 60, {online}, 1, 1)")
        raw = await conn.execute_query_dict("SELECT audience FROM service WHERE slug = 'b'")
        return service, consent, raw
    finally:
        await db.close()


def _check(url: str) -> None:
    # In a thread of its own: the migration opens and closes its own connections and loop state.
    with ThreadPoolExecutor(1) as pool:
        service, consent, raw = pool.submit(asyncio.run, _scenario(url)).result()
    assert service == [{"audience": "adult"}]
    assert consent == [{"given_by": "patient"}]
    assert raw == [{"audience": "adult"}]


def test_0016_applies_to_a_database_holding_services_and_consents(tmp_path):
    _check(f"sqlite://{tmp_path / 'old.sqlite3'}")


@pytest.mark.skipif(not POSTGRES_URL, reason="CRENEAU_TEST_POSTGRES_URL is not set")
def test_0016_applies_to_a_postgresql_database_holding_services_and_consents():
    import asyncpg

    name = f"creneau_m16_{uuid.uuid4().hex[:10]}"
    admin_dsn = POSTGRES_URL.replace("postgres://", "postgresql://", 1)

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(admin_dsn)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        _check(f"{POSTGRES_URL.rpartition('/')[0]}/{name}")
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
