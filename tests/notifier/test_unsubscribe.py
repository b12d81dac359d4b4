"""Issue 12 item 4 / issue 10 item 5: reminders carry List-Unsubscribe with One-Click (RFC 8058)
and a single-purpose link, not the manage link; one POST stops e-mail reminders for the patient
and writes a consent-ledger row."""

import random

import httpx2

from creneau.app import create_app
from notifier.channels.smtp import SmtpChannel
from notifier.worker import drain_once
from portal.models import Appointment, ConsentRecord, OutboxMessage
from tests.builders import book, load_demo, paris


async def test_one_click_stops_email_reminders_and_writes_the_ledger(database, settings, channels, clock, now,
                                                                     smtp_factory):
    server = smtp_factory()
    await load_demo()
    first = await book(paris(2026, 12, 3, 11), now)
    await book(paris(2026, 12, 10, 11), now)  # the same patient's next booking
    reminder = await OutboxMessage.filter(kind="reminder", channel="email", appointment_id=first.appointment_id).first()
    clock.set(reminder.due_at)
    email = SmtpChannel("127.0.0.1", server.port, tls="none")
    try:
        await drain_once(settings, {"email": email, "sms": channels["sms"]}, now=clock, rng=random.Random(3))
    finally:
        await email.close()
    reminders = [r.message for r in server.recorder.received if r.message["List-Unsubscribe"]]
    assert len(reminders) == 1 and reminders[0]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = reminders[0]["List-Unsubscribe"].strip().strip("<>")
    assert link.startswith("https://rdv.example.fr/u/") and first.manage_token not in link
    path = link.removeprefix("https://rdv.example.fr")

    app = create_app(settings, manage_db=False, run_background=False)
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="https://rdv.example.fr") as client:
        page = await client.get(path)  # a link scanner, or a person: a page with a button, nothing changed
        assert page.status_code == 200 and "Arrêter ces rappels" in page.text
        assert await ConsentRecord.filter(purpose="email_reminders", granted=False).count() == 0
        assert (await client.get(path.replace("/u/", "/b/"))).status_code == 404  # opens no booking
        # The mailbox provider's one click (RFC 8058), with no cookie and no CSRF token.
        clicked = await client.post(path, content=b"List-Unsubscribe=One-Click",
                                    headers={"content-type": "application/x-www-form-urlencoded"})
        assert clicked.status_code == 200 and "ne recevrez plus les rappels par e-mail" in clicked.text
        again = await client.post(path, content=b"List-Unsubscribe=One-Click",
                                  headers={"content-type": "application/x-www-form-urlencoded"})
        assert again.status_code == 200
        forged = await client.post(path[:-2] + ("AA" if not path.endswith("AA") else "BB"))
        assert forged.status_code == 404
    withdrawn = await ConsentRecord.filter(purpose="email_reminders", granted=False).all()
    assert len(withdrawn) == 1 and withdrawn[0].appointment_id == first.appointment_id  # once, not per click
    assert not await Appointment.filter(email_reminder=True).exists()  # both bookings
    assert await Appointment.filter(sms_reminder=True).count() == 2  # that kind only
    assert not await OutboxMessage.filter(kind="reminder", channel="email", status="pending").exists()
