"""The calendar address a user or operator gives is untrusted (server-side request forgery).

Only http(s) (and webcal, fetched as https) is followed, on every redirect. Every connection the
client opens goes through `GuardedBackend`: it resolves the host itself, refuses it when any of
its addresses is loopback, private, link-local, multicast or otherwise not global, and connects
to the very address it checked — a DNS answer that changes between a check and the connection
(rebinding) cannot reach anything else, and a redirect to 169.254.169.254 is refused at its
connection like the first request. TLS still verifies the certificate against the host name.

`allow_internal` (an operator's choice: `--allow-internal`, CALENDAR_ALLOW_INTERNAL) lets
internal addresses through, for a calendar server on the practice's own network (and the
test suite's local servers).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import httpcore2
import httpx2

ALLOWED_SCHEMES = ("http", "https")
Resolver = Callable[[str, int], Awaitable[list[str]]]


class BlockedAddress(Exception):
    """The address is not one Créneau may fetch; the message says why, without the secret path."""


def refusal(address: str) -> str | None:
    """Why `address` (an IP) may not be connected to, or None when it is a global unicast one."""
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    for name in ("loopback", "link_local", "multicast", "unspecified", "reserved", "private"):
        if getattr(ip, f"is_{name}"):
            return name.replace("_", "-")
    return None if ip.is_global else "not global"


def check_ip_literal(host: str) -> None:
    """At registration: an address written as an IP is judged at once (names at each connection)."""
    try:
        reason = refusal(host.strip("[]"))
    except ValueError:
        return  # a name, resolved and checked when it is fetched
    if reason:
        raise BlockedAddress(f"{host} is a {reason} address: not allowed for a calendar")


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class GuardedBackend(httpcore2.AsyncNetworkBackend):
    """httpcore's network backend with the address check in `connect_tcp` (see module doc)."""

    def __init__(self, resolver: Resolver = system_resolver, inner: httpcore2.AsyncNetworkBackend | None = None,
                 allow_internal: bool = False) -> None:
        self._resolver = resolver
        self._inner = inner or httpcore2.AnyIOBackend()
        self._allow_internal = allow_internal

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None) -> httpcore2.AsyncNetworkStream:
        addresses = await self._addresses(host, port)
        last_error: Exception | None = None
        for address in addresses:  # the checked addresses only, never a fresh lookup
            try:
                return await self._inner.connect_tcp(address, port, timeout=timeout, local_address=local_address,
                                                     socket_options=socket_options)
            except (httpcore2.ConnectError, httpcore2.ConnectTimeout) as exc:
                last_error = exc
        assert last_error is not None
        raise last_error

    async def _addresses(self, host: str, port: int) -> list[str]:
        try:
            ipaddress.ip_address(host.split("%")[0])
            addresses = [host]
        except ValueError:
            try:
                addresses = await self._resolver(host, port)
            except OSError as exc:
                raise httpcore2.ConnectError(f"{host} could not be resolved ({exc.strerror or exc})") from None
        if not addresses:
            raise httpcore2.ConnectError(f"{host} could not be resolved")
        if not self._allow_internal:
            for address in addresses:
                reason = refusal(address)
                if reason:
                    raise BlockedAddress(f"{host} resolves to a {reason} address ({address}): not allowed for a calendar")
        return addresses

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[Any] | None = None) -> httpcore2.AsyncNetworkStream:
        raise BlockedAddress("unix sockets are not allowed for a calendar")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


async def check_scheme(request) -> None:
    """An httpx2 request hook: runs for the first request and for every redirect."""
    if request.url.scheme not in ALLOWED_SCHEMES:
        raise BlockedAddress(f"a redirect to a {request.url.scheme}:// address is not allowed")


class GuardedTransport(httpx2.AsyncHTTPTransport):
    """httpx2's transport whose connection pool opens connections through `GuardedBackend`.

    httpx2 does not take a network backend as an argument: the pool it built is replaced by
    the same pool with ours (httpx2 and httpcore2 are pinned in constraints.txt)."""

    def __init__(self, backend: GuardedBackend) -> None:
        super().__init__(trust_env=False)  # no proxy from the environment: it would connect for us
        self._pool = httpcore2.AsyncConnectionPool(
            ssl_context=httpx2.create_ssl_context(trust_env=False), network_backend=backend,
            max_connections=20, max_keepalive_connections=10,
        )
