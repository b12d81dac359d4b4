"""The booking's hand-written SQL stays in step with the models and the migrations.

The hot path writes and reads with plain SQL (portal.booking.rows, portal.patients.consent,
portal.messaging.outbox, portal.booking.availability) instead of the ORM, so nothing would tell
us when a model gains a column those statements do not write, or when a column they name is
renamed. These tests do: each INSERT's column list is exactly its model's columns (less the
reviewed omissions below), each column the SELECTs name exists in its model's table, the rows
a booking writes carry exactly the listed columns, and the migrated schema, on SQLite and on
PostgreSQL, has exactly the models' tables and columns (a model change without its migration
fails here too).
"""

from __future__ import annotations

import re

import pytest
from tortoise import Tortoise, connections

from portal import sql
from portal.audit.record import AUDIT_COLUMNS
from portal.booking import agenda, availability, rows
from portal.messaging.outbox import OUTBOX_COLUMNS
from portal.models import Appointment, AuditEvent, ConsentRecord, OutboxMessage, Patient
from portal.patients.consent import CONSENT_COLUMNS
from tests.builders import book, load_demo, paris

# Every hand-written INSERT: the model of its table and the column list it writes.
INSERTS = {
    "patient": (Patient, rows._PATIENT_COLUMNS),
    "appointment": (Appointment, rows._APPOINTMENT_COLUMNS),
    "consent_record": (ConsentRecord, CONSENT_COLUMNS),
    "outbox_message": (OutboxMessage, OUTBOX_COLUMNS),
    "audit_event": (AuditEvent, AUDIT_COLUMNS),
}

# Reviewed: the columns a hand-written INSERT leaves out on purpose, and why. The database must
# fill each one (nullable, or a DEFAULT in the migrated schema): checked below. Adding a column
# here is a decision, not a way to make the test pass.
OMITTED = {
    "patient": {
        "restricted_at": "NULL until the patient restricts processing (privacy centre)",
        "restriction_reason": "NULL until the patient restricts processing",
        "erased_at": "NULL until the patient's data is anonymised",
    },
    "appointment": {"cancelled_at": "NULL until the appointment is cancelled",
                    "cancel_reason": "NULL unless the practice cancels and says why",
                    "previous_starts_at": "NULL until the appointment is moved"},
    "outbox_message": {
        "lease_until": "NULL until a worker claims the message",
        "sent_at": "NULL until the provider accepts the message",
    },
}

# Every hand-written SELECT of the booking's hot path.
SELECTS = {
    "availability target": availability._TARGET_SQL,
    "booking target and known patients": rows._TARGET_AND_PATIENTS,
    "availability calendar": availability._CALENDAR_SQL,
    "staff target": availability.STAFF_TARGET_SQL,
    "agenda window": agenda.WINDOW_SQL,
    "agenda not filled": agenda.NOT_FILLED_SQL,
}


def model_tables() -> dict[str, dict[str, bool]]:
    """{table: {column: nullable}} of every model of every app (needs Tortoise initialised:
    foreign key columns such as practice_id exist only once relations are resolved)."""
    tables = {}
    for models in Tortoise.apps.values():
        for model in models.values():
            meta = model._meta
            tables[meta.db_table] = {
                column: meta.fields_map[name].null for name, column in meta.fields_db_projection.items()
            }
    return tables


def insertable_columns(model) -> set[str]:
    """The model's columns less its generated (autoincrement) primary key."""
    meta = model._meta
    generated = {meta.fields_db_projection[name] for name, field in meta.fields_map.items()
                 if field.generated and name in meta.fields_db_projection}
    return set(meta.fields_db_projection.values()) - generated


