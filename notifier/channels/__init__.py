"""Channel adapters: translate an outgoing message into a provider call, and provider errors into
TransientSendError / PermanentSendError. No database access, no test-mode branches."""

from __future__ import annotations

import ssl
from typing import Protocol

from notifier.messages import OutgoingEmail, OutgoingSms


class Channel(Protocol):
    # The worker sends at most `concurrency` messages of a channel at once (its pool size, so a
    # checked message never queues inside the adapter), and a send never takes longer than
    # `send_timeout` seconds (the adapter enforces it): the worker's lease must cover that.
    concurrency: int
    send_timeout: float

    async def send(self, message: OutgoingEmail | OutgoingSms) -> str:
        """Hand the message to the provider; return its id for the message (or ours)."""

    async def close(self) -> None: ...


def build_channels(settings, *, tls_context: ssl.SSLContext | None = None) -> dict[str, Channel]:
    """{"email": …, "sms": …} as the settings choose (EMAIL_BACKEND, SMS_BACKEND)."""
    from notifier.channels.file import FileChannel
    from notifier.channels.memory import MemoryChannel

    channels: dict[str, Channel] = {}
    if settings.email_backend == "smtp":
        from notifier.channels.smtp import SmtpChannel

        channels["email"] = SmtpChannel(
            settings.smtp_host, settings.smtp_port, username=settings.smtp_username,
            password=str(settings.smtp_password), tls=settings.smtp_tls, tls_context=tls_context,
        )
    else:
        channels["email"] = MemoryChannel() if settings.email_backend == "memory" else FileChannel(settings.outbox_dir)
    if settings.sms_backend == "vonage":
        from notifier.channels.vonage import VonageChannel

        channels["sms"] = VonageChannel(
            settings.vonage_api_key, str(settings.vonage_api_secret), rest_host=settings.vonage_rest_host
        )
    else:
        channels["sms"] = MemoryChannel() if settings.sms_backend == "memory" else FileChannel(settings.outbox_dir)
    return channels
