"""The privacy centre and retention (issue 15).

- patient: restriction (restricted_at, restriction_reason) and erasure (erased_at) marks.
- practice: its retention policy (retention_months after the last visit, contract_ends_on).
- privacy_link: one-time links into the privacy centre and confirmations of a new address or
  number, hashed (and sealed for the worker) at rest.
- audit_event and consent_record stay append-only, with one exception: an UPDATE that only
  blanks `ip` is allowed, so that IP addresses can be removed after 12 months (retention) and at
  a patient's erasure, while what the rows prove (who acted, when, on which text) stays.
"""

from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from portal.migrations._operations import AddField

AUDIT_COLUMNS_BUT_IP = "at, practice_id, actor, role, action, object_type, object_id, patient_id, detail, channel"
CONSENT_COLUMNS_BUT_IP = ("practice_id, patient_id, appointment_id, purpose, granted, text_version, text_sha256, "
                          "recorded_at, channel")

SQLITE = [
    "DROP TRIGGER audit_event_no_update",
    f"""CREATE TRIGGER audit_event_no_update BEFORE UPDATE OF {AUDIT_COLUMNS_BUT_IP} ON audit_event
    BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END;""",
    """CREATE TRIGGER audit_event_ip_blank_only BEFORE UPDATE OF ip ON audit_event WHEN NEW.ip <> ''
    BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: ip may only be blanked'); END;""",
    "DROP TRIGGER consent_record_append_only",
    f"""CREATE TRIGGER consent_record_append_only BEFORE UPDATE OF {CONSENT_COLUMNS_BUT_IP} ON consent_record
    BEGIN SELECT RAISE(ABORT, 'consent_record is append-only'); END;""",
    """CREATE TRIGGER consent_record_ip_blank_only BEFORE UPDATE OF ip ON consent_record WHEN NEW.ip <> ''
    BEGIN SELECT RAISE(ABORT, 'consent_record is append-only: ip may only be blanked'); END;""",
]

POSTGRES = [
    """CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' THEN
            IF NEW.ip = '' AND (to_jsonb(NEW) - 'ip') = (to_jsonb(OLD) - 'ip') THEN
                RETURN NEW;
            END IF;
            RAISE EXCEPTION 'audit_event is append-only: ip may only be blanked';
        END IF;
        IF OLD.at >= now() - interval '13 months' THEN
            RAISE EXCEPTION 'audit_event is append-only: events are kept 13 months';
        END IF;
        RETURN OLD;
    END $$""",
    """CREATE OR REPLACE FUNCTION consent_record_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' AND NEW.ip = '' AND (to_jsonb(NEW) - 'ip') = (to_jsonb(OLD) - 'ip') THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'consent_record is append-only';
    END $$""",
]


async def forward(apps, schema_editor) -> None:
    client = schema_editor.client
    for sql in POSTGRES if client.capabilities.dialect == "postgres" else SQLITE:
        await client.execute_script(sql)


class Migration(migrations.Migration):
    dependencies = [("portal", "0006_audit_trail")]

    initial = False

    operations = [
        AddField(model_name="Patient", name="restricted_at", field=fields.DatetimeField(null=True)),
        AddField(model_name="Patient", name="restriction_reason",
                     field=fields.CharField(max_length=300, null=True)),
        AddField(model_name="Patient", name="erased_at", field=fields.DatetimeField(null=True)),
        AddField(model_name="Practice", name="retention_months", field=fields.IntField(default=2)),
        AddField(model_name="Practice", name="contract_ends_on", field=fields.DateField(null=True)),
        ops.CreateModel(
            name="PrivacyLink",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("kind", fields.CharField(max_length=16)),
                ("token_hash", fields.CharField(max_length=64, unique=True)),
                ("token_sealed", fields.TextField(default="")),
                ("email", fields.CharField(max_length=254)),
                ("new_value", fields.CharField(max_length=254, default="")),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("expires_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("used_at", fields.DatetimeField(null=True)),
                ("session_hash", fields.CharField(max_length=64, default="")),
                ("outbox_message_id", fields.IntField(null=True)),
            ],
            options={"table": "privacy_link", "app": "portal", "pk_attr": "id",
                     "indexes": [Index(fields=["email"]), Index(fields=["expires_at"])]},
            bases=["Model"],
        ),
        ops.RunPython(forward),
    ]
