"""Downloading an external calendar with httpx2: a deadline, a size limit and HTTP validators
(ETag / Last-Modified) so that an unchanged calendar costs a 304."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpcore2
import httpx2

from calendar_sync.untrusted import printable
from calendar_sync.url_guard import (
    BlockedAddress,
    GuardedBackend,
    GuardedTransport,
    Resolver,
    check_scheme,
    system_resolver,
)

MAX_BYTES = 10 * 1024 * 1024  # Google's biggest secret-address exports are a few MB
DEADLINE_SECONDS = 30.0  # for the whole download: a slow drip must not hold a sync slot
USER_AGENT = "Creneau-calendar-sync/1 (+https://github.com/creneau)"


class FetchError(Exception):
    """The calendar could not be downloaded; the message says why, for the practitioner."""


@dataclass(frozen=True)
class Fetched:
    not_modified: bool
    body: bytes = b""
    etag: str = ""
    last_modified: str = ""


def normalise_url(url: str) -> str:
    """`webcal://` is how calendar apps spell a subscription: it is fetched over HTTPS."""
    url = url.strip()
    if url.lower().startswith("webcal://"):
        url = "https://" + url[len("webcal://"):]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"expected an http(s):// or webcal:// address, got {url!r}")
    return url


def masked(url: str) -> str:
    """What may be shown or logged: a secret address's path is its password (Google, iCloud)."""
    parts = urlsplit(url)
    return printable(f"{parts.scheme}://{parts.hostname}/…", 300) if parts.hostname else "…"


def make_client(timeout: float = 15.0, *, allow_internal: bool = False, resolver: Resolver = system_resolver,
                backend: httpcore2.AsyncNetworkBackend | None = None) -> httpx2.AsyncClient:
    """The client every calendar download uses: each connection and redirect through the
    address guard (calendar_sync.url_guard). `resolver` and `backend` let tests play DNS."""
    guarded = GuardedBackend(resolver, backend, allow_internal=allow_internal)
    return httpx2.AsyncClient(
        transport=GuardedTransport(guarded), trust_env=False,
        timeout=httpx2.Timeout(timeout, connect=min(timeout, 10.0)),
        follow_redirects=True, max_redirects=5, event_hooks={"request": [check_scheme]},
        headers={"User-Agent": USER_AGENT, "Accept": "text/calendar, */*;q=0.5"},
    )


async def fetch_calendar(
    client: httpx2.AsyncClient, url: str, *, etag: str = "", last_modified: str = "",
    max_bytes: int = MAX_BYTES, deadline: float = DEADLINE_SECONDS,
) -> Fetched:
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        url = normalise_url(url)
    except ValueError:
        raise FetchError("not an http(s):// or webcal:// address") from None
    try:
        async with asyncio.timeout(deadline):
            return await _download(client, url, headers, max_bytes)
    except TimeoutError:
        raise FetchError(f"no complete answer within {deadline:g} s") from None
    except BlockedAddress as exc:
        raise FetchError(str(exc)) from None
    except httpx2.HTTPError as exc:
        raise FetchError(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__) from None


async def _download(client: httpx2.AsyncClient, url: str, headers: dict, max_bytes: int) -> Fetched:
    async with client.stream("GET", url, headers=headers) as response:
        if response.status_code == 304:
            return Fetched(not_modified=True)
        if response.status_code != 200:
            raise FetchError(f"HTTP {response.status_code} from {urlsplit(url).hostname}")
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise FetchError(f"calendar larger than {max_bytes // (1024 * 1024)} MB")
        chunks, size = [], 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > max_bytes:  # the length may be absent or wrong: count what arrives
                raise FetchError(f"calendar larger than {max_bytes // (1024 * 1024)} MB")
            chunks.append(chunk)
        return Fetched(False, b"".join(chunks), response.headers.get("etag", ""), response.headers.get("last-modified", ""))
