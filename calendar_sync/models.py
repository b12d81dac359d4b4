"""Models of the `calendar_sync` tortoise app: feed tokens (agenda out) and external calendars
(busy time in). Imported busy time itself is portal's BusyBlock, keyed by source_id."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class FeedLevel(StrEnum):
    """How much an event of the feed says about the patient."""

    BUSY = "busy"  # "Rendez-vous" only
    INITIALS = "initials"  # patient's initials and the service
    FULL = "full"  # name, service, phone and comment (never e-mail nor birth date)


class FeedToken(Model):
    """A private feed URL. Only the SHA-256 of the token is stored, never the token itself."""

    id = fields.IntField(primary_key=True)
    practitioner = fields.ForeignKeyField("portal.Practitioner", related_name="feed_tokens", on_delete=fields.CASCADE)
    token_hash = fields.CharField(max_length=64, unique=True)
    level = fields.CharEnumField(FeedLevel, max_length=16, default=FeedLevel.BUSY)
    label = fields.CharField(max_length=120, default="")
    created_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)
    last_used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "feed_token"


class ExternalCalendar(Model):
    """An iCal URL of the practitioner (Google, Outlook, iCloud) imported as busy time.

    After a failure the source is stale: its last good blocks stay in place and it is retried
    with backoff (next_attempt_at).
    """

    id = fields.IntField(primary_key=True)
    practitioner = fields.ForeignKeyField(
        "portal.Practitioner", related_name="external_calendars", on_delete=fields.CASCADE
    )
    url = fields.TextField()
    label = fields.CharField(max_length=120, default="")
    created_at = fields.DatetimeField()
    # HTTP validators of the last full download, sent back as If-None-Match / If-Modified-Since.
    etag = fields.CharField(max_length=255, default="")
    last_modified = fields.CharField(max_length=64, default="")
    last_success_at = fields.DatetimeField(null=True)
    # When the busy blocks were last recomputed from a full body (a 304 does not recompute).
    last_import_at = fields.DatetimeField(null=True)
    last_error = fields.TextField(default="")
    last_error_at = fields.DatetimeField(null=True)
    stale = fields.BooleanField(default=False)
    failures = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    blocks = fields.IntField(default=0)  # how many busy blocks the last import stored

    class Meta:
        table = "external_calendar"
        indexes = (("next_attempt_at",),)
