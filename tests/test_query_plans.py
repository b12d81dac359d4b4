"""Hot queries read what they need, whatever the history: their plans, with statistics gathered
(ANALYZE) over enough rows for the planner to choose, never scan a whole table, and reads of a
practitioner's appointments are bounded by the (practitioner_id, blocked_from) index range.
And every foreign key is the first column of an index, so that deleting or erasing a parent row
does not scan its children."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from tortoise import connections

from calendar_sync.feed import FeedWindow
from calendar_sync.feed_query import _in_window
from notifier import claim
from portal import access, context
from portal.models import Patient, Practitioner, Service
from portal.practice.demo import DEMO_PRACTICE, load_demo
from portal.web.api.catalog import Filters, _filtered
from portal.web.patient import profiles
from tests import bulk

HISTORY = 20_000
pytestmark = pytest.mark.filterwarnings("error")


@pytest.fixture
async def history(any_database, now):
    """A practice whose first practitioner has 20,000 past appointments before the feed window,
    and an outbox of 20,000 sent messages, then a few pending and a few leased ones."""
    practice = await load_demo()
    practitioner = await Practitioner.filter(slug="camille-martin").first()
    service = await Service.filter(practitioner_id=practitioner.id).first()
    first_patient = await bulk.seed_patients(practice.id, 2_000, now)
    await bulk.seed_history(practitioner.id, service.id, practice.id, count=HISTORY, before=now - timedelta(days=120),
                            first_patient=first_patient, patients=2_000)
    await bulk.seed_outbox(practice.id, count=HISTORY, status="sent", now=now - timedelta(days=30), tag="sent")
    # One message in ten once broke a worker: the claim reads their strikes.
    await connections.get("default").execute_script(
        "INSERT INTO notifier_outbox_strike (message_id, strikes) SELECT id, 1 FROM outbox_message WHERE id % 10 = 0")
    # Statistics gathered at a quiet moment (every message sent, as at night), which is when
    # SQLite's plan for the lease release turned into a scan of the whole outbox.
    await bulk.analyze()
    await bulk.seed_outbox(practice.id, count=20, status="pending", now=now, tag="pending")
    await bulk.seed_outbox(practice.id, count=20, status="sending", now=now, tag="sending",
                           lease_until=now + timedelta(minutes=5))
    return practice, practitioner


def _is_postgres() -> bool:
    return connections.get("default").capabilities.dialect == "postgres"


async def plan(sql: str, params: list) -> list[str]:
    conn = connections.get("default")
    if _is_postgres():
        return [row["QUERY PLAN"] for row in await conn.execute_query_dict("EXPLAIN " + sql, params)]
    return [row["detail"] for row in await conn.execute_query_dict("EXPLAIN QUERY PLAN " + sql, params)]


def orm_sql(query) -> tuple[str, list]:
    query._choose_db_if_not_chosen()
    query._make_query()
    sql, params = query.query.get_parameterized_sql()
    return sql, list(params)


TABLES = ("appointment", "outbox_message", "patient", "notifier_outbox_strike")


def full_scans(lines: list[str]) -> list[str]:
    """Plan lines that read a whole table (or a whole index of it)."""
    pattern = r"Seq Scan on (\w+)" if _is_postgres() else r"^SCAN (\w+)"
    return [line for line in lines if (m := re.search(pattern, line.strip())) and m.group(1) in TABLES]


def appointment_reads_bounded(lines: list[str]) -> bool:
    """Every read of appointment goes through an index range on blocked_from."""
    if _is_postgres():
        reads = [line for line in lines if "Index Cond" in line or "Recheck Cond" in line]
    else:
        reads = [line for line in lines if line.startswith("SEARCH appointment")]
    return bool(reads) and all("blocked_from" in line for line in reads)


async def test_the_feed_reads_only_its_window(history, now):
    _, practitioner = history
    window = FeedWindow.around(now)
    rows = orm_sql(_in_window(practitioner.id, window).values_list("id", "version", "starts_at"))
    lines = await plan(*rows)
    assert not full_scans(lines), lines
    assert appointment_reads_bounded(lines), lines


async def test_the_feed_etag_reads_only_its_window(history, now):
    from tortoise.functions import Count, Max, Sum

    practice, practitioner = history
    window = FeedWindow.around(now)
    aggregates = dict(n=Count("id"), ids=Sum("id"), versions=Sum("version"), changed=Max("updated_at"))
    lines = await plan(*orm_sql(_in_window(practitioner.id, window).annotate(**aggregates).values(*aggregates)))
    assert not full_scans(lines), lines
    assert appointment_reads_bounded(lines), lines
    patients = Patient.filter(practice_id=practice.id).annotate(changed=Max("updated_at")).values("changed")
    lines = await plan(*orm_sql(patients))
    assert not full_scans(lines), lines


def _claim_params(now):
    if _is_postgres():
        return [now, now + timedelta(minutes=5), 50]
    return [claim._sqlite_time(now + timedelta(minutes=5)), claim._sqlite_time(now), 50]


async def test_the_outbox_claim_reads_only_due_rows(history, now):
    dialect = "postgres" if _is_postgres() else "sqlite"
    lines = await plan(claim._CLAIM[dialect], _claim_params(now))
    assert not full_scans(lines), lines


async def test_the_lease_release_reads_only_leased_rows(history, now):
    dialect = "postgres" if _is_postgres() else "sqlite"
    moment = now if _is_postgres() else claim._sqlite_time(now)
    for sql, uses in claim._RELEASE[dialect]:
        lines = await plan(sql, [moment] * uses)
        assert not full_scans(lines), (sql, lines)


async def _foreign_keys_without_index() -> list[str]:
    conn = connections.get("default")
    if _is_postgres():
        rows = await conn.execute_query_dict("""
            SELECT c.conrelid::regclass::text AS tab, a.attname AS col
            FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
            WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace AND NOT EXISTS (
                SELECT 1 FROM pg_index i WHERE i.indrelid = c.conrelid AND i.indkey[0] = c.conkey[1])""")
        return [f"{row['tab']}.{row['col']}" for row in rows]
    missing = []
    tables = await conn.execute_query_dict("SELECT name FROM sqlite_master WHERE type = 'table'")
    for table in (row["name"] for row in tables):
        leading = set()
        for index in await conn.execute_query_dict(f"PRAGMA index_list('{table}')"):
            columns = await conn.execute_query_dict(f"PRAGMA index_info('{index['name']}')")
            leading.add(columns[0]["name"])
        for key in await conn.execute_query_dict(f"PRAGMA foreign_key_list('{table}')"):
            if key["from"] not in leading:
                missing.append(f"{table}.{key['from']}")
    return missing


async def test_every_foreign_key_is_indexed(any_database):
    assert await _foreign_keys_without_index() == []


@pytest.fixture
async def many_practitioners(any_database, now):
    """The demo practice among 2,000 bookable practitioners, with statistics."""
    practice = await load_demo()
    await bulk.seed_practitioners(practice.id, 2_000, tag="bulk", profession="Kinésithérapeute", service="seance",
                                  now=now)
    await bulk.analyze()
    return practice


PAGE_TABLES = ("practitioner", "service", "opening_hours")


def sorts_or_scans_practitioners(lines: list[str]) -> list[str]:
    """Plan lines that read every practitioner (or every service or opening hour, to know which
    are offered), or sort them, to serve one page."""
    if _is_postgres():
        return [line for line in lines if any(re.search(rf"Seq Scan on {table}\b", line) for table in PAGE_TABLES)
                or line.strip().startswith("Sort") or "hashed SubPlan" in line]
    return [line for line in lines if line.strip() == "USE TEMP B-TREE FOR ORDER BY"
            or any(line.strip() == f"SCAN {table}" or line.startswith(f"SCAN {table} ") and "USING INDEX" not in line
                   for table in PAGE_TABLES)]


@pytest.mark.parametrize("filters", [Filters(), Filters(practice=DEMO_PRACTICE)], ids=["deployment", "practice"])
async def test_a_page_of_practitioners_reads_only_its_rows(many_practitioners, now, filters):
    query = _filtered(context.visitor(now), filters).order_by("last_name", "first_name", "id").limit(31)
    lines = await plan(*orm_sql(query.values("id", "slug", "last_name", "practice__name", "practice__timezone")))
    assert not sorts_or_scans_practitioners(lines), lines


async def test_the_booking_page_reads_one_practitioner(many_practitioners, now):
    """The week page's profile, in plain SQL with access.bookable_where: by its slug, probing the
    indexes for that one row."""
    bookable, params = access.bookable_where(context.visitor(now))
    sql = profiles._PROFILE_SQL.format(bookable=bookable)
    if _is_postgres():  # portal.sql numbers the placeholders the same way
        numbers = iter(range(1, 100))
        sql = re.sub(r"\?", lambda _: f"${next(numbers)}", sql)
    lines = await plan(sql, ["camille-martin", *params])
    assert not sorts_or_scans_practitioners(lines), lines
