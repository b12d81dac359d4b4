"""Migration 0016 (who a service is for) on a database that already holds services and consent
records, as every deployment does: the new required columns need a database default, or SQLite
refuses "Cannot add a NOT NULL column with default value NULL" (PostgreSQL likewise). Existing
services become for adults, existing consents given by the patient; raw inserts that do not name
the new columns (bulk seeding, benchmarks) keep working."""

from __future__ import annotations

import pytest

from tests.conftest import requires_postgres
from tests.migration_rows import Rows, empty_database, migrate

BEFORE = "portal.0013_settings"
TABLES = ("practice", "practitioner", "service", "patient", "consent_record")  # parents first


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=requires_postgres)])
def test_0016_applies_to_a_database_holding_services_and_consents(tmp_path, kind):
    with empty_database(kind, tmp_path) as url:
        migrate(url, BEFORE)
        with Rows(url) as rows:
            for table in TABLES:
                rows.insert(table)
        migrate(url)
        with Rows(url) as rows:
            service = rows.query("SELECT audience FROM service")
            consent = rows.query("SELECT given_by FROM consent_record")
            # A raw insert naming only the old columns still works (tests/bulk.py, benchmarks).
            (practitioner,), = rows.query("SELECT id FROM practitioner")
            rows.query("INSERT INTO service (slug, name, name_en, duration_minutes, buffer_before_minutes, "
                       "buffer_after_minutes, min_notice_minutes, horizon_days, bookable_online, position, "
                       "practitioner_id) VALUES ('b', 'B', '', 30, 0, 0, 0, 60, ?, 1, ?)", True, practitioner)
            raw = rows.query("SELECT audience FROM service WHERE slug = 'b'")
    assert service == [("adult",)]
    assert consent == [("patient",)]
    assert raw == [("adult",)]
