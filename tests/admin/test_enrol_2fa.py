"""Enrolling a TOTP app from /admin/account/2fa: the QR code drawn by Créneau, the key in text,
confirmation with a code of the pinned time, recovery codes shown once, then sign-in asks for it."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp

from portal.access.models import StaffUser
from portal.models import AuditEvent
from tests.access.helpers import add_staff
from tests.admin.conftest import csrf_of, hidden, post_form, sign_in

ADMIN = "admin@cabinet-des-lilas.example"


async def test_enrol_with_the_qr_code_then_sign_in_with_a_code(client, new_client, clock):
    user, _ = await add_staff(clock.now, ADMIN)
    await sign_in(client, ADMIN)
    page = await client.get("/admin/account/2fa")
    assert page.status_code == 200
    assert '<svg role="img"' in page.text and "<path" in page.text
    assert re.findall(r"<script[^>]*>", page.text) == ['<script src="/static/js/admin-passkey.js" defer>']
    assert " style=" not in page.text  # the CSP forbids inline style
    secret = page.text.split('<code class="secret">')[1].split("</code>")[0]
    wrong = await client.post("/admin/account/2fa", data={"csrf_token": csrf_of(page.text), "sealed": hidden(page.text, "sealed"),
                                                           "code": "12345"})
    assert wrong.status_code == 422 and "Ce code ne correspond pas" in wrong.text
    done = await client.post("/admin/account/2fa", data={"csrf_token": csrf_of(page.text), "sealed": hidden(page.text, "sealed"),
                                                          "code": pyotp.TOTP(secret).at(clock.now)})
    assert done.status_code == 200 and done.headers["cache-control"] == "no-store"
    codes = done.text.split('<ul class="codes"')[1].split("</ul>")[0]
    assert codes.count("<li>") == 10
    again = await client.get("/admin/account/2fa")
    assert "est activée" in again.text and "<li>" not in again.text.split("<main")[1].split("</main>")[0].split("Codes de secours")[0]
    assert await AuditEvent.filter(action="staff.2fa_enrolled", object_id=user.id).count() == 1
    stored = await StaffUser.get(id=user.id)
    assert stored.has_totp and secret not in stored.totp_secret_sealed
    clock.now += timedelta(minutes=1)
    async with new_client() as other:
        assert (await sign_in(other, ADMIN)).headers["location"] == "/admin/login/code"
        assert (await post_form(other, "/admin/login/code", code=pyotp.TOTP(secret).at(clock.now))).headers["location"] == "/admin/"


async def test_a_sealed_secret_from_another_account_is_refused(client, clock):
    await add_staff(clock.now, ADMIN)
    await add_staff(clock.now, "other@cabinet-des-lilas.example")
    await sign_in(client, "other@cabinet-des-lilas.example")
    others = await client.get("/admin/account/2fa")
    secret = others.text.split('<code class="secret">')[1].split("</code>")[0]
    sealed = hidden(others.text, "sealed")
    await post_form(client, "/admin/", "/admin/logout")
    await sign_in(client, ADMIN)
    page = await client.get("/admin/account/2fa")
    refused = await client.post("/admin/account/2fa", data={"csrf_token": csrf_of(page.text), "sealed": sealed,
                                                             "code": pyotp.TOTP(secret).at(clock.now)})
    assert refused.status_code == 403
    assert not (await StaffUser.get(email=ADMIN)).has_totp


async def test_the_menu_shows_the_audit_trail_to_administrators_only(client, new_client, clock):
    await add_staff(clock.now, ADMIN)
    await add_staff(clock.now, "camille@cabinet-des-lilas.example", "practitioner", practitioner="camille-martin")
    await sign_in(client, ADMIN)
    assert 'href="/admin/audit"' in (await client.get("/admin/")).text
    async with new_client() as practitioner:
        await sign_in(practitioner, "camille@cabinet-des-lilas.example")
        home = (await practitioner.get("/admin/")).text
        assert 'href="/admin/agenda"' in home and 'href="/admin/audit"' not in home
