"""`creneau serve` repeats the demo administrator's credentials at start-up on the demo only."""

from __future__ import annotations

import logging

from creneau.app import _announce_demo_admin
from portal.access import accounts
from portal.access.demo import create_demo_admin
from portal.models import Practice
from tests.builders import system
from tests.patient_pages.conftest import make_settings


async def test_the_demo_credentials_are_logged_on_the_demo_only(database, demo, tmp_path, now, caplog):
    settings = make_settings(database, tmp_path)
    caplog.set_level(logging.INFO, logger="creneau")
    await _announce_demo_admin(settings)
    assert "lilas-demo-2026" not in caplog.text  # the demo practice without its administrator
    user = await create_demo_admin(system(now), await Practice.get(slug="cabinet-des-lilas"))
    await _announce_demo_admin(settings)
    assert "/admin/login as admin@cabinet-des-lilas.example / lilas-demo-2026" in caplog.text
    caplog.clear()
    await accounts.reset_password(system(now), user)  # no longer the published password
    await _announce_demo_admin(settings)
    assert "lilas-demo-2026" not in caplog.text


async def test_nothing_is_logged_without_the_demo_practice(database, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="creneau")
    await _announce_demo_admin(make_settings(database, tmp_path))
    assert "demo back-office" not in caplog.text
