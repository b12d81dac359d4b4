"""In-memory backend: keeps what was sent (tests, demos). `failures` lets a caller queue the
errors the next sends raise, the way a provider would."""

from __future__ import annotations

from collections import deque

from notifier.messages import OutgoingEmail, OutgoingSms


class MemoryChannel:
    concurrency = 16
    send_timeout = 1.0  # a list append

    def __init__(self) -> None:
        self.sent: list[OutgoingEmail | OutgoingSms] = []
        self.failures: deque[Exception] = deque()

    async def send(self, message: OutgoingEmail | OutgoingSms) -> str:
        if self.failures:
            raise self.failures.popleft()
        self.sent.append(message)
        return message.message_id if isinstance(message, OutgoingEmail) else message.client_ref

    async def close(self) -> None:
        return None
