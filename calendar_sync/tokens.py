"""Feed tokens: create, list, rotate, revoke. The token is shown once, at creation; only its
SHA-256 is stored. Rotating revokes the old token in the same transaction. A feed token opens a
practitioner's agenda: each change is checked against the acting context's scope and recorded
in the audit trail (never the token itself)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from tortoise.transactions import in_transaction

from calendar_sync.models import FeedLevel, FeedToken
from portal import access
from portal.audit.record import record as audit
from portal.context import Ctx
from portal.db import retry_locked
from portal.errors import NotAllowed, NotFound
from portal.models import Practitioner
from portal.tokens import new_token, token_hash


@dataclass(frozen=True)
class IssuedToken:
    row: FeedToken
    token: str  # the secret, never stored

    def urls(self, base_url: str) -> tuple[str, str]:
        return feed_urls(base_url, self.token)


def feed_urls(base_url: str, token: str) -> tuple[str, str]:
    """The feed URL and the same with `webcal://`, which calendar apps open as a subscription."""
    http_url = f"{base_url.rstrip('/')}/feeds/{token}.ics"
    parts = urlsplit(http_url)
    return http_url, "webcal://" + http_url[len(parts.scheme) + 3:]


async def _practitioner(ctx: Ctx, slug: str) -> tuple[int, int]:
    """(practitioner id, practice id) of a practitioner the context may touch."""
    rows = await access.scoped(ctx, Practitioner.filter(slug=slug), practitioner="id").values_list("id", "practice_id")
    if not rows:
        raise NotFound(f"Praticien introuvable : {slug}")
    return rows[0]


async def _audit(conn, ctx: Ctx, action: str, row: FeedToken, practice_id: int) -> None:
    await audit(conn, ctx, action, "feed_token", row.id, practice_id=practice_id,
                practitioner_id=row.practitioner_id, level=FeedLevel(row.level).value)


async def create_feed_token(ctx: Ctx, practitioner: str, *, level: str = "busy", label: str = "") -> IssuedToken:
    practitioner_id, practice_id = await _practitioner(ctx, practitioner)
    token = new_token()

    async def create() -> FeedToken:
        async with in_transaction() as conn:
            row = await FeedToken.create(practitioner_id=practitioner_id, token_hash=token_hash(token),
                                         level=FeedLevel(level), label=label, created_at=ctx.now, using_db=conn)
            await _audit(conn, ctx, "feed_token.create", row, practice_id)
            return row

    return IssuedToken(await retry_locked(create), token)


async def list_feed_tokens(ctx: Ctx, practitioner: str | None = None, *, include_revoked: bool = False
                           ) -> list[FeedToken]:
    query = access.scoped(ctx, FeedToken.all(), practice="practitioner__practice_id", practitioner="practitioner_id")
    query = query.select_related("practitioner").order_by("id")
    if practitioner:
        query = query.filter(practitioner_id=(await _practitioner(ctx, practitioner))[0])
    if not include_revoked:
        query = query.filter(revoked_at=None)
    return await query


async def _active(ctx: Ctx, token_id: int, conn=None) -> tuple[FeedToken, int]:
    """The token if the context may touch it and it is still valid, with its practice's id."""
    query = access.scoped(ctx, FeedToken.filter(id=token_id), practice="practitioner__practice_id",
                          practitioner="practitioner_id")
    row = await query.using_db(conn).select_related("practitioner").first()
    if row is None:
        raise NotFound(f"Jeton de flux introuvable : {token_id}")
    if row.revoked_at is not None:
        raise NotAllowed(f"Le jeton de flux {token_id} est déjà révoqué.")
    return row, row.practitioner.practice_id


async def active_feed_token(ctx: Ctx, token_id: int) -> FeedToken:
    """A still valid token the context may touch, with its practitioner (for a confirmation page)."""
    return (await _active(ctx, token_id))[0]


async def revoke_feed_token(ctx: Ctx, token_id: int) -> FeedToken:
    async def transaction() -> FeedToken:
        async with in_transaction() as conn:
            row, practice_id = await _active(ctx, token_id, conn)
            await FeedToken.filter(id=token_id, revoked_at=None).using_db(conn).update(revoked_at=ctx.now)
            row.revoked_at = ctx.now
            await _audit(conn, ctx, "feed_token.revoke", row, practice_id)
            return row

    return await retry_locked(transaction)


async def rotate_feed_token(ctx: Ctx, token_id: int) -> IssuedToken:
    """A new secret with the same practitioner, level and label; the old one answers 404."""
    token = new_token()

    async def transaction() -> FeedToken:
        async with in_transaction() as conn:
            old, practice_id = await _active(ctx, token_id, conn)
            await FeedToken.filter(id=token_id).using_db(conn).update(revoked_at=ctx.now)
            await _audit(conn, ctx, "feed_token.revoke", old, practice_id)
            row = await FeedToken.create(practitioner_id=old.practitioner_id, token_hash=token_hash(token),
                                         level=old.level, label=old.label, created_at=ctx.now, using_db=conn)
            await _audit(conn, ctx, "feed_token.create", row, practice_id)
            return row

    return IssuedToken(await retry_locked(transaction), token)
