"""Tables of the `notifier` tortoise app (the outbox itself belongs to `portal`)."""

from tortoise import fields
from tortoise.models import Model


class WebhookEvent(Model):
    """Provider callbacks already handled: a receipt or a reply delivered twice is ignored."""

    id = fields.IntField(primary_key=True)
    source = fields.CharField(max_length=16)  # vonage
    kind = fields.CharField(max_length=16)  # delivery, inbound
    key = fields.CharField(max_length=128, unique=True)
    received_at = fields.DatetimeField()

    class Meta:
        table = "notifier_webhook_event"
