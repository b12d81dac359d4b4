"""E-mail through the real SMTP adapter into aiosmtpd on 127.0.0.1."""

import random

from icalendar import Calendar

from notifier.channels.smtp import SmtpChannel
from notifier.worker import drain_once
from portal.models import OutboxMessage
from tests.builders import book, load_demo, paris
from tests.notifier.peers import Recorder, bare_message_id


async def drain_with(email, settings, clock, memory_sms):
    channels = {"email": email, "sms": memory_sms}
    try:
        return await drain_once(settings, channels, now=clock, rng=random.Random(3))
    finally:
        await email.close()


async def test_plain_smtp_carries_text_html_and_invitation(database, settings, channels, clock, now, smtp_factory):
    server = smtp_factory()
    await load_demo()
    result = await book(paris(2026, 12, 1, 11), now)
    stats = await drain_with(SmtpChannel("127.0.0.1", server.port, tls="none"), settings, clock, channels["sms"])
    assert stats.outcomes == {"sent": 3}
    received = {r.recipients[0]: r for r in server.recorder.received}
    assert set(received) == {"elise.durand@example.org", "camille.martin@cabinet-des-lilas.example"}
    message = received["elise.durand@example.org"].message
    assert received["elise.durand@example.org"].sender == "no-reply@rdv.example.fr"
    types = [part.get_content_type() for part in message.walk()]
    assert {"text/plain", "text/html", "text/calendar", "application/ics"} <= set(types)
    row = await OutboxMessage.get(kind="confirmation", channel="email", audience="patient")
    assert message["Message-ID"] == row.provider_id
    assert bare_message_id(message["Message-ID"]) == f"<outbox-{row.id}@rdv.example.fr>"
    # A confirmation is no mailing: no List-Unsubscribe, and the manage token in no header.
    assert message["List-Unsubscribe"] is None and result.manage_token not in str(message.items())
    ics = next(p for p in message.walk() if p.get_content_type() == "application/ics").get_content()
    event = Calendar.from_ical(ics).walk("VEVENT")[0]
    assert str(event["UID"]) == f"appointment-{result.appointment_id}@rdv.example.fr" and int(event["SEQUENCE"]) == 1


async def test_starttls_with_login(database, settings, channels, clock, now, smtp_factory, server_tls, client_tls):
    server = smtp_factory(tls_context=server_tls, login=("creneau", "s3cret"))
    await load_demo()
    await book(paris(2026, 12, 1, 11), now)
    smtp = SmtpChannel("127.0.0.1", server.port, username="creneau", password="s3cret", tls="starttls", tls_context=client_tls)
    assert (await drain_with(smtp, settings, clock, channels["sms"])).outcomes == {"sent": 3}
    assert len(server.recorder.received) == 2


async def test_wrong_password_is_retried_not_lost(database, settings, channels, clock, now, smtp_factory, server_tls, client_tls):
    server = smtp_factory(tls_context=server_tls, login=("creneau", "s3cret"))
    await load_demo()
    await book(paris(2026, 12, 1, 11), now)
    smtp = SmtpChannel("127.0.0.1", server.port, username="creneau", password="wrong", tls="starttls", tls_context=client_tls)
    assert (await drain_with(smtp, settings, clock, channels["sms"])).outcomes == {"retry": 2, "sent": 1}


async def test_4xx_then_accept(database, settings, channels, clock, now, smtp_factory):
    server = smtp_factory(Recorder(replies=["451 4.3.0 Try again later"]))
    await load_demo()
    await book(paris(2026, 12, 1, 11), now)
    assert (await drain_with(SmtpChannel("127.0.0.1", server.port, tls="none"), settings, clock, channels["sms"])).outcomes == {
        "retry": 1, "sent": 2}
    retry = await OutboxMessage.get(status="pending", channel="email")
    assert "451" in retry.last_error
    clock.set(retry.next_attempt_at)
    assert (await drain_with(SmtpChannel("127.0.0.1", server.port, tls="none"), settings, clock, channels["sms"])).outcomes == {
        "sent": 1}
    assert len(server.recorder.received) == 2 and server.recorder.attempts == 3


async def test_5xx_fails_for_good(database, settings, channels, clock, now, smtp_factory):
    server = smtp_factory(Recorder(always="550 5.1.1 No such user"))
    await load_demo()
    await book(paris(2026, 12, 1, 11), now)
    stats = await drain_with(SmtpChannel("127.0.0.1", server.port, tls="none"), settings, clock, channels["sms"])
    assert stats.outcomes == {"failed": 2, "sent": 1}
    assert all("550" in row.last_error for row in await OutboxMessage.filter(status="failed"))


async def test_refused_connection_is_transient(database, settings, channels, clock, now):
    from tests.notifier.peers import free_port

    await load_demo()
    await book(paris(2026, 12, 1, 11), now)
    stats = await drain_with(SmtpChannel("127.0.0.1", free_port(), tls="none", timeout=2), settings, clock, channels["sms"])
    assert stats.outcomes == {"retry": 2, "sent": 1}


async def test_authentication_required_is_retried_not_failed(database, settings, channels, clock, now, smtp_factory,
                                                             server_tls, client_tls):
    # The server wants a login the deployment forgot (SMTP_USERNAME unset): "530 5.7.0
    # Authentication required" to MAIL FROM is a configuration problem, not the message's.
    server = smtp_factory(tls_context=server_tls, login=("creneau", "s3cret"))
    await load_demo()
    await book(paris(2026, 12, 1, 11), now)
    smtp = SmtpChannel("127.0.0.1", server.port, tls="starttls", tls_context=client_tls)
    assert (await drain_with(smtp, settings, clock, channels["sms"])).outcomes == {"retry": 2, "sent": 1}
    assert all("530" in row.last_error for row in await OutboxMessage.filter(status="pending", channel="email", attempts=1))


async def test_starttls_required_is_retried_not_failed(database, settings, channels, clock, now, smtp_factory, server_tls):
    server = smtp_factory(tls_context=server_tls)  # requires STARTTLS; the deployment said SMTP_TLS=none
    await load_demo()
    await book(paris(2026, 12, 1, 11), now)
    assert (await drain_with(SmtpChannel("127.0.0.1", server.port, tls="none"), settings, clock, channels["sms"])).outcomes == {
        "retry": 2, "sent": 1}


def test_security_refusals_are_transient_other_5xx_permanent():
    import aiosmtplib

    from notifier.channels.smtp import classify
    from notifier.errors import PermanentSendError, TransientSendError

    for code, text in [(530, "5.7.0 Authentication required"), (535, "5.7.8 Bad credentials"),
                       (538, "5.7.11 Encryption required"), (554, "5.7.0 Must issue a STARTTLS command first")]:
        assert isinstance(classify(aiosmtplib.SMTPSenderRefused(code, text, "a@example.org")), TransientSendError)
        refused = aiosmtplib.SMTPRecipientsRefused([aiosmtplib.SMTPRecipientRefused(code, text, "b@example.org")])
        assert isinstance(classify(refused), TransientSendError)
    assert isinstance(classify(aiosmtplib.SMTPSenderRefused(553, "5.1.8 Bad sender", "a@example.org")), PermanentSendError)
