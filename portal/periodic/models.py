"""When each periodic job of the deployment is next due (one row per job)."""

from tortoise import fields
from tortoise.models import Model


class PeriodicJob(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=64, unique=True)
    next_run_at = fields.DatetimeField()
    last_run_at = fields.DatetimeField(null=True)

    class Meta:
        table = "periodic_job"
