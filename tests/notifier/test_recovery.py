"""Prompt recovery (issue 10 item 7): after an SMTP or SMS outage ends, the delayed messages go
out within a minute or two — not after a backoff of up to an hour — and never after the
appointment starts. Real peers (aiosmtpd, the Vonage stub over HTTPS) go down and come back on
their port; the worker's clock is injected."""

from __future__ import annotations

import random
from datetime import timedelta

from notifier.channels.memory import MemoryChannel
from notifier.channels.smtp import SmtpChannel
from notifier.channels.vonage import VonageChannel
from notifier.worker import drain_once
from portal.models import OutboxMessage
from tests.builders import book, load_demo, paris


async def held_back(channel: str) -> list[OutboxMessage]:
    return await OutboxMessage.filter(channel=channel, status="pending", attempts__gt=0).order_by("next_attempt_at")


async def outage_until_long_backoff(settings, channels, clock, name: str, rng) -> None:
    """Drain through the outage, each retry when it falls due, until the next one is far off."""
    for _ in range(40):
        await drain_once(settings, channels, now=clock, rng=rng)
        waiting = await held_back(name)
        assert waiting and all(m.last_error.startswith("TransientSendError:") for m in waiting)
        if waiting[0].next_attempt_at > clock() + timedelta(minutes=10):
            return
        clock.set(waiting[0].next_attempt_at)
    raise AssertionError("the backoff never grew past 10 minutes")


async def within_two_minutes(settings, channels, clock, rng) -> dict[str, int]:
    """What the worker does in the two minutes after the provider is back (a drain every 15 s)."""
    outcomes: dict[str, int] = {}
    for _ in range(8):
        clock.advance(seconds=15)
        for status, count in (await drain_once(settings, channels, now=clock, rng=rng)).outcomes.items():
            outcomes[status] = outcomes.get(status, 0) + count
    return outcomes


async def test_smtp_backlog_goes_out_within_two_minutes_of_the_server_coming_back(
        any_database, settings, clock, now, smtp_factory):
    server = smtp_factory()
    await load_demo()
    await book(paris(2026, 12, 14, 11), now)  # two weeks ahead: the backoff reaches its cap
    email = SmtpChannel("127.0.0.1", server.port, tls="none", timeout=2)
    channels, rng = {"email": email, "sms": MemoryChannel()}, random.Random(11)
    try:
        server.stop()
        await outage_until_long_backoff(settings, channels, clock, "email", rng)
        assert server.recorder.received == []
        server.restart()
        back = clock()
        assert (await within_two_minutes(settings, channels, clock, rng)) == {"sent": 2}
    finally:
        await email.close()
    assert len(server.recorder.received) == 2 and not await held_back("email")
    sent = await OutboxMessage.filter(channel="email", status="sent").values_list("sent_at", flat=True)
    assert len(sent) == 2
    assert all(back < moment <= back + timedelta(minutes=2) for moment in sent)


async def test_sms_backlog_goes_out_within_two_minutes_of_the_provider_coming_back(
        any_database, settings, clock, now, vonage_stub, server_tls):
    await load_demo()
    await book(paris(2026, 12, 14, 11), now)
    sms = VonageChannel("key", "secret", rest_host=vonage_stub.host, timeout=2)
    port = vonage_stub.server.server_address[1]
    channels, rng = {"email": MemoryChannel(), "sms": sms}, random.Random(12)
    vonage_stub.stop()
    await outage_until_long_backoff(settings, channels, clock, "sms", rng)
    vonage_stub.start(server_tls, port=port)
    back = clock()
    assert (await within_two_minutes(settings, channels, clock, rng)) == {"sent": 1}
    assert [r["client-ref"] for r in vonage_stub.requests if "client-ref" in r] != []
    [sent] = await OutboxMessage.filter(channel="sms", status="sent").values_list("sent_at", flat=True)
    assert back < sent <= back + timedelta(minutes=2)


async def test_a_backlog_released_after_the_appointment_started_is_never_sent(
        any_database, settings, clock, now, smtp_factory):
    server = smtp_factory()
    await load_demo()
    await book(paris(2026, 12, 1, 11), now)
    email = SmtpChannel("127.0.0.1", server.port, tls="none", timeout=2)
    channels, rng = {"email": email, "sms": MemoryChannel()}, random.Random(13)
    try:
        server.stop()
        await drain_once(settings, channels, now=clock, rng=rng)
        clock.set(paris(2026, 12, 1, 11, 1))  # the outage outlasts the appointment's start
        server.restart()
        outcomes = await within_two_minutes(settings, channels, clock, rng)
    finally:
        await email.close()
    assert server.recorder.received == [] and outcomes.get("sent", 0) == 0
    assert set(await OutboxMessage.filter(channel="email", attempts__gt=0).values_list("status", flat=True)) == {"expired"}
