"""Fixtures for the patient pages: the app over the test database, a client, a frozen clock."""

from __future__ import annotations

import re
from html import unescape

import httpx2
import pytest

import portal.clock
from creneau.app import create_app
from portal.i18n import LOCALE_DIR, compile_catalogs, translations
from portal.settings import load_settings
from tests.builders import SECRET_KEY, load_demo


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogs():
    """English pages need the compiled catalog (`make messages`); build it if missing or stale."""
    po = LOCALE_DIR / "en" / "LC_MESSAGES" / "messages.po"
    mo = po.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
        compile_catalogs()
        translations.cache_clear()


def make_settings(database_url: str, tmp_path, **extra: str):
    env = {
        "DATABASE_URL": database_url, "SECRET_KEY": SECRET_KEY, "CRENEAU_VAR_DIR": str(tmp_path),
        "EMAIL_BACKEND": "memory", "SMS_BACKEND": "memory", "BOOKING_RATE_LIMIT": "0",
    }
    env.update(extra)
    return load_settings(env, env_file=None)


@pytest.fixture
def frozen(monkeypatch, now):
    """Requests take their time from portal.clock (portal.web.request_ctx); tests pin it to the
    shared fixed `now` (a Monday morning)."""
    monkeypatch.setattr(portal.clock, "utcnow", lambda: now)
    return now


@pytest.fixture
def app_factory(database, tmp_path, frozen):
    def build(**extra: str):
        return create_app(make_settings(database, tmp_path, **extra), manage_db=False, run_background=False)
    return build


@pytest.fixture
async def client(app_factory):
    await load_demo()
    async with _client(app_factory()) as http:
        yield http


def _client(app) -> httpx2.AsyncClient:
    return httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://testserver")


@pytest.fixture
def make_client(app_factory):
    """A client over an app with other settings (rate limits…); the demo must be loaded by the test."""
    return lambda **extra: _client(app_factory(**extra))


def csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def slot_links(html: str) -> list[str]:
    return [unescape(link) for link in re.findall(r'class="slot" href="([^"]+)"', html)]


def hidden(html: str, name: str) -> str:
    return unescape(re.search(rf'name="{name}" value="([^"]*)"', html).group(1))
