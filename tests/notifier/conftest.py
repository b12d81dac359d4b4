"""Notifier fixtures: settings, an injected clock, memory channels, real SMTP servers (aiosmtpd
on 127.0.0.1) and a local HTTPS server speaking Vonage's SMS API (trustme certificates)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from starlette.datastructures import Secret

from notifier.channels.memory import MemoryChannel
from portal.settings import Settings
from tests.builders import SECRET_KEY


class Clock:
    """An injected clock: tests move time, nothing sleeps."""

    def __init__(self, start: datetime):
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta) -> datetime:
        self.current += timedelta(**delta)
        return self.current

    def set(self, moment: datetime) -> None:
        self.current = moment


@pytest.fixture
def clock(now) -> Clock:
    return Clock(now)


def make_settings(database_url: str, tmp_path, **overrides) -> Settings:
    values = dict(
        database_url=database_url, secret_key=Secret(SECRET_KEY), base_url="https://rdv.example.fr",
        var_dir=tmp_path / "var", mail_from="Créneau <no-reply@rdv.example.fr>", vonage_from="Creneau",
    )
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def settings(tmp_path):
    return make_settings("sqlite://unused", tmp_path)


@pytest.fixture
def channels() -> dict[str, MemoryChannel]:
    return {"email": MemoryChannel(), "sms": MemoryChannel()}


# --- real peers -------------------------------------------------------------------------------

import ssl  # noqa: E402

import trustme  # noqa: E402

from tests.notifier.peers import Recorder, VonageStub, start_smtp  # noqa: E402


@pytest.fixture(scope="session")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="session")
def server_tls(ca) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context


@pytest.fixture(scope="session")
def client_tls(ca) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


@pytest.fixture
def smtp_factory():
    servers = []

    def start(recorder: Recorder | None = None, **options):
        server = start_smtp(recorder or Recorder(), **options)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def vonage_stub(ca, server_tls, tmp_path, monkeypatch):
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    # The SDK uses requests, which trusts the bundle named here (the SDK always speaks https).
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    stub = VonageStub()
    stub.start(server_tls)
    yield stub
    stub.stop()
