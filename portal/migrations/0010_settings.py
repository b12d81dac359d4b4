"""The practice's settings page (issue 14 item 1).

- practice.access_instructions: how to get in (floor, door code, transport), shown with the
  address.
- practitioner.archived_at, service.archived_at: archived (hidden from patients, history kept)
  instead of deleted.
- practice.holiday_region: whose public holidays close the practice: "" for metropolitan France,
  or a subdivision of the `holidays` package ("57", "6AE": Alsace-Moselle; "971"…: overseas).
"""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("portal", "0009_backoffice")]

    initial = False

    operations = [
        ops.AddField(model_name="Practice", name="access_instructions",
                     field=fields.CharField(max_length=500, default="")),
        ops.AddField(model_name="Practice", name="holiday_region",
                     field=fields.CharField(max_length=8, default="")),
        ops.AddField(model_name="Practitioner", name="archived_at", field=fields.DatetimeField(null=True)),
        ops.AddField(model_name="Service", name="archived_at", field=fields.DatetimeField(null=True)),
    ]
