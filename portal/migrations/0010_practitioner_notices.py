"""Practitioner notices (issue 12 items 3 and 6): a practice may turn off the invitation that
goes with each notice (practice.practitioner_invitations), and a move notice says the old time
(appointment.previous_starts_at, set by each move)."""

from tortoise import fields, migrations

from portal.migrations._operations import AddField


class Migration(migrations.Migration):
    dependencies = [("portal", "0009_backoffice")]

    initial = False

    operations = [
        AddField(
            model_name="Practice",
            name="practitioner_invitations",
            field=fields.BooleanField(default=True),
        ),
        AddField(
            model_name="Appointment",
            name="previous_starts_at",
            field=fields.DatetimeField(null=True),
        ),
    ]
