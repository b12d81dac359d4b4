"""Large histories in bulk SQL, for the plan tests and `make bench` (the ORM would take minutes
for a million rows): a recursive CTE on SQLite, generate_series on PostgreSQL, one statement per
table. Rows are past, non-overlapping half-hours (the overlap guards still run on each row)."""

from __future__ import annotations

import asyncio
import importlib
import pkgutil
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from tortoise import connections

from portal import migrations

# The confirmation step's columns first (0011: a booked row has no code and no attempt).
_APPOINTMENT_COLUMNS = (
    "confirm_code_sealed, confirm_attempts, starts_at, ends_at, blocked_from, blocked_until, status, sms_reminder, email_reminder, comment, source, "
    "version, locale, manage_token_hash, manage_token_sealed, contact_phone, created_at, updated_at, "
    "cancelled_at, patient_id, practice_id, practitioner_id, service_id"
)
_OUTBOX_COLUMNS = (
    "kind, channel, audience, appointment_version, dedupe_key, due_at, expires_at, status, attempts, "
    "next_attempt_at, lease_until, last_error, provider_id, sent_at, created_at, appointment_id, practice_id"
)
_PATIENT_COLUMNS = ("civility, first_name, last_name, email, phone, birth_date, locale, created_at, updated_at, "
                    "practice_id, search_key")

# No language and no online limit first (0014: languages is a JSON list; 0011: 0 is "no limit").
_PRACTITIONER_COLUMNS = ("languages, online_bookings_per_hour, online_bookings_per_day, slug, title, first_name, last_name, profession, rpps, adeli, email, phone, bio, bookable, "
                         "slot_step_minutes, daily_limit, created_at, practice_id")
_SERVICE_COLUMNS = ("slug, name, name_en, duration_minutes, buffer_before_minutes, buffer_after_minutes, "
                    "min_notice_minutes, horizon_days, bookable_online, position, price_cents, messages_name_service, audience, practitioner_id")

_SQLITE_SERIES = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
_SQLITE = {
    # Times as tortoise stores them on SQLite ('2026-11-30 08:00:00+00:00').
    "appointment": _SQLITE_SERIES + f"""INSERT INTO appointment ({_APPOINTMENT_COLUMNS})
        SELECT '', 0, s || '+00:00', e || '+00:00', s || '+00:00', e || '+00:00', 'came', 0, 0, '', 'bulk', 1, 'fr',
               'bulk-' || ? || '-' || i, '', '', s || '+00:00', s || '+00:00', NULL,
               ? + (i % ?), ?, ?, ?
        FROM (SELECT i, datetime(?, '-' || (i * 30) || ' minutes') AS s,
                        datetime(?, '-' || (i * 30 - 30) || ' minutes') AS e FROM n)""",
    "patient": _SQLITE_SERIES + f"""INSERT INTO patient ({_PATIENT_COLUMNS})
        SELECT 'mme', 'Bulk', 'Patient ' || i, 'bulk' || i || '@example.org', '', '1980-01-01', 'fr', ?, ?, ?,
               'patient ' || i || ' bulk bulk' || i || '@example.org'
        FROM n""",
    "outbox": _SQLITE_SERIES + f"""INSERT INTO outbox_message ({_OUTBOX_COLUMNS})
        SELECT 'reminder', 'email', 'patient', 1, 'bulk-' || ? || '-' || i, ?, ?, ?, 1, ?, ?, '', '', NULL, ?,
               NULL, ?
        FROM n""",
}
_SQLITE["practitioner"] = _SQLITE_SERIES + f"""INSERT INTO practitioner ({_PRACTITIONER_COLUMNS})
    SELECT '[]', 0, 0, ? || '-' || i, '', 'Prénom' || (i % 3), 'Nom' || (i % 7), ?, NULL, NULL, '', '', '', 1, 15, NULL, ?, ?
    FROM n"""
_SQLITE["hours"] = """INSERT INTO opening_hours (weekday, starts, ends, kind, practitioner_id)
    SELECT 0, 540, 1080, 'open', id FROM practitioner WHERE slug LIKE ? || '-%'"""
_SQLITE["service"] = f"""INSERT INTO service ({_SERVICE_COLUMNS})
    SELECT ?, 'Consultation', '', 30, 0, 0, 0, 60, 1, 0, NULL, 0, 'adult', id FROM practitioner WHERE slug LIKE ? || '-%'"""
# Many practitioners' histories in one statement: `per` half-hours back from `before` for each of
# the practitioners `tag-…` (by id, OFFSET/LIMIT), each with its own first service.
_SQLITE["spread"] = _SQLITE_SERIES + f"""INSERT INTO appointment ({_APPOINTMENT_COLUMNS})
    SELECT '', 0, s || '+00:00', e || '+00:00', s || '+00:00', e || '+00:00', 'came', 0, 0, '', 'bulk', 1, 'fr',
           'spread-' || p.id || '-' || i, '', '', s || '+00:00', s || '+00:00', NULL,
           ? + ((p.id * 7919 + i) % ?), ?, p.id, p.service_id
    FROM (SELECT id, (SELECT MIN(id) FROM service WHERE practitioner_id = practitioner.id) AS service_id
          FROM practitioner WHERE slug LIKE ? || '-%' ORDER BY id LIMIT ? OFFSET ?) AS p,
         (SELECT i, datetime(?, '-' || (i * 30) || ' minutes') AS s,
                    datetime(?, '-' || (i * 30 - 30) || ' minutes') AS e FROM n) AS t"""
