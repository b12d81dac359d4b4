"""Issue 12 item 1: an address with accents (zoé@exämple.fr) gets every e-mail, or is refused at
booking with a clear message — never accepted and then failing in the worker."""

import random
from email import message_from_string, policy as email_policy

import pytest

from notifier.channels.smtp import SmtpChannel
from notifier.worker import drain_once
from portal.booking.book import book_appointment
from portal.models import OutboxMessage
from portal.patients.input import FieldErrors
from tests.builders import SECRET_KEY, load_demo, paris, patient, request, visitor

ZOE = "zoé@exämple.fr"


async def test_an_accented_address_reaches_an_smtputf8_server(database, settings, channels, clock, now, smtp_factory):
    server = smtp_factory(smtputf8=True)
    await load_demo()
    await book_appointment(visitor(now), request(paris(2026, 12, 1, 11), patient=patient(email=ZOE)),
                           secret_key=SECRET_KEY, utf8_mailboxes=True)
    email = SmtpChannel("127.0.0.1", server.port, tls="none")
    try:
        stats = await drain_once(settings, {"email": email, "sms": channels["sms"]}, now=clock, rng=random.Random(3))
    finally:
        await email.close()
    assert stats.outcomes == {"sent": 3}
    received = {r.recipients[0]: r for r in server.recorder.received}
    # The domain leaves IDNA-encoded; the mailbox name as UTF-8 under SMTPUTF8.
    assert "zoé@xn--exmple-cua.fr" in received
    # Raw UTF-8 headers (RFC 6532), read back as a UTF-8 aware client does.
    message = message_from_string(received["zoé@xn--exmple-cua.fr"].data.decode("utf-8"), policy=email_policy.default)
    assert message["To"].addresses[0].addr_spec == "zoé@xn--exmple-cua.fr"
    assert message["To"].addresses[0].display_name == "Élise Durand-Lefèvre"
    assert {"text/plain", "text/calendar"} <= {part.get_content_type() for part in message.walk()}


async def test_an_accented_domain_needs_no_smtputf8(database, settings, channels, clock, now, smtp_factory):
    server = smtp_factory(smtputf8=False)
    await load_demo()
    await book_appointment(visitor(now), request(paris(2026, 12, 1, 11), patient=patient(email="zoe@exämple.fr")),
                           secret_key=SECRET_KEY, utf8_mailboxes=False)
    email = SmtpChannel("127.0.0.1", server.port, tls="none")
    try:
        stats = await drain_once(settings, {"email": email, "sms": channels["sms"]}, now=clock, rng=random.Random(3))
    finally:
        await email.close()
    assert stats.outcomes == {"sent": 3}
    assert "zoe@xn--exmple-cua.fr" in {r.recipients[0] for r in server.recorder.received}


async def test_without_smtputf8_an_accented_mailbox_is_refused_at_booking(database, now):
    await load_demo()
    with pytest.raises(FieldErrors) as refused:
        await book_appointment(visitor(now), request(paris(2026, 12, 1, 11), patient=patient(email=ZOE)),
                               secret_key=SECRET_KEY, utf8_mailboxes=False)
    assert "accents avant le @" in refused.value.fields["patient.email"]
    assert await OutboxMessage.all().count() == 0
