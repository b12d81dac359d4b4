"""Who a service is for (issue 14 item 4), and children's bookings.

- service.audience: "adult" (the default: every existing service stays as it was), "child" or
  "all". A child's booking names the child (the patient row: the person seen) and the adult who
  accompanies them (the e-mail and mobile are the adult's: they receive the messages).
- appointment.guardian_first_name, guardian_last_name: the accompanying adult of this visit
  (NULL when the patient came for themselves).
- consent_record.given_by: "patient", or "guardian" when the adult consented on the child's
  behalf. The ledger stays append-only: SQLite's trigger names its columns, so it is made again
  with the new one (PostgreSQL's compares whole rows and needs nothing).

The two required columns carry a database default ("adult", "patient"): without it, adding them
to tables that already hold rows fails on both databases (tests/test_migration_0016.py).
"""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

CONSENT_COLUMNS_BUT_IP = ("practice_id, patient_id, appointment_id, purpose, granted, text_version, text_sha256, "
                          "recorded_at, channel, given_by")

SQLITE = [
    "DROP TRIGGER consent_record_append_only",
    f"""CREATE TRIGGER consent_record_append_only BEFORE UPDATE OF {CONSENT_COLUMNS_BUT_IP} ON consent_record
    BEGIN SELECT RAISE(ABORT, 'consent_record is append-only'); END;""",
]


async def forward(apps, schema_editor) -> None:
    client = schema_editor.client
    if client.capabilities.dialect != "postgres":
        for sql in SQLITE:
            await client.execute_script(sql)


class Migration(migrations.Migration):
    dependencies = [("portal", "0015_message_settings")]

    initial = False

    operations = [
        ops.AddField(model_name="Service", name="audience",
                     field=fields.CharField(max_length=8, default="adult", db_default="adult")),
        ops.AddField(model_name="Appointment", name="guardian_first_name",
                     field=fields.CharField(max_length=100, null=True)),
        ops.AddField(model_name="Appointment", name="guardian_last_name",
                     field=fields.CharField(max_length=100, null=True)),
        ops.AddField(model_name="ConsentRecord", name="given_by",
                     field=fields.CharField(max_length=16, default="patient", db_default="patient")),
        ops.RunPython(forward),
    ]
