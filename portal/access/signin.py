"""Signing staff in: password, then a TOTP or recovery code when the account has one; OpenID
Connect matching; throttling; the audit trail of it all.

A refusal says as little as possible: an unknown address, a wrong password and a disabled
account give the same `SignInRefused("invalid")`, after the same argon2 work, and are counted
alike against the address typed and the client IP.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from tortoise.transactions import in_transaction

from portal.access import secrets as creds
from portal.access.models import SignInFailure, StaffUser
from portal.audit.record import record
from portal.context import Ctx

WINDOW = timedelta(minutes=15)
ACCOUNT_LIMIT = 5  # refusals per address typed within WINDOW
IP_LIMIT = 20  # refusals per client IP within WINDOW (a shared office may have several accounts)
MAX_EMAIL_LENGTH = 254


class SignInRefused(Exception):
    """`reason`: "invalid" (whatever was wrong) or "throttled"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def normalise_email(email: str) -> str:
    return email.strip().lower()[:MAX_EMAIL_LENGTH]


def account_key(email: str, secret_key: str) -> str:
    """A keyed hash of the address typed: counts refusals without storing the address."""
    return hmac.new(secret_key.encode(), b"sign-in:" + normalise_email(email).encode(), hashlib.sha256).hexdigest()


async def check_throttle(ctx: Ctx, key: str) -> None:
    since = ctx.now - WINDOW
    if (await SignInFailure.filter(account_key=key, at__gt=since).count() >= ACCOUNT_LIMIT
            or (ctx.ip and await SignInFailure.filter(ip=ctx.ip, at__gt=since).count() >= IP_LIMIT)):
        raise SignInRefused("throttled")


async def refuse(ctx: Ctx, key: str, user: StaffUser | None, *, source: str) -> SignInRefused:
    """Count the refusal, write it to the audit trail (the account's id when there is one, never
    the address typed) and forget refusals older than the window."""
    async with in_transaction() as conn:
        await SignInFailure.filter(at__lt=ctx.now - WINDOW).using_db(conn).delete()
        await SignInFailure.create(account_key=key, ip=ctx.ip[:45], at=ctx.now, using_db=conn)
        await record(conn, ctx, "staff.sign_in_failed", "staff", user.id if user else None,
                     practice_id=user.practice_id if user else None, source=source)
    return SignInRefused("invalid")


async def check_password(ctx: Ctx, email: str, password: str, secret_key: str) -> StaffUser:
    """The account these credentials open, or SignInRefused. Does not sign in yet: an account
    with a second factor must pass it first (check_second_factor)."""
    key = account_key(email, secret_key)
    await check_throttle(ctx, key)
    user = await StaffUser.get_or_none(email=normalise_email(email))
    matches = creds.password_matches(user.password_hash if user else "",
                                     password[: creds.MAX_PASSWORD_LENGTH])
    if user is None or not matches or user.disabled:
        raise await refuse(ctx, key, user, source="password")
    return user


async def check_second_factor(ctx: Ctx, user: StaffUser, code: str, secret_key: str) -> str:
    """A TOTP code (once per time step) or an unused recovery code (then spent). Returns how
    ("totp" or "recovery"), or raises SignInRefused."""
    key = account_key(user.email, secret_key)
    await check_throttle(ctx, key)
    await user.refresh_from_db()
    if not user.disabled:
        secret = creds.unseal_totp_secret(user.totp_secret_sealed, secret_key) or ""
        step = creds.totp_step(secret, code, ctx.now, user.totp_last_step)
        if step is not None:
            # Conditional update: of two simultaneous uses of one code, one wins.
            if await StaffUser.filter(id=user.id, totp_last_step__lt=step).update(totp_last_step=step):
                return "totp"
        elif creds.looks_like_recovery_code(code):
            if await spend_recovery_code(user, code):
                return "recovery"
    raise await refuse(ctx, key, user, source="second_factor")


async def spend_recovery_code(user: StaffUser, code: str) -> bool:
    digest = creds.recovery_code_hash(code)
    async with in_transaction() as conn:
        fresh = await StaffUser.filter(id=user.id).using_db(conn).select_for_update().first()
        if fresh is None or digest not in fresh.recovery_codes:
            return False
        remaining = [stored for stored in fresh.recovery_codes if stored != digest]
        await StaffUser.filter(id=user.id, recovery_codes=fresh.recovery_codes).using_db(conn).update(
            recovery_codes=remaining)
    user.recovery_codes = remaining
    return True


async def signed_in(ctx: Ctx, user: StaffUser, *, source: str) -> None:
    """The sign-in is complete (every factor passed): note it and audit it, as the staff member."""
    async with in_transaction() as conn:
        await StaffUser.filter(id=user.id).using_db(conn).update(last_sign_in_at=ctx.now)
        await record(conn, ctx, "staff.sign_in", "staff", user.id, practice_id=user.practice_id, source=source)


async def signed_out(ctx: Ctx, user: StaffUser) -> None:
    async with in_transaction() as conn:
        await record(conn, ctx, "staff.sign_out", "staff", user.id, practice_id=user.practice_id)
