"""Staff sign-in in the core: passwords, TOTP with a pinned clock, recovery codes, throttling,
the scope of each role, and what the audit trail keeps of it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.access import accounts, secrets as creds
from portal.access.models import StaffUser
from portal.access.signin import ACCOUNT_LIMIT, SignInRefused, check_password, check_second_factor
from portal.access.staff import staff_ctx
from portal.context import ActorKind
from portal.models import AuditEvent, Practitioner
from tests.access.helpers import PASSWORD, add_staff, totp_code
from tests.builders import SECRET_KEY, load_demo, system, visitor


@pytest.fixture
async def demo(any_database):
    await load_demo()


async def test_password_opens_the_account_and_a_wrong_one_does_not(demo, now):
    user, _ = await add_staff(now)
    assert (await check_password(visitor(now), "Admin@Cabinet-des-Lilas.example ", PASSWORD, SECRET_KEY)).id == user.id
    with pytest.raises(SignInRefused) as refused:
        await check_password(visitor(now), user.email, PASSWORD + "x", SECRET_KEY)
    assert refused.value.reason == "invalid"
    stored = await StaffUser.get(id=user.id)
    assert stored.password_hash.startswith("$argon2id$") and PASSWORD not in stored.password_hash


def test_production_hashes_passwords_with_argon2id_at_rfc_9106s_low_memory_profile():
    """(This process hashes at argon2's cheapest: tests/conftest.py.)"""
    from argon2 import Type

    from tests.conftest import PRODUCTION_HASHER
    assert (PRODUCTION_HASHER.type, PRODUCTION_HASHER.time_cost, PRODUCTION_HASHER.memory_cost,
            PRODUCTION_HASHER.parallelism) == (Type.ID, 3, 65536, 4)
    assert PRODUCTION_HASHER.hash("x").startswith("$argon2id$v=19$m=65536,t=3,p=4$")


async def test_unknown_account_and_disabled_account_are_refused_like_a_wrong_password(demo, now):
    user, _ = await add_staff(now)
    await accounts.disable(system(now), user)
    for email in ("nobody@example.org", user.email):
        with pytest.raises(SignInRefused) as refused:
            await check_password(visitor(now), email, PASSWORD, SECRET_KEY)
        assert refused.value.reason == "invalid"
    failed = await AuditEvent.filter(action="staff.sign_in_failed").order_by("id").values("object_id", "detail")
    assert [row["object_id"] for row in failed] == [None, user.id]
    assert "nobody" not in str(failed)


async def test_totp_code_of_the_pinned_time_works_once(demo, now):
    user, _ = await add_staff(now, totp=True)
    later = now + timedelta(minutes=5)
    assert await check_second_factor(visitor(later), user, totp_code(later), SECRET_KEY) == "totp"
    with pytest.raises(SignInRefused):  # the same code again (a replay)
        await check_second_factor(visitor(later), user, totp_code(later), SECRET_KEY)
    with pytest.raises(SignInRefused):  # a code of an hour before
        await check_second_factor(visitor(later + timedelta(seconds=30)), user, totp_code(now), SECRET_KEY)
    # The next time step's code is accepted.
    step_later = later + timedelta(seconds=30)
    assert await check_second_factor(visitor(step_later), user, totp_code(step_later), SECRET_KEY) == "totp"


async def test_a_recovery_code_works_once(demo, now):
    user, codes = await add_staff(now, totp=True)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert await check_second_factor(visitor(now), user, codes[3].upper(), SECRET_KEY) == "recovery"
    with pytest.raises(SignInRefused):
        await check_second_factor(visitor(now), user, codes[3], SECRET_KEY)
    assert len((await StaffUser.get(id=user.id)).recovery_codes) == 9
    assert codes[4] not in str((await StaffUser.get(id=user.id)).recovery_codes)


async def test_the_totp_secret_is_sealed_at_rest(demo, now):
    user, _ = await add_staff(now, totp=True)
    stored = await StaffUser.get(id=user.id)
    assert "JBSWY3DP" not in stored.totp_secret_sealed
    assert creds.unseal_totp_secret(stored.totp_secret_sealed, SECRET_KEY) == "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    assert creds.unseal_totp_secret(stored.totp_secret_sealed, SECRET_KEY + "other") is None


async def test_sign_in_is_throttled_per_account_known_or_not(demo, now):
    user, _ = await add_staff(now)
    for email in (user.email, "nobody@example.org"):
        for _ in range(ACCOUNT_LIMIT):
            with pytest.raises(SignInRefused):
                await check_password(visitor(now, ip=f"198.51.100.{len(email)}"), email, "wrong", SECRET_KEY)
        with pytest.raises(SignInRefused) as refused:  # even with the right password now
            await check_password(visitor(now, ip="192.0.2.99"), email, PASSWORD, SECRET_KEY)
        assert refused.value.reason == "throttled"
    # A quarter of an hour later, the account opens again.
    assert await check_password(visitor(now + timedelta(minutes=15)), user.email, PASSWORD, SECRET_KEY)


async def test_sign_in_is_throttled_per_ip(demo, now):
    await add_staff(now)
    for number in range(20):
        with pytest.raises(SignInRefused):
            await check_password(visitor(now), f"guess{number}@example.org", "wrong", SECRET_KEY)
    with pytest.raises(SignInRefused) as refused:
        await check_password(visitor(now), "admin@cabinet-des-lilas.example", PASSWORD, SECRET_KEY)
    assert refused.value.reason == "throttled"
    assert await check_password(visitor(now, ip="192.0.2.1"), "admin@cabinet-des-lilas.example", PASSWORD, SECRET_KEY)


async def test_each_role_gets_its_scope(demo, now):
    osteo = await Practitioner.get(slug="camille-martin")
    audio = await Practitioner.get(slug="hugo-bernard")
    admin, _ = await add_staff(now)
    practitioner, _ = await add_staff(now, "camille@example.org", "practitioner", practitioner="camille-martin")
    assistant, _ = await add_staff(now, "assistant@example.org", "assistant", grants=("hugo-bernard",))
    lonely, _ = await add_staff(now, "new@example.org", "assistant")
    scopes = {user.email: (await staff_ctx(user, now, "203.0.113.1")) for user in (admin, practitioner, assistant, lonely)}
    ctx = scopes[admin.email]
    assert ctx.actor.kind == ActorKind.STAFF and ctx.actor.name == str(admin.id) and ctx.actor.role == "admin"
    assert ctx.channel == "admin" and ctx.ip == "203.0.113.1"
    assert ctx.scope.practice_ids == {osteo.practice_id} and ctx.scope.practitioner_ids is None
    assert scopes[practitioner.email].scope.practitioner_ids == {osteo.id}
    assert scopes[assistant.email].scope.practitioner_ids == {audio.id}
    assert scopes["new@example.org"].scope.practitioner_ids == frozenset()
    assert not scopes["new@example.org"].scope.allows(osteo.practice_id, osteo.id)


async def test_a_practitioner_account_needs_its_practitioner_and_the_address_is_checked(demo, now):
    from portal.models import Practice

    practice = await Practice.get(slug="cabinet-des-lilas")
    with pytest.raises(accounts.AccountError):
        await accounts.add_user(system(now), "p@example.org", "practitioner", practice)
    with pytest.raises(accounts.AccountError):
        await accounts.add_user(system(now), "not an address", "admin", practice)
    with pytest.raises(accounts.AccountError):
        await accounts.add_user(system(now), "x@example.org", "owner", practice)
    await add_staff(now)
    with pytest.raises(accounts.AccountError):
        await accounts.add_user(system(now), "ADMIN@cabinet-des-lilas.example", "admin", practice)