_POSTGRES = {
    "spread": f"""INSERT INTO appointment ({_APPOINTMENT_COLUMNS})
        SELECT '', 0, s, s + interval '30 minutes', s, s + interval '30 minutes', 'came', false, false, '', 'bulk', 1,
               'fr', 'spread-' || p.id || '-' || i, '', '', s, s, NULL, $2::int + ((p.id * 7919 + i) % $3::int),
               $4::int, p.id, p.service_id
        FROM (SELECT id, (SELECT MIN(id) FROM service WHERE practitioner_id = practitioner.id) AS service_id
              FROM practitioner WHERE slug LIKE $5::text || '-%' ORDER BY id LIMIT $6 OFFSET $7) AS p,
             (SELECT i, $8::timestamptz - i * interval '30 minutes' AS s FROM generate_series(1, $1) AS i) AS t""",
    "practitioner": f"""INSERT INTO practitioner ({_PRACTITIONER_COLUMNS})
        SELECT '[]', 0, 0, $2::text || '-' || i, '', 'Prénom' || (i % 3), 'Nom' || (i % 7), $3::text, NULL, NULL, '', '', '',
               true, 15, NULL, $4::timestamptz, $5::int
        FROM generate_series(1, $1) AS i""",
    "hours": """INSERT INTO opening_hours (weekday, starts, ends, kind, practitioner_id)
        SELECT 0, 540, 1080, 'open', id FROM practitioner WHERE slug LIKE $1::text || '-%'""",
    "service": f"""INSERT INTO service ({_SERVICE_COLUMNS})
        SELECT $1::text, 'Consultation', '', 30, 0, 0, 0, 60, true, 0, NULL, false, 'adult', id FROM practitioner
        WHERE slug LIKE $2::text || '-%'""",
    "appointment": f"""INSERT INTO appointment ({_APPOINTMENT_COLUMNS})
        SELECT '', 0, s, s + interval '30 minutes', s, s + interval '30 minutes', 'came', false, false, '', 'bulk', 1,
               'fr', 'bulk-' || $2::text || '-' || i, '', '', s, s, NULL, $3::int + (i % $4::int), $5::int, $6::int, $7::int
        FROM (SELECT i, $8::timestamptz - i * interval '30 minutes' AS s FROM generate_series(1, $1) AS i) AS t""",
    "patient": f"""INSERT INTO patient ({_PATIENT_COLUMNS})
        SELECT 'mme', 'Bulk', 'Patient ' || i, 'bulk' || i || '@example.org', '', DATE '1980-01-01', 'fr', $2::timestamptz,
               $3::timestamptz, $4::int, 'patient ' || i || ' bulk bulk' || i || '@example.org'
        FROM generate_series(1, $1) AS i""",
    "outbox": f"""INSERT INTO outbox_message ({_OUTBOX_COLUMNS})
        SELECT 'reminder', 'email', 'patient', 1, 'bulk-' || $2::text || '-' || i, $3::timestamptz, $4::timestamptz,
               $5::text, 1, $6::timestamptz, $7::timestamptz, '', '', NULL, $8::timestamptz, NULL, $9::int
        FROM generate_series(1, $1) AS i""",
}


def _is_postgres() -> bool:
    return connections.get("default").capabilities.dialect == "postgres"


def _time(value: datetime | None):
    if value is None or _is_postgres():
        return value
    return str(value.astimezone(UTC))


async def _run(name: str, params: list) -> None:
    conn = connections.get("default")
    await conn.execute_query((_POSTGRES if _is_postgres() else _SQLITE)[name], params)


async def seed_patients(practice_id: int, count: int, now: datetime) -> int:
    """`count` patients; returns the first new id (ids are consecutive)."""
    conn = connections.get("default")
    before = (await conn.execute_query_dict("SELECT COALESCE(MAX(id), 0) AS top FROM patient"))[0]["top"]
    await _run("patient", [count, _time(now), _time(now), practice_id])
    return before + 1


async def seed_practitioners(practice_id: int, count: int, *, tag: str, profession: str, service: str,
                             now: datetime) -> None:
    """`count` bookable practitioners with slugs `tag-1` … (names repeat: 7 last names, 3 first
    names), each offering one service `service` and open on Mondays (patients are offered only
    a practitioner with hours and a service online)."""
    await _run("practitioner", [count, tag, profession, _time(now), practice_id])
    await _run("service", [service, tag])
    await _run("hours", [tag])


async def seed_history(practitioner_id: int, service_id: int, practice_id: int, *, count: int, before: datetime,
                       first_patient: int, patients: int) -> None:
    """`count` past appointments of one practitioner, back to back, the latest ending at `before`,
    spread over the patients first_patient … first_patient + patients - 1."""
    tag = f"{practitioner_id}-{before:%Y%m%d%H%M}"
    if _is_postgres():
        params = [count, tag, first_patient, patients, practice_id, practitioner_id, service_id, before]
    else:
        stamp = before.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
        params = [count, tag, first_patient, patients, practice_id, practitioner_id, service_id, stamp, stamp]
    await _run("appointment", params)


