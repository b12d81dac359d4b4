"""Server-side sessions of the back-office. The browser holds a random token; the table holds its
SHA-256, the account, when it began and was last used, and from where. A session ends after
`idle` without use, after `absolute` whatever happens, or on sign-out (its row deleted)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.expressions import Q

from portal.access.models import StaffSession, StaffUser
from portal.tokens import new_token, token_hash

# Between the password and the second factor: long enough to open an authenticator app.
PENDING_MAX = timedelta(minutes=5)
MAX_TOKEN_LENGTH = 128


@dataclass(frozen=True)
class Lifetimes:
    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=12)


@dataclass(frozen=True)
class Session:
    row: StaffSession
    user: StaffUser


# Beyond the largest lifetimes the settings allow (a day idle, a week in all): surely dead.
FORGOTTEN_IDLE, FORGOTTEN_AGE = timedelta(days=1), timedelta(days=7)


async def open_session(user: StaffUser, now: datetime, ip: str, *, verified: bool) -> str:
    """A new session and its token (shown once, to be set as the cookie). Sessions nobody
    presented again (a closed browser) are deleted on the way: each sign-in tidies up."""
    await StaffSession.filter(Q(last_seen_at__lt=now - FORGOTTEN_IDLE) | Q(created_at__lt=now - FORGOTTEN_AGE)).delete()
    token = new_token()
    await StaffSession.create(token_hash=token_hash(token), staff_id=user.id, verified=verified, created_at=now,
                              last_seen_at=now, ip=ip[:45])
    return token


async def find_session(token: str | None, now: datetime, lifetimes: Lifetimes) -> Session | None:
    """The live session of this token (its last use moved to `now`), or None. An expired
    session, or one of a disabled account, is deleted on the way."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    row = await StaffSession.filter(token_hash=token_hash(token)).select_related("staff").first()
    if row is None:
        return None
    absolute = lifetimes.absolute if row.verified else PENDING_MAX
    if now - row.last_seen_at >= lifetimes.idle or now - row.created_at >= absolute or row.staff.disabled:
        await row.delete()
        return None
    # Written at most once a minute: a page of the agenda need not be a write.
    if now - row.last_seen_at >= timedelta(minutes=1):
        await StaffSession.filter(id=row.id).update(last_seen_at=now)
        row.last_seen_at = now
    return Session(row, row.staff)


async def close_session(token: str | None) -> None:
    if token and len(token) <= MAX_TOKEN_LENGTH:
        await StaffSession.filter(token_hash=token_hash(token)).delete()


async def close_all_sessions(user: StaffUser) -> int:
    """Every session of the account (password or second factor reset, account disabled)."""
    return await StaffSession.filter(staff_id=user.id).delete()
