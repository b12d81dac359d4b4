"""Fixtures for the back-office: the app over the demo database, a clock the test moves, staff
accounts made through the real use cases, and signing in through the real pages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from html import unescape

import httpx2
import pytest

import portal.clock
from creneau.app import create_app
from tests.access.helpers import PASSWORD, add_staff, totp_code
from tests.builders import load_demo
from tests.patient_pages.conftest import compiled_catalogs, make_settings

__all__ = ["compiled_catalogs"]


@dataclass
class Clock:
    """What portal.clock.utcnow answers during the test; move it with `clock.now += …`."""

    now: datetime


@pytest.fixture
def clock(monkeypatch, now) -> Clock:
    moving = Clock(now)
    monkeypatch.setattr(portal.clock, "utcnow", lambda: moving.now)
    return moving


@pytest.fixture
def admin_app(database, tmp_path, clock):
    def build(**extra: str):
        return create_app(make_settings(database, tmp_path, **extra), manage_db=False, run_background=False)
    return build


def http_client(app, base_url: str = "http://testserver") -> httpx2.AsyncClient:
    return httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url=base_url)


@pytest.fixture
async def demo(database):
    await load_demo()


@pytest.fixture
async def client(admin_app, demo):
    async with http_client(admin_app()) as http:
        yield http


@pytest.fixture
def new_client(admin_app):
    """Another browser (its own cookies) on the same app settings."""
    def build(base_url: str = "http://testserver", **extra: str):
        return http_client(admin_app(**extra), base_url)
    return build


def csrf_of(html: str) -> str:
    return unescape(re.search(r'name="csrf_token" value="([^"]+)"', html).group(1))


def hidden(html: str, name: str) -> str:
    return unescape(re.search(rf'name="{name}" value="([^"]*)"', html).group(1))


async def post_form(client: httpx2.AsyncClient, page: str, action: str | None = None, **fields: str) -> httpx2.Response:
    """Open `page`, then post its form (with its CSRF token) to `action` (default: the page)."""
    opened = await client.get(page)
    return await client.post(action or page, data={"csrf_token": csrf_of(opened.text), **fields})


async def sign_in(client: httpx2.AsyncClient, email: str, password: str = PASSWORD, *,
                  code: str | None = None) -> httpx2.Response:
    answer = await post_form(client, "/admin/login", email=email, password=password)
    if code is not None and answer.headers.get("location") == "/admin/login/code":
        answer = await post_form(client, "/admin/login/code", code=code)
    return answer


async def signed_in_as(client, now, email: str = "admin@cabinet-des-lilas.example", role: str = "admin", **options):
    """Create the account (enrolled with TOTP) and sign in through the pages."""
    user, codes = await add_staff(now, email, role, totp=True, **options)
    answer = await sign_in(client, email, code=totp_code(now))
    assert answer.status_code == 303 and answer.headers["location"] == "/admin/", answer.text
    return user


__all__ += ["Clock", "csrf_of", "hidden", "post_form", "sign_in", "signed_in_as", "http_client"]
