"""The audit trail's one table. Append-only: the database refuses UPDATE, and DELETE of any event
younger than the retention of connection data (migration 0006)."""

from tortoise import fields
from tortoise.models import Model


class AuditEvent(Model):
    id = fields.BigIntField(primary_key=True)
    at = fields.DatetimeField()
    practice_id = fields.IntField(null=True)  # not a foreign key: the trail outlives what it names
    actor = fields.CharField(max_length=64)  # ctx.actor.label: visitor, patient, staff:12, system:worker
    role = fields.CharField(max_length=16, default="")
    action = fields.CharField(max_length=48)  # appointment.book, appointment.cancel, consent.change…
    object_type = fields.CharField(max_length=32)
    object_id = fields.BigIntField(null=True)
    # The patient whose data the action touched: the patient's own access log reads by it.
    patient_id = fields.IntField(null=True)
    detail = fields.JSONField(default=dict)  # ids and choices only: {"patient_id": 3, "purpose": …}
    channel = fields.CharField(max_length=16, default="")
    ip = fields.CharField(max_length=45, default="")

    class Meta:
        table = "audit_event"
        indexes = (("practice_id", "at"), ("object_type", "object_id"), ("patient_id", "at"))
