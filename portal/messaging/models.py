"""Messages waiting to leave: written in the booking's transaction, drained by the worker."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class OutboxStatus(StrEnum):
    PENDING = "pending"  # waiting for due_at / next_attempt_at
    SENDING = "sending"  # claimed by a worker (lease_until)
    SENT = "sent"  # accepted by the provider
    DELIVERED = "delivered"  # provider's receipt says delivered
    FAILED = "failed"  # permanent failure, or receipt says failed
    DEAD = "dead"  # retried until it expired
    CANCELLED = "cancelled"  # superseded (move, cancellation, consent withdrawn)
    EXPIRED = "expired"  # not sent before it stopped making sense


class OutboxMessage(Model):
    id = fields.IntField(primary_key=True)
    practice = fields.ForeignKeyField("portal.Practice", related_name="outbox", on_delete=fields.CASCADE)
    appointment = fields.ForeignKeyField("portal.Appointment", related_name="outbox", null=True, on_delete=fields.CASCADE)
    kind = fields.CharField(max_length=32)  # confirmation, reminder, moved, cancelled, practitioner_booked…
    channel = fields.CharField(max_length=8)  # email, sms
    audience = fields.CharField(max_length=16, default="patient")  # patient, practitioner
    appointment_version = fields.IntField(default=1)
    # (appointment, kind, channel, version, offset): one row per message that should exist.
    dedupe_key = fields.CharField(max_length=120, unique=True)
    due_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    status = fields.CharEnumField(OutboxStatus, max_length=16, default=OutboxStatus.PENDING)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    lease_until = fields.DatetimeField(null=True)
    last_error = fields.TextField(default="")
    provider_id = fields.CharField(max_length=255, default="")
    sent_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "outbox_message"
        indexes = (("status", "next_attempt_at"),)
