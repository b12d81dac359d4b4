"""Bulk seeding (tests/bulk.py) for benchmarks and plan tests: on PostgreSQL the appointment
table's indexes and constraints are dropped for the load and recreated after (issue 16: a
million rows in under a minute). They must come back as they were, and still guard."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tortoise import connections
from tortoise.exceptions import IntegrityError

from portal.models import Practitioner, Service
from portal.practice.demo import load_demo
from tests import bulk

_SCHEMA = """SELECT 'constraint' AS kind, conname AS name, contype::text AS detail FROM pg_constraint
    WHERE conrelid = 'appointment'::regclass
    UNION ALL
    SELECT 'index', c.relname, am.amname || ' ' || pg_get_indexdef(i.indexrelid, 0, true)
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
    WHERE i.indrelid = 'appointment'::regclass
    ORDER BY 1, 2"""


async def _schema() -> list[dict]:
    return await connections.get("default").execute_query_dict(_SCHEMA)


@pytest.mark.parametrize("exclusion", [False, True])
async def test_a_bulk_load_keeps_the_appointment_constraints(any_database, now, exclusion):
    practice = await load_demo()
    practitioner = await Practitioner.get(slug="camille-martin")
    service = await Service.filter(practitioner_id=practitioner.id).first()
    first_patient = await bulk.seed_patients(practice.id, 10, now)
    postgres = connections.get("default").capabilities.dialect == "postgres"
    before = await _schema() if postgres else None

    async with bulk.indexes_deferred("appointment", exclusion=exclusion):
        await bulk.seed_history(practitioner.id, service.id, practice.id, count=500, before=now - timedelta(days=2),
                                first_patient=first_patient, patients=10)

    if postgres:
        after = await _schema()
        assert after == before  # the same names, kinds, access methods, columns and predicates
        assert any(row["detail"] == "x" for row in after)  # the exclusion constraint is back
    # …and it guards: the same half-hour again for the same practitioner is refused.
    with pytest.raises(IntegrityError):
        await bulk.seed_history(practitioner.id, service.id, practice.id, count=1, before=now - timedelta(days=2),
                                first_patient=first_patient, patients=10)
