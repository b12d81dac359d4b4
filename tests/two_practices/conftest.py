"""Two practices in one deployment: the demo (Cabinet des Lilas) and a health centre built with
the models, whose speech therapist offers a service with the same slug as one of the demo's
('consultation', 30 minutes at the audiologist's, 45 at hers)."""

from __future__ import annotations

from datetime import time

import httpx2
import pytest

import portal.clock
from creneau.app import create_app
from portal.models import Practice
from portal.practice.demo import DEMO_PRACTICE, create_practitioner
from tests.api.conftest import make_settings
from tests.builders import load_demo

LILAS = DEMO_PRACTICE
BELLEVILLE, LEA = "maison-sante-belleville", "lea-petit"
WEEKDAYS = {day: [(time(9), time(12, 30)), (time(14), time(18))] for day in range(5)}


async def load_second_practice() -> Practice:
    practice = await Practice.create(
        slug=BELLEVILLE, name="Maison de santé Belleville", address="3 rue de Belleville", postcode="75020", city="Paris", city_key="paris",
        phone="+33143000000", email="accueil@msp-belleville.example",
    )
    await create_practitioner(
        practice, slug=LEA, first_name="Léa", last_name="Petit", profession="Orthophoniste",
        email="lea.petit@msp-belleville.example", hours=WEEKDAYS,
        services=[dict(slug="consultation", name="Consultation", duration_minutes=45),
                  dict(slug="bilan-orthophonique", name="Bilan orthophonique", duration_minutes=60)],
    )
    return practice


@pytest.fixture
async def practices(any_database) -> tuple[Practice, Practice]:
    return await load_demo(), await load_second_practice()


@pytest.fixture
async def client(any_database, practices, tmp_path, monkeypatch, now):
    """The app over both practices; its clock (feeds, API) is the shared fixed `now`."""
    monkeypatch.setattr(portal.clock, "utcnow", lambda: now)
    settings = make_settings(any_database, tmp_path, BOOKING_RATE_LIMIT="0")
    app = create_app(settings, manage_db=False, run_background=False)
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://testserver") as http:
        yield http
