"""Foreign keys that deleting a practitioner follows (portal's 0007_indexes has the rest)."""

from tortoise import migrations
from tortoise.migrations import operations as ops

INDEXES = {
    "feed_token_practitioner_id": "feed_token (practitioner_id)",
    "external_calendar_practitioner_id": "external_calendar (practitioner_id)",
}


class Migration(migrations.Migration):
    dependencies = [("calendar_sync", "0001_initial")]

    initial = False

    operations = [
        ops.RunSQL(
            [f"CREATE INDEX {name} ON {target}" for name, target in INDEXES.items()],
            reverse_sql=[f"DROP INDEX {name}" for name in INDEXES],
        ),
    ]
