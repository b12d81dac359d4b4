from tortoise import migrations
from tortoise import fields

from portal.migrations._operations import AddField

class Migration(migrations.Migration):
    dependencies = [('portal', '0002_guards')]

    initial = False

    operations = [
        AddField(
            model_name='Appointment',
            name='manage_token_sealed',
            field=fields.TextField(default='', unique=False),
        ),
    ]
