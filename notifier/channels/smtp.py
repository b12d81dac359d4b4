"""E-mail through SMTP (aiosmtplib), over a small pool of reused connections.

Error mapping: a 4xx reply, a timeout, a refused or dropped connection is transient; a 5xx reply
to the message (sender, recipient, data) is permanent. Authentication and TLS problems are the
deployment's, not the message's: transient, so that fixing the configuration lets them go.
"""

from __future__ import annotations

import asyncio
import ssl

import aiosmtplib

from notifier.errors import PermanentSendError, TransientSendError
from notifier.messages import OutgoingEmail


def classify(exc: BaseException) -> Exception:
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = [refusal.code for refusal in exc.recipients]
        if codes and all(code >= 500 for code in codes):
            return PermanentSendError(f"recipients refused: {codes}")
        return TransientSendError(f"recipients refused: {codes}")
    if isinstance(exc, (aiosmtplib.SMTPAuthenticationError, aiosmtplib.SMTPConnectError, aiosmtplib.SMTPHeloError)):
        return TransientSendError(f"{type(exc).__name__}: {exc}")
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        error = PermanentSendError if exc.code >= 500 else TransientSendError
        return error(f"SMTP {exc.code}: {exc.message}")
    if isinstance(exc, (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError, ssl.SSLError)):
        return TransientSendError(f"{type(exc).__name__}: {exc}")
    return exc if isinstance(exc, Exception) else RuntimeError(str(exc))


class SmtpChannel:
    def __init__(self, host: str, port: int, *, username: str = "", password: str = "", tls: str = "starttls",
                 timeout: float = 15.0, pool_size: int = 4, tls_context: ssl.SSLContext | None = None):
        self._options = dict(
            hostname=host, port=port, timeout=timeout, use_tls=tls == "tls",
            # "starttls" requires it; "none" never upgrades (a local relay).
            start_tls=True if tls == "starttls" else False, tls_context=tls_context,
        )
        self._login = (username, password) if username else None
        self._idle: list[aiosmtplib.SMTP] = []
        self._slots = asyncio.Semaphore(pool_size)

    async def _connect(self) -> aiosmtplib.SMTP:
        client = aiosmtplib.SMTP(**self._options)
        await client.connect()
        if self._login:
            try:
                await client.login(*self._login)
            except Exception:
                client.close()
                await asyncio.sleep(0)  # let the transport close its socket
                raise
        return client

    async def _acquire(self) -> aiosmtplib.SMTP:
        while self._idle:
            client = self._idle.pop()
            if client.is_connected:
                return client
        return await self._connect()

    async def send(self, message: OutgoingEmail) -> str:
        async with self._slots:
            client = None
            try:
                client = await self._acquire()
                await client.send_message(message.message, sender=message.sender, recipients=list(message.recipients))
            except Exception as exc:
                if client is not None:
                    await self._recycle(client, exc)
                raise classify(exc) from exc
            self._idle.append(client)
            return message.message_id

    async def _recycle(self, client: aiosmtplib.SMTP, exc: Exception) -> None:
        """A refused message leaves a usable session once reset; anything else drops it."""
        if isinstance(exc, (aiosmtplib.SMTPResponseException, aiosmtplib.SMTPRecipientsRefused)) and client.is_connected:
            try:
                await client.rset()
                self._idle.append(client)
                return
            except Exception:
                pass
        client.close()
        await asyncio.sleep(0)  # let the transport finish closing its socket

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for client in idle:
            try:
                await asyncio.wait_for(client.quit(), timeout=2)
            except Exception:  # closing is best effort: the server may be gone already
                client.close()
