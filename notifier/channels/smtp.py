"""E-mail through SMTP (aiosmtplib), over a small pool of reused connections.

Error mapping: a 4xx reply, a timeout, a refused or dropped connection is transient; a 5xx reply
to the message (sender, recipient, data) is permanent. Authentication and TLS problems are the
deployment's, not the message's: transient, so that fixing the configuration lets them go. That
includes their 5xx replies to MAIL FROM or RCPT TO ("530 5.7.0 Authentication required", "530
Must issue a STARTTLS command first", 535, 538).
"""

from __future__ import annotations

import asyncio
import ssl

import aiosmtplib

from notifier.errors import PermanentSendError, TransientSendError
from notifier.messages import OutgoingEmail

# 530 authentication (or STARTTLS) required, 535 credentials refused, 538 encryption required
# for this mechanism; enhanced status 5.7.0 is what servers put on those.
DEPLOYMENT_CODES = {530, 535, 538}


def deployment_problem(code: int, message: str) -> bool:
    return code in DEPLOYMENT_CODES or message.lstrip().startswith("5.7.0")


def classify(exc: BaseException) -> Exception:
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        refusals = [(refusal.code, refusal.message) for refusal in exc.recipients]
        codes = [code for code, _ in refusals]
        if refusals and all(code >= 500 and not deployment_problem(code, text) for code, text in refusals):
            return PermanentSendError(f"recipients refused: {codes}")
        return TransientSendError(f"recipients refused: {codes}")
    if isinstance(exc, (aiosmtplib.SMTPAuthenticationError, aiosmtplib.SMTPConnectError, aiosmtplib.SMTPHeloError)):
        return TransientSendError(f"{type(exc).__name__}: {exc}")
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        permanent = exc.code >= 500 and not deployment_problem(exc.code, exc.message)
        error = PermanentSendError if permanent else TransientSendError
        return error(f"SMTP {exc.code}: {exc.message}")
    if isinstance(exc, (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError, ssl.SSLError)):
        return TransientSendError(f"{type(exc).__name__}: {exc}")
    return exc if isinstance(exc, Exception) else RuntimeError(str(exc))


class SmtpChannel:
    def __init__(self, host: str, port: int, *, username: str = "", password: str = "", tls: str = "starttls",
                 timeout: float = 15.0, pool_size: int = 4, tls_context: ssl.SSLContext | None = None):
        # `timeout` bounds each SMTP command; a whole send (connect, TLS and login, then the
        # message) is cut at twice that, so the worker knows how long a lease must last.
        self.send_timeout = 2 * timeout
        self.concurrency = pool_size
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
        try:
            await client.connect()
            if self._login:
                await client.login(*self._login)
        except BaseException:  # also when the send's deadline cancels us mid-handshake
            client.close()
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
                async with asyncio.timeout(self.send_timeout):
                    client = await self._acquire()
                    await client.send_message(message.message, sender=message.sender, recipients=list(message.recipients))
            except Exception as exc:
                if client is not None:
                    await self._recycle(client, exc)
                raise classify(exc) from exc
            self._idle.append(client)
            return message.message_id

    async def probe(self) -> None:
        """Whether the server answers: connect (TLS and login as for a send), NOOP, QUIT; nothing
        is sent. Raises TransientSendError while it does not (notifier.recovery)."""
        try:
            async with asyncio.timeout(self.send_timeout):
                client = await self._connect()
                try:
                    await client.noop()
                    await client.quit()
                finally:
                    client.close()
        except Exception as exc:
            raise classify(exc) from exc

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
