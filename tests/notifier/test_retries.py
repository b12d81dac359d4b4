"""Retries: a provider outage retries until the message expires (the backoff never overflows);
only a message that breaks its worker again and again is set aside; a retry by hand starts over."""

import random
from datetime import timedelta

from notifier import policy
from notifier.admin import retry_message
from notifier.channels.memory import MemoryChannel
from notifier.claim import claim_due, release_expired_leases
from notifier.errors import TransientSendError
from notifier.models import OutboxStrike
from notifier.worker import drain_once
from portal.models import OutboxMessage
from tests.builders import book, load_demo, paris


class Down:
    """A provider that is down: every send is refused for now."""

    concurrency, send_timeout = 4, 1.0

    async def send(self, message):
        raise TransientSendError("421 4.3.2 service not available")

    async def close(self):
        pass


def test_the_backoff_is_capped_whatever_the_attempt(now):
    rng = random.Random(4)
    for attempts in (1, 8, 43, 51, 10_000):
        when = policy.retry_at(attempts, now, now + timedelta(days=30), rng)
        assert now + policy.BACKOFF_FLOOR <= when <= now + policy.BACKOFF_CAP


async def test_a_long_outage_retries_until_expiry_and_never_gives_up_early(any_database, settings, clock, now):
    await load_demo()
    await book(paris(2026, 12, 18, 11), now)  # nearly three weeks ahead: three confirmations
    down, rng = {"email": Down(), "sms": Down()}, random.Random(5)
    for _ in range(60):  # past the old limit of 50 attempts, and past the 2**n overflow at 43
        assert (await drain_once(settings, down, now=clock, rng=rng)).outcomes == {"retry": 3}
        clock.set(max(await OutboxMessage.filter(attempts__gt=0).values_list("next_attempt_at", flat=True)))
    assert set(await OutboxMessage.filter(attempts__gt=0).values_list("status", "attempts")) == {("pending", 60)}
    assert clock() < paris(2026, 12, 18, 11)
    working = {"email": MemoryChannel(), "sms": MemoryChannel()}
    assert (await drain_once(settings, working, now=clock)).outcomes == {"sent": 3}


async def die_mid_batch(times: int, clock) -> None:
    """`times` workers in a row claim the due rows and die (SIGKILL): their leases run out."""
    for _ in range(times):
        await release_expired_leases(clock())
        await claim_due(clock(), clock() + timedelta(minutes=2), 50)
        clock.advance(minutes=3)


async def test_a_message_that_keeps_killing_its_worker_is_set_aside(any_database, settings, channels, clock, now):
    await load_demo()
    await book(paris(2026, 12, 3, 11), now)
    await die_mid_batch(policy.MAX_STRIKES - 1, clock)
    assert (await drain_once(settings, channels, now=clock)).outcomes == {"sent": 3}  # one strike short: it goes
    assert set(await OutboxStrike.all().values_list("strikes", flat=True)) == {policy.MAX_STRIKES - 1}

    await book(paris(2026, 12, 4, 11), now)
    await die_mid_batch(policy.MAX_STRIKES, clock)
    assert (await drain_once(settings, channels, now=clock)).outcomes == {"dead": 3}
    dead = await OutboxMessage.filter(status="dead").values_list("last_error", flat=True)
    assert all(f"broke its worker {policy.MAX_STRIKES} times" in error for error in dead)


async def test_a_retry_by_hand_starts_over_with_no_strikes(any_database, settings, channels, clock, now):
    await load_demo()
    await book(paris(2026, 12, 3, 11), now)
    await die_mid_batch(policy.MAX_STRIKES, clock)
    await drain_once(settings, channels, now=clock)
    row = await OutboxMessage.get(status="dead", kind="confirmation", channel="sms")
    await OutboxMessage.filter(id=row.id).update(attempts=60)  # also after a long life of claims
    await retry_message(row.id, clock())
    assert not await OutboxStrike.filter(message_id=row.id).exists()
    assert (await drain_once(settings, channels, now=clock)).outcomes == {"sent": 1}
    sent = await OutboxMessage.get(id=row.id)
    # `attempts` is the claims' fencing token: it only ever grows.
    assert sent.status == "sent" and sent.attempts == 61 and len(channels["sms"].sent) == 1
