"""What leaves the machine: plain values handed to a channel adapter (no ORM, no settings)."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import Message


@dataclass(frozen=True)
class OutgoingEmail:
    message: Message  # complete, headers included
    sender: str  # envelope sender (bare address)
    recipients: tuple[str, ...]  # envelope recipients, never parsed back from headers
    message_id: str  # "<…@host>", derived from the outbox row: the same on every retry

    @property
    def name(self) -> str:
        """A file-name friendly identifier (the file backend names its files after it): outbox-{row
        id}, without the Message-ID's creation salt, so that erasure finds the files of its rows
        (portal.patients.erasure.remove_message_files)."""
        return self.message_id.strip("<>").split("@")[0].split(".")[0]


@dataclass(frozen=True)
class OutgoingSms:
    to: str  # E.164, with its "+"
    sender: str  # alphanumeric sender id or number
    text: str  # already one GSM-7 segment
    client_ref: str  # derived from the outbox row: the same on every retry

    @property
    def name(self) -> str:
        return self.client_ref
