"""A booking blocks at most a day (buffers included), so overlap checks read a bounded range.

The overlap guard of 0002 compared a new span with every earlier appointment of the
practitioner: on SQLite the trigger walked the (practitioner_id, blocked_from) index from the
practitioner's first appointment ever, so each booking cost grew with the practice's history.
With spans of at most a day (portal.scheduling.MAX_BLOCKED), an overlapping appointment starts
less than a day before the new one ends, and the trigger reads only that range. PostgreSQL's
exclusion constraint searches its GiST index and needs no change; a CHECK states the limit there
too, which the application's own reads (portal.booking.availability) rely on.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops

CANCELLED = "('cancelled_by_practitioner', 'cancelled_by_patient')"

# Stored SQLite datetimes are text like '2026-12-01 09:00:00+00:00'; datetime() gives
# '2026-11-30 09:00:00', which sorts before every stored value of that second: a safe bound.
SQLITE_OVERLAP = """
CREATE TRIGGER appointment_no_overlap_{event} BEFORE {event}{columns} ON appointment
WHEN NEW.status NOT IN {cancelled}
BEGIN
    SELECT RAISE(ABORT, 'span_too_long: an appointment blocks at most a day')
    WHERE (julianday(NEW.blocked_until) - julianday(NEW.blocked_from)) * 1440 > 1440.5
       OR NOT (NEW.blocked_from < NEW.blocked_until);
    SELECT RAISE(ABORT, 'slot_taken: overlapping appointment')
    WHERE EXISTS (
        SELECT 1 FROM appointment AS other
        WHERE other.practitioner_id = NEW.practitioner_id
          AND other.blocked_from >= datetime(NEW.blocked_from, '-1 day')
          AND other.blocked_from < NEW.blocked_until
          AND other.blocked_until > NEW.blocked_from
          AND other.id IS NOT NEW.id
          AND other.status NOT IN {cancelled}
    );
END;
"""

SQLITE_STATEMENTS = [
    "DROP TRIGGER appointment_no_overlap_INSERT",
    "DROP TRIGGER appointment_no_overlap_UPDATE",
    SQLITE_OVERLAP.format(event="INSERT", columns="", cancelled=CANCELLED),
    SQLITE_OVERLAP.format(
        event="UPDATE",
        columns=" OF practitioner_id, blocked_from, blocked_until, status",
        cancelled=CANCELLED,
    ),
]

POSTGRES_STATEMENTS = [
    """
    ALTER TABLE appointment ADD CONSTRAINT appointment_span_at_most_a_day
    CHECK (blocked_from < blocked_until AND blocked_until <= blocked_from + interval '1 day')
    """,
]


async def forward(apps, schema_editor) -> None:
    dialect = schema_editor.client.capabilities.dialect
    for sql in POSTGRES_STATEMENTS if dialect == "postgres" else SQLITE_STATEMENTS:
        await schema_editor.client.execute_script(sql)


class Migration(migrations.Migration):
    dependencies = [("portal", "0003_manage_token_sealed")]

    operations = [ops.RunPython(forward)]