@pytest.mark.parametrize("table", INSERTS)
async def test_insert_writes_every_column_of_its_model(database, table):
    model, columns = INSERTS[table]
    assert model._meta.db_table == table
    assert len(set(columns)) == len(columns), f"{table}: a column is listed twice in {columns}"
    omitted = set(OMITTED.get(table, {}))
    expected = insertable_columns(model) - omitted
    missing, unknown = expected - set(columns), set(columns) - expected
    assert not missing, (
        f"{table}: the hand-written INSERT does not write {sorted(missing)}. Add them to its column list "
        f"and row builder, or (if the database fills them) to OMITTED in this test, with the reason."
    )
    assert not unknown, f"{table}: the INSERT writes {sorted(unknown)}, which {model.__name__} does not have"


async def test_omitted_columns_are_filled_by_the_database(any_database):
    schema = await migrated_schema()
    for table, columns in OMITTED.items():
        model, _ = INSERTS[table]
        for column in columns:
            assert column in insertable_columns(model), f"{table}.{column} in OMITTED is not a column of the model"
            nullable, default = schema[table][column]
            assert nullable or default is not None, (
                f"{table}.{column} is left out of the INSERT but is NOT NULL without a default in the database"
            )


# Reading the column references of a SELECT: SQL keywords are written in upper case and
# identifiers in lower case in these statements; a word the reader does not know as a keyword
# counts as a column, so an unfamiliar function name fails loudly rather than hiding a column.
_KEYWORDS = frozenset("""
    SELECT FROM WHERE AND OR NOT IN IS NULL AS ON JOIN LEFT INNER UNION ALL CAST DATE TIMESTAMPTZ
    INTEGER TEXT TRUE FALSE ORDER BY ASC DESC LIMIT LIKE ESCAPE EXISTS
""".split())
_LITERAL = re.compile(r"'(?:[^']|'')*'|\b\d+\b")
_SOURCE = re.compile(r"\b(?:FROM|JOIN)\s+(\w+)(?:\s+(?!(?:WHERE|JOIN|LEFT|INNER|ON|UNION)\b)(\w+))?")
_QUALIFIED = re.compile(r"\b(\w+)\.(\w+)\b")
_WORD = re.compile(r"\b[A-Za-z_]\w*\b")


def column_references(statement: str) -> set[tuple[str, str]]:
    """(table, column) for every column a SELECT names, in its select list and its conditions."""
    references = set()
    for branch in re.split(r"\bUNION(?:\s+ALL)?\b", statement):
        branch = _LITERAL.sub(" ", branch)
        sources = {alias or table: table for table, alias in _SOURCE.findall(branch)}
        assert sources, f"no FROM in {branch!r}"
        for alias, column in _QUALIFIED.findall(branch):
            assert alias in sources, f"{alias}.{column}: no table is named or aliased {alias!r}"
            references.add((sources[alias], column))
        tables = set(sources.values())
        for word in _WORD.findall(_QUALIFIED.sub(" ", branch)):
            if word.upper() in _KEYWORDS or word in sources or word in tables:
                continue
            assert len(tables) == 1, f"{word!r}: qualify the column, the statement reads {sorted(tables)}"
            references.add((next(iter(tables)), word))
    return references


def test_the_reader_finds_the_columns_of_a_select():
    assert column_references(
        "SELECT p.id, s.name FROM practitioner p LEFT JOIN service s ON s.practitioner_id = p.id "
        "WHERE p.slug = ? AND s.kind IN ('a', 'b')"
    ) == {("practitioner", "id"), ("service", "name"), ("service", "practitioner_id"), ("practitioner", "slug"),
          ("service", "kind")}
    calendar = column_references(availability._CALENDAR_SQL)
    assert {("opening_hours", "weekday"), ("availability_exception", "end_date"), ("appointment", "blocked_until"),
            ("appointment", "status"), ("busy_block", "starts_at")} <= calendar
    assert ("patient", "birth_date") in column_references(rows._TARGET_AND_PATIENTS)
    with pytest.raises(AssertionError, match="qualify"):
        column_references("SELECT name FROM practitioner p JOIN practice pr ON pr.id = p.practice_id")


