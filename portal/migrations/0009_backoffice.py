"""The practice's back-office: patients' search key, private notes, the practice's reason for a
cancellation, and the indexes its reads need.

- patient.search_key: names, e-mail and phone folded (portal.patients.search_key), filled here
  for existing patients; indexed with the practice for the search's bounded scans.
- appointment (patient_id, starts_at): a patient's visit history and absence counts.
- appointment.cancel_reason: what the practice said when it cancelled (NULL otherwise).
- patient_note: practitioners' private notes.
"""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from portal.migrations._operations import AddField

from portal.patients.search_key import search_key


async def backfill_search_key(apps, schema_editor) -> None:
    client = schema_editor.client
    postgres = client.capabilities.dialect == "postgres"
    rows = await client.execute_query_dict("SELECT id, first_name, last_name, email, phone FROM patient")
    update = "UPDATE patient SET search_key = $1 WHERE id = $2" if postgres else \
        "UPDATE patient SET search_key = ? WHERE id = ?"
    for row in rows:
        key = search_key(row["first_name"], row["last_name"], row["email"], row["phone"])
        await client.execute_query(update, [key, row["id"]])


class Migration(migrations.Migration):
    dependencies = [("portal", "0008_staff")]

    initial = False

    operations = [
        AddField(
            model_name="Patient",
            name="search_key",
            field=fields.CharField(max_length=600, default=""),
        ),
        ops.RunPython(backfill_search_key),
        ops.AddIndex(model_name="Patient", index=Index(fields=["practice_id", "search_key"])),
        AddField(
            model_name="Appointment",
            name="cancel_reason",
            field=fields.TextField(null=True),
        ),
        ops.AddIndex(model_name="Appointment", index=Index(fields=["patient_id", "starts_at"])),
        ops.CreateModel(
            name="PatientNote",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("practice", fields.ForeignKeyField("portal.Practice", source_field="practice_id", db_constraint=True,
                                                    to_field="id", related_name="patient_notes",
                                                    on_delete=OnDelete.RESTRICT)),
                ("patient", fields.ForeignKeyField("portal.Patient", source_field="patient_id", db_constraint=True,
                                                   to_field="id", related_name="notes", on_delete=OnDelete.CASCADE)),
                ("practitioner", fields.ForeignKeyField("portal.Practitioner", source_field="practitioner_id",
                                                        db_constraint=True, to_field="id",
                                                        related_name="patient_notes", on_delete=OnDelete.RESTRICT)),
                ("author_staff_id", fields.CharField(max_length=64)),
                ("text", fields.TextField()),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={"table": "patient_note", "app": "portal", "pk_attr": "id",
                     "indexes": [Index(fields=["patient_id", "created_at"])]},
            bases=["Model"],
        ),
    ]
