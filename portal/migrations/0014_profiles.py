"""Practice and practitioner profiles (issue 14).

- practice.postcode, city, city_key: the address in parts, for the API's postcode and city
  filters (indexed) instead of a text search in the address. Existing addresses ending with
  "75011 Paris" are split here (address keeps the street line); others stay as they are.
- practice.controller_name, controller_address, dpo_name, dpo_email: the privacy notice's
  practice block (who is the controller when not the practice itself, the DPO if any).
- practitioner.languages: languages spoken with patients (ISO 639-1 codes, a JSON list).
- practitioner_photo: a practitioner's photo as Créneau re-encoded it, served by content hash.
- staff_invitation.locale: the language of the invitation e-mail.
"""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from portal.practice.address import city_key, split_address


async def split_addresses(apps, schema_editor) -> None:
    client = schema_editor.client
    postgres = client.capabilities.dialect == "postgres"
    rows = await client.execute_query_dict("SELECT id, address FROM practice")
    update = ("UPDATE practice SET address = $1, postcode = $2, city = $3, city_key = $4 WHERE id = $5" if postgres
              else "UPDATE practice SET address = ?, postcode = ?, city = ?, city_key = ? WHERE id = ?")
    for row in rows:
        street, postcode, city = split_address(row["address"] or "")
        if postcode:
            await client.execute_query(update, [street, postcode, city, city_key(city), row["id"]])


class Migration(migrations.Migration):
    dependencies = [("portal", "0013_settings")]

    initial = False

    operations = [
        ops.AddField(model_name="Practice", name="postcode", field=fields.CharField(max_length=5, default="")),
        ops.AddField(model_name="Practice", name="city", field=fields.CharField(max_length=100, default="")),
        ops.AddField(model_name="Practice", name="city_key", field=fields.CharField(max_length=100, default="")),
        ops.RunPython(split_addresses),
        ops.AddIndex(model_name="Practice", index=Index(fields=["postcode"])),
        ops.AddIndex(model_name="Practice", index=Index(fields=["city_key"])),
        ops.AddField(model_name="Practice", name="controller_name", field=fields.CharField(max_length=200, default="")),
        ops.AddField(model_name="Practice", name="controller_address",
                     field=fields.CharField(max_length=300, default="")),
        ops.AddField(model_name="Practice", name="dpo_name", field=fields.CharField(max_length=200, default="")),
        ops.AddField(model_name="Practice", name="dpo_email", field=fields.CharField(max_length=254, default="")),
        ops.AddField(model_name="Practitioner", name="languages", field=fields.JSONField(default=list)),
        ops.AddField(model_name="StaffInvitation", name="locale", field=fields.CharField(max_length=8, default="fr")),
        ops.CreateModel(
            name="PractitionerPhoto",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("practitioner", fields.OneToOneField("portal.Practitioner", source_field="practitioner_id",
                                                      db_constraint=True, to_field="id", related_name="photo",
                                                      on_delete=OnDelete.CASCADE)),
                ("digest", fields.CharField(max_length=64, db_index=True)),
                ("data", fields.BinaryField()),
                ("width", fields.SmallIntField()),
                ("height", fields.SmallIntField()),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={"table": "practitioner_photo", "app": "portal", "pk_attr": "id"},
            bases=["Model"],
        ),
    ]