@pytest.mark.parametrize("name", SELECTS)
async def test_select_names_only_columns_of_the_models(database, name):
    tables = model_tables()
    unknown = sorted((table, column) for table, column in column_references(SELECTS[name])
                     if column not in tables.get(table, {}))
    assert not unknown, f"{name}: no such model table or column: {', '.join(f'{t}.{c}' for t, c in unknown)}"


@pytest.mark.parametrize("name", SELECTS)
async def test_select_runs_on_the_migrated_schema(any_database, name):
    # The database is empty: what matters is that it accepts the statement as written.
    statement = SELECTS[name]
    assert await sql.fetch(statement, *[None] * statement.count("?")) == []


async def test_rows_a_booking_writes_have_exactly_the_listed_columns(any_database, now, monkeypatch):
    # insert_sql reads each listed column from the row: a missing key fails the booking, but a
    # key that is not listed would be silently dropped. Both paths (SQLite's statements, and
    # PostgreSQL's one statement) go through insert_sql.
    written = []
    insert_sql = sql.insert_sql

    def spy(table, columns, row_dicts, params):
        written.extend((table, tuple(columns), set(row)) for row in row_dicts)
        return insert_sql(table, columns, row_dicts, params)

    monkeypatch.setattr(sql, "insert_sql", spy)
    monkeypatch.setattr(rows, "insert_sql", spy)
    await load_demo()
    await book(paris(2026, 12, 1, 11), now)
    assert {table for table, _, _ in written} == set(INSERTS)
    for table, columns, keys in written:
        assert keys == set(columns), (
            f"{table}: the row has {sorted(keys - set(columns))} not in the column list, "
            f"and lacks {sorted(set(columns) - keys)}"
        )


async def migrated_schema() -> dict[str, dict[str, tuple[bool, object]]]:
    """{table: {column: (nullable, default)}} of the connected database, without tortoise's own
    migration bookkeeping."""
    conn = connections.get("default")
    schema: dict[str, dict[str, tuple[bool, object]]] = {}
    if conn.capabilities.dialect == "postgres":
        for row in await conn.execute_query_dict(
            "SELECT table_name, column_name, is_nullable, column_default FROM information_schema.columns "
            "WHERE table_schema = 'public'"
        ):
            schema.setdefault(row["table_name"], {})[row["column_name"]] = (
                row["is_nullable"] == "YES", row["column_default"])
    else:
        for table in await conn.execute_query_dict(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ):
            for column in await conn.execute_query_dict(f"PRAGMA table_info({table['name']})"):
                schema.setdefault(table["name"], {})[column["name"]] = (
                    not column["notnull"] and not column["pk"], column["dflt_value"])
    return {table: columns for table, columns in schema.items() if not table.startswith("tortoise")}


async def test_migrated_schema_has_exactly_the_models_columns(any_database):
    models, schema = model_tables(), await migrated_schema()
    problems = [f"table {table}: in the models, not in the migrated database"
                for table in sorted(set(models) - set(schema))]
    problems += [f"table {table}: in the migrated database, no model" for table in sorted(set(schema) - set(models))]
    for table in sorted(set(models) & set(schema)):
        in_model, in_database = models[table], {column: nullable for column, (nullable, _) in schema[table].items()}
        problems += [f"{table}.{column}: in the model, not in the migrated database"
                     for column in sorted(set(in_model) - set(in_database))]
        problems += [f"{table}.{column}: in the migrated database, not in the model"
                     for column in sorted(set(in_database) - set(in_model))]
        problems += [f"{table}.{column}: {'nullable' if in_model[column] else 'NOT NULL'} in the model, "
                     f"{'nullable' if in_database[column] else 'NOT NULL'} in the migrated database"
                     for column in sorted(set(in_model) & set(in_database)) if in_model[column] != in_database[column]]
    assert not problems, "a model and its migrations disagree (tortoise makemigrations?):\n" + "\n".join(problems)
