from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('portal', '0002_guards')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Appointment',
            name='manage_token_sealed',
            field=fields.TextField(default='', unique=False),
        ),
    ]
