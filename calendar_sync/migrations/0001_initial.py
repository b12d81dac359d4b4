from tortoise import migrations
from tortoise.migrations import operations as ops
from calendar_sync.models import FeedLevel
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('portal', '0003_manage_token_sealed')]

    initial = True

    operations = [
        ops.CreateModel(
            name='ExternalCalendar',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('practitioner', fields.ForeignKeyField('portal.Practitioner', source_field='practitioner_id', db_constraint=True, to_field='id', related_name='external_calendars', on_delete=OnDelete.CASCADE)),
                ('url', fields.TextField(unique=False)),
                ('label', fields.CharField(default='', max_length=120)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('etag', fields.CharField(default='', max_length=255)),
                ('last_modified', fields.CharField(default='', max_length=64)),
                ('last_success_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_import_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_error', fields.TextField(default='', unique=False)),
                ('last_error_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('stale', fields.BooleanField(default=False)),
                ('failures', fields.IntField(default=0)),
                ('next_attempt_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('blocks', fields.IntField(default=0)),
            ],
            options={'table': 'external_calendar', 'app': 'calendar_sync', 'indexes': [Index(fields=['next_attempt_at'])], 'pk_attr': 'id', 'table_description': 'An iCal URL of the practitioner (Google, Outlook, iCloud) imported as busy time.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='FeedToken',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('practitioner', fields.ForeignKeyField('portal.Practitioner', source_field='practitioner_id', db_constraint=True, to_field='id', related_name='feed_tokens', on_delete=OnDelete.CASCADE)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('level', fields.CharEnumField(default=FeedLevel.BUSY, description='BUSY: busy\nINITIALS: initials\nFULL: full', enum_type=FeedLevel, max_length=16)),
                ('label', fields.CharField(default='', max_length=120)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'feed_token', 'app': 'calendar_sync', 'pk_attr': 'id', 'table_description': 'A private feed URL. Only the SHA-256 of the token is stored, never the token itself.'},
            bases=['Model'],
        ),
    ]
