"""Créneau behind PgBouncer in transaction mode (each transaction may land on another server
connection): concurrent bookings, which take transaction-scoped advisory locks, and the outbox
worker's claims, through the pooler with DATABASE_POOLER=transaction. Without that setting,
asyncpg's named prepared statements fail there ("prepared statement … does not exist")."""

from __future__ import annotations

import asyncio
import os
from urllib.parse import urlsplit

import pytest

from creneau import database as db
from notifier.channels.memory import MemoryChannel
from notifier.worker import drain_once
from portal.errors import SlotTaken
from portal.models import Appointment, OutboxMessage, Practitioner
from portal.settings import load_settings
from tests import pgbouncer
from tests.builders import book, paris, patient
from tests.conftest import POSTGRES_URL, _truncate_all
from tests.notifier.conftest import make_settings

STARTS = [paris(2026, 12, 1, hour) for hour in (9, 10, 11, 14, 15, 16, 17, 18)]


@pytest.fixture(scope="module")
def pooler():
    """postgres://user@host:port of a PgBouncer in transaction mode (no database)."""
    if os.environ.get("CRENEAU_TEST_PGBOUNCER_URL"):
        yield os.environ["CRENEAU_TEST_PGBOUNCER_URL"].rstrip("/")
        return
    if not POSTGRES_URL:
        pytest.skip(reason="CRENEAU_TEST_POSTGRES_URL is not set")
    if not pgbouncer.binary():
        pytest.skip(reason="pgbouncer is not installed (apt-get install pgbouncer; .ci/run does)")
    with pgbouncer.running(POSTGRES_URL) as url:
        yield url


@pytest.fixture
async def through_pooler(pooler, postgres_database, tmp_path):
    """The test database, reached through the pooler, configured as a deployment would be."""
    name = urlsplit(postgres_database).path
    settings = load_settings({"DATABASE_URL": pooler + name, "DATABASE_POOLER": "transaction",
                              "CRENEAU_VAR_DIR": str(tmp_path)}, env_file=None)
    await db.init(settings.database_url)
    await _truncate_all()
    yield settings
    await db.close()


async def test_bookings_and_the_worker_run_through_pgbouncer(through_pooler, now, tmp_path):
    from portal.practice.demo import load_demo

    await load_demo()
    # 24 online attempts at one practitioner within the hour: above the default online limit
    # (10 an hour, portal.limits), which this test of the pooler is not about.
    await Practitioner.all().update(online_bookings_per_hour=0, online_bookings_per_day=0)

    async def attempt(start, n: int) -> str:
        try:
            await book(start, now, patient=patient(email=f"p{n}@example.org", last_name="Patient-" + "abcdefghijklmnopqrstuvwxyz"[n]))
            return "booked"
        except SlotTaken:
            return "taken"

    # Three patients race for each of eight slots, over one pool of 10 server connections.
    outcomes = await asyncio.gather(*(attempt(start, 3 * i + k) for i, start in enumerate(STARTS) for k in range(3)))
    assert sorted(outcomes) == ["booked"] * len(STARTS) + ["taken"] * 2 * len(STARTS)
    assert sorted(await Appointment.all().values_list("starts_at", flat=True)) == STARTS

    channels = {"email": MemoryChannel(), "sms": MemoryChannel()}
    settings = make_settings(through_pooler.database_url, tmp_path)
    due = await OutboxMessage.filter(status="pending", next_attempt_at__lte=now).count()
    assert due >= len(STARTS)  # at least a confirmation each
    while (await drain_once(settings, channels, now=lambda: now, batch_size=5)).claimed:
        pass
    sent = len(channels["email"].sent) + len(channels["sms"].sent)
    assert sent == due
    assert await OutboxMessage.filter(status="sending").count() == 0
