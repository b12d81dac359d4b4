"""The audit trail (audit_event), append-only, and a consent ledger that refuses DELETE too.

- audit_event: UPDATE is refused; DELETE is refused for any event younger than 13 months, the
  longest that connection data (who, when, from which IP) may be kept, so that retention can
  purge what is older and nothing can erase recent history.
- consent_record: DELETE is refused (UPDATE already was, 0002): what proves a consent stays.
"""

from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

SQLITE = [
    """CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
    BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END;""",
    # Stored datetimes are text like '2026-12-01 09:00:00+00:00'; datetime() gives '2025-11-01 09:00:00'.
    """CREATE TRIGGER audit_event_no_early_delete BEFORE DELETE ON audit_event
    WHEN OLD.at >= datetime('now', '-13 months')
    BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: events are kept 13 months'); END;""",
    """CREATE TRIGGER consent_record_no_delete BEFORE DELETE ON consent_record
    BEGIN SELECT RAISE(ABORT, 'consent_record is append-only'); END;""",
]

POSTGRES = [
    """CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' OR OLD.at >= now() - interval '13 months' THEN
            RAISE EXCEPTION 'audit_event is append-only: events are kept 13 months';
        END IF;
        RETURN OLD;
    END $$""",
    """CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()""",
    """CREATE TRIGGER consent_record_no_delete BEFORE DELETE ON consent_record
    FOR EACH ROW EXECUTE FUNCTION consent_record_append_only()""",
]


async def forward(apps, schema_editor) -> None:
    client = schema_editor.client
    for sql in POSTGRES if client.capabilities.dialect == "postgres" else SQLITE:
        await client.execute_script(sql)


class Migration(migrations.Migration):
    dependencies = [("portal", "0005_appointment_contact_phone")]

    initial = False

    operations = [
        ops.CreateModel(
            name="AuditEvent",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("practice_id", fields.IntField(null=True)),
                ("actor", fields.CharField(max_length=64)),
                ("role", fields.CharField(default="", max_length=16)),
                ("action", fields.CharField(max_length=48)),
                ("object_type", fields.CharField(max_length=32)),
                ("object_id", fields.BigIntField(null=True)),
                ("patient_id", fields.IntField(null=True)),
                ("detail", fields.JSONField(default=dict)),
                ("channel", fields.CharField(default="", max_length=16)),
                ("ip", fields.CharField(default="", max_length=45)),
            ],
            options={"table": "audit_event", "app": "portal", "pk_attr": "id",
                     "indexes": [Index(fields=["practice_id", "at"]), Index(fields=["object_type", "object_id"]),
                                 Index(fields=["patient_id", "at"])]},
            bases=["Model"],
        ),
        ops.RunPython(forward),
    ]
