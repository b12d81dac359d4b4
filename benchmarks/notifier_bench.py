"""Notifier throughput and memory (`make bench`).

1. Messages per second from the outbox into an SMTP sink (aiosmtpd in its own process), through
   the real worker (claim, re-read, render, .ics, compose, send, record) on SQLite — beside raw
   aiosmtplib sending the very same, already built messages over one connection. Target ≥ 50 %.
   The same again with 1,000,000 sent messages kept in the outbox (after ANALYZE).
2. The worker's resident memory from the 1,000th to the 20,000th message: flat within 10 %.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from portal.patients.consent_texts import PRIVACY_NOTICE_VERSION

THROUGHPUT_MESSAGES = 1000
MEMORY_MESSAGES = 20_000
HISTORY_MESSAGES = 1_000_000
LONG_AGO, FAR_AHEAD = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)

SINK = """
import sys, time
from aiosmtpd.controller import Controller
class Sink:
    async def handle_DATA(self, server, session, envelope):
        return "250 OK"
controller = Controller(Sink(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
print("ready", flush=True)
sys.stdin.read()
controller.stop()
"""


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _rss_bytes() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


async def _seed(count: int) -> None:
    from portal.models import OutboxMessage
    from tests.builders import book, load_demo, paris

    if not await OutboxMessage.exists():
        await load_demo()
        await book(paris(2026, 12, 1, 11), datetime(2026, 11, 30, 8, tzinfo=UTC),
                   consents={"privacy_notice": PRIVACY_NOTICE_VERSION, "email_reminders": False, "sms_reminders": False})
    template = await OutboxMessage.filter(kind="confirmation", channel="email").first()
    start = await OutboxMessage.all().count()
    await OutboxMessage.bulk_create([
        OutboxMessage(practice_id=template.practice_id, appointment_id=template.appointment_id, kind="confirmation",
                      channel="email", audience="patient", appointment_version=1, dedupe_key=f"bench-{start + n}",
                      due_at=LONG_AGO, expires_at=FAR_AHEAD, next_attempt_at=LONG_AGO)
        for n in range(count)
    ], batch_size=1000)
    await OutboxMessage.filter(status="pending").update(next_attempt_at=LONG_AGO, expires_at=FAR_AHEAD)


class Capturing:
    """Wraps the SMTP channel to keep what it sent (for the raw baseline) or just count."""

    def __init__(self, inner, keep: bool):
        self.inner, self.keep, self.sent, self.count = inner, keep, [], 0

    async def send(self, message):
        result = await self.inner.send(message)
        self.count += 1
        if self.keep:
            self.sent.append(message)
        return result

    async def close(self):
        await self.inner.close()


async def _drain_all(settings, channels, on_count=None) -> None:
    from notifier.worker import drain_once

    while True:
        stats = await drain_once(settings, channels, batch_size=100)
        if on_count:
            on_count(channels["email"].count)
        if not stats.claimed:
            return


async def _raw(port: int, messages) -> float:
    import aiosmtplib

    client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False)
    await client.connect()
    started = time.perf_counter()
    for outgoing in messages:
        await client.send_message(outgoing.message, sender=outgoing.sender, recipients=list(outgoing.recipients))
    elapsed = time.perf_counter() - started
    await client.quit()
    return len(messages) / elapsed


async def _at_scale(settings, port: int, workdir: Path, small_rate: float) -> list[tuple[str, str, str]]:
    """The same drain with 1,000,000 sent messages kept in the outbox, statistics gathered at a
    quiet moment (every message sent: when SQLite's lease-release plan used to scan the table)."""
    from notifier.channels.file import FileChannel
    from notifier.channels.smtp import SmtpChannel
    from portal.models import Practice
    from tests import bulk

    practice = await Practice.first()
    assert practice is not None
    started = time.perf_counter()
    await bulk.seed_outbox(practice.id, count=HISTORY_MESSAGES, status="sent", now=LONG_AGO, tag="history")
    await bulk.analyze()
    seeded = time.perf_counter() - started
    await _seed(THROUGHPUT_MESSAGES)
    email = Capturing(SmtpChannel("127.0.0.1", port, tls="none"), keep=False)
    channels = {"email": email, "sms": FileChannel(workdir / "sms")}
    started = time.perf_counter()
    await _drain_all(settings, channels)
    rate = email.count / (time.perf_counter() - started)
    await email.close()
    return [(f"notifier: outbox → SMTP beside {HISTORY_MESSAGES:,} sent rows, msg/s", f"{rate:.0f}",
             f"{rate / small_rate:.2f}x the empty outbox's; seeded in {seeded:.0f} s")]


async def _main(port: int, workdir: Path) -> list[tuple[str, str, str]]:
    from starlette.datastructures import Secret

    from creneau import database as db
    from notifier.channels.file import FileChannel
    from notifier.channels.smtp import SmtpChannel
    from portal.settings import Settings

    url = f"sqlite://{workdir}/bench.sqlite3"
    await db.migrate(url)
    await db.close()
    await db.init(url)
    settings = Settings(database_url=url, secret_key=Secret("bench-secret-key-that-is-long-enough-0123456789"),
                        base_url="https://rdv.example.fr", mail_from="Créneau <no-reply@rdv.example.fr>")
    rows: list[tuple[str, str, str]] = []
    try:
        await _seed(THROUGHPUT_MESSAGES)
        email = Capturing(SmtpChannel("127.0.0.1", port, tls="none"), keep=True)
        channels = {"email": email, "sms": FileChannel(workdir / "sms")}
        started = time.perf_counter()
        await _drain_all(settings, channels)
        worker_rate = email.count / (time.perf_counter() - started)
        await email.close()
        raw_rate = await _raw(port, email.sent)
        rows += [
            ("notifier: outbox → SMTP, messages/s", f"{worker_rate:.0f}", "≥ 50 % of raw"),
            ("notifier: raw aiosmtplib, 1 connection, msg/s", f"{raw_rate:.0f}", "baseline"),
            ("notifier: worker / raw", f"{100 * worker_rate / raw_rate:.0f} %", "≥ 50 %"),
        ]
        email.sent.clear()
        rows += await _at_scale(settings, port, workdir, worker_rate)

        await _seed(MEMORY_MESSAGES)
        counter = Capturing(SmtpChannel("127.0.0.1", port, tls="none"), keep=False)
        channels = {"email": counter, "sms": FileChannel(workdir / "sms")}
        samples: dict[str, int] = {}

        def sample(count: int) -> None:
            if count >= 1000 and "first" not in samples:
                samples["first"] = _rss_bytes()
            samples["last"] = _rss_bytes()

        await _drain_all(settings, channels, sample)
        await counter.close()
        growth = 100 * (samples["last"] - samples["first"]) / samples["first"]
        rows.append((f"notifier: worker RSS, message 1,000 → {counter.count:,}",
                     f"{samples['first'] / 2**20:.0f}→{samples['last'] / 2**20:.0f} MiB ({growth:+.1f} %)", "within 10 %"))
    finally:
        await db.close()
    return rows


@contextmanager
def smtp_sink() -> Iterator[tuple[int, int]]:
    """The SMTP sink (aiosmtpd) in a process of its own, listening: (its port, its pid)."""
    port = _free_port()
    sink = subprocess.Popen([sys.executable, "-c", SINK, str(port)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    assert sink.stdout is not None and sink.stdin is not None
    try:
        assert sink.stdout.readline().strip() == "ready"
        yield port, sink.pid
    finally:
        sink.stdin.close()  # the sink stops when its standard input closes
        try:
            sink.wait(timeout=10)
        except subprocess.TimeoutExpired:
            sink.kill()


def run() -> list[tuple[str, str, str]]:
    with smtp_sink() as (port, _), tempfile.TemporaryDirectory() as workdir:
        return asyncio.run(_main(port, Path(workdir)))


if __name__ == "__main__":
    for row in run():
        print(" | ".join(row))
