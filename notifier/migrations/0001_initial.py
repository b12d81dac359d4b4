from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='WebhookEvent',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('source', fields.CharField(max_length=16)),
                ('kind', fields.CharField(max_length=16)),
                ('key', fields.CharField(unique=True, max_length=128)),
                ('received_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'notifier_webhook_event', 'app': 'notifier', 'pk_attr': 'id', 'table_description': 'Provider callbacks already handled: a receipt or a reply delivered twice is ignored.'},
            bases=['Model'],
        ),
    ]
