"""The practice's settings page (issue 14 item 1).

- practice.access_instructions: how to get in (floor, door code, transport), shown with the
  address.
- practitioner.archived_at, service.archived_at: archived (hidden from patients, history kept)
  instead of deleted.
- staff_invitation: single-use links inviting a new member (token hashed, and sealed for the worker).
- practice.holiday_region: whose public holidays close the practice: "" for metropolitan France,
  or a subdivision of the `holidays` package ("57", "6AE": Alsace-Moselle; "971"…: overseas).
- staff_invitation (practice_id): deleting a practice follows this foreign key (every foreign
  key is indexed: tests/test_query_plans.py); named by us, like 0012's indexes.
"""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from portal.migrations._operations import AddField


class Migration(migrations.Migration):
    dependencies = [("portal", "0012_indexes")]

    initial = False

    operations = [
        AddField(model_name="Practice", name="access_instructions",
                     field=fields.CharField(max_length=500, default="")),
        AddField(model_name="Practice", name="holiday_region",
                     field=fields.CharField(max_length=8, default="")),
        AddField(model_name="Practitioner", name="archived_at", field=fields.DatetimeField(null=True)),
        AddField(model_name="Service", name="archived_at", field=fields.DatetimeField(null=True)),
        ops.CreateModel(
            name="StaffInvitation",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("practice", fields.ForeignKeyField("portal.Practice", source_field="practice_id", db_constraint=True,
                                                    to_field="id", related_name="staff_invitations",
                                                    on_delete=OnDelete.CASCADE)),
                ("email", fields.CharField(max_length=254)),
                ("role", fields.CharField(max_length=16)),
                ("practitioner_id", fields.IntField(null=True)),
                ("grants", fields.JSONField(default=list)),
                ("token_hash", fields.CharField(max_length=64, unique=True)),
                ("token_sealed", fields.CharField(max_length=255)),
                ("outbox_message_id", fields.IntField(null=True, db_index=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("expires_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("used_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={"table": "staff_invitation", "app": "portal", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.RunSQL(["CREATE INDEX staff_invitation_practice_id ON staff_invitation (practice_id)"],
                   reverse_sql=["DROP INDEX staff_invitation_practice_id"]),
    ]
