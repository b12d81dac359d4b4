"""Hostile input on every settings form of the back-office, on SQLite and PostgreSQL: each field
in turn oversized, a number too large for any column, negative, in other digits, with control or
bidirectional characters, markup, or posted twice. The answer is a 4xx (with the field's
message) or the change done (303), never a 500; and a refused form leaves every table as it was
(nothing half-written)."""

from __future__ import annotations

import pytest

from creneau.app import create_app
from portal.models import (
    AuditEvent,
    AvailabilityException,
    OutboxMessage,
    Practice,
    Practitioner,
    Service,
    StaffGrant,
    StaffInvitation,
    StaffUser,
)
from portal.practice.models import OpeningHours
from tests.access.helpers import add_staff
from tests.admin.conftest import csrf_of, http_client, signed_in_as
from tests.admin.test_settings_page import VALID as SETTINGS
from tests.builders import load_demo
from tests.patient_pages.conftest import make_settings

HOSTILE = ("x" * 5000, "9" * 30, "-1", "²", "\u202e\u200b\r\n", "<b>&amp;</b>", "2026-02-30", "25:99-26:00")
SERVICE = {"name": "Bilan", "name_en": "Assessment", "duration_minutes": "30", "buffer_before_minutes": "0",
           "buffer_after_minutes": "0", "min_notice_minutes": "120", "horizon_days": "60", "price": "45,50",
           "bookable_online": "1", "audience": "both"}
PROFILE = {"title": "Dr", "first_name": "Camille", "last_name": "Martin", "profession": "Ostéopathe", "bio": "",
           "rpps": "", "adeli": "", "email": "", "phone": "", "bookable": "1", "languages": "fr"}


@pytest.fixture
async def hostile_client(any_database, tmp_path, clock):
    await load_demo()
    app = create_app(make_settings(any_database, tmp_path), manage_db=False, run_background=False)
    async with http_client(app) as http:
        yield http


async def _snapshot() -> dict:
    found = {}
    for model in (Practice, Practitioner, Service, OpeningHours, AvailabilityException, StaffInvitation, StaffUser,
                  StaffGrant, OutboxMessage, AuditEvent):
        found[model.__name__] = sorted(map(repr, await model.all().values()))
    return found


async def _forms(clock) -> list[tuple[str, dict]]:
    camille = await Practitioner.get(slug="camille-martin")
    service = await Service.filter(practitioner=camille).order_by("id").first()
    member, _ = await add_staff(clock.now, "member@cabinet-des-lilas.example", "assistant")
    base = f"/admin/settings/practitioners/{camille.id}"
    return [
        ("/admin/settings", SETTINGS),
        (base, PROFILE),
        ("/admin/settings/practitioners/new", {k: v for k, v in PROFILE.items() if k not in ("bio", "languages")}),
        (f"{base}/services", SERVICE),
        (f"{base}/services/{service.id}", SERVICE),
        (f"{base}/hours", {f"open_{day}": "09:00-12:00, 14:00-18:00" for day in range(5)} | {"break_0": ""}),
        (f"{base}/time-off", {"kind": "closed", "start_date": "2027-01-04", "end_date": "2027-01-05",
                              "hours": "", "label": "Formation"}),
        ("/admin/settings/staff/invite", {"email": "new@cabinet-des-lilas.example", "role": "assistant",
                                          "locale": "fr", "grants": str(camille.id)}),
        (f"/admin/settings/staff/{member.id}", {"role": "assistant", "grants": str(camille.id)}),
        ("/admin/settings/messages", {"sms_detail": "standard"}),
    ]


async def _post(client, path: str, token: str, fields: dict):
    return await client.post(path, data={"csrf_token": token, **fields})


async def test_hostile_fields_answer_4xx_and_write_nothing(hostile_client, clock):
    client = hostile_client
    await signed_in_as(client, clock.now)
    token = csrf_of((await client.get("/admin/settings")).text)
    for path, valid in await _forms(clock):
        for name in valid:
            for value in (*HOSTILE, [valid[name], "x"], [valid[name], valid[name]]):
                before = await _snapshot()
                answer = await _post(client, path, token, {**valid, name: value})
                assert answer.status_code < 500, (path, name, value, answer.text[:300])
                assert answer.status_code in (303, 400, 404, 409, 413, 422), (path, name, value, answer.status_code)
                if answer.status_code != 303:
                    assert await _snapshot() == before, (path, name, value)
                    if answer.status_code == 422:
                        assert 'class="error-message"' in answer.text or "error-summary" in answer.text, \
                            (path, name, value, answer.text[:500])
