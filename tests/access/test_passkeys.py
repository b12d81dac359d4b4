"""Passkeys in the core, with a software authenticator: registration, sign-in, and refusals for
a replayed challenge, a challenge never issued, another origin, no user verification, an
unknown credential and a disabled account."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.access import accounts, passkeys
from portal.access.models import StaffPasskey
from portal.access.signin import SignInRefused
from portal.access.staff import staff_ctx
from portal.models import AuditEvent
from tests.access.helpers import add_staff
from tests.access.soft_authenticator import SoftAuthenticator
from tests.builders import SECRET_KEY, load_demo, system, visitor

RP = passkeys.RelyingParty(id="rdv.example.fr", origin="https://rdv.example.fr")


@pytest.fixture
async def enrolled(any_database, now):
    """An administrator with a passkey on a software authenticator."""
    await load_demo()
    user, _ = await add_staff(now)
    device = SoftAuthenticator(origin=RP.origin, rp_id=RP.id)
    ctx = await staff_ctx(user, now)
    await passkeys.register(ctx, user, device.create(await passkeys.registration_options(ctx, user, RP)), RP)
    return user, device


async def sign_in_with(device: SoftAuthenticator, now, rp=RP):
    options = await passkeys.authentication_options(visitor(now), rp)
    return await passkeys.authenticate(visitor(now), device.get(options), rp, SECRET_KEY)


async def test_a_registered_passkey_signs_in(enrolled, now):
    user, device = enrolled
    assert (await sign_in_with(device, now)).id == user.id
    stored = await StaffPasskey.get(staff_id=user.id)
    assert stored.sign_count == 1 and stored.last_used_at == now
    assert await AuditEvent.filter(action="staff.passkey_added", object_id=user.id).count() == 1


async def test_a_challenge_is_accepted_once(enrolled, now):
    _, device = enrolled
    options = await passkeys.authentication_options(visitor(now), RP)
    answer = device.get(options)
    assert await passkeys.authenticate(visitor(now), answer, RP, SECRET_KEY)
    with pytest.raises(SignInRefused):
        await passkeys.authenticate(visitor(now), answer, RP, SECRET_KEY)


async def test_a_challenge_the_server_never_issued_or_an_old_one_is_refused(enrolled, now):
    _, device = enrolled
    forged = '{"challenge": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}'
    with pytest.raises(SignInRefused):
        await passkeys.authenticate(visitor(now), device.get(forged), RP, SECRET_KEY)
    options = await passkeys.authentication_options(visitor(now), RP)
    with pytest.raises(SignInRefused):
        await passkeys.authenticate(visitor(now + timedelta(minutes=6)), device.get(options), RP, SECRET_KEY)


async def test_another_origin_is_refused(enrolled, now):
    """What a phishing site relaying the ceremony would send."""
    _, device = enrolled
    device.origin = "https://rdv-example.fr.evil.example"
    with pytest.raises(SignInRefused):
        await sign_in_with(device, now)


async def test_without_user_verification_it_is_refused(enrolled, now):
    _, device = enrolled
    device.user_verified = False
    with pytest.raises(SignInRefused):
        await sign_in_with(device, now)


async def test_an_unknown_passkey_or_a_disabled_account_is_refused(enrolled, now):
    user, _ = enrolled
    with pytest.raises(SignInRefused):
        await sign_in_with(SoftAuthenticator(origin=RP.origin, rp_id=RP.id), now)
    _, device = enrolled
    await accounts.disable(system(now), user)
    with pytest.raises(SignInRefused):
        await sign_in_with(device, now)
    failed = await AuditEvent.filter(action="staff.sign_in_failed").values_list("detail", flat=True)
    assert failed == [{"source": "passkey"}, {"source": "passkey"}]


async def test_a_registration_answer_for_another_account_is_refused(enrolled, now):
    user, _ = enrolled
    other, _ = await add_staff(now, "other@cabinet-des-lilas.example")
    ctx = await staff_ctx(user, now)
    answer = SoftAuthenticator(origin=RP.origin, rp_id=RP.id).create(await passkeys.registration_options(ctx, user, RP))
    with pytest.raises(passkeys.PasskeyRefused):  # the challenge was issued to `user`, not `other`
        await passkeys.register(await staff_ctx(other, now), other, answer, RP)
