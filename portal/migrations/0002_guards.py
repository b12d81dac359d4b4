"""What must never happen, refused by the database itself.

- Two active appointments of one practitioner whose blocked spans (buffers included) overlap:
  an exclusion constraint on PostgreSQL, a trigger on SQLite. Both raise an error whose text
  contains `slot_taken`, which the application maps to HTTP 409.
- The consent ledger is append-only: UPDATE is refused on both.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops

CANCELLED = "('cancelled_by_practitioner', 'cancelled_by_patient')"

SQLITE_OVERLAP = """
CREATE TRIGGER appointment_no_overlap_{event} BEFORE {event}{columns} ON appointment
WHEN NEW.status NOT IN {cancelled}
BEGIN
    SELECT RAISE(ABORT, 'slot_taken: overlapping appointment')
    WHERE EXISTS (
        SELECT 1 FROM appointment AS other
        WHERE other.practitioner_id = NEW.practitioner_id
          AND other.id IS NOT NEW.id
          AND other.status NOT IN {cancelled}
          AND other.blocked_from < NEW.blocked_until
          AND other.blocked_until > NEW.blocked_from
    );
END;
"""

SQLITE_STATEMENTS = [
    SQLITE_OVERLAP.format(event="INSERT", columns="", cancelled=CANCELLED),
    SQLITE_OVERLAP.format(
        event="UPDATE",
        columns=" OF practitioner_id, blocked_from, blocked_until, status",
        cancelled=CANCELLED,
    ),
    """
    CREATE TRIGGER consent_record_append_only BEFORE UPDATE ON consent_record
    BEGIN SELECT RAISE(ABORT, 'consent_record is append-only'); END;
    """,
]

POSTGRES_STATEMENTS = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    f"""
    ALTER TABLE appointment ADD CONSTRAINT appointment_slot_taken
    EXCLUDE USING gist (
        practitioner_id WITH =,
        tstzrange(blocked_from, blocked_until, '[)') WITH &&
    ) WHERE (status NOT IN {CANCELLED})
    """,
    """
    CREATE FUNCTION consent_record_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'consent_record is append-only'; END $$
    """,
    """
    CREATE TRIGGER consent_record_append_only BEFORE UPDATE ON consent_record
    FOR EACH ROW EXECUTE FUNCTION consent_record_append_only()
    """,
]

COMMON_STATEMENTS = [
    "CREATE INDEX outbox_due ON outbox_message (next_attempt_at) WHERE status = 'pending'",
]


async def forward(apps, schema_editor) -> None:
    dialect = schema_editor.client.capabilities.dialect
    statements = POSTGRES_STATEMENTS if dialect == "postgres" else SQLITE_STATEMENTS
    for sql in statements + COMMON_STATEMENTS:
        await schema_editor.client.execute_script(sql)


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial")]

    operations = [ops.RunPython(forward)]
