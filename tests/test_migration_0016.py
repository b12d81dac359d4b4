"""Migration 0016 (who a service is for) on a database that already holds services and consent
records, as every deployment does: the new required columns need a database default, or SQLite
refuses "Cannot add a NOT NULL column with default value NULL" (PostgreSQL likewise). Existing
services become for adults, existing consents given by the patient; raw inserts that do not name
the new columns (bulk seeding, benchmarks) keep working."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from tortoise import connections
from tortoise.migrations.api.migrate import migrate as tortoise_migrate

from creneau import database as db

BEFORE = "portal.0013_settings"
# Parents first: every row has id 1, every foreign key points at 1.
TABLES = ("practice", "practitioner", "service", "patient", "consent_record")
FILLER = {"INT": 1, "SMALLINT": 1, "BIGINT": 1, "BOOL": 0, "DATE": "2000-01-01", "TIMESTAMP": "2026-01-01 00:00:00+00:00",
          "JSON": "{}", "TEXT": "x"}


async def _insert_minimal_rows() -> None:
    conn = connections.get("default")
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
        await conn.execute_query("INSERT INTO service (slug, name, name_en, duration_minutes, buffer_before_minutes, "
                                 "buffer_after_minutes, min_notice_minutes, horizon_days, bookable_online, position, "
                                 "practitioner_id) VALUES ('b', 'B', '', 30, 0, 0, 0, 60, 1, 1, 1)")
        raw = await conn.execute_query_dict("SELECT audience FROM service WHERE slug = 'b'")
        return service, consent, raw
    finally:
        await db.close()


def test_0016_applies_to_a_database_holding_services_and_consents(tmp_path):
    url = f"sqlite://{tmp_path / 'old.sqlite3'}"
    # In a thread of its own: the migration opens and closes its own connections and loop state.
    with ThreadPoolExecutor(1) as pool:
        service, consent, raw = pool.submit(asyncio.run, _scenario(url)).result()
    assert service == [{"audience": "adult"}]
    assert consent == [{"given_by": "patient"}]
    assert raw == [{"audience": "adult"}]
