"""Limits against booking abuse (issue 10 item 4, issue 11 item 2).

- throttle_counter: fixed-window counters shared by every web process (portal.limits.counter);
- practitioner.online_bookings_per_hour / _per_day: online bookings a practitioner takes;
- practice.sms_regions / sms_daily_budget: where and how many SMS a practice sends;
- practice.confirm_online_bookings and appointment.hold_until / confirm_code_sealed /
  confirm_attempts: the optional confirmation step (status 'held', counted by the overlap
  guards, which exclude only cancelled statuses).
"""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from portal.migrations._operations import AddField

from portal.practice.models import DEFAULT_SMS_REGIONS


class Migration(migrations.Migration):
    dependencies = [("portal", "0010_practitioner_notices")]

    initial = False

    operations = [
        ops.CreateModel(
            name="ThrottleCounter",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("key", fields.CharField(max_length=160)),
                ("window_start", fields.BigIntField()),
                ("hits", fields.IntField(default=0)),
            ],
            options={"table": "throttle_counter", "app": "portal", "pk_attr": "id",
                     "unique_together": (("key", "window_start"),)},
            bases=["Model"],
        ),
        AddField(model_name="Practitioner", name="online_bookings_per_hour", field=fields.IntField(default=10)),
        AddField(model_name="Practitioner", name="online_bookings_per_day", field=fields.IntField(default=40)),
        AddField(model_name="Practice", name="sms_regions",
                     field=fields.CharField(max_length=200, default=DEFAULT_SMS_REGIONS)),
        AddField(model_name="Practice", name="sms_daily_budget", field=fields.IntField(default=200)),
        AddField(model_name="Practice", name="confirm_online_bookings", field=fields.BooleanField(default=False)),
        AddField(model_name="Appointment", name="hold_until", field=fields.DatetimeField(null=True)),
        AddField(model_name="Appointment", name="confirm_code_sealed", field=fields.TextField(default="")),
        AddField(model_name="Appointment", name="confirm_attempts", field=fields.IntField(default=0)),
    ]
