"""Development backend: one `.eml` or `.txt` per message under `var/outbox/`, and a log line.

A message sent twice (after a crash) overwrites its own file: the name comes from the outbox row.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from notifier.messages import OutgoingEmail, OutgoingSms

log = logging.getLogger("creneau.notifier")


class FileChannel:
    concurrency = 16
    send_timeout = 1.0  # a local file write

    def __init__(self, directory: Path):
        self.directory = Path(directory)

    def _write(self, name: str, data: bytes) -> Path:
        # Messages hold patients' names and manage links: owner-only directory and files.
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = self.directory / name
        temporary = path.with_name(f".{name}.tmp")
        with os.fdopen(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as handle:
            os.fchmod(handle.fileno(), 0o600)  # a leftover temporary file keeps its old mode otherwise
            handle.write(data)
        os.replace(temporary, path)  # readers never see half a message
        return path

    async def send(self, message: OutgoingEmail | OutgoingSms) -> str:
        if isinstance(message, OutgoingEmail):
            path = self._write(f"{message.name}.eml", message.message.as_bytes())
            # No address in the log: logs outlive an erasure (the file itself is removed by it).
            log.info("e-mail written to %s", path)
            return message.message_id
        body = f"To: {message.to}\nFrom: {message.sender}\nClient-Ref: {message.client_ref}\n\n{message.text}\n"
        path = self._write(f"{message.name}.txt", body.encode())
        log.info("SMS written to %s", path)
        return message.client_ref

    async def close(self) -> None:
        return None
