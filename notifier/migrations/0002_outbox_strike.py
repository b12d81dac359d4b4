from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.fields.base import OnDelete

class Migration(migrations.Migration):
    dependencies = [('notifier', '0001_initial'), ('portal', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='OutboxStrike',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('message', fields.OneToOneField('portal.OutboxMessage', source_field='message_id', db_constraint=True, to_field='id', related_name='strike', on_delete=OnDelete.CASCADE)),
                ('strikes', fields.IntField(default=0)),
            ],
            options={'table': 'notifier_outbox_strike', 'app': 'notifier', 'pk_attr': 'id', 'table_description': 'How many times a message broke the worker that held it instead of getting an answer'},
            bases=['Model'],
        ),
    ]
