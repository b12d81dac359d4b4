"""Workers in their own OS processes: SIGKILL mid-batch loses nothing; several workers on
PostgreSQL send 2,000 messages exactly once. Bounded in time; waits on conditions, not clocks."""

from __future__ import annotations

import asyncio
import collections
import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from creneau import database as db
from portal.models import OutboxMessage
from portal.patients.consent_texts import PRIVACY_NOTICE_VERSION
from tests.builders import book, load_demo, paris
from tests.concurrency.server import stop
from tests.conftest import _open, requires_postgres
from tests.notifier.peers import Recorder, bare_message_id

ROOT = Path(__file__).resolve().parents[2]
LONG_AGO, FAR_AHEAD = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)


class GatedRecorder(Recorder):
    """A provider that accepts the first `open_for` messages, then holds its answer to every
    later one until released: the worker is then surely waiting mid-batch, however loaded the
    machine (a provider that was merely slow let a starved test see the worker finish first)."""

    def __init__(self, open_for: int):
        super().__init__()
        self.open_for = open_for
        self.seen = 0
        self.gate = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.seen += 1
            held = self.seen > self.open_for
        if held:  # waited for off the SMTP server's loop; bounded so that a failed test cannot hang
            await asyncio.to_thread(self.gate.wait, 60)
        return await super().handle_DATA(server, session, envelope)


def start_worker(url: str, port: int, lease: float = 4.0, batch: int = 20) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.notifier.worker_process", url, str(port), str(lease), str(batch)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )


async def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def many_messages(count: int, now) -> list[int]:
    """One booking's confirmation row, copied `count` times (distinct dedupe keys)."""
    await load_demo()
    await book(paris(2026, 12, 1, 11), now, consents={"privacy_notice": PRIVACY_NOTICE_VERSION, "email_reminders": False,
                                                        "sms_reminders": False})
    template = await OutboxMessage.get(kind="confirmation", channel="email")
    rows = [
        OutboxMessage(practice_id=template.practice_id, appointment_id=template.appointment_id, kind="confirmation",
                      channel="email", audience="patient", appointment_version=1, dedupe_key=f"copy-{n}",
                      due_at=now, expires_at=template.expires_at, next_attempt_at=now)
        for n in range(count - 2)
    ]
    await OutboxMessage.bulk_create(rows, batch_size=500)
    # The worker processes read the real clock: every row due long ago, expiring far ahead.
    await OutboxMessage.all().update(next_attempt_at=LONG_AGO, due_at=LONG_AGO, expires_at=FAR_AHEAD)
    return list(await OutboxMessage.all().values_list("id", flat=True))


async def test_sigkill_mid_batch_loses_nothing(database, now, smtp_factory):
    server = smtp_factory(GatedRecorder(open_for=50))
    ids = await many_messages(200, now)
    worker = start_worker(database, server.port)
    try:
        await wait_for(lambda: _async(server.recorder.seen > 50), 30, "the worker waiting on message 51")
        worker.kill()  # SIGKILL: no clean-up at all
        worker.wait(timeout=10)
    finally:
        stop(worker)
    server.recorder.gate.set()  # the provider answers again (it may still accept what the dead worker sent)
    in_flight = set(await OutboxMessage.filter(status="sending").values_list("id", flat=True))
    assert in_flight, "the kill should land mid-batch"
    received_before = len(server.recorder.received)
    assert received_before < 200

    worker = start_worker(database, server.port)
    try:
        await wait_for(lambda: _sent_count(len(ids)), 60, "every message after the restart")
    finally:
        stop(worker)
    counts = collections.Counter(bare_message_id(r.message["Message-ID"]) for r in server.recorder.received)
    assert set(counts) == {f"<outbox-{i}@rdv.example.fr>" for i in ids}  # nothing lost, nothing foreign
    twice = {mid for mid, n in counts.items() if n > 1}
    # Only messages the provider had accepted but the dead worker had not recorded went twice,
    # and each time with the same Message-ID.
    assert {int(mid.split("-")[1].split("@")[0]) for mid in twice} <= in_flight
    assert all(n <= 2 for n in counts.values())


async def _async(value):
    return value


async def _sent_count(expected: int) -> bool:
    return await OutboxMessage.filter(status="sent").count() == expected


@requires_postgres
async def test_several_workers_on_postgres_send_2000_messages_exactly_once(postgres_database, now, smtp_factory):
    await _open(postgres_database)
    try:
        server = smtp_factory()
        ids = await many_messages(2000, now)
        workers = [start_worker(postgres_database, server.port, lease=60, batch=50) for _ in range(3)]
        try:
            await wait_for(lambda: _sent_count(len(ids)), 80, "2,000 messages")
        finally:
            for worker in workers:
                stop(worker)
        counts = collections.Counter(bare_message_id(r.message["Message-ID"]) for r in server.recorder.received)
        assert len(server.recorder.received) == 2000 and len(counts) == 2000
        assert set(counts) == {f"<outbox-{i}@rdv.example.fr>" for i in ids}
    finally:
        await db.close()
