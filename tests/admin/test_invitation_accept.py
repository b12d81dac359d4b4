"""Accepting a staff invitation is one transaction (reported defect): the link was marked used
before the account was created, so a creation that failed (an account made meanwhile for the
same address, a crash) spent the link for nothing. Now the conditional "mark used where unused
and unexpired" and the account commit together or not at all."""

from __future__ import annotations

import asyncio
from html import unescape

import pytest

from portal.access import accounts, invitations
from portal.access.models import StaffInvitation, StaffUser
from portal.access.staff import staff_ctx
from portal.audit.models import AuditEvent
from portal.errors import FieldErrors, NotFound
from tests.access.helpers import add_staff
from tests.admin.conftest import post_form
from tests.builders import SECRET_KEY, load_demo, system

ADDRESS = "nouvelle@cabinet-des-lilas.example"
PASSWORD = "un-long-mot-de-passe"


async def invited(now) -> str:
    await load_demo()
    user, _ = await add_staff(now)
    ctx = await staff_ctx(user, now)
    invitation = await invitations.invite(ctx, ADDRESS, "assistant", None, [], SECRET_KEY)
    return invitations.unseal({"token_sealed": invitation.token_sealed}, SECRET_KEY)


async def test_a_creation_that_crashes_leaves_the_invitation_usable(any_database, now, monkeypatch):
    token = await invited(now)

    monkeypatch.setattr(accounts.creds, "hash_password", lambda password: (_ for _ in ()).throw(RuntimeError("boom")))
    with pytest.raises(RuntimeError):
        await invitations.accept(system(now), token, PASSWORD, PASSWORD)
    monkeypatch.undo()
    assert (await invitations.open_invitation(token, now)).used_at is None
    assert not await StaffUser.filter(email=ADDRESS).exists()
    user = await invitations.accept(system(now), token, PASSWORD, PASSWORD)
    assert user.email == ADDRESS
    assert (await StaffInvitation.get(email=ADDRESS)).used_at is not None


async def test_an_address_that_got_an_account_meanwhile_is_a_field_message_and_spends_nothing(any_database, now):
    token = await invited(now)
    other, _ = await add_staff(now, ADDRESS, "admin")  # made by the CLI while the link was in the mailbox
    with pytest.raises(FieldErrors) as refused:
        await invitations.accept(system(now), token, PASSWORD, PASSWORD)
    assert "Un compte existe déjà" in refused.value.fields["password"]
    assert (await invitations.open_invitation(token, now)).used_at is None
    assert await StaffUser.filter(email=ADDRESS).count() == 1
    assert await AuditEvent.filter(action="staff.create").count() == 2  # the two add_staff, no third
    await other.delete()  # the stray account removed: the link still works
    assert (await invitations.accept(system(now), token, PASSWORD, PASSWORD)).role == "assistant"


async def test_the_same_link_accepted_twice_makes_one_account(any_database, now):
    token = await invited(now)
    await invitations.accept(system(now), token, PASSWORD, PASSWORD)
    with pytest.raises(NotFound):
        await invitations.accept(system(now), token, PASSWORD, PASSWORD)
    assert await StaffUser.filter(email=ADDRESS).count() == 1


async def test_over_http_the_taken_address_is_said_on_the_page(client, new_client, now):
    user, _ = await add_staff(now)
    invitation = await invitations.invite(await staff_ctx(user, now), ADDRESS, "admin", None, [], SECRET_KEY)
    link = f"/admin/invitation/{invitations.unseal({'token_sealed': invitation.token_sealed}, SECRET_KEY)}"
    await add_staff(now, ADDRESS, "admin")
    async with new_client() as browser:
        answer = await post_form(browser, link, password=PASSWORD, confirmation=PASSWORD)
        assert answer.status_code == 422 and "Un compte existe déjà" in unescape(answer.text)
        assert (await browser.get(link)).status_code == 200  # not spent


async def test_two_accepts_at_once_make_one_account(any_database, now):
    token = await invited(now)
    results = await asyncio.gather(*(invitations.accept(system(now), token, PASSWORD, PASSWORD) for _ in range(2)),
                                   return_exceptions=True)
    assert sum(isinstance(result, StaffUser) for result in results) == 1
    assert all(isinstance(result, (StaffUser, NotFound, FieldErrors)) for result in results), results
    assert await StaffUser.filter(email=ADDRESS).count() == 1
