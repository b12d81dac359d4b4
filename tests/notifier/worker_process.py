"""A worker in its own OS process, for the crash and multi-worker tests:
`python -m tests.notifier.worker_process DATABASE_URL SMTP_PORT LEASE_SECONDS BATCH`.
It stops on SIGTERM (finishing its batch) and can be SIGKILLed at any point."""

from __future__ import annotations

import asyncio
import signal
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

from starlette.datastructures import Secret

from creneau import database as db
from notifier.channels.file import FileChannel
from notifier.channels.smtp import SmtpChannel
from notifier.worker import run_loop
from portal.settings import Settings


async def main(database_url: str, smtp_port: int, lease_seconds: float, batch: int) -> None:
    settings = Settings(database_url=database_url, secret_key=Secret("test-secret-key-that-is-long-enough-0123456789"),
                        base_url="https://rdv.example.fr", mail_from="Créneau <no-reply@rdv.example.fr>")
    # The lease must outlast a whole send (twice the SMTP timeout), or every message is handed back.
    channels = {"email": SmtpChannel("127.0.0.1", smtp_port, tls="none", timeout=min(10.0, lease_seconds / 4)),
                "sms": FileChannel(Path(tempfile.mkdtemp()))}
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    await db.init(database_url)
    print("ready", flush=True)
    try:
        await run_loop(settings, stop, channels=channels, batch_size=batch, lease=timedelta(seconds=lease_seconds),
                       poll_seconds=0.05)
    finally:
        await channels["email"].close()
        await db.close()


if __name__ == "__main__":
    url, port, lease, batch = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
    asyncio.run(main(url, port, lease, batch))
