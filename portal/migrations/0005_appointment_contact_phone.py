"""The phone number typed for a booking serves that booking (appointment.contact_phone).

A booking by an unauthenticated visitor used to overwrite the returning patient's phone, so
anyone who knew a patient's name, e-mail and birth date could redirect the SMS (and the manage
links they carry) of that patient's other bookings. Existing appointments take the number their
patient has now, which is what their messages used.
"""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from portal.migrations._operations import AddField


async def backfill(apps, schema_editor) -> None:
    await schema_editor.client.execute_script(
        "UPDATE appointment SET contact_phone = "
        "(SELECT patient.phone FROM patient WHERE patient.id = appointment.patient_id)")


class Migration(migrations.Migration):
    dependencies = [("portal", "0004_bounded_spans")]

    initial = False

    operations = [
        AddField(
            model_name="Appointment",
            name="contact_phone",
            field=fields.CharField(max_length=20, default=""),
        ),
        ops.RunPython(backfill),
    ]
