"""The shared throttle counters: one row per key and fixed window."""

from tortoise import fields
from tortoise.models import Model


class ThrottleCounter(Model):
    """Hits of one key (an IP network, a phone number, a practitioner…) in one fixed window.
    Every web process counts here, so a limit holds across processes (it used to be counted in
    each process's memory: N processes gave N times the limit)."""

    id = fields.BigIntField(primary_key=True)
    key = fields.CharField(max_length=160)
    window_start = fields.BigIntField()  # seconds since the epoch, a multiple of the period
    hits = fields.IntField(default=0)

    class Meta:
        table = "throttle_counter"
        unique_together = (("key", "window_start"),)
