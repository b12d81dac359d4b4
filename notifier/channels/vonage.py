"""SMS through Vonage's SMS API with the official SDK (synchronous: it runs in a thread).

Error mapping: HTTP 5xx and 429, connection problems, and the throttling / temporary statuses are
transient; invalid or barred numbers and refused messages are permanent. Credential and account
statuses are the deployment's problem, not the message's: transient, so a fixed configuration
lets the message go before it expires.
"""

from __future__ import annotations

import asyncio
import re

import requests
from vonage import Auth, HttpClientOptions, Vonage
from vonage_http_client.errors import HttpRequestError
from vonage_sms import SmsError, SmsMessage

from notifier.errors import PermanentSendError, TransientSendError
from notifier.messages import OutgoingSms

# https://developer.vonage.com/en/messaging/sms/guides/troubleshooting-sms (status codes)
TRANSIENT_STATUSES = {
    1,  # throttled
    4,  # invalid credentials (configuration)
    5,  # internal error
    8,  # partner account barred (configuration)
    9,  # partner quota violation (no credit left)
    10,  # too many existing binds
    11,  # account not enabled for HTTP
    14,  # invalid signature (configuration)
    32,  # signature and API secret disallowed (configuration)
}
INVALID_NUMBER_STATUSES = {3, 6, 7, 22, 29, 33}
DEFAULT_REST_HOST = "rest.nexmo.com"  # the SDK's own default for the SMS API


def classify_status(status: int, text: str) -> Exception:
    if status in TRANSIENT_STATUSES:
        return TransientSendError(f"Vonage status {status}: {text}")
    kind = "invalid number" if status in INVALID_NUMBER_STATUSES else "refused"
    return PermanentSendError(f"Vonage status {status} ({kind}): {text}")


def classify(exc: BaseException) -> Exception:
    if isinstance(exc, SmsError):
        match = re.search(r"error code (\d+)", str(exc))
        return classify_status(int(match.group(1)) if match else -1, str(exc))
    if isinstance(exc, HttpRequestError):
        status = exc.response.status_code
        if status >= 500 or status in (401, 403, 408, 429):
            return TransientSendError(f"Vonage HTTP {status}")
        return PermanentSendError(f"Vonage HTTP {status}: {exc.response.text[:200]}")
    if isinstance(exc, (requests.RequestException, OSError)):
        return TransientSendError(f"{type(exc).__name__}: {exc}")
    return exc if isinstance(exc, Exception) else RuntimeError(str(exc))


class VonageChannel:
    def __init__(self, api_key: str, api_secret: str, *, rest_host: str = "", timeout: int = 15, concurrency: int = 4):
        options = {"timeout": timeout, "max_retries": 1}
        if rest_host:
            options["rest_host"] = rest_host
        # A client for the SMS API only: the SDK mislabels form posts after a JSON call (#323),
        # and no signature secret here (it signs fields it never sends).
        self._client = Vonage(Auth(api_key=api_key, api_secret=api_secret), HttpClientOptions(**options))
        self._slots = asyncio.Semaphore(concurrency)
        self._rest_host, self._timeout = rest_host or DEFAULT_REST_HOST, timeout
        self.concurrency = concurrency
        # The SDK tries twice (max_retries=1), each bounded by `timeout`. The thread cannot be
        # stopped: past the deadline we report a timeout (transient) and the retry carries the
        # same client reference, like any provider timeout.
        self.send_timeout = 2.0 * timeout

    def _send_sync(self, sms: OutgoingSms) -> str:
        response = self._client.sms.send(
            SmsMessage(to=sms.to.lstrip("+"), from_=sms.sender, text=sms.text, client_ref=sms.client_ref, type="text")
        )
        return response.messages[0].message_id or ""

    async def send(self, sms: OutgoingSms) -> str:
        async with self._slots:
            try:
                return await asyncio.wait_for(asyncio.to_thread(self._send_sync, sms), self.send_timeout)
            except Exception as exc:
                raise classify(exc) from exc

    async def probe(self) -> None:
        """Whether the SMS API answers: an HTTPS request to its host that sends nothing. Any
        answer but a 5xx of an overloaded or absent service counts (notifier.recovery)."""
        try:
            status = await asyncio.wait_for(asyncio.to_thread(self._probe_sync), self.send_timeout)
        except Exception as exc:
            raise classify(exc) from exc
        if status in (500, 502, 503, 504):
            raise TransientSendError(f"Vonage HTTP {status}")

    def _probe_sync(self) -> int:
        return requests.get(f"https://{self._rest_host}/", timeout=self._timeout, allow_redirects=False).status_code

    async def close(self) -> None:
        return None
