"""A calendar address is untrusted (issue 14 item 7): no loopback, private, link-local or
reserved address, no other scheme, on any redirect, and no DNS rebinding — with a resolver and
a "network" the test controls, in front of a real local HTTP server."""

from __future__ import annotations

import httpcore2
import pytest

from calendar_sync.calendars import add_calendar
from calendar_sync.fetch import FetchError, fetch_calendar, make_client
from calendar_sync.url_guard import refusal
from portal.patients.input import FieldErrors
from tests.builders import OSTEO, load_demo
from tests.calendar_sync.conftest import feed_bytes

PUBLIC = "93.184.215.14"  # a global address; the test network routes it to the local server


class Network(httpcore2.AsyncNetworkBackend):
    """The Internet as the test sees it: PUBLIC leads to the local server, nothing else answers.
    Records every address a connection was opened to."""

    def __init__(self) -> None:
        self.connected: list[str] = []
        self._real = httpcore2.AnyIOBackend()

    async def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        self.connected.append(host)
        if host != PUBLIC:
            raise httpcore2.ConnectError(f"no route to {host}")
        return await self._real.connect_tcp("127.0.0.1", port, timeout=timeout)

    async def sleep(self, seconds: float) -> None:
        await self._real.sleep(seconds)


class Dns:
    """Answers from a script: each lookup of a name takes the next answer (the last one repeats)."""

    def __init__(self, **answers: list[list[str]]) -> None:
        self.answers = {name.replace("_", "."): list(values) for name, values in answers.items()}
        self.asked: list[str] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        values = self.answers[host]
        return values.pop(0) if len(values) > 1 else values[0]


async def fetch(url: str, dns: Dns, network: Network | None = None):
    async with make_client(timeout=5, resolver=dns, backend=network) as client:
        return await fetch_calendar(client, url, deadline=10)


def port_of(calendar_server) -> int:
    return int(calendar_server.base.rsplit(":", 1)[1])


async def test_a_name_that_resolves_to_loopback_is_refused(calendar_server):
    calendar_server.serve("/agenda.ics", feed_bytes("google.ics"))
    dns = Dns(calendar_test=[["127.0.0.1"]])
    with pytest.raises(FetchError, match=r"calendar\.test resolves to a loopback address \(127\.0\.0\.1\)"):
        await fetch(f"http://calendar.test:{port_of(calendar_server)}/agenda.ics", dns)
    assert calendar_server.requests == []


async def test_a_name_with_one_private_address_among_public_ones_is_refused(calendar_server):
    dns = Dns(calendar_test=[[PUBLIC, "10.0.0.7"]])
    network = Network()
    with pytest.raises(FetchError, match="private address"):
        await fetch(f"http://calendar.test:{port_of(calendar_server)}/agenda.ics", dns, network)
    assert network.connected == [] and calendar_server.requests == []


async def test_a_public_calendar_is_fetched_through_the_checked_address(calendar_server):
    calendar_server.serve("/agenda.ics", feed_bytes("google.ics"))
    network = Network()
    fetched = await fetch(f"http://calendar.test:{port_of(calendar_server)}/agenda.ics",
                          Dns(calendar_test=[[PUBLIC]]), network)
    assert fetched.body == feed_bytes("google.ics") and network.connected == [PUBLIC]
    assert calendar_server.requests[0][1]["Host"] == f"calendar.test:{port_of(calendar_server)}"


@pytest.mark.parametrize("location", [
    "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
    "http://metadata.test/computeMetadata/v1/",
    "file:///etc/passwd",
    "http://[::ffff:127.0.0.1]:8080/",
])
async def test_a_redirect_to_an_internal_address_or_another_scheme_is_refused(calendar_server, location):
    calendar_server.serve("/agenda.ics", location.encode(), status=302)
    network = Network()
    dns = Dns(calendar_test=[[PUBLIC]], metadata_test=[["169.254.169.254"]])
    with pytest.raises(FetchError, match="not allowed"):
        await fetch(f"http://calendar.test:{port_of(calendar_server)}/agenda.ics", dns, network)
    assert network.connected == [PUBLIC]  # the first hop only: nothing was opened towards the target


async def test_a_dns_answer_that_changes_after_the_check_is_never_connected_to(calendar_server):
    """Rebinding: the name is public when checked and loopback right after. The connection goes
    to the address that was checked, from the one lookup the guard made; a later connection
    (a new client) looks up again and is refused."""
    calendar_server.serve("/agenda.ics", feed_bytes("google.ics"))
    dns = Dns(rebind_test=[[PUBLIC], ["127.0.0.1"]])
    network = Network()
    url = f"http://rebind.test:{port_of(calendar_server)}/agenda.ics"
    assert (await fetch(url, dns, network)).body
    assert dns.asked == ["rebind.test"] and network.connected == [PUBLIC]
    with pytest.raises(FetchError, match="loopback"):
        await fetch(url, dns, network)
    assert network.connected == [PUBLIC] and len(calendar_server.requests) == 1


async def test_numeric_spellings_of_loopback_are_refused_with_the_system_resolver(calendar_server):
    calendar_server.serve("/agenda.ics", feed_bytes("google.ics"))
    port = port_of(calendar_server)
    for url in (f"http://2130706433:{port}/agenda.ics", f"http://127.1:{port}/agenda.ics",
                f"http://localhost:{port}/agenda.ics", f"http://[::1]:{port}/agenda.ics"):
        async with make_client(timeout=5) as client:
            with pytest.raises(FetchError, match="not allowed"):
                await fetch_calendar(client, url, deadline=10)
    assert calendar_server.requests == []


async def test_registration_refuses_other_schemes_and_internal_ip_addresses(database, now):
    await load_demo()
    for url in ("file:///etc/passwd", "gopher://example.org/", "http://127.0.0.1:8000/x.ics",
                "http://169.254.169.254/latest/", "http://[::ffff:10.0.0.1]/x.ics", "http://0.0.0.0/x.ics",
                "webcal://192.168.1.20/x.ics"):
        with pytest.raises(FieldErrors):
            await add_calendar(OSTEO, url, now=now)
    assert await add_calendar(OSTEO, "webcal://calendar.example.org/x.ics", now=now)
    assert await add_calendar(OSTEO, "http://127.0.0.1:8000/x.ics", now=now, allow_internal=True)


@pytest.mark.parametrize("address, reason", [
    ("127.0.0.1", "loopback"), ("::1", "loopback"), ("10.1.2.3", "private"), ("172.16.0.1", "private"),
    ("192.168.0.1", "private"), ("169.254.169.254", "link-local"), ("fe80::1", "link-local"),
    ("224.0.0.1", "multicast"), ("ff02::1", "multicast"), ("0.0.0.0", "unspecified"), ("100.64.0.1", "not global"),
    ("::ffff:127.0.0.1", "loopback"), ("fd00::1", "private"), ("240.0.0.1", "reserved"),
    (PUBLIC, None), ("2a00:1450:4007:80e::200e", None),
])
def test_address_classes(address, reason):
    assert refusal(address) == reason
