"""A stranger who knows a patient's name, e-mail and birth date books with their own phone: the
patient's record and the messages of the patient's own bookings keep the patient's number. The
number typed for a booking serves that booking only (issue 11, item 7)."""

from notifier.worker import drain_once
from portal.links import short_code
from portal.models import Appointment, Patient
from tests.builders import SECRET_KEY, book, load_demo, paris, patient

STRANGER = "07 98 76 54 32"


async def test_a_returning_patient_booking_never_redirects_other_bookings_messages(
        any_database, settings, channels, clock, now):
    await load_demo()
    own = await book(paris(2026, 12, 3, 11), now)  # the patient's own booking, SMS reminders on
    await drain_once(settings, channels, now=clock)
    channels["sms"].sent.clear()
    own_link = short_code(own.appointment_id, own.manage_token, SECRET_KEY)  # what the SMS carry (/r/…)

    stranger = await book(paris(2026, 12, 4, 11), now, patient=patient(phone=STRANGER))

    assert (await Patient.get()).phone == "+33612345678"  # the record keeps the patient's number
    assert await Patient.all().count() == 1  # still one person
    assert (await Appointment.get(id=stranger.appointment_id)).contact_phone == "+33798765432"

    await drain_once(settings, channels, now=clock)  # the stranger's confirmation goes to the stranger
    assert [m.to for m in channels["sms"].sent] == ["+33798765432"]
    assert own.manage_token not in channels["sms"].sent[0].text and own_link not in channels["sms"].sent[0].text
    channels["sms"].sent.clear()

    clock.set(paris(2026, 12, 2, 11))  # the patient's own reminder, 24 h before, goes to the patient
    await drain_once(settings, channels, now=clock)
    reminders = [(m.to, own_link in m.text) for m in channels["sms"].sent]
    assert ("+33612345678", True) in reminders
    assert all(to == "+33612345678" for to, has_link in reminders if has_link)
