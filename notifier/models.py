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


class OutboxStrike(Model):
    """How many times a message broke the worker that held it instead of getting an answer
    from the provider: its lease ran out (the worker died or hung mid-send) or it raised an
    unexpected error. A provider's refusals and outages are not strikes (`attempts` counts every
    claim); a message with too many strikes is set aside as poison (policy.MAX_STRIKES)."""

    id = fields.IntField(primary_key=True)
    message = fields.OneToOneField("portal.OutboxMessage", related_name="strike", on_delete=fields.CASCADE)
    strikes = fields.IntField(default=0)

    class Meta:
        table = "notifier_outbox_strike"
