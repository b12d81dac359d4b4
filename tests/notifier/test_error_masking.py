"""A provider's error text is kept for the message log (/admin/messages, `creneau outbox`), but
it may quote the recipient: "550 5.1.1 <marie.durand@example.fr>: Recipient address rejected",
"Non White-listed Destination 33612345678". The worker masks e-mail addresses and phone-like
runs of digits when it records the error; short codes (421, 4.3.2, err-code 29) stay readable."""

from __future__ import annotations

import pytest

from notifier.errors import PermanentSendError, TransientSendError, masked_error
from notifier.worker import drain_once
from portal.models import OutboxMessage
from tests.builders import book, load_demo, paris


class Refusing:
    """A provider that refuses every message, quoting its recipient."""

    concurrency, send_timeout = 4, 1.0

    def __init__(self, error: Exception):
        self.error = error

    async def send(self, message):
        raise self.error

    async def close(self):
        pass


@pytest.mark.parametrize(("raw", "shown"), [
    ("550 5.1.1 <marie.durand@example.fr>: Recipient address rejected", "550 5.1.1 <[e-mail]>: Recipient address rejected"),
    ("Non White-listed Destination 33612345678 (err-code 29)", "Non White-listed Destination [numéro] (err-code 29)"),
    ("invalid to: +33 6 12 34 56 78", "invalid to: [numéro]"),
    ("bad number 06.12.34.56.78, retry", "bad number [numéro], retry"),
    ("421 4.3.2 service not available", "421 4.3.2 service not available"),
    ("account 123456 over quota", "account [numéro] over quota"),
    ("HTTP 429 after 12345 ms", "HTTP 429 after 12345 ms"),
])
def test_addresses_and_long_numbers_are_masked_codes_kept(raw, shown):
    assert masked_error(raw) == shown


async def test_the_worker_records_provider_errors_masked(any_database, settings, clock, now):
    await load_demo()
    await book(paris(2026, 12, 3, 11), now)
    patient_email = "marie.durand@example.fr"
    channels = {"email": Refusing(PermanentSendError(f"550 5.1.1 <{patient_email}>: Recipient address rejected")),
                "sms": Refusing(TransientSendError("Non White-listed Destination 33612345678 (err-code 29)"))}
    outcomes = (await drain_once(settings, channels, now=clock)).outcomes
    assert outcomes.get("failed") and outcomes.get("retry")
    errors = await OutboxMessage.filter(attempts__gt=0).values_list("channel", "last_error")
    assert errors and all("@example" not in error and "33612345678" not in error for _, error in errors)
    by_channel = dict(errors)
    assert by_channel["email"] == "550 5.1.1 <[e-mail]>: Recipient address rejected"
    assert by_channel["sms"] == "TransientSendError: Non White-listed Destination [numéro] (err-code 29)"
