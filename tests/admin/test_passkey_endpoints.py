"""The passkey endpoints of the pages' script, over HTTP with a software authenticator: the CSRF
header is required, a good answer opens a session, a replayed one does not."""

from __future__ import annotations

from portal.access.models import StaffPasskey
from tests.access.helpers import add_staff
from tests.access.soft_authenticator import SoftAuthenticator
from tests.admin.conftest import csrf_of, sign_in

ADMIN = "admin@cabinet-des-lilas.example"


async def token(client) -> str:
    return csrf_of((await client.get("/admin/login")).text)


async def test_register_then_sign_in_over_http(client, new_client, clock):
    await add_staff(clock.now, ADMIN)
    await sign_in(client, ADMIN)
    header = {"X-CSRF-Token": csrf_of((await client.get("/admin/account/2fa")).text)}
    device = SoftAuthenticator(origin="http://127.0.0.1:8000", rp_id="127.0.0.1")  # the default BASE_URL
    options = await client.post("/admin/account/passkeys/options", json={}, headers=header)
    assert options.status_code == 200 and options.headers["cache-control"] == "no-store"
    saved = await client.post("/admin/account/passkeys", json=device.create(options.text), headers=header)
    assert saved.json() == {"redirect": "/admin/account/2fa?done=passkey"}
    assert await StaffPasskey.all().count() == 1
    async with new_client() as browser:
        header = {"X-CSRF-Token": await token(browser)}
        answer = device.get((await browser.post("/admin/passkey/options", json={}, headers=header)).text)
        signed = await browser.post("/admin/passkey/sign-in", json=answer, headers=header)
        assert signed.json() == {"redirect": "/admin/"} and "creneau_staff" in signed.cookies
        assert (await browser.get("/admin/")).status_code == 200
        replayed = await browser.post("/admin/passkey/sign-in", json=answer, headers=header)
        assert replayed.status_code == 401
        assert replayed.json()["error"]["message"] == "Cette clé d'accès n'a pas permis de vous connecter."


async def test_the_csrf_header_is_required(client):
    await token(client)
    assert (await client.post("/admin/passkey/options", json={})).status_code == 403
    assert (await client.post("/admin/passkey/options", json={}, headers={"X-CSRF-Token": "forged"})).status_code == 403
    assert (await client.post("/admin/passkey/sign-in", json={}, headers={"X-CSRF-Token": "x"})).status_code == 403


async def test_a_body_that_is_not_json_is_refused(client):
    header = {"X-CSRF-Token": await token(client)}
    refused = await client.post("/admin/passkey/sign-in", content=b"id=x", headers=header)
    assert refused.status_code == 415
