"""The practice's staff over HTTP, signed in as its administrator: roles and the agendas an
assistant sees, disabling (the account can no longer sign in), audited; not one's own role."""

from __future__ import annotations

from html import unescape

from portal.access.models import StaffGrant, StaffUser
from portal.audit.models import AuditEvent
from portal.models import Practitioner
from tests.access.helpers import add_staff, totp_code
from tests.admin.conftest import post_form, sign_in, signed_in_as


async def test_an_assistant_is_granted_another_agenda(client, now):
    me = await signed_in_as(client, now)
    assistant, _ = await add_staff(now, "accueil@cabinet-des-lilas.example", "assistant", grants=("hugo-bernard",))
    assert "accueil@cabinet-des-lilas.example" in (await client.get("/admin/settings/staff")).text
    camille = await Practitioner.get(slug="camille-martin")
    path = f"/admin/settings/staff/{assistant.id}"
    answer = await client.post(path, data={"csrf_token": (await _token(client, path)), "role": "assistant",
                                           "grants": [str(camille.id)]})
    assert answer.status_code == 303
    assert await StaffGrant.filter(staff_id=assistant.id).values_list("practitioner_id", flat=True) == [camille.id]
    assert await AuditEvent.filter(action="staff.role", object_id=assistant.id).exists()
    refused = await post_form(client, f"/admin/settings/staff/{me.id}", role="assistant")
    assert refused.status_code == 422 and "votre propre rôle" in unescape(refused.text)
    practitioner_without = await post_form(client, path, role="practitioner")
    assert practitioner_without.status_code == 422
    assert "Un compte praticien désigne son praticien." in unescape(practitioner_without.text)


async def _token(client, path: str) -> str:
    from tests.admin.conftest import csrf_of
    return csrf_of((await client.get(path)).text)


async def test_a_disabled_account_can_no_longer_sign_in(client, new_client, now):
    await signed_in_as(client, now)
    other, _ = await add_staff(now, "ancien@cabinet-des-lilas.example", "assistant", totp=True)
    answer = await post_form(client, f"/admin/settings/staff/{other.id}", f"/admin/settings/staff/{other.id}/disable")
    assert answer.status_code == 303 and (await StaffUser.get(id=other.id)).disabled
    assert await AuditEvent.filter(action="staff.disable", object_id=other.id).exists()
    async with new_client() as browser:
        attempt = await sign_in(browser, "ancien@cabinet-des-lilas.example", code=totp_code(now))
        assert attempt.headers.get("location") != "/admin/"
