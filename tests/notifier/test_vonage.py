"""SMS through the real Vonage SDK into a local HTTPS stub speaking the SMS API."""

import random

import pytest

from notifier.channels.vonage import VonageChannel
from notifier.errors import PermanentSendError, TransientSendError
from notifier.messages import OutgoingSms
from notifier.worker import drain_once
from portal.models import OutboxMessage
from tests.builders import book, load_demo, paris

SMS = OutgoingSms("+33612345678", "Cabinet", "Cabinet : RDV mar. 1 déc. à 11h00", "outbox-9")


def channel(stub) -> VonageChannel:
    return VonageChannel("key", "secret", rest_host=stub.host, timeout=5)


async def test_the_sdk_reaches_the_stub_over_https(vonage_stub):
    assert await channel(vonage_stub).send(SMS) == "vonage-1"
    sent = vonage_stub.requests[0]
    assert sent["_path"] == "/sms/json" and sent["to"] == "33612345678" and sent["from"] == "Cabinet"
    assert sent["client-ref"] == "outbox-9" and sent["text"] == SMS.text and sent["type"] == "text"
    assert sent["_authorization"].startswith("Basic ")


@pytest.mark.parametrize("reply, error", [
    ((500, "0"), TransientSendError), ((503, "0"), TransientSendError), ((429, "0"), TransientSendError),
    ((200, "1"), TransientSendError),  # throttled
    ((200, "5"), TransientSendError),  # internal error
    ((200, "3"), PermanentSendError),  # invalid number
    ((200, "33"), PermanentSendError),  # number de-activated
    ((400, "0"), PermanentSendError),
])
async def test_provider_errors_are_classified(vonage_stub, reply, error):
    vonage_stub.replies.append(reply)
    with pytest.raises(error):
        await channel(vonage_stub).send(SMS)


async def test_worker_sends_confirmation_sms_with_the_practice_sender(database, settings, channels, clock, now, vonage_stub):
    from portal.models import Practice

    await load_demo()
    await Practice.all().update(sms_sender_id="LILAS")
    await book(paris(2026, 12, 1, 11), now)
    vonage_stub.replies.append((500, "0"))
    sms_channel = channel(vonage_stub)
    stats = await drain_once(settings, {"email": channels["email"], "sms": sms_channel}, now=clock, rng=random.Random(4))
    assert stats.outcomes == {"sent": 2, "retry": 1}
    row = await OutboxMessage.get(channel="sms", kind="confirmation")
    clock.set(row.next_attempt_at)
    assert (await drain_once(settings, {"email": channels["email"], "sms": sms_channel}, now=clock)).outcomes == {"sent": 1}
    row = await OutboxMessage.get(id=row.id)
    assert row.status == "sent" and row.provider_id == "vonage-1"
    first, second = vonage_stub.requests
    assert first["client-ref"] == second["client-ref"] == f"outbox-{row.id}" and second["from"] == "LILAS"