async def seed_spread_history(practice_id: int, *, tag: str, practitioners: int, offset: int = 0, per: int,
                              before: datetime, first_patient: int, patients: int) -> None:
    """`per` past appointments for each of `practitioners` practitioners `tag-…` (seed_practitioners),
    skipping the first `offset` of them: a deployment's history spread as it would be."""
    if _is_postgres():
        params = [per, first_patient, patients, practice_id, tag, practitioners, offset, before]
    else:
        stamp = before.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
        params = [per, first_patient, patients, practice_id, tag, practitioners, offset, stamp, stamp]
    await _run("spread", params)


async def seed_outbox(practice_id: int, *, count: int, status: str, now: datetime, tag: str,
                      lease_until: datetime | None = None) -> None:
    """`count` outbox rows in one status (e-mail reminders with no appointment)."""
    await _run("outbox", [count, tag, _time(now), _time(now), status, _time(now), _time(lease_until),
                          _time(now), practice_id])


async def analyze() -> None:
    """Statistics, as a live database gathers them: plans must stay right with them."""
    await connections.get("default").execute_script("ANALYZE")


# A table's secondary indexes and its foreign key, unique and exclusion constraints (not its
# primary key), each with the definition that recreates it.
_PG_CONSTRAINTS = """SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
    WHERE conrelid = $1::regclass AND contype IN ('f', 'u', 'x') ORDER BY conname"""
_PG_INDEXES = """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
    WHERE i.indrelid = $1::regclass AND NOT i.indisprimary
      AND i.indexrelid NOT IN (SELECT conindid FROM pg_constraint WHERE conrelid = $1::regclass)
    ORDER BY 1"""
_BUILD_MEMORY = "256MB"  # per index build, for the time of the build only (SET LOCAL)


def _migrated_statement(constraint: str) -> str | None:
    """The migration's own statement adding `constraint`, if one adds it by name: PostgreSQL's
    deparsed text of the exclusion constraint's predicate (`status NOT IN (…)`) parses back into
    an equivalent but different expression, and the schema must stay exactly as migrated."""
    found = None
    for module in sorted(info.name for info in pkgutil.iter_modules(migrations.__path__)):  # the latest wins
        for statement in getattr(importlib.import_module(f"{migrations.__name__}.{module}"), "POSTGRES_STATEMENTS", ()):
            if re.search(rf"ADD CONSTRAINT {constraint}\s", statement):
                found = statement
    return found


@asynccontextmanager
async def indexes_deferred(table: str, *, exclusion: bool = False) -> AsyncIterator[None]:
    """PostgreSQL: `table`'s secondary indexes and its foreign key and unique constraints dropped
    for a bulk load, then recreated from their own definitions (pg_get_constraintdef /
    pg_get_indexdef: the same names, columns and predicates), each built or checked once over all
    the rows instead of row by row (four foreign-key lookups and five B-tree insertions per
    appointment); recreated, every constraint still checks every row (a dangling id or a
    duplicate makes it fail). Does nothing on SQLite. Only for seeding (benchmarks, plan tests):
    a live database never loses its constraints.

    `exclusion`: drop the exclusion constraints too (recreated from their migration's statement).
    Off by default: their GiST build and check then run in one process, ~25 s + ~45 s for a
    million appointments here under load, while inserted row by row the same work spreads over
    the load's connections (both cores); measured under the same load, keeping them was faster."""
    if not _is_postgres():
        yield
        return
    conn = connections.get("default")
    constraints = [(row["conname"], row["pg_get_constraintdef"])
                   for row in await conn.execute_query_dict(_PG_CONSTRAINTS, [table])
                   if exclusion or not row["pg_get_constraintdef"].startswith("EXCLUDE")]
    indexes = [(row["indexrelid"], row["pg_get_indexdef"])
               for row in await conn.execute_query_dict(_PG_INDEXES, [table])]
    for name, _ in constraints:
        await conn.execute_script(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        await conn.execute_script(f"DROP INDEX {name}")
    try:
        yield
    finally:
        builds = [_migrated_statement(name) or f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}'
                  for name, definition in constraints]
        builds += [definition for _, definition in indexes]

        async def build(statements: list[str]) -> None:
            for statement in statements:
                await conn.execute_script(
                    f"BEGIN; SET LOCAL maintenance_work_mem = '{_BUILD_MEMORY}'; {statement}; COMMIT;")

        # The GiST builds (exclusion constraints) are the long ones: the B-trees beside them, on
        # a second connection (two lanes: this machine has two cores).
        gist = [statement for statement in builds if " EXCLUDE USING gist " in statement]
        others = [statement for statement in builds if statement not in gist]
        # The foreign keys last, once their columns are indexed again.
        others.sort(key=lambda statement: " FOREIGN KEY " in statement)
        await asyncio.gather(build(gist), build(others))
