"""What patient messages say (issue 14 items 4 and 5).

- service.messages_name_service: whether patient messages (SMS, e-mail, the invitation) may
  name this service; off by default (a service's name can say why someone sees a practitioner).
  It replaces practice.messages_show_service: a practice that had opted in keeps naming all its
  services (copied here), then the practice's column goes.
- practice.sms_detail: "minimal" (when, the practice, the link: no practitioner, no profession)
  or "standard" (also the practitioner's name). "minimal" for every practice: privacy by design.
"""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from portal.migrations._operations import AddField


class DropColumn(ops.RemoveField):
    """RemoveField, but with `ALTER TABLE … DROP COLUMN` on both databases (SQLite ≥ 3.35):
    tortoise's SQLite path rebuilds the table, dropping `practice` under every foreign key that
    points at it."""

    async def database_forward(self, app_label, old_state, new_state, state_editor=None) -> None:
        if state_editor:
            await state_editor._run_sql("ALTER TABLE practice DROP COLUMN messages_show_service")


class Migration(migrations.Migration):
    dependencies = [("portal", "0014_profiles")]

    initial = False

    operations = [
        AddField(model_name="Service", name="messages_name_service",
                       field=fields.BooleanField(default=False)),
        AddField(model_name="Practice", name="sms_detail",
                     field=fields.CharField(max_length=16, default="minimal")),
        ops.RunSQL(["UPDATE service SET messages_name_service = TRUE WHERE practitioner_id IN ("
                    "SELECT practitioner.id FROM practitioner JOIN practice ON practice.id = practitioner.practice_id "
                    "WHERE practice.messages_show_service)"]),
        DropColumn(model_name="Practice", name="messages_show_service"),
    ]
